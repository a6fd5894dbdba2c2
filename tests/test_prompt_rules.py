"""LA104, LA201, LA202, LA203 on realistic code: wrappers, constants in other modules, f-strings,
notebooks; LA201's literal-only fix; LA203 at the exact token count with the network blocked."""

from __future__ import annotations

import ast
import socket

import pytest
from conftest import cli, codes
from test_phrases_catalog import EXAMPLES

from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import apply_rewrites, find_rewrites
from auditor.config.catalog import load_catalog
from auditor.cost import tokens
from auditor.fix.edits import parses


@pytest.fixture
def no_network(monkeypatch, tmp_path_factory):
    """Every socket connection fails, and tiktoken starts from an empty cache (a fresh machine)."""
    cache = tmp_path_factory.mktemp("fresh-tiktoken-cache")

    def refuse(*args, **kwargs):
        raise OSError("network is blocked in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    from auditor.cost import encodings

    monkeypatch.setattr(encodings, "_encodings", {})
    import tiktoken.registry

    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})
    return cache


def _fix_all(project, result, code: str) -> dict[str, str]:
    from auditor.fix.apply import FixReport, fix_file

    out = {}
    by_path: dict[str, list] = {}
    for f in result.findings:
        if f.code == code and f.fix:
            by_path.setdefault(f.path, []).append(f)
    for path, fs in by_path.items():
        kind = "python" if path.endswith(".py") else "notebook" if path.endswith(".ipynb") else "promptfile"
        fix_file(project.root, path, kind, fs, write=True, report=FixReport())
        out[path] = (project.root / path).read_text(encoding="utf-8")
    return out


# ------------------------------------------------------------------------------ matcher

# the worked examples that pin down the catalog's semantics (tests/test_phrases_catalog.py)
REFERENCE = EXAMPLES


@pytest.mark.parametrize("text,expected", REFERENCE)
def test_matcher_follows_the_catalog_semantics(text, expected):
    entries = catalog_entries("verbose", {})
    assert apply_rewrites(text, entries) == expected
    assert apply_rewrites(expected, entries) == expected


def test_matcher_word_boundaries_and_whitespace_runs():
    entries = catalog_entries("verbose", {})
    assert find_rewrites("Be unkindly blunt; list items in order today.", entries) == []
    [m] = find_rewrites("Then, in   order\n to help, read it.", entries)
    assert m.phrase == "in order to"


def test_extra_phrases_come_first():
    entries = catalog_entries("verbose", {"extra-phrases": [{"phrase": "As per our brand guidelines,", "rewrite": ""}]})
    assert (entries[0].phrase, entries[0].rewrite) == ("as per our brand guidelines,", "")
    assert apply_rewrites("As per our brand guidelines, use plain words.", entries) == "Use plain words."
    assert len(load_catalog().phrases["verbose"]) >= 60


# ------------------------------------------------------------------------------ LA201


BOT = """\
from openai import OpenAI

from app.prompts import SYSTEM_PROMPT

client = OpenAI()


def answer(question: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"I want you to answer this: {question}. Thank you in advance for your help."},
        ],
        max_tokens=200,
    )
    return resp.choices[0].message.content


def answer_fast(question: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}],
        max_tokens=50,
    )
    return resp.choices[0].message.content
"""

PROMPTS = '''\
SYSTEM_PROMPT = (
    "You are Brightleaf Assist.\\tPlease note that refunds take two days. "
    'Kindly keep answers short, and in order to stay accurate, quote the policy.'
)
'''


def test_la201_once_per_literal_location_with_savings_over_all_senders(project):
    r = project({"app/__init__.py": "", "app/prompts.py": PROMPTS, "app/bot.py": BOT}, select=["LA201"])
    located = sorted((f.path, f.line, f.message.split('"')[1]) for f in r.findings)
    assert located == [
        ("app/bot.py", 13, "I want you to answer"),
        ("app/bot.py", 13, "Thank you in advance for your help."),
        ("app/prompts.py", 2, "Please note that"),
        ("app/prompts.py", 3, "Kindly"),
        ("app/prompts.py", 3, "in order to"),
    ]
    note = next(f for f in r.findings if "Please note" in f.message)
    assert note.call_site_id is None and "2 call sites" in note.savings.basis
    one_site = next(f for f in r.findings if "I want you to" in f.message)
    assert one_site.call_site_id and one_site.savings.tokens_per_call > 0


def test_la201_fix_edits_only_literal_text(project):
    r = project({"app/__init__.py": "", "app/prompts.py": PROMPTS, "app/bot.py": BOT}, select=["LA201"])
    fixed = _fix_all(project, r, "LA201")
    prompts, bot = fixed["app/prompts.py"], fixed["app/bot.py"]
    assert prompts == (
        "SYSTEM_PROMPT = (\n"
        '    "You are Brightleaf Assist.\\tRefunds take two days. "\n'
        "    'Keep answers short, and to stay accurate, quote the policy.'\n"
        ")\n"
    )
    assert '{"role": "user", "content": f"Answer this: {question}."},' in bot
    for text in (prompts, bot):
        assert parses(text) is None
    value = ast.literal_eval(prompts.split("=", 1)[1].strip())
    assert value == "You are Brightleaf Assist.\tRefunds take two days. Keep answers short, and to stay accurate, quote the policy."
    assert codes(project({}, select=["LA201"])) == []


def test_la201_no_fix_across_an_escape_or_a_string_boundary(project):
    src = 'INTRO_PROMPT = "In order\\nto help, read this."\nSPLIT_PROMPT = "Make sure " "to answer."\n'
    r = project({"p.py": src}, select=["LA201"])
    assert len(r.findings) == 2 and all(f.fix is None for f in r.findings)


def test_la201_keeps_raw_prefix_and_quote_style(project):
    src = "GUIDE_PROMPT = r'C:\\data -- I would like you to list files.'\nTEMPLATE_PROMPT = f'''{x}. In order to help: {y}'''\n"
    r = project({"p.py": src}, select=["LA201"])
    fixed = _fix_all(project, r, "LA201")["p.py"]
    assert fixed == "GUIDE_PROMPT = r'C:\\data -- list files.'\nTEMPLATE_PROMPT = f'''{x}. To help: {y}'''\n"


def test_la201_never_inside_a_hole(project):
    src = """\
from openai import OpenAI

client = OpenAI()


def ask(kindly_note: str, please_note_that: str):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": f"{please_note_that} {kindly_note.upper()} Summarize."}],
        max_tokens=10,
    )
"""
    assert codes(project({"a.py": src}, select=["LA201"])) == []


def test_la201_in_a_notebook_cell_fix(project):
    from conftest import notebook

    nb = notebook(
        "from openai import OpenAI\nclient = OpenAI()\n",
        "%%time\nresp = client.chat.completions.create(model='gpt-4o-mini', max_tokens=50,\n    messages=[{'role': 'user', 'content': 'I need you to list three risks.'}])\n",
    )
    r = project({"nb.ipynb": nb}, select=["LA201"])
    [f] = r.findings
    assert (f.cell, f.line) == (1, 3)
    _fix_all(project, r, "LA201")
    import json

    cells = [c for c in json.loads((project.root / "nb.ipynb").read_text())["cells"] if c["cell_type"] == "code"]
    assert "'content': 'List three risks.'" in "".join(cells[1]["source"])


def test_la201_notebook_prompt_constant_reported_once_in_its_cell(project):
    from conftest import notebook

    nb = notebook(
        "import os\nx = 1\ny = 2\nz = 3\n",
        "from openai import OpenAI\nclient = OpenAI()\nSYSTEM_PROMPT = 'I would like you to list risks.'\n",
        "client.chat.completions.create(model='gpt-4o-mini', max_tokens=5,\n    messages=[{'role': 'system', 'content': SYSTEM_PROMPT}])\n",
    )
    r = project({"nb.ipynb": nb}, select=["LA201"])
    assert [(f.cell, f.line, f.column) for f in r.findings] == [(1, 3, 18)]


def test_fix_command_rewrites_a_verbose_phrase_and_file_still_parses(tmp_path):
    (tmp_path / ".git").mkdir()
    app = tmp_path / "service.py"
    app.write_text(
        "import anthropic\n\n"
        "client = anthropic.Anthropic()\n\n\n"
        "def summarize(doc: str) -> str:\n"
        "    msg = client.messages.create(\n"
        '        model="claude-haiku-4-5",\n'
        "        max_tokens=300,\n"
        '        system="You summarize contracts. It is very important that you flag every auto-renewal clause, with its notice period.",\n'
        '        messages=[{"role": "user", "content": doc}],\n'
        "    )\n"
        "    return msg.content[0].text\n",
        encoding="utf-8",
    )
    done = cli("fix", "--select", "LA201", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    text = app.read_text(encoding="utf-8")
    assert 'system="You summarize contracts. Flag every auto-renewal clause, with its notice period.",' in text
    assert parses(text) is None
    again = cli("check", "--select", "LA201", ".", cwd=tmp_path)
    assert again.returncode == 0, again.stdout


# ------------------------------------------------------------------------------ LA202


def test_la202_system_and_user_repeat(project):
    src = """\
from openai import OpenAI

from app.prompts import RULES_PROMPT

client = OpenAI()


def ask(question: str):
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": RULES_PROMPT},
            {"role": "user", "content": f"{question}\\nNever promise a refund amount in the reply!"},
        ],
        max_tokens=10,
    )
"""
    files = {"app/__init__.py": "", "app/prompts.py": 'RULES_PROMPT = "Be kind. Never promise a refund amount in the reply."\n', "app/bot.py": src}
    r = project(files, select=["LA202"])
    [f] = r.findings
    assert (f.path, f.line) == ("app/bot.py", 13) and "system message" in f.message
    assert f.savings.tokens_per_call == tokens.count_tokens("Never promise a refund amount in the reply!", "gpt-4o-mini").tokens


def test_la202_short_sentences_may_repeat(project):
    src = 'CHECK_PROMPT = "Be concise. Answer the question. Be concise."\n'
    assert codes(project({"p.py": src}, select=["LA202"])) == []


# ------------------------------------------------------------------------------ LA203


def _policy_text(n_sections: int = 50) -> str:
    parts = []
    for i in range(1, n_sections + 1):
        parts.append(
            f"Section {i}. Orders in region {i * 7 % 23} ship from warehouse W{i:02d}; standard delivery takes "
            f"{i % 5 + 2} business days and express takes {i % 2 + 1}. Refunds for region {i} are issued within "
            f"{i % 3 + 1} business days after the return is scanned, minus a ${i % 4 + 3}.95 fee unless the item is faulty."
        )
    return "\n\n".join(parts)


def _budget_project(project, budget: int, text: str):
    files = {
        "app/__init__.py": "",
        "app/policy_prompts.py": f'POLICY_PROMPT = """{text}"""\n',
        "app/support.py": """\
from openai import OpenAI

from app.policy_prompts import POLICY_PROMPT


class Support:
    def __init__(self) -> None:
        self.client = OpenAI(timeout=20)

    def reply(self, ticket: str) -> str:
        resp = self.client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "system", "content": POLICY_PROMPT}, {"role": "user", "content": ticket}],
            max_tokens=300,
        )
        return resp.choices[0].message.content
""",
    }
    return project(files, select=["LA203"], policy=f"params:\n  LA203:\n    max-static-tokens: {budget}\n")


def test_la203_exact_count_of_an_imported_constant_offline(project, no_network):
    text = _policy_text()
    count = tokens.count_tokens(text, "gpt-4o-mini")
    assert count.exact and 2500 <= count.tokens <= 3500, count
    assert any(no_network.iterdir()), "the rank file was primed offline into the empty cache"
    at = _budget_project(project, count.tokens, text)
    assert codes(at) == []
    over = _budget_project(project, count.tokens - 1, text)
    [f] = over.findings
    assert f.path == "app/support.py" and f"{count.tokens:,} tokens" in f.message and "over the budget" in f.message
    assert f.savings.tokens_per_call == 1


def test_la203_unused_constant_and_estimated_count(project):
    text = _policy_text(10)
    n = tokens.count_tokens(text).tokens
    r = project({"prompts.py": f'LONG_PROMPT = """{text}"""\n'}, select=["LA203"], policy=f"params:\n  LA203:\n    max-static-tokens: {n - 1}\n")
    [f] = r.findings
    assert f.path == "prompts.py" and f"{n:,} tokens" in f.message
    src = f"""\
import anthropic

client = anthropic.Anthropic()
client.messages.create(model="claude-haiku-4-5", max_tokens=10, system=\"\"\"{text}\"\"\", messages=[])
"""
    est = tokens.count_tokens(text, "claude-haiku-4-5", 1.15)
    r = project({"prompts.py": "", "a.py": src}, select=["LA203"], policy=f"params:\n  LA203:\n    max-static-tokens: {est.tokens - 1}\n")
    [f] = r.findings
    assert f"{est.tokens:,} tokens" in f.message and "estimated" in f.message


# ------------------------------------------------------------------------------ LA104


def test_la104_on_a_wrapper_method_with_an_imported_instruction(project):
    files = {
        "app/__init__.py": "",
        "app/prompts.py": 'SENTIMENT_INSTRUCTION = "Classify the sentiment. Answer with one word: positive or negative."\n',
        "app/llm.py": """\
from openai import OpenAI

from app.prompts import SENTIMENT_INSTRUCTION


class LLM:
    def __init__(self):
        self.client = OpenAI()

    def sentiment(self, text: str) -> str:
        return self.client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "system", "content": SENTIMENT_INSTRUCTION}, {"role": "user", "content": text}],
            max_tokens=500,
        ).choices[0].message.content
""",
    }
    r = project(files, select=["LA104"])
    [f] = r.findings
    assert f.path == "app/llm.py" and "answer with one word" in f.message and f.fix is None
    assert f.savings.tokens_per_call == 500 - 256  # the cap's worst case down to `worst-case-with-stop`


def test_la104_not_on_unknown_kwargs_or_structured_output(project):
    src = """\
from openai import OpenAI

client = OpenAI()


def ask(q, **kwargs):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Answer yes or no: " + q}], **kwargs)


def ask_json(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Return only the JSON: " + q}],
                                          response_format={"type": "json_object"}, max_tokens=100)
"""
    assert codes(project({"a.py": src}, select=["LA104"])) == []


def test_la104_fix_anthropic_stop_sequences(project):
    src = """\
import anthropic

client = anthropic.Anthropic()
client.messages.create(
    model="claude-haiku-4-5",
    max_tokens=100,
    messages=[{"role": "user", "content": "Put the verdict in <answer> tags and end your answer with </answer>."}],
)
"""
    r = project({"a.py": src}, select=["LA104"])
    fixed = _fix_all(project, r, "LA104")["a.py"]
    assert 'stop_sequences=["</answer>"]' in fixed and parses(fixed) is None
    assert codes(project({}, select=["LA104"])) == []
