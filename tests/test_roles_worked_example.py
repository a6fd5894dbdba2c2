"""A worked example inside a system prompt is data (fresh set 3, weaviate-recipes listwise reranking):
the lines after an example lead-in ("Here is an example of the task you should perform:") and
bracketed records of labelled fields ("[Answer id: 1, Answer: ... we want you to be able to ...]")
are not instructions, so LA201 does not rewrite the example's wording. Look-alikes: the instructions
around the example, a one-field bracketed note, and a lead-in that introduces no example."""

from __future__ import annotations

from auditor.analysis.roles import data_regions, role_rules
from conftest import notebook

RERANK = '''
import openai


def openai_request(prompt):
    response = openai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
        {
        "role": "system",
        "content": """
            You are a reranking agent! Each potential answer has a corresponding Answer id and you're tasked with ranking the answers based on their relevancy to the QUERY.
            It is very important that you return only the ranked list, such as [8],[7],[3].
            Here is an example of the task you should perform:
            INPUT:
            QUERY: Why would I use Weaviate as my vector database?
            Please rerank these search results.
            [Answer id: 3, Answer: Weaviate uses Docker images as a means to distribute releases.]
            [Answer id: 1, Answer: Our goal is three-folded. Firstly, we want to make it as easy as possible for others to build semantic systems. And thirdly, we want you to be able to run it everywhere.]
            [Answer id: 5, Answer: As a rule of thumb, the smaller the units, the more accurate the search will be. Note that more objects also mean more vectors.]

            OUTPUT:
            [1],[3],[5]
        """
        },
        {"role": "user", "content": prompt}],
        max_tokens=256,
    )
    return response.choices[0].message.content
'''


def test_worked_example_in_a_system_prompt_is_data(project):
    result = project({"rerank.ipynb": notebook(RERANK)}, select=["LA201"])
    said = [f.message for f in result.findings]
    assert any("It is very important that you" in m or "it is very important" in m.lower() for m in said)  # the instruction
    assert not any("we want you to" in m.lower() for m in said)
    assert not any("note that" in m.lower() for m in said)


def test_a_lead_in_before_a_fence_leaves_the_text_after_the_fence_an_instruction():
    rules = role_rules()
    text = (
        "You are a reranking agent.\nHere is an example of the task you will perform:\n```\nINPUT:\n"
        "[Answer id: 3, Answer: Weaviate uses Docker images.]\nOUTPUT:\n[3]\n```\n"
        "Please consider all answers first before making your final decision!\n"
    )
    regions = [text[a:b] for a, b in data_regions(text, rules)]
    assert all("Please consider" not in r for r in regions)
    assert any("Answer id: 3" in r for r in regions)


def test_records_and_lead_ins_are_told_apart():
    rules = role_rules()
    text = (
        "Rank the answers.\n[Note: be brief, and cite ids]\n"
        "[Source: wiki, Text: Paris is the capital. Please note that it is large.]\n"
        "Here is the question you should answer:\nPlease note that prices change.\n"
    )
    regions = [text[a:b] for a, b in data_regions(text, rules)]
    assert regions == ["[Source: wiki, Text: Paris is the capital. Please note that it is large.]"]
