"""The dataflow through files the byte pre-scan skips, with only the caller given.

A helper module ``def ask(prompt): return llm(prompt)`` has no SDK import and no prompt
constant, and neither has the module that calls ``ask("...")``: phase 1 parses neither
(auditor/sources/prescan.py). Phase 2 must still read them where a flow leads - with a cold
cache and a warm one, whether the whole project or only the caller is on the command line
(pre-commit), in any order of arguments - and must not read or report look-alikes.
"""

from __future__ import annotations

import textwrap

import json

from conftest import cli, notebook

from auditor.sources.callnames import found_names, names_in

CLIENT = """
    from openai import OpenAI

    client = OpenAI()


    def llm(prompt, max_tokens=None):
        resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)
        return resp.choices[0].message.content
"""

HELPERS = """
    from app.client import llm


    def ask(prompt):
        return llm(prompt, max_tokens=300)


    def label(text):
        return text.upper()  # a look-alike: never reaches the SDK
"""

BASE = """
    class Bot:
        def answer(self, question):
            return self.submit_prompt(question)

        def submit_prompt(self, prompt):
            raise NotImplementedError
"""

MIXIN = """
    from openai import OpenAI


    class OpenAIMixin:
        client = OpenAI()

        def submit_prompt(self, prompt):
            return self.client.chat.completions.create(model="gpt-4o-mini", max_tokens=100, messages=[{"role": "user", "content": prompt}])
"""

JOBS = """
    from app.helpers import ask, label


    def triage(ticket):
        label("I would like you to shout this.")  # not a prompt: label() sends nothing
        return ask(f"Please analyze the following data carefully and provide insights: {ticket}")
"""

BOTS = """
    from app.base import Bot
    from app.mixin import OpenAIMixin


    class SupportBot(OpenAIMixin, Bot):
        pass


    def reply(q):
        return SupportBot().answer(f"I would like you to answer this question: {q}")
"""

OTHER = """
    def ask(prompt):
        return prompt.strip()  # same name as the wrapper, another module: not a request


    def run():
        return ask("I would like you to trim this.")
"""

FILES = {
    "app/__init__.py": "",
    "app/client.py": CLIENT,
    "app/helpers.py": HELPERS,
    "app/base.py": BASE,
    "app/mixin.py": MIXIN,
    "app/jobs.py": JOBS,
    "app/bots.py": BOTS,
    "app/other.py": OTHER,
}

ARGS = ("check", "--select", "LA201", "--output-format", "concise")


NOTEBOOK = notebook(
    "import pandas as pd\nfrom app.helpers import ask",
    'answer = ask("I would like you to list the three main risks.")',
)


def _write(root):
    (root / ".git").mkdir()
    (root / "notebooks").mkdir()
    (root / "notebooks/explore.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")


def _lines(out: str, prefix: str = "") -> list[str]:
    return sorted(line for line in out.splitlines() if line.startswith(prefix) and ": LA" in line)


def test_the_pre_scan_skips_the_helper_and_the_callers(tmp_path):
    _write(tmp_path)
    stats = cli(*ARGS, "--no-cache", ".", cwd=tmp_path, env={"LLM_AUDIT_STATS": "1"})
    # client.py and mixin.py import the SDK; __init__, helpers, base, jobs, bots, other and the notebook are skipped
    assert "parsed=2 skipped=7" in stats.stderr


def test_wrapper_helper_and_base_class_in_skipped_modules_report_at_the_callers(tmp_path):
    _write(tmp_path)
    out = cli(*ARGS, "--no-cache", ".", cwd=tmp_path).stdout
    found = _lines(out)
    assert any(line.startswith("app/jobs.py:7:") and "LA201" in line for line in found), out
    assert any(line.startswith("app/bots.py:11:") and "LA201" in line for line in found), out
    assert any(line.startswith("notebooks/explore.ipynb:") and "LA201" in line for line in found), out
    assert not any(line.startswith(("app/other.py", "app/jobs.py:6:")) for line in found), out


def test_only_the_caller_given_gives_the_callers_part_of_the_whole_run(tmp_path):
    _write(tmp_path)
    whole = cli(*ARGS, "--no-cache", ".", cwd=tmp_path).stdout
    for rel in ("app/jobs.py", "app/bots.py", "app/other.py", "notebooks/explore.ipynb"):
        cold = cli(*ARGS, "--no-cache", rel, cwd=tmp_path).stdout
        assert _lines(cold) == _lines(whole, rel), (rel, cold, whole)
    # pre-commit: the cache warm from a full run, one changed caller, in any order of arguments
    assert cli(*ARGS, ".", cwd=tmp_path).returncode == 1
    (tmp_path / "app/jobs.py").write_text(textwrap.dedent(JOBS) + "\n\ndef again(t):\n    return ask(f'In order to help, look at {t}')\n", encoding="utf-8")
    after = cli(*ARGS, ".", cwd=tmp_path).stdout
    assert any(line.startswith("app/jobs.py:11:") for line in _lines(after)), after
    one = cli(*ARGS, "app/bots.py", "app/jobs.py", cwd=tmp_path).stdout
    other_order = cli(*ARGS, "app/jobs.py", "app/bots.py", cwd=tmp_path).stdout
    assert _lines(one) == _lines(other_order) == _lines(after, "app/bots.py") + _lines(after, "app/jobs.py")


def test_names_in_a_skipped_file():
    data = b"from app.llm import ask\nclass Bot(Base, mixins.Chat):\n    def go(self):\n        return ask(x) + len(y)\n"
    assert names_in(data, frozenset({"ask"})) and names_in(data, frozenset({"go"}))
    assert names_in(data, frozenset(), frozenset({"Chat"}))  # a class named as a base
    assert not names_in(data, frozenset({"llm", "submit_prompt"}))  # imported, never called
    assert not names_in(data, frozenset({"Chat"}))  # a class is a word, not a call


def test_names_in_counts_whole_names_only():
    """The dataflow matches calls by their last name and classes by their whole name: a name
    inside a longer identifier is no flow (the SDK corpus's ``acompletion(`` / ``APIRouter``)."""
    data = (
        b"from fastapi import APIRouter\nrouter = APIRouter()\n"
        b"async def go(x):\n    return await litellm.acompletion(x) or text_completion(x)\n"
        b"class H(BaseLLMHTTPHandler):\n    pass\n"
    )
    assert not names_in(data, frozenset({"completion"}))
    assert not names_in(data, frozenset(), frozenset({"Router", "BaseLLM"}))
    assert names_in(data, frozenset({"acompletion", "text_completion"}))  # the whole name, after a dot or a blank
    assert names_in(data, frozenset(), frozenset({"APIRouter", "BaseLLMHTTPHandler"}))
    called = b"def f(self):\n    return self.completion(model=m)\n"
    assert names_in(called, frozenset({"completion"}))  # a method call counts
    assert names_in(b"x = completion(1)", frozenset({"completion"}))  # at the start of the text too
    assert names_in(b"from app.routing import Router", frozenset(), frozenset({"Router"}))  # at the end
    assert names_in(b"y = mod.Router\n", frozenset(), frozenset({"Router"}))
    assert names_in(b"# see \xc3\xa9Router", frozenset(), frozenset({"Router"}))  # non-ASCII: over-approximate
    assert found_names(data + called, {"completion", "go", "ask"}, {"Router", "APIRouter"}) == {"completion", "go", "w:APIRouter"}


def test_a_pre_commit_run_reads_no_unchanged_skipped_file_for_the_dataflow(tmp_path, monkeypatch):
    _write(tmp_path)
    assert cli(*ARGS, ".", cwd=tmp_path).returncode == 1  # fills the cache
    (tmp_path / "app/jobs.py").write_text(textwrap.dedent(JOBS) + "\n# edited\n", encoding="utf-8")
    import auditor.sources.callnames as callnames
    from auditor.config.policy import Policy
    from auditor.engine import RunOptions, run

    read: list[int] = []
    real = callnames.found_names
    monkeypatch.setattr("auditor.phase1.found_names", lambda data, *a: read.append(1) or real(data, *a))
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / ".cache-test"))
    monkeypatch.chdir(tmp_path)
    policy = Policy.load(None, start=tmp_path)
    policy.cli_select = ["LA201"]
    result = run(RunOptions(paths=[tmp_path / "app/jobs.py"], policy=policy, jobs=1))
    assert any(f.code == "LA201" and f.path == "app/jobs.py" for f in result.findings)
    assert read == [1]  # only the edited caller is searched; the answers for the others are cached
