"""``llm-audit baseline`` + ``check --baseline``: adopt on an existing codebase, fail only on new findings."""

from __future__ import annotations

import json
import re

import pytest

from auditor.adopt.baseline import filter_new, fingerprints, normalise_source, write_baseline
from conftest import cli, notebook, run_engine, write_tree

APP = {
    "support/__init__.py": "",
    "support/prompts.py": """
        SUMMARY_PROMPT = "Summarise the customer's ticket in two sentences."
    """,
    "support/bot.py": """
        import os

        from anthropic import Anthropic
        from openai import OpenAI

        from .prompts import SUMMARY_PROMPT

        REASONER = os.environ.get("REASONER", "o3-mini")


        class SupportBot:
            def __init__(self):
                self.client = OpenAI()
                self.claude = Anthropic()

            def summarise(self, ticket: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4o-mini",
                    messages=[{"role": "system", "content": SUMMARY_PROMPT}, {"role": "user", "content": ticket}],
                )
                return resp.choices[0].message.content

            def escalate(self, ticket: str) -> str:
                resp = self.client.chat.completions.create(model=REASONER, messages=[{"role": "user", "content": ticket}], max_tokens=400)
                return resp.choices[0].message.content

            def draft(self, ticket: str) -> str:
                msg = self.claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": ticket}])
                return msg.content[0].text
    """,
    "notebooks/triage.ipynb": notebook(
        "from openai import OpenAI\nclient = OpenAI()\n",
        "out = client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])\n",
    ),
}

NEW_CALL = """

    def translate(self, ticket: str) -> str:
        resp = self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "Translate: " + ticket}])
        return resp.choices[0].message.content
"""


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _check(root, *args):
    return cli("check", ".", "--select", "LA1", "--baseline", ".llm-audit-baseline.json", *args, cwd=root)


def test_fresh_baseline_makes_check_exit_zero(app):
    before = cli("check", ".", "--select", "LA1", cwd=app)
    assert before.returncode == 1
    r = cli("baseline", ".", "--select", "LA1", cwd=app)
    assert r.returncode == 0, r.stderr
    assert "Wrote 4 findings to .llm-audit-baseline.json" in r.stderr
    data = json.loads((app / ".llm-audit-baseline.json").read_text())
    assert data["tool"] == "llm-audit" and len(data["findings"]) == 4
    after = _check(app)
    assert after.returncode == 0, after.stdout
    assert "All checks passed!" in after.stdout


def test_baseline_file_is_deterministic_sorted_and_line_free(app):
    cli("baseline", ".", "--select", "LA1", cwd=app)
    first = (app / ".llm-audit-baseline.json").read_bytes()
    cli("baseline", ".", "--select", "LA1", "--no-cache", cwd=app)
    assert (app / ".llm-audit-baseline.json").read_bytes() == first
    data = json.loads(first)
    entries = data["findings"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e["fingerprint"]))
    assert all(set(e) == {"code", "path", "fingerprint"} for e in entries)  # no line numbers, no timestamps
    assert not re.search(rb"\d{4}-\d{2}-\d{2}", first)
    assert {e["path"] for e in entries} == {"support/bot.py", "notebooks/triage.ipynb"}


def test_baseline_survives_line_shifts_reformatting_and_comments(app):
    cli("baseline", ".", "--select", "LA1", cwd=app)
    bot = app / "support/bot.py"
    text = bot.read_text()
    text = '"""Support bot: answers tickets."""\n\nimport logging\n\nlog = logging.getLogger(__name__)\n' + text
    # reformat one call (black's exploded style with a magic trailing comma) and comment inside another
    text = text.replace(
        'msg = self.claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": ticket}])',
        'msg = self.claude.messages.create(\n            model="claude-haiku-4-5",\n            messages=[{"role": "user", "content": ticket}],  # the raw ticket\n        )',
    )
    bot.write_text(text)
    nb = json.loads((app / "notebooks/triage.ipynb").read_text())
    nb["cells"].insert(1, {"cell_type": "code", "id": "new", "metadata": {}, "execution_count": None, "outputs": [], "source": ["import pandas as pd\n"]})
    (app / "notebooks/triage.ipynb").write_text(json.dumps(nb))
    moved = cli("check", ".", "--select", "LA1", "--output-format", "json", cwd=app)
    assert len(json.loads(moved.stdout)) == 4  # the findings are still there, on other lines
    r = _check(app)
    assert r.returncode == 0, r.stdout


def test_only_new_findings_are_reported(app):
    cli("baseline", ".", "--select", "LA1", cwd=app)
    bot = app / "support/bot.py"
    bot.write_text(bot.read_text() + NEW_CALL)
    r = _check(app, "--output-format", "json")
    assert r.returncode == 1
    new = json.loads(r.stdout)
    assert [(f["code"], f["call_site_id"]) for f in new] == [("LA101", "support/bot.py::SupportBot.translate#1")]


def test_a_copy_of_a_baselined_call_is_new_once(app):
    cli("baseline", ".", "--select", "LA1", cwd=app)
    bot = app / "support/bot.py"
    call = '        msg = self.claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": ticket}])\n'
    text = bot.read_text()
    assert text.count(call) == 1
    # the same call, twice more, in a new method: identical source, so only the occurrence index tells them apart
    bot.write_text(text + "\n    def redraft(self, ticket: str) -> str:\n" + call + call + "        return msg.content[0].text\n")
    r = _check(app, "--output-format", "json")
    new = json.loads(r.stdout)
    assert [f["code"] for f in new] == ["LA101", "LA101"]


def test_baseline_matches_when_run_on_explicit_files_like_pre_commit(app):
    # pre-commit passes file names; the run root then differs, the baseline's paths must not
    cli("baseline", ".", "--select", "LA1", cwd=app)
    r = cli("check", "support/bot.py", "notebooks/triage.ipynb", "--select", "LA1", "--baseline", ".llm-audit-baseline.json", cwd=app)
    assert r.returncode == 0, r.stdout
    sub = app / "support"
    r = cli("check", ".", "--select", "LA1", "--baseline", "../.llm-audit-baseline.json", cwd=sub)
    assert r.returncode == 0, r.stdout


def test_baseline_output_option_and_bad_baselines(app):
    r = cli("baseline", "support", "--select", "LA101", "-o", "ci/accepted.json", cwd=app)
    assert r.returncode == 0 and (app / "ci/accepted.json").is_file()
    assert cli("check", "support", "--select", "LA101", "--baseline", "ci/accepted.json", cwd=app).returncode == 0
    missing = cli("check", ".", "--baseline", "nope.json", cwd=app)
    assert missing.returncode == 2 and "baseline file not found" in missing.stderr
    (app / "bad.json").write_text("{not json")
    bad = cli("check", ".", "--baseline", "bad.json", cwd=app)
    assert bad.returncode == 2 and "bad.json:1:2: not a baseline file" in bad.stderr
    (app / "other.json").write_text('{"runs": []}')
    other = cli("check", ".", "--baseline", "other.json", cwd=app)
    assert other.returncode == 2 and "not an llm-audit baseline" in other.stderr and "Traceback" not in other.stderr


def test_filter_new_api_and_fingerprint_rules(app, tmp_path):
    result = run_engine(app, select=["LA1"])
    assert len(result.findings) == 4
    path = tmp_path / "b.json"
    assert write_baseline(result.findings[:2], path, app) == 2
    left = filter_new(result.findings, path, app)
    assert left == result.findings[2:]
    # fingerprints do not depend on the order the findings come in
    assert fingerprints(list(reversed(result.findings)), app) == list(reversed(fingerprints(result.findings, app)))
    assert normalise_source('f(a,\n  b,  # why\n)') == normalise_source("f(a, b)")
    assert normalise_source("x = [1,\n 2,\n]\n") == "x=[1,2]"
