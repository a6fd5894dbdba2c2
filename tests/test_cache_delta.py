"""The facts cache's journal (auditor/cache_delta.py): a run that changes a few files writes
only their entries beside the main file; the journal is trusted only on top of the main file
it was written for and under our key; past a size it folds into the main file."""

from __future__ import annotations

import json
import re

from conftest import cli, write_tree

APP = {
    "app/prompts.py": 'SYSTEM_PROMPT = "Please make sure to classify the ticket. Answer with one word."\n',
    "app/base.py": (
        "from openai import OpenAI\n\n"
        "class Base:\n"
        "    def __init__(self):\n"
        "        self.client = OpenAI()\n\n"
        "    def send(self, **params):\n"
        "        return self.client.chat.completions.create(**params)\n"
    ),
    "app/triage.py": (
        "from app.base import Base\n"
        "from app.prompts import SYSTEM_PROMPT\n\n"
        "class Triage(Base):\n"
        "    def route(self, ticket):\n"
        "        return self.send(model='gpt-4o-mini', messages=[{'role': 'system', 'content': SYSTEM_PROMPT}, {'role': 'user', 'content': ticket}])\n"
    ),
    **{f"lib/util{i}.py": f"def helper{i}(x):\n    return x + {i}\n" for i in range(30)},
}


def _stats(r) -> dict[str, int]:
    m = re.search(r"files=(\d+) parsed=(\d+) skipped=(\d+) cached=(\d+)", r.stderr)
    assert m, r.stderr
    return dict(zip(("files", "parsed", "skipped", "cached"), map(int, m.groups())))


def _run(root, *args):
    return cli("check", *(args or (".",)), "--output-format", "json", "--exit-zero", cwd=root,
               env={"LLM_AUDIT_STATS": "1", "LLM_AUDIT_CACHE_DIR": str(root / "_cache")})


def _keys(r):
    return sorted((f["path"], f["line"], f["code"]) for f in json.loads(r.stdout))


def _files(root):
    [main] = (root / "_cache").glob("facts-*.bin")
    deltas = list((root / "_cache").glob("delta-*.bin"))
    return main, deltas


def test_a_one_file_change_writes_the_journal_not_the_main_file(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    cold = _run(tmp_path)
    main, _ = _files(tmp_path)
    before = main.read_bytes()
    (tmp_path / "app/triage.py").write_text(APP["app/triage.py"] + "# edited\n")
    pre = _run(tmp_path, "app/triage.py")  # pre-commit: the changed file, the project as context
    assert _stats(pre)["parsed"] + _stats(pre)["skipped"] == 1
    assert {k for k in _keys(pre)} == {k for k in _keys(cold) if k[0] == "app/triage.py"}
    main, deltas = _files(tmp_path)
    assert main.read_bytes() == before and len(deltas) == 1
    assert len(deltas[0].read_bytes()) < len(before)
    warm = _run(tmp_path)
    assert _stats(warm)["cached"] == _stats(warm)["files"]  # the journal's entry is used: nothing parsed
    assert _keys(warm) == _keys(cold)


def test_a_tampered_or_foreign_journal_is_ignored(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    cold = _run(tmp_path)
    (tmp_path / "app/prompts.py").write_text('SYSTEM_PROMPT = "Classify the ticket. Answer with one word."\n')
    edited = _run(tmp_path)
    _, [delta] = _files(tmp_path)
    good = delta.read_bytes()
    bad = bytearray(good)
    bad[-5] ^= 0xFF  # inside the pickled entries: the signature no longer holds
    delta.write_bytes(bytes(bad))
    r = _run(tmp_path)
    assert "Traceback" not in r.stderr and _stats(r)["cached"] < _stats(r)["files"]
    assert _keys(r) == _keys(edited) != _keys(cold)
    # a journal signed by us, but written on top of another main file: ignored too
    (tmp_path / "app/prompts.py").write_text(APP["app/prompts.py"])
    main, deltas = _files(tmp_path)
    for f in [main, *deltas]:
        f.unlink()
    again = _run(tmp_path)  # a new main file, for the original text
    assert _keys(again) == _keys(cold)
    delta.write_bytes(good)  # the journal of the edit, for the old main file
    r = _run(tmp_path)
    assert _stats(r)["cached"] == _stats(r)["files"]  # not applied: its entry would not match the file
    assert _keys(r) == _keys(cold)


def test_the_journal_folds_into_the_main_file_when_large(tmp_path, monkeypatch):
    from auditor import cache_delta
    from auditor.config.policy import Policy
    from auditor.engine import RunOptions, run

    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    monkeypatch.setenv("LLM_AUDIT_CACHE_DIR", str(tmp_path / "_cache"))
    monkeypatch.chdir(tmp_path)

    def once():
        return run(RunOptions(paths=[tmp_path], policy=Policy.load(None, start=tmp_path), jobs=1))

    first = once()
    (tmp_path / "lib/util3.py").write_text("def helper3(x):\n    return x * 3\n")
    once()
    main, deltas = _files(tmp_path)
    assert len(deltas) == 1
    monkeypatch.setattr(cache_delta, "MIN_BYTES", 0)
    monkeypatch.setattr(cache_delta, "MAX_SHARE", 0.0)
    (tmp_path / "lib/util4.py").write_text("def helper4(x):\n    return x * 4\n")
    third = once()
    main, deltas = _files(tmp_path)
    assert deltas == []  # folded in, journal removed
    assert third.stats["parsed"] + third.stats["skipped"] == 1
    assert [f.code for f in once().findings] == [f.code for f in first.findings]
