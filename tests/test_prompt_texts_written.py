"""Prompt text written where no call site reads it directly: a prompt constant assigned again in a
later notebook cell (each version is sent by the calls that run before the next), and functions
named as prompts that return text (promptfoo's `prompts.py:simple_prompt`). Look-alikes: texts
of names that are no prompt, functions that are no prompt or return no text."""

from __future__ import annotations

from conftest import notebook

SYSTEM_V1 = '''\
system = """You are a medical summarizer.
Your role is to analyze patient records and list the critical findings."""
'''
SYSTEM_V2 = '''\
system = """You are a medical summarizer.
Your role is to analyze patient records and list the critical findings.
Please make sure that you flag every allergy."""
'''
CALL = '''\
from anthropic import Anthropic
client = Anthropic()

def summarize(record):
    r = client.messages.create(model="claude-3-5-haiku-latest", max_tokens=800, system=system,
                               messages=[{"role": "user", "content": record}])
    return r.content[0].text
'''
NOT_A_PROMPT = '''\
status = "Please make sure to restart the kernel."
status = "Please make sure to restart the kernel again."
print(status)
'''


def test_each_version_of_a_prompt_across_cells_is_read(project):
    nb = notebook(SYSTEM_V1, SYSTEM_V2, CALL, "summarize('78 y/o, diabetes')", NOT_A_PROMPT)
    r = project({"medical.ipynb": nb}, select=["LA201"])
    got = sorted((f.cell, f.line, f.message.split(":")[0]) for f in r.findings)
    assert got == [
        (0, 2, 'verbose instruction "Your role is to analyze"'),
        (1, 2, 'verbose instruction "Your role is to analyze"'),
        (1, 3, 'verbose instruction "Please make sure that you flag"'),
    ], got
    assert all(f.fix is not None for f in r.findings)


PROMPTS_PY = '''\
def simple_prompt(animal_statement):
    return f"""You will be provided a statement about an animal and your job is to determine how many legs it has.

    <animal_statement>{animal_statement}</animal_statement>"""


def classify_prompt(ticket):
    prompt = "Your task is to label the ticket below as billing or support.\\n" + ticket
    return prompt


class Prompts:
    def system_prompt(self):
        return "It is important that you answer in one word."


def greeting(name):  # not named as a prompt: a UI string
    return f"Please make sure to sign in, {name}."


def prompt_user():  # named as a prompt, returns no text
    return input("Please make sure to type your name: ")


def build_prompt(parts):  # built up from its arguments: no text of its own
    out = ""
    for p in parts:
        out += p
    return out
'''


def test_functions_named_as_prompts_return_prompt_text(project):
    r = project({"evals/prompts.py": PROMPTS_PY}, select=["LA201"])
    got = sorted((f.line, f.message.split(":")[0]) for f in r.findings)
    assert got == [
        (2, 'verbose instruction "your job is to determine"'),
        (8, 'verbose instruction "Your task is to label"'),
        (14, 'verbose instruction "It is important that you answer"'),
    ], got
    # the function's parameter is a hole: the text around it is still fixed in place
    assert all(f.fix is not None for f in r.findings)


def test_a_prompt_function_sent_by_a_call_is_reported_once(project):
    src = PROMPTS_PY + '''

from openai import OpenAI
client = OpenAI()


def legs(statement):
    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=5, messages=[{"role": "user", "content": simple_prompt(statement)}])
'''
    r = project({"evals/prompts.py": src}, select=["LA201"])
    assert sorted(f.line for f in r.findings) == [2, 8, 14]


def test_earlier_versions_count_whatever_the_last_value_is(project):
    """The tutorial's last `prompt` is a LangChain template object; the literal versions before it
    were each sent by `llm(prompt)` in the cells between."""
    nb = notebook(
        'from langchain.llms import OpenAI\nllm = OpenAI(temperature=0)\n',
        'prompt = """\nPlease provide a summary of the following text\n\nTEXT:\nPhilosophy is the study of general questions.\n"""\n',
        "output = llm(prompt)\n",
        "from langchain import PromptTemplate\nprompt = PromptTemplate(input_variables=['text'], template='{text}')\n",
    )
    r = project({"summaries.ipynb": nb}, select=["LA201"])
    assert [(f.cell, f.line) for f in r.findings] == [(1, 2)], [(f.cell, f.line, f.message) for f in r.findings]
