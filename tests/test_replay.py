"""``check`` replays an unchanged run (auditor/replay.py): the same bytes and exit code as a full
run, and any change to what the output depends on (a file, a folder, a probed absent path, a
policy, a .gitignore, the environment, the date, the options) is a full run again.

The runs are real command lines (``python -m auditor``). The racy rule (no record when a path
changed less than 2 s before the run ended) would make every test wait, so the driver sets
``RACY_NS`` to 0, except in the test of that rule."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor import replay

APP = '''from openai import OpenAI

from prompts import SYSTEM

client = OpenAI()


def ask(question: str) -> str:
    extra = open("prompts/extra.txt").read()
    return client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": SYSTEM + extra}, {"role": "user", "content": question}],
    ).choices[0].message.content
'''
PROMPTS = 'SYSTEM = "You are a careful assistant. Answer in one short paragraph and cite the source document."\n'
DRIVER = "import sys; import auditor.replay as r; r.RACY_NS = int(sys.argv.pop(1)); import runpy; sys.argv[0] = 'llm-audit'; runpy.run_module('auditor', run_name='__main__', alter_sys=True)"


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "app.py").write_text(APP)
    (root / "prompts.py").write_text(PROMPTS)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "util.py").write_text("def add(a, b):\n    return a + b\n")
    return root


def _run(root: Path, *args: str, racy: int = 0, env: dict | None = None, fmt: str = "json") -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("LLM_AUDIT_")}
    e.update(LLM_AUDIT_CACHE_DIR=str(root.parent / "cache"), XDG_CACHE_HOME=str(root.parent / "xdg"), LLM_AUDIT_STATS="1", LLM_AUDIT_DEBUG="1")
    e.update(env or {})
    cmd = [sys.executable, "-c", DRIVER, str(racy), "check", "--today", "2026-12-01", "--output-format", fmt, *args]
    return subprocess.run(cmd, cwd=root, env=e, capture_output=True, timeout=120, check=False)


def _replayed(r: subprocess.CompletedProcess) -> bool:
    err = r.stderr.decode()
    assert "Traceback" not in err, err
    return "replayed=1" in err


def _primed(root: Path, *args: str, **kw) -> subprocess.CompletedProcess:
    """A run that records, then one that replays it (asserted): the recorded output."""
    first = _run(root, *args, **kw)
    again = _run(root, *args, **kw)
    if not _replayed(again):  # the first run of a fresh user cache writes its YAML memos: not recorded
        assert b"not recorded: wrote" in first.stderr and again.stdout == first.stdout
        again = _run(root, *args, **kw)
    assert not _replayed(first) and _replayed(again), again.stderr.decode()
    assert again.stdout == first.stdout and again.returncode == first.returncode
    return first


def test_replay_is_the_same_bytes_and_exit_code_as_a_full_run(project: Path) -> None:
    first = _primed(project)
    assert first.returncode == 1 and json.loads(first.stdout)  # findings: exit 1
    full = _run(project, env={"LLM_AUDIT_NO_REPLAY": "1"})
    assert not _replayed(full) and full.stdout == first.stdout and full.returncode == first.returncode
    for fmt in ("full", "concise", "sarif"):
        out = _primed(project, fmt=fmt)
        assert out.stdout != first.stdout and _run(project, fmt=fmt).stdout == out.stdout


def _edit(p: Path, text: str) -> None:
    p.write_text(text)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda r: _edit(r / "app.py", APP.replace("gpt-4o", "gpt-4.1")), id="edit-py"),
        pytest.param(lambda r: _edit(r / "prompts.py", PROMPTS.replace("careful", "CAREFUL")), id="edit-imported-module-same-size"),
        pytest.param(lambda r: os.utime(r / "pkg" / "util.py", ns=(1, 1)), id="touch-same-size"),
        pytest.param(lambda r: _edit(r / "pkg" / "new.py", "x = 1\n"), id="add-file"),
        pytest.param(lambda r: (r / "pkg" / "util.py").unlink(), id="delete-file"),
        pytest.param(lambda r: ((r / "prompts").mkdir(), _edit(r / "prompts" / "extra.txt", "Be brief.\n")), id="create-absent-prompt-file"),
        pytest.param(lambda r: _edit(r / ".llm-audit.yaml", "ignore: [LA402]\n"), id="add-policy"),
        pytest.param(lambda r: _edit(r / ".gitignore", "pkg/\n"), id="add-gitignore"),
    ],
)
def test_a_change_is_a_full_run(project: Path, change) -> None:
    _primed(project)
    change(project)
    after = _run(project)
    assert not _replayed(after)
    truth = _run(project, "--no-cache")
    assert after.stdout == truth.stdout and after.returncode == truth.returncode


def test_edited_prompt_file_and_policy_are_full_runs(project: Path) -> None:
    (project / "prompts").mkdir()
    (project / "prompts" / "extra.txt").write_text("Be brief.\n")
    (project / ".llm-audit.yaml").write_text("ignore: [LA101]\n")
    _primed(project)
    (project / "prompts" / "extra.txt").write_text("Be very brief.\n")
    edited = _run(project)
    assert not _replayed(edited) and edited.stdout == _run(project, "--no-cache").stdout
    assert _replayed(_run(project))  # the edited state was recorded in turn
    (project / ".llm-audit.yaml").write_text("ignore: [LA402]\n")
    r = _run(project)
    assert not _replayed(r) and r.stdout == _run(project, "--no-cache").stdout and b"LA402" not in r.stdout


def test_environment_date_and_options_are_part_of_the_key(project: Path) -> None:
    _primed(project)
    assert not _replayed(_run(project, env={"NO_COLOR": "1"}))
    assert not _replayed(_run(project, "--select", "LA1"))
    dated = [sys.executable, "-c", DRIVER, "0", "check", "--today", "2027-02-01", "--output-format", "json"]
    e = dict(os.environ, LLM_AUDIT_CACHE_DIR=str(project.parent / "cache"), XDG_CACHE_HOME=str(project.parent / "xdg"), LLM_AUDIT_STATS="1", LLM_AUDIT_DEBUG="1")
    assert "replayed=1" not in subprocess.run(dated, cwd=project, env=e, capture_output=True, text=True, check=False).stderr
    _primed(project)  # and the first key still replays


def test_tampered_record_is_ignored(project: Path) -> None:
    first = _primed(project)
    (rec,) = (project.parent / "cache").glob("*.replay")
    data = bytearray(rec.read_bytes())
    data[-3] ^= 0xFF  # inside the stored output
    rec.write_bytes(bytes(data))
    r = _run(project)
    assert not _replayed(r) and r.stdout == first.stdout


def test_never_replays_without_cache_or_for_fix_diff_stdin_output(project: Path) -> None:
    _primed(project)
    for args in (["--no-cache"], ["--diff"], ["--fix"], ["-o", str(project.parent / "out.json")], ["--add-ignore"]):
        assert not replay.eligible(["check", *args])
    assert not replay.eligible(["fix", "."]) and not replay.eligible(["report", "."]) and not replay.eligible(["server"])
    assert not replay.eligible(["check", "-"]) and not replay.eligible(["check", "--stdin-filename", "x.py"])
    assert not replay.eligible(["check", "-qo", "out"])
    assert replay.eligible(["check", "-q", "--select", "LA1", "-j2", "src"])
    r = _run(project, "--no-cache")
    assert not _replayed(r)


def test_no_record_while_paths_are_fresh(project: Path) -> None:
    """With the real racy rule, files written just now are never trusted: the run is full."""
    assert not _replayed(_run(project, racy=10 * replay.RACY_NS))  # as if the files were written just before
    assert not list((project.parent / "cache").glob("*.replay"))
    assert not _replayed(_run(project, racy=10 * replay.RACY_NS))


def test_a_fresh_explicit_file_is_not_even_recorded(project: Path) -> None:
    """Pre-commit's just-edited file: the record could not stand (the racy rule), so the run
    does not record at all; the same file, older than the racy window, records and replays."""
    racy = 2_000_000_000
    r = _run(project, "app.py", racy=racy)
    assert b"not recording: a path given changed" in r.stderr and not _replayed(r)
    assert not list((project.parent / "cache").glob("*.replay"))
    old = time.time() - 60
    for p in project.rglob("*"):
        os.utime(p, (old, old))
    os.utime(project, (old, old))
    time.sleep(2.1)  # ctime (which utime sets to now) must leave the racy window too
    first = _run(project, "app.py", racy=racy)
    assert b"not recording" not in first.stderr
    again = _run(project, "app.py", racy=racy)
    if not _replayed(again):  # the first run of a fresh user cache writes its YAML memos: not recorded
        again = _run(project, "app.py", racy=racy)
    assert _replayed(again) and again.stdout == first.stdout
    # pre-commit's next edit: the standing record is not even read (no record of a path changed
    # within 2 s can stand), so the run says so and never compares the record's paths
    app = project / "app.py"
    app.write_text(app.read_text() + "# edited before the commit\n")
    edited = _run(project, "app.py", racy=racy)
    assert b"not recording: a path given changed" in edited.stderr and b" changed\n" not in edited.stderr
    assert not _replayed(edited) and edited.stdout == first.stdout  # same findings: the comment changes none


def test_reads_outside_the_recorder_are_seen() -> None:
    """Every way the package reads or probes a path goes through what the recorder watches
    (the ``open`` audit event, ``os.scandir``/``os.listdir``, ``os.stat``/``os.lstat``). A C
    extension reading files on its own would escape it: none is imported for reading user files."""
    import ast

    pkg = Path(replay.__file__).parent
    escaping = []
    for f in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(f.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in {"mmap", "sendfile", "copy_file_range", "statvfs", "access"}:
                escaping.append(f"{f.relative_to(pkg)}:{node.lineno}: {node.attr}")
            if isinstance(node, (ast.Import, ast.ImportFrom)) and ({a.name for a in node.names} | {getattr(node, "module", None)}) & {"posix", "nt", "_io"}:
                escaping.append(f"{f.relative_to(pkg)}:{node.lineno}: the C modules under os / io, unwatched")
            if isinstance(node, ast.ImportFrom) and node.module == "os" and any(a.name in {"stat", "lstat", "scandir", "open"} for a in node.names):
                escaping.append(f"{f.relative_to(pkg)}:{node.lineno}: from os import (bound before the recorder wraps os.stat)")
    assert escaping == []


def test_recorder_sees_open_stat_and_listing(tmp_path: Path) -> None:
    """In one process: the hook and the wrapped stat record what pathlib and os calls touch."""
    code = (
        "import sys, os, pathlib; import auditor.replay as r; r.start_recording(['check']);"
        f"p = pathlib.Path({str(tmp_path)!r});"
        "(p / 'absent.txt').exists(); (p / 'a.txt').read_text(); list(p.iterdir()); os.path.realpath(p / 'link');"
        "import json; sys.__stdout__.write(json.dumps([sorted(r._state['paths']), sorted(r._state['dirs']), sorted(r._state['lpaths'])]))"
    )
    (tmp_path / "a.txt").write_text("x")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False)
    paths, dirs, lpaths = json.loads(out.stdout)
    assert str(tmp_path / "absent.txt") in paths and str(tmp_path / "a.txt") in paths
    assert str(tmp_path) in dirs and str(tmp_path / "link") in lpaths


def test_a_record_is_written_only_after_a_check_that_finished(project: Path) -> None:
    time.sleep(0)  # (no waiting: RACY_NS is 0 in the driver)
    bad = _run(project, "--select", "NOPE")  # a usage error: exit 2, nothing recorded
    assert bad.returncode == 2 and not _replayed(_run(project, "--select", "NOPE"))


def test_the_record_folder_keeps_the_newest_records_only(tmp_path: Path) -> None:
    """Pre-commit runs name other files at each commit, so each is a record of its own: the
    folder keeps the MAX_RECORDS most recently written and never the one just written away."""
    folder = tmp_path / "replay"
    folder.mkdir()
    n = replay.MAX_RECORDS + 5
    for i in range(n):
        p = folder / f"{i:04d}.replay"
        p.write_bytes(b"x")
        os.utime(p, ns=(1_000_000_000 * (i + 1), 1_000_000_000 * (i + 1)))
    (folder / "notes.txt").write_text("not a record")
    newest = folder / f"{n - 1:04d}.replay"
    oldest = folder / "0000.replay"
    os.utime(oldest, ns=(1, 1))
    replay._prune(str(folder), keep=str(oldest))  # the record just written is kept whatever its time
    left = sorted(p.name for p in folder.glob("*.replay"))
    assert len(left) == replay.MAX_RECORDS
    assert oldest.name in left and newest.name in left
    assert "0001.replay" not in left and (folder / "notes.txt").exists()
