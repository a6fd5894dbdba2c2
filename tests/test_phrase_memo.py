"""Phrase-search results are kept between runs (analysis/phrasememo.py): a warm run whose prompts
did not change searches no text and compiles no phrase regex, and finds the same findings; a
changed prompt is searched again; without a cache nothing is memoised."""

from __future__ import annotations

import pytest

from auditor.analysis import phrasememo, rewrites
from auditor.analysis.phrases import catalog_entries
from auditor.config.policy import Policy
from auditor.engine import RunOptions, run
from conftest import TODAY, write_tree

FILES = {
    "app/prompts.py": (
        'SYSTEM_PROMPT = (\n'
        '    "You are a support assistant. Please analyze the following ticket carefully "\n'
        '    "and describe the problem in great detail before you route it. "\n'
        '    "Answer with one word: the queue name."\n'
        ')\n'
    ),
    "app/client.py": (
        "from openai import AsyncOpenAI\n\n"
        "class Base:\n"
        "    def __init__(self):\n"
        "        self.client = AsyncOpenAI()\n\n"
        "    async def send(self, **params):\n"
        "        return await self.client.chat.completions.create(**params)\n"
    ),
    "app/triage.py": (
        "from app.client import Base\n"
        "from app.prompts import SYSTEM_PROMPT\n\n"
        "class Triage(Base):\n"
        "    async def route(self, ticket):\n"
        "        params = {'model': 'gpt-4o-mini', 'messages': [\n"
        "            {'role': 'system', 'content': SYSTEM_PROMPT},\n"
        "            {'role': 'user', 'content': f'Please summarize this ticket: {ticket}'},\n"
        "        ]}\n"
        "        return await self.send(**params)\n"
    ),
    # a look-alike: the same words in a string no model reads
    "app/notes.py": 'HELP = "Please analyze the following ticket carefully and make sure it is filed."\nprint(HELP)\n',
}


def _run(root, use_cache=True):
    policy = Policy.load(None, start=root)
    return run(RunOptions(paths=[root], policy=policy, use_cache=use_cache, jobs=1, today=TODAY))


def _keys(result):
    return sorted((f.path, f.line, f.code, f.message) for f in result.findings)


def _forget_in_process():
    """Drop what this process remembers, as a new process would not have it."""
    rewrites._found.cache_clear()
    rewrites._rewrites.cache_clear()


@pytest.fixture
def tree(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, FILES)
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / "_cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _no_search(monkeypatch):
    searched = []

    def refuse(text, entries):
        searched.append(text)
        raise AssertionError("a warm run searched a prompt it had searched before")

    monkeypatch.setattr(rewrites, "_tries", refuse)
    return searched


def test_warm_run_searches_no_unchanged_prompt_and_finds_the_same(tree, monkeypatch):
    first = _run(tree)
    assert {"LA201", "LA205"} <= {f.code for f in first.findings}, _keys(first)  # filler and exhaustive-output asks found
    assert not any(f.path == "app/notes.py" for f in first.findings)
    _forget_in_process()
    searched = _no_search(monkeypatch)
    second = _run(tree)
    assert searched == []
    assert _keys(second) == _keys(first)


def test_a_changed_prompt_is_searched_again(tree, monkeypatch):
    first = _run(tree)
    (tree / "app/prompts.py").write_text(
        'SYSTEM_PROMPT = "You are a support assistant. Route the ticket. Answer with one word: the queue name."\n'
    )
    _forget_in_process()
    calls = []
    real = rewrites._tries

    def counting(text, entries):
        calls.append(text)
        return real(text, entries)

    monkeypatch.setattr(rewrites, "_tries", counting)
    second = _run(tree)
    assert any("Route the ticket" in t for t in calls)
    before = [f for f in first.findings if f.code == "LA201" and f.path == "app/prompts.py"]
    after = [f for f in second.findings if f.code == "LA201" and f.path == "app/prompts.py"]
    assert before and not after  # the filler is gone with the edit


def test_without_a_cache_nothing_is_memoised(tree, monkeypatch):
    _run(tree)
    _forget_in_process()
    calls = []
    real = rewrites._tries
    monkeypatch.setattr(rewrites, "_tries", lambda text, entries: calls.append(text) or real(text, entries))
    cold = _run(tree, use_cache=False)
    assert calls  # searched again: --no-cache reads no memo
    assert any(f.code == "LA201" for f in cold.findings)


def test_memo_off_outside_a_run_and_results_are_plain_data():
    entries = catalog_entries("verbose")
    text = "Please analyze the following ticket carefully."
    phrasememo.end()
    assert rewrites.find_rewrites(text, entries)
    phrasememo.begin({})
    try:
        found = rewrites.find_rewrites(text, entries)
        spans = rewrites.phrase_spans(text, entries)
    finally:
        phrasememo.end()
    assert phrasememo.changed()
    stored = phrasememo.snapshot()
    assert stored and all(isinstance(v, tuple) for v in stored.values())
    assert [(r.start, r.end, r.replacement) for r in found] == [(r.start, r.end, r.replacement) for r in rewrites.find_rewrites(text, entries)]
    assert [(e.phrase, a, b) for e, a, b in spans] == [(e.phrase, m.start(), m.end()) for e, m in rewrites.find_phrases(text, entries)]
    # a stored result is used as is: another memo, another answer (keys are per entries and text)
    phrasememo.begin({k: () for k in stored})
    try:
        assert rewrites.find_rewrites(text, entries) == []
    finally:
        phrasememo.end()
