"""Call-site false classes and misses of the third fresh precision set (docs/precision.md,
"Session 13 fixes on the third set"): each class a true case and a look-alike from realistic code."""

from __future__ import annotations

from datetime import date

from conftest import codes

TODAY = date(2026, 12, 1)


def _only(result, code):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA404 mixed-price-not-cheaper
AGENT = """
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="{model}", temperature=0, max_tokens=512)


    def generate_final_response(question: str, context: str) -> str:
        prompt = f"Answer the question from the retrieved documents.\\n\\n{{context}}\\n\\nQuestion: {{question}}"
        return llm.invoke(prompt).content
"""


def test_la404_mixed_price_is_not_costs_less(project):
    # gpt-5.2 ($1.75/$14.00) -> gpt-6.1-sol ($2.00/$10.00): dearer input, cheaper output; an input-heavy
    # RAG call may well cost more, so "costs less" is not a claim LA404 can make
    files = {"agent.py": AGENT.format(model="gpt-5.2")}
    assert _only(project(files, select=["LA404"], today=TODAY), "LA404") == []


def test_la404_cheaper_on_both_prices_still_fires(project):
    # gpt-5.4 ($2.50/$15.00) -> gpt-6.1-sol ($2.00/$10.00): cheaper whatever the mix
    files = {"agent.py": AGENT.format(model="gpt-5.4")}
    [f] = _only(project(files, select=["LA404"], today=TODAY), "LA404")
    assert "gpt-6.1-sol" in f.message and "costs less" in f.message and f.savings is not None


def test_la404_mixed_price_recommended_says_so_honestly(project):
    policy = "models:\n  gpt-5.2: {successor-source: https://platform.openai.com/docs/models}\n"
    files = {"agent.py": AGENT.format(model="gpt-5.2")}
    [f] = _only(project(files, select=["LA404"], policy=policy, today=TODAY), "LA404")
    assert "costs less" not in f.message and "cheaper output, dearer input" in f.message
    assert f.savings is None
