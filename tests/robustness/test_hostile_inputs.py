"""Hostile inputs through every command, as a user runs them: no traceback, exit 0/1/2 only, no
hang (a timeout per run), memory under a limit (RLIMIT_AS in the child), valid UTF-8 out.

The tree comes from :mod:`hostile` (malformed Python, notebooks and prompt files, deep nesting,
huge lines, YAML bombs, odd line breaks and names, symlink loops and links out of the project);
each hostile policy is run on its own. Runs after the first read the facts cache, as CI does.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hostile  # noqa: E402

MEMORY_LIMIT = 2 << 30  # bytes of address space per run
TIMEOUT = 120  # seconds per run; a hang fails the test instead of the CI job


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _exe() -> list[str]:
    exe = Path(sys.executable).parent / "llm-audit"
    return [str(exe)] if exe.exists() else [sys.executable, "-P", "-m", "auditor"]


def run(args: list[str], cwd: Path, cache: Path, codes=(0, 1, 2)) -> subprocess.CompletedProcess:
    env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(cache), "LLM_AUDIT_TODAY": "2026-11-21"}
    env.pop("LLM_AUDIT_DEBUG", None)
    r = subprocess.run(_exe() + args, cwd=cwd, capture_output=True, timeout=TIMEOUT, preexec_fn=_limit, env=env)
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode in codes, (args, r.returncode, err[-3000:])
    assert "Traceback" not in err and "MemoryError" not in err and "internal error" not in err, (args, err[-3000:])
    r.stdout.decode("utf-8")  # valid UTF-8, whatever the file names and literals
    return r


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("hostile")
    root = base / "project"
    hostile.build_tree(root)
    return root, base / "cache"


def test_check_json_reports_every_hostile_file_and_keeps_the_good_ones(tree):
    root, cache = tree
    r = run(["check", ".", "--output-format", "json"], root, cache, codes=(1,))
    found = json.loads(r.stdout)
    by_path: dict[str, set[str]] = {}
    for f in found:
        by_path.setdefault(f["path"], set()).add(f["code"])
    for good in ("py/good.py", "py/crlf.py", "py/cr_only.py", "py/bom.py", "py/odd_breaks.py", "py/pep695.py", "nb/good.ipynb", "nb/minified.ipynb", "nb/tabs_crlf.ipynb", "nb/bom.ipynb", "nb/cr_cells.ipynb"):
        assert "LA103" in by_path.get(good, set()), (good, by_path.get(good))
    assert "LA201" in by_path.get("prompts/good.prompty", set())
    for broken in ("py/nul.py", "py/invalid_utf8.py", "py/bad_cookie.py", "py/rot13_cookie.py", "py/utf16_cookie.py", "py/bom_latin1.py",
                   "special/fifo.py", "special/fifo.ipynb", "prompts/fifo.prompt", "py/dup_kwargs.py", "py/return_outside.py", "py/huge_line.py",
                   "nb/not_json.ipynb", "nb/deep.ipynb", "nb/list.ipynb", "prompts/bomb.prompty", "prompts/bomb.prompt",
                   "prompts/data/bomb.yaml", "prompts/data/recursive.yaml", "prompts/unclosed.prompty"):
        assert "LA000" in by_path.get(broken, set()), (broken, by_path.get(broken))
    assert not any(p.startswith("links/") and p != "links/alias.py" for p in by_path)  # loops, dangling and outside links
    assert "links/alias.py" not in by_path  # the alias of py/good.py is py/good.py
    assert "names/caf\\xe9.py" in by_path and "names/new\nline.py" in by_path
    assert len([f for f in found if f["code"] == "LA000" and "internal error" in f["message"]]) == 0


@pytest.mark.parametrize("fmt", ["full", "sarif", "gitlab", "junit", "diff"])
def test_check_in_every_output_format(tree, fmt):
    root, cache = tree
    args = ["check", ".", "--diff"] if fmt == "diff" else ["check", ".", "--output-format", fmt]  # a patch: valid UTF-8 too
    r = run(args, root, cache, codes=(0, 1) if fmt == "diff" else (1,))
    if fmt in ("sarif", "gitlab"):
        json.loads(r.stdout)
    if fmt == "full":
        assert max(len(line) for line in r.stdout.decode().splitlines()) < 1000  # huge lines are clipped


@pytest.mark.parametrize("fmt", ["json", "html"])
def test_report(tree, fmt):
    root, cache = tree
    r = run(["report", ".", "--format", fmt], root, cache)
    if fmt == "json":
        json.loads(r.stdout)


def test_adoption_commands(tree, tmp_path):
    root, cache = tree
    run(["lock", "--check"], root, cache, codes=(1,))  # the planted lock is garbage: exit 1 with a message
    run(["baseline", "-o", str(tmp_path / "base.json")], root, cache, codes=(0,))
    run(["check", ".", "--baseline", str(tmp_path / "base.json")], root, cache, codes=(0,))
    run(["init", "--stdout"], root, cache, codes=(0,))


def test_fix_and_add_ignore_on_a_copy(tree, tmp_path):
    root, _ = tree
    copy = tmp_path / "copy"
    hostile.copy_tree(root, copy)
    cache = tmp_path / "cache"
    r = run(["fix", ".", "--unsafe-fixes"], copy, cache, codes=(0, 1))
    assert b"Fixed" in r.stdout + r.stderr
    assert "max_completion_tokens=100" in (copy / "py" / "cr_only.py").read_bytes().decode()
    assert (copy / "py" / "cr_only.py").read_bytes().count(b"max_completion_tokens") == 1
    assert os.readlink(copy / "links" / "alias.py") == "../py/good.py"
    assert (copy / "py" / "deep_boolop.py").read_bytes() == (root / "py" / "deep_boolop.py").read_bytes()  # refused, not crashed
    run(["check", ".", "--add-ignore"], copy, cache)
    leftovers = [p for p in copy.rglob("*.tmp")]
    assert not leftovers, leftovers


@pytest.mark.parametrize("name", sorted(hostile.POLICIES))
def test_hostile_policy(tmp_path, name):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(hostile.GOOD)
    (tmp_path / ".llm-audit.yaml").write_bytes(hostile.POLICIES[name])
    r = run(["check", "."], tmp_path, tmp_path / "cache")
    if r.returncode == 2:
        assert b".llm-audit.yaml" in r.stderr or b"nowhere.yaml" in r.stderr, r.stderr


@pytest.mark.parametrize("name", sorted(hostile.USAGE_FILES))
def test_hostile_usage_file(tmp_path, name):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(hostile.GOOD)
    (tmp_path / "llm-audit-usage.yaml").write_bytes(hostile.USAGE_FILES[name])
    r = run(["report", "."], tmp_path, tmp_path / "cache", codes=(2,))
    assert b"llm-audit-usage.yaml" in r.stderr
    run(["check", "."], tmp_path, tmp_path / "cache", codes=(1,))  # check only notes it


@pytest.mark.parametrize("name", sorted(hostile.PYPROJECTS))
def test_hostile_pyproject(tmp_path, name):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(hostile.GOOD)
    (tmp_path / "pyproject.toml").write_bytes(hostile.PYPROJECTS[name])
    for args in (["check", "."], ["models"]):
        r = run(args, tmp_path, tmp_path / "cache", codes=(2,))
        assert b"pyproject.toml" in r.stderr


def test_the_servers_engine_thread_survives_the_hostile_tree(tree):
    """The language server runs the engine in a worker thread (no signals there): the same
    tree through its code path ends, with the same LA000s and no internal error."""
    from concurrent.futures import ThreadPoolExecutor

    from auditor.config.policy import Policy
    from auditor.server.projects import Projects

    root, _ = tree
    policy = Policy.load(None, start=root)
    with ThreadPoolExecutor(max_workers=1) as pool:
        analysis = pool.submit(Projects().analyse, policy, []).result(timeout=TIMEOUT)
    codes = {rel: {f.code for f in fs} for rel, fs in analysis.findings.items()}
    for broken in ("py/bad_cookie.py", "py/dup_kwargs.py", "nb/deep.ipynb", "special/fifo.py", "prompts/data/bomb.yaml"):
        assert "LA000" in codes.get(broken, set()), (broken, codes.get(broken))
    assert "LA103" in codes.get("py/good.py", set())
    assert not [f for fs in analysis.findings.values() for f in fs if "internal error" in f.message]
