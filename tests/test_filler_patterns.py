"""LA201 as patterns on realistic code: constants in another module, f-strings, notebooks, prompt
files, Anthropic system prompts; the grammar guards (purpose clauses, other subjects, an opener
before a list, quoted replies, role-bearing identities) as look-alikes; only instruction text."""

from __future__ import annotations

import ast

from conftest import notebook
from test_prompt_rules import _fix_all

from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import apply_rewrites, find_rewrites
from auditor.checks.textsites import instruction_runs
from auditor.facts import Segment
from auditor.fix.edits import parses

APP = '''\
from openai import OpenAI

from app.prompts import TRIAGE_PROMPT

client = OpenAI()


def triage(ticket: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": TRIAGE_PROMPT},
            {"role": "user", "content": f"Please analyze the following ticket carefully: {ticket}"},
        ],
        max_tokens=50,
    )
    return resp.choices[0].message.content
'''

PROMPTS = '''\
TRIAGE_PROMPT = (
    "You are a helpful assistant. You have been tasked with routing support tickets. "
    "It is crucial to pick exactly one queue, and make sure the queue exists."
)
'''


def test_patterns_in_a_constant_and_an_fstring_with_exact_savings(project):
    r = project({"app/__init__.py": "", "app/prompts.py": PROMPTS, "app/bot.py": APP}, select=["LA201"])
    found = sorted((f.path, f.line, f.message.split('"')[1]) for f in r.findings)
    assert found == [
        ("app/bot.py", 13, "Please analyze the following ticket carefully"),
        ("app/prompts.py", 2, "You are a helpful assistant."),
        ("app/prompts.py", 2, "You have been tasked with routing"),
        ("app/prompts.py", 3, "It is crucial to pick"),
        ("app/prompts.py", 3, "make sure"),
    ]
    assert all(f.fix is not None and f.fix.applicability == "safe" for f in r.findings)
    assert all(f.savings is not None and f.savings.tokens_per_call >= 1 for f in r.findings)
    fixed = _fix_all(project, r, "LA201")
    assert 'f"Analyze this ticket: {ticket}"' in fixed["app/bot.py"]
    value = ast.literal_eval(fixed["app/prompts.py"].split("=", 1)[1].strip())
    assert value == "Route support tickets. Pick exactly one queue, and ensure the queue exists."
    assert all(parses(t) is None for t in fixed.values())


LOOK_ALIKES = '''\
COUNT_PROMPT = "Number the words to make sure you don't lose track."
SORT_PROMPT = "The user will provide a list, and your goal is to sort it."
SYSTEM_PROMPT = "You are a helpful assistant that translates French to English."
REPLY_PROMPT = 'Answer the customer with: "Please wait while we check your order."'
CARE_PROMPT = "Use a carefully chosen tone; list items in order today."
'''


def test_look_alikes_stay_silent(project):
    r = project({"prompts.py": LOOK_ALIKES}, select=["LA201"])
    assert r.findings == []


def test_an_opener_before_a_list_is_reported_without_a_fix(project):
    """"Your job is to:" before a list is filler (the items say what to do), but deleting it would
    join the first item to the sentence before: reported with the deletion's saving, no fix."""
    src = '''\
    from agents import Agent

    ROUTER_PROMPT = """You are the support router. Your job is to:
    - route the ticket
    - label the ticket"""
    triage = Agent(name="triage", instructions="""You are a web search expert.
    Make sure to:
    1. Search the web
    2. Cite each source""")
    '''
    r = project({"prompts.py": src}, select=["LA201"])
    got = sorted((f.line, f.message.split(":")[0]) for f in r.findings)
    assert got == [(3, 'filler "Your job is to'), (7, 'filler "Make sure to')], got
    assert all(f.fix is None and f.savings.tokens_per_call >= 2 for f in r.findings)


def test_an_opener_before_a_clause_or_of_another_subject_stays_as_before(project):
    src = '''\
    SORT_PROMPT = "The user will provide a list, and your goal is to:\\n- sort it"
    JOB_PROMPT = "What your job is to: decide."
    '''
    r = project({"prompts.py": src}, select=["LA201"])
    assert r.findings == []


def test_the_whole_system_message_is_reported_without_a_fix(project):
    src = '''\
    from openai import OpenAI

    client = OpenAI()
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hi"}],
        max_tokens=50,
    )
    '''
    r = project({"a.py": src}, select=["LA201"])
    [f] = r.findings
    assert f.fix is None and "remove the message" in f.message and f.savings.tokens_per_call >= 5


def test_notebook_cell_and_anthropic_system(project):
    nb = notebook(
        "import anthropic\nclient = anthropic.Anthropic()\n",
        'msg = client.messages.create(\n    model="claude-haiku-4-5",\n    max_tokens=200,\n'
        '    system="Your task is to summarize meeting notes. Please be concise.",\n'
        '    messages=[{"role": "user", "content": notes}],\n)\n',
    )
    r = project({"notes.ipynb": nb}, select=["LA201"])
    got = sorted((f.cell, f.line, f.message.split('"')[1]) for f in r.findings)
    assert got == [(1, 4, "Please be"), (1, 4, "Your task is to summarize")]
    fixed = _fix_all(project, r, "LA201")["notes.ipynb"]
    assert 'system=\\"Summarize meeting notes. Be concise.\\"' in fixed


def test_prompt_file_body(project):
    prompty = """\
    ---
    model:
      api: chat
      configuration:
        type: openai
        model: gpt-4o-mini
      parameters:
        max_tokens: 50
    ---
    system:
    You route tickets. It is very important that you read the whole ticket, and answer to the best of your ability.

    user:
    {{ticket}}
    """
    r = project({"prompts/route.prompty": prompty}, select=["LA201"])
    assert sorted(f.message.split('"')[1] for f in r.findings) == ["It is very important that you read", "to the best of your ability"]
    fixed = _fix_all(project, r, "LA201")["prompts/route.prompty"]
    assert "You route tickets. Read the whole ticket, and answer.\n" in fixed


def test_no_fix_across_an_escape_and_none_in_expressions(project):
    src = '''\
    from openai import OpenAI

    client = OpenAI()
    client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Read it.\\tYour\\ttask is to classify it."}],
        max_tokens=5,
    )
    '''
    r = project({"a.py": src}, select=["LA201"])
    [f] = r.findings
    assert f.fix is None


def test_data_segments_are_never_read():
    entries = catalog_entries("verbose")
    instruction = Segment("static", text="Please analyze the following ticket carefully:\n")
    document = Segment("static", text="Customer wrote: Please kindly refund me. I would like you to call me.")
    document.role = "data"  # segment roles (issue 12): documents, examples, records
    runs = instruction_runs([instruction, document, Segment("hole", expr="ticket")])
    assert [[s.text for s in run] for run in runs] == [[instruction.text]]
    texts = ["".join(s.text for s in run) for run in runs]
    assert [r.phrase for t in texts for r in find_rewrites(t, entries)] == ["(please )?<verb> the following <noun> carefully"]


def test_team_patterns_come_first_and_bad_ones_are_ignored():
    entries = catalog_entries("verbose", {"extra-phrases": [
        {"phrase": "as per our (brand|style) guide(,)?", "rewrite": ""},
        {"phrase": "(unbalanced", "rewrite": ""},
        {"phrase": "kindly <verb>", "rewrite": "<verb>", "context": "any"},
    ]})
    assert entries[0].phrase == "as per our (brand|style) guide(,)?"
    assert apply_rewrites("As per our style guide, kindly use plain words.", entries) == "Use plain words."


def test_rewrites_keep_number_and_a_missing_full_stop():
    """Held-out fresh set 2: "with the following characteristics:" became "with this characteristics:"
    (an -ics plural taken for singular), and "Keep it short Please analyze" became "Keep it short
    analyze" (a capital "Please" opens a sentence whose full stop is missing)."""
    entries = catalog_entries("verbose", {})
    assert apply_rewrites("Write a poem with the following characteristics:\n- short", entries) == "Write a poem with these characteristics:\n- short"
    assert apply_rewrites("Report the following metrics:\n{m}", entries) == "Report these metrics:\n{m}"
    assert apply_rewrites("Explain the following physics:\n{p}", entries) == "Explain this physics:\n{p}"
    assert apply_rewrites("Keep it short Please analyze the logs.", entries) == "Keep it short Analyze the logs."
    assert apply_rewrites("Answer, please analyze the logs.", entries) != "Answer, Analyze the logs."
