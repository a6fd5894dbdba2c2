"""Ruff's conventions for fixes and output: --diff that `git apply` takes, --statistics (text and
JSON), --show-fixes, --exit-non-zero-on-fix, -q/-s, --unsafe-fixes without --fix, `# noqa: LA101`,
--show-settings and --show-files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import cli, notebook, write_tree

GIT = shutil.which("git")
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

PLANNER = """\
import os

from openai import OpenAI

client = OpenAI()
MODEL = os.getenv("PLANNER_MODEL", "gpt-5-mini")


def plan(goal: str) -> str:
    resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": goal}], max_tokens=500)
    return resp.choices[0].message.content
"""
SUMMARY = """\
from openai import OpenAI

client = OpenAI()
SYSTEM_PROMPT = "I would like you to summarize the following article in three bullet points."


def summarise(article: str) -> str:
    return client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": article}],
    ).choices[0].message.content"""  # no newline at the end of the file
NOTEBOOK = notebook(
    "from openai import OpenAI\nclient = OpenAI()\n",
    "resp = client.chat.completions.create(model='gpt-5-mini', max_tokens=100,\n    messages=[{'role': 'user', 'content': 'Classify \u00e9t\u00e9 \"tickets\"'}])\n",
)


def _patch(*args, cwd) -> tuple[int, bytes, str]:
    """`llm-audit fix --diff` with its output as bytes (text mode would turn CRLF into LF)."""
    exe = Path(sys.executable).parent / "llm-audit"
    r = subprocess.run([str(exe), "fix", *args, "--diff"], cwd=cwd, capture_output=True, env={**os.environ, "LLM_AUDIT_CACHE_DIR": str(cwd / ".c")})
    return r.returncode, r.stdout, r.stderr.decode()


def _git(*args, cwd):
    r = subprocess.run([GIT, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV})
    assert r.returncode == 0, r.stderr
    return r.stdout


@pytest.fixture
def repo(tmp_path):
    root = tmp_path / "repo"
    write_tree(root, {"svc/planner.py": PLANNER, "svc/summary.py": SUMMARY, "nb/explore.ipynb": NOTEBOOK,
                      "svc/windows.py": PLANNER.replace("\n", "\r\n")})
    if GIT:
        _git("init", "-q", cwd=root)
        _git("add", "-A", cwd=root)
        _git("commit", "-qm", "start", cwd=root)
    else:
        (root / ".git").mkdir()
    return root


# ---------------------------------------------------------------- --diff and git apply
@pytest.mark.skipif(GIT is None, reason="needs git")
@pytest.mark.parametrize("unsafe", [False, True])
def test_diff_applies_with_git_apply_and_equals_what_fix_writes(repo, tmp_path, unsafe):
    flags = ["--unsafe-fixes"] if unsafe else []
    code, patch, err = _patch(".", *flags, cwd=repo)
    assert code == 1 and "Would fix" in err, err
    assert _git("status", "--porcelain", "--untracked-files=no", cwd=repo) == ""  # --diff writes nothing
    for name in ("svc/planner.py", "svc/summary.py", "svc/windows.py", "nb/explore.ipynb"):
        assert f"--- a/{name}\n+++ b/{name}\n".encode() in patch
    assert patch.endswith(b"\n") and b"max_completion_tokens=500)\r\n" in patch  # CRLF kept
    # summary.py has no final newline (its fix is unsafe); the notebook keeps its missing one
    # (notebook write-back is byte-exact outside the edited cell sources)
    assert (b"\\ No newline at end of file\n" in patch) == unsafe
    (tmp_path / "fix.patch").write_bytes(patch)
    subprocess.run([GIT, "apply", "--check", str(tmp_path / "fix.patch")], cwd=repo, check=True)

    fixed = tmp_path / "fixed"
    shutil.copytree(repo, fixed)
    cli("fix", ".", *flags, cwd=fixed)
    subprocess.run([GIT, "apply", str(tmp_path / "fix.patch")], cwd=repo, check=True)
    for name in ("svc/planner.py", "svc/summary.py", "svc/windows.py", "nb/explore.ipynb"):
        assert (repo / name).read_bytes() == (fixed / name).read_bytes(), name
    assert b"\r\n" in (repo / "svc/windows.py").read_bytes() and b"max_completion_tokens=500" in (repo / "svc/windows.py").read_bytes()
    assert not (repo / "svc/summary.py").read_text().endswith("\n")
    if unsafe:
        # gpt-4o-mini is deprecated: the swap to gpt-6-luna (a reasoning model) brings its cap parameter,
        # in the patch as in the written file
        text = (repo / "svc/summary.py").read_text()
        assert 'model="gpt-6-luna"' in text and "max_completion_tokens=1024" in text and "max_tokens=" not in text


@pytest.mark.skipif(GIT is None, reason="needs git")
def test_diff_from_a_subfolder_names_paths_from_where_it_runs(repo, tmp_path):
    _, patch, _ = _patch(".", cwd=repo / "svc")
    assert b"--- a/planner.py\n" in patch
    (tmp_path / "p.patch").write_bytes(patch)
    subprocess.run([GIT, "apply", "--check", str(tmp_path / "p.patch")], cwd=repo / "svc", check=True)


def test_diff_with_nothing_to_fix_exits_0(tmp_path):
    write_tree(tmp_path, {"a.py": "print('hello')\n"})
    r = cli("fix", ".", "--diff", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout == ""


# ---------------------------------------------------------------- statistics
def test_statistics_marks_what_the_enabled_fixes_fix(repo):
    text = cli("check", "svc", "--statistics", cwd=repo).stdout.splitlines()
    rows = {line.split("\t")[1].strip(): line for line in text if "\t" in line}
    assert rows["LA103"].endswith("[*] deprecated-cap-parameter")  # safe
    assert rows["LA101"].endswith("[-] missing-output-cap")  # unsafe: only with --unsafe-fixes
    assert rows["LA103"].split("\t")[0].strip() == "2"  # planner.py and windows.py
    unsafe = cli("check", "svc", "--statistics", "--unsafe-fixes", cwd=repo).stdout
    assert "[*] missing-output-cap" in unsafe


def test_statistics_as_json(repo):
    r = cli("check", "svc", "--statistics", "--output-format", "json", cwd=repo)
    assert r.returncode == 1
    rows = json.loads(r.stdout)  # only JSON on stdout; the summary goes to stderr
    by_code = {row["code"]: row for row in rows}
    assert set(rows[0]) == {"code", "name", "count", "fixable", "fixable_count"}
    assert by_code["LA103"] == {"code": "LA103", "name": "deprecated-cap-parameter", "count": 2, "fixable": True, "fixable_count": 2}
    assert by_code["LA101"]["fixable"] is False and by_code["LA101"]["count"] == 1
    findings = json.loads(cli("check", "svc", "--output-format", "json", cwd=repo).stdout)
    assert sum(row["count"] for row in rows) == len(findings)
    assert "Found" in r.stderr


# ---------------------------------------------------------------- fix reporting and exit codes
def test_show_fixes_lists_what_was_fixed(repo):
    r = cli("check", "svc", "--fix", "--show-fixes", "--select", "LA103", cwd=repo)
    assert r.returncode == 0, r.stderr
    assert "Fixed 2 findings:\n- svc/planner.py:\n    1 × LA103 (deprecated-cap-parameter)\n- svc/windows.py:\n    1 × LA103 (deprecated-cap-parameter)\n" in r.stdout


def test_exit_non_zero_on_fix(repo):
    assert cli("fix", "svc/planner.py", "--select", "LA103", cwd=repo).returncode == 0
    (repo / "svc/planner.py").write_text(PLANNER)
    assert cli("fix", "svc/planner.py", "--select", "LA103", "--exit-non-zero-on-fix", cwd=repo).returncode == 1
    assert cli("fix", "svc/planner.py", "--select", "LA103", "--exit-non-zero-on-fix", cwd=repo).returncode == 0  # nothing left to fix


def test_quiet_prints_findings_only_and_silent_nothing(repo):
    q = cli("check", "svc/summary.py", "-q", cwd=repo)
    assert q.returncode == 1 and "LA101" in q.stdout and "Found" not in q.stdout + q.stderr and q.stderr == ""
    s = cli("check", "svc/summary.py", "--silent", cwd=repo)
    assert s.returncode == 1 and s.stdout == "" and s.stderr == ""
    fix = cli("fix", "svc/planner.py", "--silent", "--show-fixes", cwd=repo)
    assert fix.stdout == "Fixed 1 finding:\n- svc/planner.py:\n    1 × LA103 (deprecated-cap-parameter)\n" and fix.stderr == ""


def test_unsafe_fixes_alone_shows_them_as_available_and_writes_nothing(repo):
    before = (repo / "svc/summary.py").read_text()
    plain = cli("check", "svc/summary.py", "--output-format", "concise", "--select", "LA101", cwd=repo)
    assert ": LA101 [-] " in plain.stdout and "[-] 1 fixable with `llm-audit fix --unsafe-fixes`" in plain.stdout
    shown = cli("check", "svc/summary.py", "--output-format", "concise", "--select", "LA101", "--unsafe-fixes", cwd=repo)
    assert ": LA101 [*] " in shown.stdout and "[*] 1 fixable with `llm-audit fix --unsafe-fixes`" in shown.stdout
    assert (repo / "svc/summary.py").read_text() == before and shown.returncode == 1
    applied = cli("check", "svc/summary.py", "--select", "LA101", "--unsafe-fixes", "--fix", cwd=repo)
    assert applied.returncode == 0 and "max_tokens=1024" in (repo / "svc/summary.py").read_text()


# ---------------------------------------------------------------- noqa
def test_noqa_is_an_alias_of_the_ignore_comment(tmp_path):
    write_tree(tmp_path, {"a.py": """\
        import litellm
        litellm.completion(model="gpt-4o", messages=[])  # noqa: LA101
        litellm.completion(model="gpt-4o", messages=[])  # noqa: E501, LA101
        litellm.completion(model="gpt-4o", messages=[])  # NOQA:LA101
        # noqa: LA101
        litellm.completion(model="gpt-4o", messages=[])
        litellm.completion(model="gpt-4o", messages=[])  # noqa
        litellm.completion(model="gpt-4o", messages=[])  # noqa: E501
        litellm.completion(model="gpt-4o", messages=[])  # noqa: LA201
        x = 1  # noqa: LA101
        y = 2  # noqa: E731
        litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": "x  # noqa: LA101"}])
    """})
    data = json.loads(cli("check", ".", "--output-format", "json", "--select", "LA101,LA001", cwd=tmp_path).stdout)
    got = sorted((f["code"], f["line"]) for f in data)
    # silenced: 2, 3, 4 and 6 (comment alone on the line above); still reported: a bare noqa (7), other
    # tools' codes (8), another of our codes (9), a noqa inside a string (12); unused on a line without a call (10)
    assert got == [("LA001", 10), ("LA101", 7), ("LA101", 8), ("LA101", 9), ("LA101", 12)], got


# ---------------------------------------------------------------- --show-settings / --show-files
def test_show_settings_names_the_policy_that_applies_and_its_values(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"app/a.py": "x = 1\n", "app/.llm-audit.yaml": "select: [LA1]\nfail-on: error\nparams:\n  LA101: {default-cap: 512}\n",
                          ".llm-audit.yaml": "select: [LA2]\n"})
    r = cli("check", "--show-settings", "app/a.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"Policy file: {tmp_path / 'app' / '.llm-audit.yaml'}" in r.stdout and 'fail-on: "error"' in r.stdout
    assert "  LA101 missing-output-cap: error, fix unsafe; default-cap=512" in r.stdout
    assert "LA201 verbose-instruction" in r.stdout.split("Not selected:")[1]
    top = json.loads(cli("check", "--show-settings", ".", "--output-format", "json", cwd=tmp_path).stdout)
    assert top["policy_file"] == str(tmp_path / ".llm-audit.yaml")
    assert {r["code"] for r in top["rules"] if r["selected"]} >= {"LA201", "LA202", "LA000"}
    assert not any(r["selected"] for r in top["rules"] if r["code"].startswith("LA1"))
    bare = tmp_path / "elsewhere"
    bare.mkdir()
    (bare / ".git").mkdir()
    assert "(none found: the built-in default policy)" in cli("check", "--show-settings", cwd=bare).stdout


def test_show_files_lists_what_a_run_would_check(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"app/a.py": "x = 1\n", "app/b.ipynb": notebook("x = 1\n"), "vendor/v.py": "x = 1\n", "notes.txt": "hi\n",
                          "prompts/p.prompty": "---\nname: x\n---\nhi\n", ".gitignore": "build/\n", "build/gen.py": "x = 1\n",
                          ".llm-audit.yaml": "exclude: [vendor/]\n"})
    r = cli("check", "--show-files", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.splitlines() == ["app/a.py", "app/b.ipynb", "prompts/p.prompty"]
    assert json.loads(cli("check", "--show-files", "app", "--output-format", "json", cwd=tmp_path).stdout) == ["app/a.py", "app/b.ipynb"]
