"""LA107, LA108, LA204 on realistic code: async clients, **params dicts, prompt constants in another
module, LiteLLM and LangChain, Gemini config objects; the look-alikes each rule must leave alone."""

from __future__ import annotations

from test_prompt_rules import _fix_all

ASYNC_CLASSIFIER = '''\
from openai import AsyncOpenAI


class Router:
    def __init__(self):
        self.client = AsyncOpenAI()

    async def route(self, ticket: str) -> str:
        resp = await self.client.chat.completions.create(
            model="gpt-5-mini",
            messages=[{"role": "user", "content": f"Which department should handle this ticket: billing, bugs or sales? {ticket}"}],
            max_completion_tokens=200,
        )
        return resp.choices[0].message.content
'''


def test_la107_async_client_in_a_class_with_fix_and_assumed_savings(project):
    r = project({"router.py": ASYNC_CLASSIFIER}, select=["LA107"])
    [f] = r.findings
    assert "gpt-5-mini reasons before it answers" in f.message and "classification" in f.message
    assert f.fix is not None and f.fix.applicability == "unsafe"
    assert f.savings is not None and f.savings.tokens_per_call == 750 and "assumption" in f.savings.basis
    fixed = _fix_all(project, r, "LA107")["router.py"]
    assert 'max_completion_tokens=200,\n            reasoning_effort="low",\n' in fixed


def test_la107_hidden_token_assumption_is_a_policy_parameter(project):
    r = project({"router.py": ASYNC_CLASSIFIER}, select=["LA107"], policy="params:\n  LA107:\n    hidden-tokens: {default: 3000, low: 500}\n")
    assert r.findings[0].savings.tokens_per_call == 2500


def test_la107_params_dict_litellm_and_langchain(project):
    src = '''\
    import litellm
    from langchain_openai import ChatOpenAI

    params = {"model": "o4-mini", "max_completion_tokens": 100}


    def label(text: str) -> str:
        opts = {"model": "o3-mini", "max_completion_tokens": 100, "reasoning_effort": "low"}
        a = litellm.completion(messages=[{"role": "user", "content": f"Classify the sentiment: {text}"}], **opts)
        b = litellm.completion(model="o4-mini", messages=[{"role": "user", "content": f"Classify the sentiment: {text}"}], max_tokens=50)
        return a, b


    llm = ChatOpenAI(model="o4-mini", max_tokens=16)
    '''
    r = project({"a.py": src}, select=["LA107"])
    lines = sorted(f.line for f in r.findings)
    assert lines == [10, 14]  # the **opts call sets the effort; the LangChain model has a small cap


def test_la107_look_alikes(project):
    src = '''\
    from google import genai
    from google.genai import types
    from openai import OpenAI

    client = OpenAI()
    gclient = genai.Client()


    def run(text: str):
        # gpt-5.1 does not reason unless asked; effort "minimal" is a choice; a hard task
        client.chat.completions.create(model="gpt-5.1", messages=[{"role": "user", "content": f"Classify: {text}"}], max_completion_tokens=50)
        client.chat.completions.create(model="o4-mini", messages=[{"role": "user", "content": f"Classify: {text}"}], max_completion_tokens=50, reasoning_effort="minimal")
        client.chat.completions.create(model="o3", messages=[{"role": "user", "content": f"Design a migration plan for this schema: {text}"}], max_completion_tokens=8000)
        # Flash-Lite does not think by default; the thinking budget is set
        gclient.models.generate_content(model="gemini-2.5-flash-lite", contents=f"Classify: {text}", config={"max_output_tokens": 10})
        gclient.models.generate_content(
            model="gemini-2.5-flash", contents=f"Classify: {text}",
            config=types.GenerateContentConfig(max_output_tokens=10, thinking_config=types.ThinkingConfig(thinking_budget=0)),
        )
    '''
    r = project({"a.py": src}, select=["LA107"])
    assert r.findings == []


COT_PROMPTS = '''\
SOLVER_PROMPT = "You solve logic puzzles. Think step by step before answering. Give the final answer on the last line."
'''

COT_APP = '''\
from openai import OpenAI

from prompts import SOLVER_PROMPT

client = OpenAI()


def solve(puzzle: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-5-mini",
        messages=[{"role": "system", "content": SOLVER_PROMPT}, {"role": "user", "content": puzzle}],
        max_completion_tokens=4000,
    )
    return resp.choices[0].message.content


def solve_cheap(puzzle: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": SOLVER_PROMPT}, {"role": "user", "content": puzzle}],
        max_tokens=800,
    )
    return resp.choices[0].message.content
'''


def test_la204_constant_in_another_module_sent_to_a_reasoning_model(project):
    r = project({"prompts.py": COT_PROMPTS, "app.py": COT_APP}, select=["LA204"])
    [f] = r.findings
    assert f.path == "prompts.py" and "gpt-5-mini" in f.message and "Think step by step before answering." in f.message
    assert f.savings is not None and f.savings.tokens_per_call > 150 and "visible reasoning" in f.savings.basis
    fixed = _fix_all(project, r, "LA204")["prompts.py"]
    assert fixed == 'SOLVER_PROMPT = "You solve logic puzzles. Give the final answer on the last line."\n'


def test_la204_only_for_models_that_reason_in_this_request(project):
    src = '''\
    import anthropic
    from openai import OpenAI

    client = OpenAI()
    claude = anthropic.Anthropic()
    ASK = "Is 2027 prime? Show your work."

    client.chat.completions.create(model="gpt-5.1", messages=[{"role": "user", "content": ASK}], max_completion_tokens=500)
    client.chat.completions.create(model="gpt-5-mini", messages=[{"role": "user", "content": ASK}], max_completion_tokens=500, reasoning_effort="high")
    claude.messages.create(model="claude-sonnet-4-5", max_tokens=500, messages=[{"role": "user", "content": ASK}])
    claude.messages.create(model="claude-sonnet-4-5", max_tokens=500, thinking={"type": "disabled"}, messages=[{"role": "user", "content": ASK}])
    '''
    r = project({"a.py": src}, select=["LA204"])
    [f] = r.findings  # gpt-5-mini reasons at any effort; gpt-5.1 (default none) and Claude without thinking do not
    assert f.line == 6 and f.call_site_id == "a.py::<module>#2" and "2 call sites" not in f.savings.basis


def test_la108_is_off_by_default_and_fires_when_selected(project):
    src = '''\
    from openai import OpenAI

    client = OpenAI()


    def classify(ticket: str, **kw) -> str:
        a = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"Classify this ticket as billing, bug or other: {ticket}"}], max_tokens=5)
        b = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"Classify this ticket: {ticket}"}], max_tokens=5, **kw)
        c = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": f"Write a story about {ticket}"}], max_tokens=500)
        return a, b, c
    '''
    assert [f for f in project({"a.py": src}).findings if f.code == "LA108"] == []
    r = project({"a.py": src}, select=["LA108"])
    [f] = r.findings
    assert f.line == 7 and "temperature=0" in f.message
