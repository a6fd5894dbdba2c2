"""LA601 unstructured-output-parsing, LA602 unbounded-history, LA604 missing-timeout."""

from __future__ import annotations

import textwrap

from conftest import codes, notebook


def _by_code(result, code):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA601
def test_json_loads_on_the_response_through_a_variable(project):
    result = project(
        {
            "app/themes.py": """
                import json

                from openai import OpenAI

                client = OpenAI(timeout=30)


                def themes(reviews: str) -> list[dict]:
                    resp = client.chat.completions.create(
                        model="gpt-4o-mini",
                        max_tokens=800,
                        messages=[{"role": "user", "content": "Return JSON with a themes list for: " + reviews}],
                    )
                    raw = resp.choices[0].message.content
                    cleaned = raw.strip().removeprefix("```json").removesuffix("```")
                    return json.loads(cleaned)["themes"]
            """,
        },
        select=["LA601"],
    )
    assert codes(result) == ["LA601"]
    f = result.findings[0]
    assert (f.path, f.line) == ("app/themes.py", 17)
    assert f.call_site_id == "app/themes.py::themes#1"
    assert "json.loads" in f.message and "response_format" in f.message


def test_parse_in_a_caller_in_another_module(project):
    result = project(
        {
            "app/__init__.py": "",
            "app/llm.py": """
                import anthropic


                class Assistant:
                    def __init__(self):
                        self.client = anthropic.AsyncAnthropic()

                    async def classify_ticket(self, text: str) -> str:
                        msg = await self.client.messages.create(
                            model="claude-haiku-4-5", max_tokens=50,
                            messages=[{"role": "user", "content": f"Classify as JSON {{\\"queue\\": ...}}: {text}"}],
                        )
                        return msg.content[0].text
            """,
            "app/router.py": """
                import json

                import anthropic  # for anthropic.APIError below

                from app.llm import Assistant


                async def route(text: str) -> str:
                    try:
                        answer = await Assistant().classify_ticket(text)
                    except anthropic.APIError:
                        return "human"
                    return json.loads(answer)["queue"]
            """,
        },
        select=["LA601"],
    )
    assert codes(result) == ["LA601"]
    f = result.findings[0]
    assert (f.path, f.line) == ("app/router.py", 14)
    assert f.call_site_id == "app/llm.py::Assistant.classify_ticket#1"
    assert "tool" in f.message  # the Anthropic suggestion


def test_regex_and_compiled_pattern_on_gemini_text(project):
    result = project(
        {
            "score.py": """
                import re

                from google import genai

                client = genai.Client()
                SCORE = re.compile(r"Score: (\\d)")


                def score(review: str) -> int:
                    resp = client.models.generate_content(model="gemini-2.5-flash", contents=f"Rate 1-5: {review}",
                                                          config={"max_output_tokens": 10})
                    m = SCORE.search(resp.text)
                    return int(m.group(1)) if m else 0
            """,
        },
        select=["LA601"],
    )
    assert codes(result) == ["LA601"]
    assert "SCORE.search" in result.findings[0].message and "response_mime_type" in result.findings[0].message


def test_structured_requests_and_tool_arguments_are_fine(project):
    result = project(
        {
            "ok.py": """
                import json

                from openai import OpenAI
                from pydantic import BaseModel

                client = OpenAI()


                class Themes(BaseModel):
                    themes: list[str]


                def with_schema(text):
                    resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}],
                                                          response_format={"type": "json_schema", "json_schema": {"name": "t", "schema": {}}})
                    return json.loads(resp.choices[0].message.content)


                def with_parse(text):
                    resp = client.chat.completions.parse(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}], response_format=Themes)
                    return resp.choices[0].message.parsed


                def with_tools(text, tools):
                    resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}], tools=tools)
                    return json.loads(resp.choices[0].message.tool_calls[0].function.arguments)


                def with_kwargs(text, **options):
                    resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}], **options)
                    return json.loads(resp.choices[0].message.content)


                def not_the_response(text):
                    resp = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": text}])
                    settings = json.loads(open("settings.json").read())
                    return resp.choices[0].message.content, settings
            """,
        },
        select=["LA601"],
    )
    assert codes(result) == []


def test_notebook_parse_in_a_later_cell_keeps_its_cell(project):
    nb = notebook(
        "import json\nfrom openai import OpenAI\nclient = OpenAI()\n",
        "resp = client.chat.completions.create(model='gpt-4o-mini', max_tokens=200, messages=[{'role': 'user', 'content': 'List 3 colours as JSON'}])\n"
        "text = resp.choices[0].message.content\n",
        "print(text)\n\ncolours = json.loads(text)\n",
    )
    result = project({"explore.ipynb": nb}, select=["LA601"])
    assert codes(result) == ["LA601"]
    f = result.findings[0]
    assert (f.cell, f.line, f.column) == (2, 3, 11)
    assert f.call_site_id == "explore.ipynb::<module>#1"


def test_a_model_held_by_an_agent_given_an_output_schema_is_structured(project):
    # browser_use: the Controller's output_model makes the agent's final result JSON of that model;
    # the same agent without one returns free text, and its parse is still reported
    src = """
        import asyncio
        from pydantic import BaseModel
        from browser_use import Agent as BrowserAgent, Controller
        from langchain_openai import ChatOpenAI


        class Results(BaseModel):
            titles: list[str]


        def search(task: str) -> Results:
            controller = Controller(output_model=Results)
            agent = BrowserAgent(task=task, llm=ChatOpenAI(model="gpt-4o", max_tokens=2000), controller=controller)
            history = asyncio.run(agent.run(max_steps=15))
            return Results.model_validate_json(history.final_result())


        def search_free_text(task: str) -> Results:
            agent = BrowserAgent(task=task, llm=ChatOpenAI(model="gpt-4o", max_tokens=2000))
            history = asyncio.run(agent.run(max_steps=15))
            return Results.model_validate_json(history.final_result())
    """
    result = project({"search.py": textwrap.dedent(src)}, select=["LA601"])
    assert [(f.code, f.line) for f in result.findings] == [("LA601", 22)]


# ---------------------------------------------------------------- LA602
def test_chat_loop_growing_history(project):
    result = project(
        {
            "cli_chat.py": """
                from openai import OpenAI

                client = OpenAI()


                def main():
                    messages = [{"role": "system", "content": "You are a cooking assistant."}]
                    while True:
                        question = input("> ")
                        messages.append({"role": "user", "content": question})
                        reply = client.chat.completions.create(model="gpt-4o-mini", max_tokens=500, messages=messages)
                        messages.append(reply.choices[0].message)
                        print(reply.choices[0].message.content)
            """,
        },
        select=["LA602", "LA503"],
    )
    assert codes(result) == ["LA602"]  # a chat loop is not batch work
    f = result.findings[0]
    assert f.line == 12 and "`messages`" in f.message and "line 11" in f.message and "loop at line 9" in f.message
    assert "messages[-20:]" in f.message


def test_history_on_self_grows_per_call(project):
    result = project(
        {
            "bot.py": """
                import anthropic


                class Bot:
                    def __init__(self):
                        self.client = anthropic.Anthropic()
                        self.history = []

                    def ask(self, text):
                        self.history += [{"role": "user", "content": text}]
                        msg = self.client.messages.create(model="claude-haiku-4-5", max_tokens=300,
                                                          system="Be brief.", messages=self.history)
                        self.history.append({"role": "assistant", "content": msg.content[0].text})
                        return msg.content[0].text
            """,
        },
        select=["LA602"],
    )
    assert codes(result) == ["LA602"]
    assert "on every call of `ask`" in result.findings[0].message


def test_bounded_histories_are_fine(project):
    result = project(
        {
            "bounded.py": """
                from collections import deque

                from openai import OpenAI

                client = OpenAI()


                def sliced(turns):
                    history = []
                    for t in turns:
                        history.append({"role": "user", "content": t})
                        client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=history[-10:])


                def popped(turns):
                    history = []
                    for t in turns:
                        history.append({"role": "user", "content": t})
                        if len(history) > 30:
                            history.pop(0)
                        client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=history)


                def rebuilt(turns):
                    for t in turns:
                        history = [{"role": "user", "content": t}]
                        history.append({"role": "user", "content": "Answer briefly."})
                        client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=history)


                class Bot:
                    def __init__(self):
                        self.history = deque(maxlen=20)

                    def ask(self, text):
                        self.history.append({"role": "user", "content": text})
                        return client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=list(self.history))
            """,
        },
        select=["LA602"],
    )
    assert codes(result) == []


def test_history_spread_into_the_messages(project):
    result = project(
        {
            "spread.py": """
                from openai import OpenAI

                client = OpenAI()
                SYSTEM = {"role": "system", "content": "Be brief."}


                def chat(turns):
                    past = []
                    for t in turns:
                        past.append({"role": "user", "content": t})
                        r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[SYSTEM, *past])
                        past.append({"role": "assistant", "content": r.choices[0].message.content})
            """,
        },
        select=["LA602"],
    )
    assert codes(result) == ["LA602"]
    assert "`past`" in result.findings[0].message


# ---------------------------------------------------------------- LA604
CLIENTS = {
    "clients.py": """
        import anthropic
        from google import genai
        from google.genai import types
        from openai import AsyncOpenAI, OpenAI

        plain = OpenAI()
        tuned = OpenAI(timeout=20, max_retries=3)
        claude = anthropic.Anthropic(max_retries=5)
        gemini = genai.Client(http_options=types.HttpOptions(timeout=30_000))
        gemini_default = genai.Client()


        def make(**options):
            return AsyncOpenAI(**options)
    """,
}


def test_missing_timeout_is_off_by_default(project):
    assert "LA604" not in codes(project(CLIENTS))
    assert "LA604" not in codes(project(CLIENTS, select=["LA6"]))  # a prefix does not turn it on


def test_missing_timeout_when_selected(project):
    for selector in ("LA604", "missing-timeout"):
        result = project(CLIENTS, select=[selector])
        got = [(f.line, f.message.split("`")[1]) for f in result.findings]
        assert got == [(7, "OpenAI(...)"), (9, "Anthropic(...)"), (11, "Client(...)")], got
    assert "10 minutes per request, retried twice" in result.findings[0].message


def test_missing_timeout_via_policy_select(project):
    result = project(CLIENTS, policy="extend-select: [LA604]\n")
    assert sorted({f.code for f in result.findings} & {"LA604"}) == ["LA604"]


def test_litellm_and_langchain_call_sites(project):
    files = {
        "chains.py": textwrap.dedent(
            """
            import litellm
            from langchain_openai import ChatOpenAI

            fast = ChatOpenAI(model="gpt-4o-mini", max_tokens=200)
            patient = ChatOpenAI(model="gpt-4o-mini", max_tokens=200, timeout=30)


            def ask(q):
                return litellm.completion(model="gpt-4o-mini", max_tokens=200, messages=[{"role": "user", "content": q}], timeout=15)


            def ask_slow(q):
                return litellm.completion(model="gpt-4o-mini", max_tokens=200, messages=[{"role": "user", "content": q}])
            """
        )
    }
    result = project(files, select=["LA604"])
    assert [f.line for f in result.findings] == [5, 14]
