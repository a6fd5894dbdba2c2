"""Example blocks announced by the instruction are data (fresh set 6, textgrad's MathVista
answer-extraction demo, textgrad/tasks/multimodal/mathvista.py:49-77): after "Please read the
following example. Then extract the answer ...", the `Hint:` / `Question:` / `Model response:` /
`Extracted answer:` blocks are the benchmark's worked examples, so LA201 does not rewrite the
"Please answer" of their hints. Look-alikes: the instruction line itself, a label that opens one line
only (an instruction after the examples), and a sentence that mentions examples without announcing them."""

from __future__ import annotations

from auditor.analysis.roles import data_regions, role_rules

DEMO = """
Please read the following example. Then extract the answer from the model response and type it at the end of the prompt.

Hint: Please answer the question requiring an integer answer and provide the final value, e.g., 1, 2, 3, at the end.
Question: Which number is missing?

Model response: The number missing in the sequence is 14.

Extracted answer: 14

Hint: Please answer the question and provide the correct option letter, e.g., A, B, C, D, at the end.
Question: What fraction of the shape is blue?

Model response: The correct answer is (B) 8/11.

Extracted answer: B
"""

APP = '''
from openai import OpenAI
client = OpenAI()

demo_prompt = """DEMO"""


def extract(query, response):
    full_prompt = f"{demo_prompt.strip()}\\n\\n{query}\\n\\n{response}\\n\\nExtracted answer: "
    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=20, messages=[{"role": "user", "content": full_prompt}])
'''


def _regions(text):
    return [text[a:b] for a, b in data_regions(text, role_rules())]


def test_example_blocks_after_an_announcing_sentence_are_data():
    regions = _regions(DEMO)
    assert any("Hint: Please answer the question requiring an integer" in r and "Extracted answer: B" in r for r in regions), regions
    assert not any("Please read the following example" in r for r in regions)


def test_a_label_that_opens_one_line_ends_the_examples():
    text = DEMO + "\nRules: Please make sure to answer with the extracted value only.\n"
    regions = _regions(text)
    assert not any("Rules:" in r for r in regions), regions
    assert any("Model response:" in r for r in regions)


def test_a_sentence_that_does_not_announce_examples_opens_no_section():
    text = "Please read the following text carefully.\n\nHint: Please answer in one word.\nHint: Please be brief.\n"
    assert _regions(text) == []


def test_la201_is_silent_in_the_demos_and_keeps_the_instruction(project):
    result = project({"mathvista.py": APP.replace("DEMO", DEMO)}, select=["LA201"])
    said = [f.message for f in result.findings]
    assert any('"Please read"' in m for m in said), said
    assert not any('"Please answer"' in m for m in said), said
