"""LA201 rewrites that keep the grammar (fresh set 3): "the following criteria:" is plural ("these
criteria:", never "this criteria:"), and "it is important to" is an imperative opener only where the
sentence is addressed to the model, not after a third-person statement ("More sources is not always
better, but it is important to have ENOUGH sources": deleting it would make a criterion an order)."""

from __future__ import annotations

from test_prompt_rules import _fix_all

JUDGE = '''
from openai import OpenAI

client = OpenAI()

STRUCTURE_PROMPT = """You are evaluating the structure and flow of a response to a user's question. Your evaluation should focus on the following criteria:

<Rubric>
A well-structured report should:
- Be in the correct format for the user's question
- Have a clear introduction and conclusion
</Rubric>
"""

PAIRWISE_PROMPT = """Compare the two research reports below.

In order to evaluate these agents, keep the following criteria in mind:
- A good research agent should research sufficient sources to answer the question. More sources is not always necessarily better, but it is important to have ENOUGH sources to feel confident in the claims that are made.
- Citations should be provided for all claims.

Read both reports, and it is important to stay neutral about their length.
For example, if the user's messages are in English, then MAKE SURE you write your verdict in English.

First report: {answer_a}
Second report: {answer_b}
"""


def judge(answer_a, answer_b):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        max_tokens=200,
        messages=[
            {"role": "system", "content": STRUCTURE_PROMPT},
            {"role": "user", "content": PAIRWISE_PROMPT.format(answer_a=answer_a, answer_b=answer_b)},
        ],
    )
'''


def test_criteria_is_plural_and_third_person_criteria_keep_their_grammar(project):
    r = project({"tests/evaluators.py": JUDGE}, select=["LA201"])
    messages = [f.message for f in r.findings]
    fixed = _fix_all(project, r, "LA201")["tests/evaluators.py"]
    assert "focus on these criteria:" in fixed
    assert "this criteria" not in fixed
    # the criterion stays a statement about a good agent
    assert "better, but it is important to have ENOUGH sources" in fixed
    # an instruction to the model (imperative sentence) is still rewritten
    assert "Read both reports, and stay neutral about their length." in fixed
    assert not any("important to have" in m for m in messages)
    # a condition ("if ... are in English,") before the coordinator: the main clause is an imperative
    assert "if the user's messages are in English, then write your verdict in English." in fixed
