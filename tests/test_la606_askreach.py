"""LA606's session-17 premise: reported only when the answer the call asks for can reach the cap
(rules/answers.yaml ask-reach). True cases: long-form asks under caps they reach; look-alikes: the
same call shapes with a guard cap far above the ask (a RAG answer under 2000, a title under 64)."""

from __future__ import annotations

from conftest import codes

CALL = '''
from openai import OpenAI

client = OpenAI()


def run(doc: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=CAP,
        messages=[{"role": "system", "content": "ASK"}, {"role": "user", "content": doc}],
    )
    return resp.choices[0].message.content
'''


def _la606(project, cap: int, ask: str) -> list[str]:
    return codes(project({"app.py": CALL.replace("CAP", str(cap)).replace("ASK", ask)}, select=["LA606"]))


def test_long_form_asks_reach_their_caps(project):
    assert _la606(project, 300, "Write a blog post about the release notes below.") == ["LA606"]
    assert _la606(project, 256, "Write a Python function that implements the spec below.") == ["LA606"]
    assert _la606(project, 512, "Extract all line items of the invoice as a JSON array of objects.") == ["LA606"]


def test_guard_caps_above_the_ask_stay_silent(project):
    assert _la606(project, 2000, "Answer the user's question using only the retrieved context.") == []
    assert _la606(project, 64, "Give the conversation a short title.") == []


def test_an_answer_under_a_small_cap_is_reported(project):
    assert _la606(project, 500, "Answer the user's question using only the retrieved context.") == ["LA606"]


def test_a_thinking_model_reaches_a_guard_cap(project):
    src = CALL.replace("CAP", "2000").replace("ASK", "Answer the user's question.").replace("gpt-4o-mini", "openai/gpt-oss-120b")
    assert codes(project({"app.py": src}, select=["LA606"])) == ["LA606"]
