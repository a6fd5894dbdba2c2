"""Derived call sites: requests sent through project wrappers, helpers and class hierarchies.

Each test writes a small multi-module app the way people write LLM code (the SDK call in one
module, the prompt written in another) and checks that every finding appears where its cause
is written - the caller's literal, the wrapper's call, the loop at the caller - with the right
tokens, and that look-alikes (helpers that never reach the SDK) stay silent.
"""

from __future__ import annotations

import textwrap

from conftest import cli

from auditor.cost.tokens import count_tokens

LLM = """
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt, model="gpt-4o", max_tokens=None):
        resp = client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": "You are a terse analyst."},
                {"role": "user", "content": prompt},
            ],
            max_tokens=max_tokens,
        )
        return resp.choices[0].message.content


    def summarize(text):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])


    def shout(text):
        return text.upper()  # never reaches the SDK
"""


def where(result, code=None):
    return sorted((f.code, f.path, f.line) for f in result.findings if code is None or f.code == code)


def test_wrapper_in_another_module_reports_at_the_caller(project):
    result = project({
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/main.py": """
            from app.llm import ask, shout, summarize


            def run(reviews):
                for r in reviews:
                    print(ask(f"Please analyze the following data carefully and provide insights: {r}"))
                summarize("I would like you to summarize this.")
                shout("I would like you to shout this.")  # not a prompt: shout() sends nothing
        """,
    }, select=["LA101", "LA201", "LA503"])
    assert where(result) == [
        ("LA101", "app/llm.py", 20),  # summarize() never forwards a cap: once, at its SDK call
        ("LA101", "app/main.py", 7),  # ask() forwards max_tokens, defaulting to None: the caller's
        ("LA201", "app/main.py", 7),
        ("LA201", "app/main.py", 8),
        ("LA503", "app/main.py", 7),  # the loop that calls ask() is at the caller
    ]
    by = {(f.code, f.line): f for f in result.findings if f.path == "app/main.py"}
    verbose = by[("LA201", 7)]
    assert "(via ask() -> chat.completions.create)" in verbose.message
    assert [(r.path, r.line) for r in verbose.related] == [("app/llm.py", 8)]
    saved = count_tokens("Please analyze the following data carefully and provide insights: ", "gpt-4o").tokens - count_tokens("Analyze this data: ", "gpt-4o").tokens
    assert saved > 0 and f"saves {saved} tokens per call" in verbose.message  # exact, at the caller's model (gpt-4o)
    wrapper_cap = next(f for f in result.findings if f.path == "app/llm.py")
    assert [(r.path, r.line) for r in wrapper_cap.related] == [("app/main.py", 8)]
    assert "reached from 1 call site" in wrapper_cap.message
    caller_cap = by[("LA101", 7)]
    assert "`max_tokens` defaults to None" in caller_cap.message
    # the caller's fix adds the wrapper's own parameter; the wrapper's fix adds the SDK's
    assert caller_cap.fix is not None and [e.content for e in caller_cap.fix.edits] == [", max_tokens=1024"]
    assert wrapper_cap.fix is not None and "max_tokens=1024" in wrapper_cap.fix.edits[0].content
    # the derived requests are the project's requests; the SDK calls inside the wrappers stand for them
    sites = {s.id: s for s in result.project.call_sites()}
    assert set(sites) == {"app/main.py::run#1", "app/main.py::run#2"}
    assert sites["app/main.py::run#1"].model_name == "gpt-4o"
    assert sites["app/main.py::run#2"].model_name == "gpt-4o-mini"


def test_caller_passing_the_cap_and_model_is_judged_with_them(project):
    result = project({
        "app/__init__.py": "",
        "app/llm.py": LLM.replace('model="gpt-4o-mini"', 'model="gpt-6-luna"'),  # a current model: no LA402 of its own
        "app/jobs.py": """
            from app import llm


            def label(text):
                return llm.ask(f"Answer with one word: positive or negative. {text}", model="gpt-3.5-turbo-0301", max_tokens=5)
        """,
    }, select=["LA101", "LA402"])
    # capped at the caller: no LA101 there (summarize(), never called, is a request of its own);
    # the retired model is the caller's argument: LA402 there
    assert where(result) == [("LA101", "app/llm.py", 20), ("LA402", "app/jobs.py", 6)]


def test_fix_adds_the_forwarded_cap_at_the_caller_and_the_text_fix_in_the_literal(project):
    project({"app/__init__.py": "", "app/llm.py": LLM, "app/main.py": """
        from app.llm import ask


        def go(q):
            return ask(f"I would like you to answer: {q}")
    """}, select=["LA101", "LA201"])
    done = cli("fix", "--unsafe-fixes", "--select", "LA101,LA201", "--no-cache", ".", cwd=project.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project.root / "app/main.py").read_text().splitlines()[-1] == '    return ask(f"Answer: {q}", max_tokens=1024)'
    again = cli("check", "--select", "LA101,LA201", "--no-cache", ".", cwd=project.root)
    assert again.returncode == 0, again.stdout


def test_get_completion_helper_with_messages_and_params(project):
    result = project({
        "helpers.py": """
            from openai import OpenAI

            client = OpenAI()


            def get_completion(messages, model="gpt-4o", **params):
                response = client.chat.completions.create(model=model, messages=messages, **params)
                return response.choices[0].message.content
        """,
        "notebook_code.py": """
            from helpers import get_completion

            capped = get_completion([
                {"role": "system", "content": "You are a helpful tutor."},
                {"role": "user", "content": "Please explain recursion in detail."},
            ], max_tokens=300, temperature=0)
            free = get_completion([{"role": "user", "content": "In order to learn, list three facts."}], model="gpt-4o-mini")
            opaque = get_completion([{"role": "user", "content": "hi"}], **CONFIG)  # unknown **kwargs: never missing
        """,
    }, select=["LA101", "LA201"])
    # LA201: "Please explain ..." (line 6) and "In order to learn, ..." (line 8), in the callers' literals
    assert where(result) == [("LA101", "notebook_code.py", 8), ("LA201", "notebook_code.py", 6), ("LA201", "notebook_code.py", 8)]
    sites = sorted(result.project.call_sites(), key=lambda s: s.span.line)
    assert [s.span.line for s in sites] == [4, 8, 9]
    first = sites[0]
    assert [m.role for m in first.prompt.messages] == ["system", "user"]
    assert first.params["max_tokens"].value.value == 300 and first.params["temperature"].value.value == 0
    cap = next(f for f in result.findings if f.code == "LA101")
    assert [e.content for e in cap.fix.edits] == [", max_tokens=1024"]  # **params reach the SDK: the API's name


def test_helper_that_never_reaches_the_sdk_is_not_a_call_site(project):
    result = project({
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/text.py": """
            from app.llm import shout


            def banner():
                return shout("Please analyze the following data carefully and provide insights")
        """,
    }, select=["LA201"])
    assert result.findings == []
    assert not any(s.path == "app/text.py" for s in result.project.call_sites())


def test_two_level_chain_and_a_dataframe_rendered_in_a_message_helper(project, tmp_path):
    data = "order_id,region,amount\n" + "".join(f"{i},EU,{i * 3}\n" for i in range(400))
    result = project({
        "shop/__init__.py": "",
        "shop/llm.py": """
            from openai import OpenAI

            client = OpenAI()


            def system_message(text):
                return {"role": "system", "content": text}


            def complete(messages, max_tokens=400):
                return client.chat.completions.create(model="gpt-4o", messages=messages, max_tokens=max_tokens)
        """,
        "shop/service.py": """
            from shop.llm import complete, system_message


            def report(frame, question):
                return complete([system_message(f"You analyse sales. Data:\\n{frame.to_markdown()}"), {"role": "user", "content": question}])
        """,
        "shop/jobs.py": """
            import pandas as pd

            from shop.service import report


            def weekly():
                sales = pd.read_csv("data/sales.csv")
                return report(sales, "Which region sold most?")


            def preview():
                sales = pd.read_csv("data/sales.csv")
                return report(sales.head(5), "Which region sold most?")  # bounded: no LA301


            def not_a_frame():
                return report(["a", "b"], "Which?")  # a list is not a DataFrame: no LA301
        """,
        "data/sales.csv": data,
    }, select=["LA301"])
    assert len(result.findings) == 1
    f = result.findings[0]
    assert (f.path, f.line) == ("shop/service.py", 6)  # where the frame becomes text
    assert "data/sales.csv" in f.message and "400 rows" in f.message
    weekly = next(s for s in result.project.call_sites() if s.id.startswith("shop/jobs.py::weekly"))
    assert [m.role for m in weekly.prompt.messages] == ["system", "user"]
    assert [h["label"] for h in weekly.extra["derived"]["chain"]] == ["report()", "complete()"]
    assert [h["path"] for h in weekly.extra["derived"]["chain"]] == ["shop/service.py", "shop/llm.py"]


def test_base_class_method_implemented_in_a_mixin_in_another_module(project):
    result = project({
        "bots/__init__.py": "",
        "bots/base.py": """
            class LLMBase:
                def answer(self, question):
                    prompt = f"I would like you to answer this question: {question}"
                    return self.submit_prompt(prompt)

                def submit_prompt(self, prompt):
                    raise NotImplementedError
        """,
        "bots/mixins.py": """
            import anthropic


            class ClaudeMixin:
                def submit_prompt(self, prompt):
                    client = anthropic.Anthropic()
                    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=400, messages=[{"role": "user", "content": prompt}])
                    return msg.content[0].text


            class EchoMixin:
                def submit_prompt(self, prompt):
                    return prompt  # sends nothing
        """,
        "bots/support.py": """
            from bots.base import LLMBase
            from bots.mixins import ClaudeMixin, EchoMixin


            class SupportBot(ClaudeMixin, LLMBase):
                pass


            class TestBot(EchoMixin, LLMBase):
                pass


            def handle(tickets):
                bot = SupportBot()
                return [bot.answer(t) for t in tickets]


            def offline(tickets):
                return [TestBot().answer(t) for t in tickets]  # EchoMixin: no request
        """,
    }, select=["LA201", "LA503"])
    assert where(result) == [("LA201", "bots/base.py", 4), ("LA503", "bots/support.py", 16)]
    loop = next(f for f in result.findings if f.code == "LA503")
    assert "(via LLMBase.answer() -> ClaudeMixin.submit_prompt() -> messages.create)" in loop.message
    assert [(r.path, r.line) for r in loop.related] == [("bots/base.py", 5), ("bots/mixins.py", 8)]


def test_async_client_in_a_class_called_from_another_module(project):
    result = project({
        "svc/__init__.py": "",
        "svc/llm.py": """
            from anthropic import AsyncAnthropic


            class Assistant:
                def __init__(self):
                    self.client = AsyncAnthropic()

                async def reply(self, text: str, stop=None) -> str:
                    msg = await self.client.messages.create(
                        model="claude-haiku-4-5", max_tokens=64, stop_sequences=stop,
                        messages=[{"role": "user", "content": text}],
                    )
                    return msg.content[0].text
        """,
        "svc/api.py": """
            from svc.llm import Assistant

            assistant = Assistant()


            async def triage(ticket):
                return await assistant.reply(f"Answer with one word: urgent or normal. {ticket}")
        """,
    }, select=["LA104", "LA201"])
    # the short-answer ask is the caller's; stop is forwarded (defaults to None): the caller's too
    assert where(result) == [("LA104", "svc/api.py", 8)]
    site = next(s for s in result.project.call_sites() if s.path == "svc/api.py")
    assert site.is_async and site.provider == "anthropic"


def test_recursion_and_mutual_calls_terminate(project):
    result = project({
        "loop.py": """
            from openai import OpenAI

            client = OpenAI()


            def ping(text, n=3):
                if n:
                    return pong(text, n - 1)
                return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], max_tokens=5)


            def pong(text, n):
                return ping(text, n)


            def main():
                return ping("I would like you to reply pong.")
        """,
    }, select=["LA201"])
    assert where(result) == [("LA201", "loop.py", 18)]


def test_policy_call_sites_still_win_over_derivation(project):
    result = project({
        "app/__init__.py": "",
        "app/llm.py": LLM,
        "app/main.py": """
            from app.llm import ask


            def go():
                return ask("hello", max_tokens=5)
        """,
    }, select=["LA101"], policy=textwrap.dedent("""
        call-sites:
          - id: app.ask
            provider: openai
            match: {callables: [app.llm.ask]}
            signature: [prompt, model]
            model: [model]
            prompt: {user: prompt}
            cap: [max_tokens]
    """))
    at_caller = [s for s in result.project.call_sites() if s.path == "app/main.py"]
    assert [s.api for s in at_caller] == ["app.ask"]


def test_warm_run_gives_the_same_derived_findings_and_reads_no_file(project):
    project({"app/__init__.py": "", "app/llm.py": LLM, "app/main.py": """
        from app.llm import ask


        def go(items):
            return [ask(f"I would like you to label: {x}") for x in items]
    """}, select=["LA101", "LA201", "LA503"])
    args = ("check", "--select", "LA101,LA201,LA503", "--output-format", "concise", ".")
    cold = cli(*args, cwd=project.root, env={"LLM_AUDIT_STATS": "1"})
    warm = cli(*args, cwd=project.root, env={"LLM_AUDIT_STATS": "1"})
    assert cold.stdout == warm.stdout and "app/main.py:6" in cold.stdout
    assert "parsed=0 skipped=0 cached=3" in warm.stderr  # the module read deeply comes from its cache too
    (project.root / "app/main.py").write_text("from app.llm import ask\n\n\ndef go(q):\n    return ask(q, max_tokens=10)\n")
    edited = cli(*args, cwd=project.root)
    assert "app/main.py" not in edited.stdout  # capped now, no filler, no loop


def test_one_loop_finding_when_the_called_helper_sends_several_requests(project):
    result = project({"app/__init__.py": "", "app/llm.py": LLM, "app/steps.py": """
        from app.llm import ask, summarize


        def review(text):
            draft = ask(f"Label: {text}", max_tokens=20)
            return summarize(draft)


        def run(items):
            for item in items:
                review(item)
    """}, select=["LA503"])
    loops = [f for f in result.findings if f.code == "LA503"]
    assert [(f.path, f.line) for f in loops] == [("app/steps.py", 12)]  # the loop: one root cause
    assert "review()" in loops[0].message


def test_documents_passed_to_a_wrapper_are_data_not_instructions(project):
    doc = "In addition, the vast majority of our revenue comes from subscriptions. " * 8
    result = project({"app/__init__.py": "", "app/llm.py": LLM, "app/rag.py": f'''
        from app.llm import ask

        REPORT = """{doc}"""


        def answer(question, document):
            return ask(f"I would like you to answer the question from the filing.\\n<document>{{document}}</document>\\n{{question}}")


        def run(q, filing):
            answer(q, REPORT)
            return ask(f"Please summarize the filing below.\\n<filing>\\n{{filing}}\\n</filing>")
    ''', "app/quotes.py": f'''
        from app.llm import ask

        DOCUMENT = """<document>{doc}</document>"""

        PROMPT = f"""Quote the sentence that names the revenue source.
        {{DOCUMENT}}"""


        def quote():
            return ask(PROMPT)
    '''}, select=["LA201"])
    found = where(result)
    assert ("LA201", "app/rag.py", 8) in found  # the wrapper's own instruction, through two calls
    assert not [f for f in result.findings if "vast majority" in f.message or "In addition" in f.message]


def test_a_function_defined_twice_in_a_notebook_is_called_as_defined_at_that_cell(project):
    from conftest import notebook

    nb = notebook(
        "import anthropic\nclient = anthropic.Anthropic()\n\ndef get_completion(p):\n    return client.messages.create(model='claude-sonnet-4-5', max_tokens=50, messages=[{'role': 'user', 'content': p}]).content[0].text",
        "outputs = [get_completion(q) for q in questions]",
        "def grade(output, golden):\n    return output == golden  # code-graded: no request\n\ngrades = [grade(o, g) for o, g in zip(outputs, golden)]",
        "def grade(output, golden):\n    return get_completion(f'Is {output} the same as {golden}? Answer yes or no.')\n\ngrades = [grade(o, g) for o, g in zip(outputs, golden)]",
    )
    result = project({"evals.ipynb": nb}, select=["LA503"])
    loops = sorted((f.cell, f.line, f.message.split("(")[0]) for f in result.findings)
    assert loops == [(1, 1, "get_completion"), (3, 4, "grade")]  # code cells from 0: not the code-graded grade() of cell 2


def test_a_retired_model_default_of_a_wrapper_is_one_finding_at_the_default(project):
    result = project({"app/__init__.py": "", "app/llm.py": """
        from openai import OpenAI

        client = OpenAI()


        def ask(prompt, model="gpt-4-0314"):
            return client.chat.completions.create(model=model, max_tokens=50, messages=[{"role": "user", "content": prompt}])
    """, "app/a.py": """
        from app.llm import ask


        def one(x):
            return ask(f"Label: {x}")


        def two(x):
            return ask(f"Tag: {x}")
    """, "app/b.py": """
        from app.llm import ask


        def three(x):
            return ask(f"Rate: {x}", model="gpt-4-0613")
    """}, select=["LA402"])
    found = where(result)
    assert ("LA402", "app/llm.py", 7) in found  # the default in the wrapper's signature: one root cause
    assert ("LA402", "app/b.py", 6) in found  # the caller's own model
    assert len(found) == 2


def test_unchecked_truncation_in_a_wrapper_is_one_finding_at_the_wrapper(project):
    """The course notebooks' shape: get_completion() caps the call and returns the text unchecked;
    twenty callers are one cause (LA606 once, at the wrapper), unless a caller passes the cap. The
    callers ask for essays: long-form output that reaches a cap of 2000 (a colour's name would not)."""
    calls = "\n".join(f'print(get_completion("Write an essay about colour {i}."))' for i in range(20))
    result = project({
        "course.py": f'''
import anthropic

client = anthropic.Anthropic()


def get_completion(prompt: str, max_tokens: int = 2000):
    message = client.messages.create(model="claude-haiku-4-5", max_tokens=max_tokens, messages=[{{"role": "user", "content": prompt}}])
    return message.content[0].text


{calls}
print(get_completion("Write an essay.", max_tokens=50))
''',
    }, select=["LA606"])
    lines = sorted(f.line for f in result.findings)
    assert lines == [8, 32], [(f.line, f.message) for f in result.findings]  # once at the wrapper; the caller that sets the cap
    wrapper = next(f for f in result.findings if f.line == 8)
    assert "reached from 20 call sites" in wrapper.message


def test_options_spread_from_an_unknown_mapping_leave_the_wrappers_cap_unknown(project):
    """`self.generate(document=d, **self.config)` may set any keyword, max_tokens included (the wrapper's
    default is 1024): the cap is unknown there, never "missing". A wrapper whose SDK call sends no cap at all
    is uncapped whatever its caller spreads."""
    code = '''
from openai import OpenAI


class Gen:
    def __init__(self, config):
        self.client = OpenAI()
        self.config = config

    def generate(self, document: str, temperature: float = 0.5, max_tokens: int = 1024):
        return self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": document}],
                                                   temperature=temperature, max_tokens=max_tokens)

    def raw(self, document: str, temperature: float = 0.5):
        return self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": document}],
                                                   temperature=temperature)  # raw

    def run(self, docs):
        for d in docs:
            self.generate(document=d, **self.config)
            self.raw(document=d, **self.config)
'''
    result = project({"app.py": code}, select=["LA101"])
    found = [f for f in result.findings if f.path == "app.py"]
    raw_call = next(i for i, l in enumerate(code.splitlines(), 1) if "def raw(" in l) + 1
    assert [f.line for f in found] == [raw_call], [(f.line, f.message[:60]) for f in found]
