"""google-genai / Google ADK message parts as text sinks (rules/flows.yaml ``text-sinks``).

An ADK agent is sent ``types.Content(role="user", parts=[types.Part(text=...)])`` with
``runner.run_async(new_message=...)``: the framework builds the request, so the part's text is
judged where it is written, like a LangChain ``HumanMessage``. Data rendered into a part (records
of a DataFrame serialised with ``json.dumps``, ``Part.from_text(text=df.to_markdown())``) reaches
the data rules (LA301, LA302), instruction text the prompt rules. Look-alikes stay silent: a part
holding the model's own answer from a variable, a bounded frame, a dict of totals, a project class
named ``Part``.
"""

from __future__ import annotations

COACH = '''
    import json

    import pandas as pd
    from google.adk.runners import Runner
    from google.genai import types


    class FinanceAdvisor:
        def __init__(self, runner: Runner):
            self.runner = runner

        async def analyze(self, session, upload) -> list:
            transactions_df = pd.read_csv(upload)
            records = transactions_df.to_dict("records")
            user_content = types.Content(
                role="user",
                parts=[types.Part(text=json.dumps({"transactions": records, "monthly_income": 4200}))],
            )
            events = []
            async for event in self.runner.run_async(user_id="u1", session_id=session.id, new_message=user_content):
                events.append(event)
            return events

        async def explain(self, session, upload):
            df = pd.read_csv(upload)
            note = types.Part.from_text(text=f"Please carefully review the following ledger:\\n{df.to_markdown()}")
            return self.runner.run_async(user_id="u1", session_id=session.id, new_message=types.Content(role="user", parts=[note]))
'''

APP = '''
    import asyncio
    import json

    import pandas as pd
    import streamlit as st
    from google.adk.runners import Runner
    from google.genai import types


    class FinanceAdvisorSystem:
        def __init__(self, agent, sessions):
            self.runner = Runner(agent=agent, app_name="finance_advisor", session_service=sessions)

        async def analyze_finances(self, financial_data: dict) -> list:
            user_content = types.Content(role="user", parts=[types.Part(text=json.dumps(financial_data))])
            return [e async for e in self.runner.run_async(user_id="u1", session_id="s1", new_message=user_content)]


    class AuditLog:
        async def analyze_finances(self, financial_data: dict) -> None:
            print(json.dumps(financial_data))


    def main(agent, sessions):
        transactions_df = None
        upload = st.file_uploader("Choose your CSV file", type=["csv"])
        if upload is not None:
            transactions_df = pd.DataFrame(pd.read_csv(upload))
        else:
            transactions_df = None
        financial_data = {
            "monthly_income": st.number_input("Monthly income"),
            "transactions": transactions_df.to_dict("records") if transactions_df is not None else None,
        }
        log = AuditLog()
        log.analyze_finances({"rows": transactions_df.to_dict("records")})
        finance_system = FinanceAdvisorSystem(agent, sessions)
        return asyncio.run(finance_system.analyze_finances(financial_data))
'''

QUIET = '''
    import json

    import pandas as pd
    from google.genai import types


    class Part:  # the project's own class, not google-genai's
        def __init__(self, text):
            self.text = text


    def history(answer: str, upload) -> list:
        df = pd.read_csv(upload)
        totals = {"spent": float(df["Amount"].sum()), "count": len(df)}
        return [
            types.Content(role="model", parts=[types.Part(text=answer)]),
            types.Content(role="user", parts=[types.Part(text=json.dumps(totals))]),
            types.Content(role="user", parts=[types.Part.from_text(text=df.head(20).to_markdown())]),
            Part(text=df.to_markdown()),
        ]
'''


def codes(result):
    return sorted((f.code, f.path, f.line) for f in result.findings)


def test_records_and_renderings_in_adk_parts_reach_the_data_and_prompt_rules(project):
    result = project({"app/__init__.py": "", "app/coach.py": COACH}, select=["LA301", "LA201"])
    assert codes(result) == [
        ("LA201", "app/coach.py", 27), ("LA201", "app/coach.py", 27),
        ("LA301", "app/coach.py", 15), ("LA301", "app/coach.py", 27),
    ]
    frames = {f.line: f for f in result.findings if f.code == "LA301"}
    assert "to_dict" in frames[15].message and "to_markdown" in frames[27].message
    fillers = sorted(f.message.split('"')[1] for f in result.findings if f.code == "LA201")
    assert fillers == ["Please carefully review", "the following ledger:"]


def test_a_dict_built_by_the_caller_reaches_the_part_of_a_method(project):
    """The real shape (awesome-llm-apps' financial coach): the records are put in a dict in ``main()``,
    handed to a method of the runner's class, serialised into the part there; the frame is ``None``
    until a file is uploaded. The same records given to another class's method of the same name are not
    sent."""
    result = project({"app/__init__.py": "", "app/coach.py": APP}, select=["LA301"])
    assert codes(result) == [("LA301", "app/coach.py", 34)]  # where the rows leave the frame; line 37 is not sent


def test_answers_totals_bounded_frames_and_own_part_classes_stay_silent(project):
    result = project({"app/__init__.py": "", "app/history.py": QUIET}, select=["LA301", "LA302", "LA201"])
    assert codes(result) == []
