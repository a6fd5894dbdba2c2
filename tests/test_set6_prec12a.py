"""Set 6's false classes of the output-size and image rules (docs/precision.md, "Session 15 fixes on
the sixth set (prec12a)"), each beside the true finding it resembles: LA205 where the detailed
product is the deliverable, LA606 under a cap far above N counted items or a succinct answer and
after the response name is rebound, LA303 on screen captures and UI asks, LA204 where a forced tool
fixes the output."""

from __future__ import annotations

from datetime import date

from conftest import notebook
from test_la205_recall_classes import APP  # the same one-prompt app

TODAY = date(2026, 12, 2)


def _found(project, files, code):
    return [f for f in project(files, select=[code], today=TODAY).findings if f.code == code]


# ------------------------------------------------------------------ LA205: the deliverable
def _la205(project, text):
    return _found(project, {"app.py": APP.replace("TEXT", text)}, "LA205")


def test_a_description_stored_for_questions_is_the_deliverable(project):
    text = ("You are an expert at describing figures and tables from scientific papers. Provide a detailed description "
            "that will be used to answer questions about its content. Focus on key elements, data, and relationships.")
    assert _la205(project, text) == []


def test_a_detailed_answer_to_a_question_is_still_reported(project):
    text = "Answer the user's question from the retrieved papers. Provide a detailed answer with citations."
    assert len(_la205(project, text)) == 1


def test_an_image_description_is_the_deliverable(project):
    assert _la205(project, "Analyze the image and provide a detailed description of what you see.") == []
    assert _la205(project, "You are a vision assistant.\n1. Identify the main objects\n2. Provide a comprehensive description of what you observe") == []


def test_a_description_with_no_image_is_still_reported(project):
    assert len(_la205(project, "Provide a detailed description of the company's strategy for next year.")) == 1


def test_an_image_sent_with_the_ask_makes_a_description_the_deliverable(project):
    code = '''
from openai import OpenAI

client = OpenAI()


def describe(url):
    return client.chat.completions.create(
        model="gpt-4o", max_tokens=600,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "Provide a detailed description."},
            {"type": "image_url", "image_url": {"url": url}},
        ]}],
    ).choices[0].message.content
'''
    assert _found(project, {"app.py": code}, "LA205") == []


def test_a_list_of_lint_results_wrapped_over_lines_is_the_deliverable(project):
    code = '''
from crewai import Agent, Task, Crew

agent = Agent(
    role="Requirements Manager",
    goal="""Provide a detailed list of the markdown
                            linting results. Give a summary with actionable
                            tasks to address the validation results.""",
    backstory="You are an expert business analyst.",
)
'''
    assert _found(project, {"crew.py": code}, "LA205") == []


def test_a_detailed_list_of_anything_else_is_reported(project):
    assert len(_la205(project, "Provide a detailed list of reasons why the customer should upgrade.")) == 1


def test_an_outline_is_the_deliverable(project):
    text = "Write a comprehensive structure, omitting introduction and conclusion sections, for a book on the following subject."
    assert _la205(project, text) == []


def test_a_comprehensive_article_is_still_reported(project):
    assert len(_la205(project, "Create a comprehensive article about the benefits of renewable energy.")) == 1


def test_exhaustive_within_the_evidence_is_coverage(project):
    text = "You maintain detailed, information-dense entity memories.\n- Be exhaustive within the evidence. Prefer retaining a supported concrete detail."
    assert _la205(project, text) == []
    assert len(_la205(project, "Summarize the meeting for the manager. Be exhaustive.")) == 1


# ------------------------------------------------------------------ LA606: the answer's size
MCQ = '''
from groq import Groq

groq = Groq()
SYSTEM = """Generate a list of multiple choice questions in the following JSON format:
{
    "questions": [
        {
            "question": "Question text goes here",
            "options": ["Option A", "Option B", "Option C", "Option D"],
            "correct_answer": "Correct Option in text",
            "explanation": "Explanation for the correct answer"
        },
        {
            // Additional questions follow the same structure
        }
    ]
}"""


def questions(subject):
    completion = groq.chat.completions.create(
        model="llama-3.3-70b-versatile",
        messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": f"Generate COUNT multiple choice questions on: {subject}"}],
        max_tokens=CAP,
    )
    return json.loads(completion.choices[0].message.content)
'''


def test_a_cap_far_above_five_counted_items_is_never_reached(project):
    assert _found(project, {"app.py": MCQ.replace("COUNT", "5").replace("CAP", "8000")}, "LA606") == []


def test_a_cap_near_the_counted_items_is_reported(project):
    assert len(_found(project, {"app.py": MCQ.replace("COUNT", "5").replace("CAP", "512")}, "LA606")) == 1
    assert len(_found(project, {"app.py": MCQ.replace("COUNT", "40").replace("CAP", "8000")}, "LA606")) == 1


def test_counted_long_items_give_no_estimate(project):
    code = MCQ.replace("Generate COUNT multiple choice questions on", "Write 5 chapters of a novel on").replace("CAP", "8000")
    assert len(_found(project, {"app.py": code}, "LA606")) == 1


SUCCINCT = '''
import anthropic

client = anthropic.Anthropic()


def situate(doc, chunk):
    response = client.messages.create(
        model="claude-haiku-4-5", max_tokens=CAP,
        messages=[{"role": "user", "content": f"<document>{doc}</document> Here is the chunk: {chunk}. ASK"}],
    )
    return response.content[0].text
'''


def test_a_succinct_only_answer_under_a_large_cap(project):
    ask = "Please give a short succinct context to situate this chunk. Answer only with the succinct context and nothing else."
    assert _found(project, {"app.py": SUCCINCT.replace("CAP", "1000").replace("ASK", ask)}, "LA606") == []
    assert len(_found(project, {"app.py": SUCCINCT.replace("CAP", "300").replace("ASK", ask)}, "LA606")) == 1
    # no succinct ask: an explanation of a few paragraphs reaches 600 (a cap of 1000 is a guard, session 17)
    assert len(_found(project, {"app.py": SUCCINCT.replace("CAP", "600").replace("ASK", "Explain how the chunk fits the document.")}, "LA606")) == 1


DEMO = '''
import anthropic

client = anthropic.Anthropic()
history = [{"role": "user", "content": "Summarize the incident report for the on-call engineer."}]
response = client.messages.create(model="claude-sonnet-4-5", max_tokens=400, messages=history)
print(response.content)
history.append({"role": "user", "content": "Now write the postmortem."})
response = client.messages.create(model="claude-sonnet-4-5", max_tokens=400, messages=history)
history.append({"role": "assistant", "content": response.content[0].text})
'''


def test_a_use_after_the_response_is_rebound_belongs_to_the_later_call(project):
    found = _found(project, {"demo.py": DEMO}, "LA606")
    assert [f.line for f in found] == [9]  # the first response (line 6) is never stored; the second is (line 10)
    assert "stored (line 10)" in found[0].message


def test_a_use_in_another_cell_names_the_cell(project):
    nb = notebook(
        'import anthropic\nclient = anthropic.Anthropic()\nhistory = [{"role": "user", "content": "Summarize the incident report."}]',
        'response = client.messages.create(model="claude-sonnet-4-5", max_tokens=400, messages=history)',
        'history.append({"role": "assistant", "content": response.content[0].text})',
    )
    found = _found(project, {"demo.ipynb": nb}, "LA606")
    assert len(found) == 1
    assert f"stored (cell {found[0].cell + 2}, line 1)" in found[0].message  # the next cell, numbered as the report numbers the call's


# ------------------------------------------------------------------ LA303: the screen's fine print
SCREEN = '''
import base64
import pyautogui
from openai import OpenAI

client = OpenAI()


def next_action(objective):
    CAPTURE
    with open("shot.png", "rb") as img_file:
        img_base64 = base64.b64encode(img_file.read()).decode("utf-8")
    return client.chat.completions.create(
        model="gpt-4o", max_tokens=300,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": TEXT},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{img_base64}"}},
        ]}],
    ).choices[0].message.content
'''


def test_a_screen_capture_needs_its_detail(project):
    code = SCREEN.replace("CAPTURE", 'pyautogui.screenshot().save("shot.png")').replace("TEXT", "objective")
    assert _found(project, {"agent.py": code}, "LA303") == []


def test_a_prompt_about_clicking_needs_the_detail(project):
    code = SCREEN.replace("CAPTURE", "pass").replace("TEXT", '"Return the x and y coordinates of the button to click to reach: " + objective')
    assert _found(project, {"agent.py": code}, "LA303") == []


def test_a_photo_read_from_a_file_is_still_reported(project):
    code = SCREEN.replace("CAPTURE", "pass").replace("TEXT", '"What animal is in this photo? " + objective')
    assert len(_found(project, {"agent.py": code}, "LA303")) == 1


# ------------------------------------------------------------------ LA204: reasoning as a schema field
O3 = '''
from openai import OpenAI

client = OpenAI()
PROMPT = "Choose the best action for the scenario. Reason carefully about the best action to take and explain your reasoning."
TOOLS = [{"type": "function", "name": "select_action", "parameters": {"type": "object", "properties": {
    "action": {"type": "string"}, "reasoning": {"type": "string"}}, "required": ["action", "reasoning"]}}]


def decide(scenario):
    return client.responses.create(model="o3-mini", input=[{"role": "system", "content": PROMPT}, {"role": "user", "content": scenario}]EXTRA)
'''


def test_reasoning_asked_of_a_forced_tool_is_its_field(project):
    assert _found(project, {"app.py": O3.replace("EXTRA", ', tools=TOOLS, tool_choice="required"')}, "LA204") == []


def test_reasoning_asked_of_free_text_is_reported(project):
    assert len(_found(project, {"app.py": O3.replace("EXTRA", "")}, "LA204")) == 1
    assert len(_found(project, {"app.py": O3.replace("EXTRA", ', tools=TOOLS, tool_choice="auto"')}, "LA204")) == 1


BRANCHES = '''
from openai import OpenAI

oai = OpenAI()


def generate(samples, max_tokens):
    outputs = []
    for s in samples:
        if isinstance(s, str):
            r = oai.completions.create(model="gpt-3.5-turbo-instruct", prompt=s, max_tokens=max_tokens)
            text = r.choices[0].text
        else:
            r = oai.chat.completions.create(model="gpt-4o-mini", messages=s, max_tokens=max_tokens)
            text = r.choices[0].message.content
        outputs.append({"output": text})
    return outputs
'''


def test_a_response_bound_in_the_other_branch_is_not_a_rebinding(project):
    found = _found(project, {"gen.py": BRANCHES}, "LA606")
    assert [f.line for f in found] == [11]  # both answers are stored at line 16 (one finding per function: the first call)
