"""LA205 on the recall corpus (docs/precision.md, "Session 14: the loop and text rules on the recall
corpus"): a prompt that bounds its own length ("Make length less than {{ max_words }} words"), a
hypothetical ("sub-queries that, when answered together, would provide a comprehensive response") and a
report whose required parts are listed one per line are not asks for exhaustive output. Each beside
the true ask it resembles."""

from __future__ import annotations

from datetime import date

TODAY = date(2026, 12, 1)

APP = '''
from openai import OpenAI

client = OpenAI()

PROMPT = """TEXT"""


def run(context):
    return client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=800,
        messages=[{"role": "system", "content": PROMPT}, {"role": "user", "content": context}],
    ).choices[0].message.content
'''


def _la205(project, text):
    result = project({"app.py": APP.replace("TEXT", text)}, select=["LA205"], today=TODAY)
    return [f for f in result.findings if f.code == "LA205"]


SUMMARY = "Provide a comprehensive summary of the provided context information.\nThe summary should cover all the key points.\nLIMIT"


def test_a_summary_with_its_own_word_limit_is_bounded(project):
    assert _la205(project, SUMMARY.replace("LIMIT", "Make length less than 150 words, condensing as much as possible.")) == []
    assert _la205(project, SUMMARY.replace("LIMIT", "Summarize it in at most 20 words.")) == []


def test_a_summary_without_a_limit_is_reported(project):
    assert len(_la205(project, SUMMARY.replace("LIMIT", "Write at least 500 words."))) == 1  # a minimum is no bound
    assert len(_la205(project, SUMMARY.replace("LIMIT", "Content must be in markdown format."))) == 1


DECOMPOSE = "You are an AI assistant tasked with breaking down complex queries into simpler sub-queries for a RAG system.\nGiven the original query, decompose it into 2-4 simpler sub-queries that, when answered together, ASK a comprehensive response to the original query."


def test_what_the_sub_answers_would_add_up_to_is_no_ask(project):
    assert _la205(project, DECOMPOSE.replace("ASK", "would provide")) == []


def test_an_ask_after_a_comma_is_still_an_ask(project):
    assert len(_la205(project, DECOMPOSE.replace("when answered together, ASK", "when answered together. Then provide"))) == 1


REPORT = """You are a market analyst creating a detailed report section on the company's competitive positioning.

Create a comprehensive analysis that includes:
1. The company's position in key market segments
2. Competitive dynamics with major rivals
3. Market share developments
"""


def test_a_report_section_with_its_outline_is_the_product(project):
    assert _la205(project, REPORT) == []


def test_an_outline_without_a_document_is_still_reported(project):
    # the same outline for an answer (no report, article, briefing named): "comprehensive" inflates it
    text = REPORT.replace("creating a detailed report section on", "answering questions about")
    assert len(_la205(project, text)) == 1
