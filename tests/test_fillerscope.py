"""Where LA201 has no prompt to shorten (auditor/checks/fillerscope.py), from the sixth fresh set:
a test's fixed one-line message (agentops tests/core_manual_tests/benchmark.py:15 "You are a
chatbot."), the whole system message of an AutoGen agent whose absence brings back AutoGen's longer
default (agentops examples/autogen/AgentChat.ipynb), and "a summary of 5 lines" (the number measures
the summary). Beside them what stays: a judge rubric kept under tests/, a boilerplate identity that
is only part of an agent's system message, and the same one-line message outside tests."""

from __future__ import annotations

from conftest import notebook

ONE_LINE = """
import openai


def make_openai_call():
    client = openai.Client()
    return client.chat.completions.create(
        model="gpt-4o-mini",
        max_tokens=50,
        messages=[
            {"role": "system", "content": "You are a chatbot."},
            {"role": "user", "content": "What are you talking about?"},
        ],
    )
"""

RUBRIC = '''
from openai import OpenAI
client = OpenAI()

JUDGE_PROMPT = """You are evaluating the quality of a research report.
Please assess the report against the following criteria and make sure to explain each score."""


def grade(report):
    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "system", "content": JUDGE_PROMPT}, {"role": "user", "content": report}])
'''

AUTOGEN = """
from autogen_agentchat.agents import AssistantAgent
from autogen_ext.models.openai import OpenAIChatCompletionClient

model_client = OpenAIChatCompletionClient(model="gpt-4o-mini", max_tokens=500)
assistant = AssistantAgent(name="assistant", system_message=SYSTEM, model_client=model_client)
"""


def _la201(project, files):
    return [f.message for f in project(files, select=["LA201"]).findings if f.code == "LA201"]


def test_a_tests_fixed_one_line_message_is_no_prompt_but_the_same_line_in_an_app_is(project):
    assert _la201(project, {"tests/core_manual_tests/benchmark.py": ONE_LINE}) == []
    assert any("You are a chatbot." in m for m in _la201(project, {"app/bench.py": ONE_LINE}))


def test_a_judge_rubric_kept_under_tests_stays_judged(project):
    said = _la201(project, {"tests/eval/test_report_quality.py": RUBRIC})
    assert any("make sure to" in m.lower() or "please assess" in m.lower() for m in said), said


def test_autogen_whole_system_message_replaces_a_longer_default(project):
    nb = notebook(AUTOGEN.replace("SYSTEM", '"You are a helpful assistant."'))
    assert _la201(project, {"AgentChat.ipynb": nb}) == []
    part = AUTOGEN.replace("SYSTEM", '"You are a helpful assistant. Your role is to gather the facts the user asks for."')
    said = _la201(project, {"agents.py": part})
    assert any("Your role is to gather" in m for m in said), said


def test_the_same_whole_message_on_a_plain_sdk_call_is_still_reported(project):
    src = ONE_LINE.replace("You are a chatbot.", "You are a helpful assistant.")
    said = _la201(project, {"app/chat.py": src})
    assert any("remove the message" in m for m in said), said


def test_a_summary_measured_in_lines_keeps_its_wording(project):
    src = ONE_LINE.replace("What are you talking about?", "Please write a summary of 5 lines on the Shockley diode equation, then list two uses.")
    said = _la201(project, {"app/ask.py": src})
    assert not any("summary of" in m for m in said), said
    src2 = ONE_LINE.replace("What are you talking about?", "Please write a summary of the Shockley diode equation, then list two uses.")
    assert any("summary of" in m for m in _la201(project, {"app/ask.py": src2}))
