"""The real ``pre-commit try-repo`` of this repository, in a temporary git project.

try-repo clones the repository at HEAD, or, with uncommitted changes, at a shadow commit of
the tracked files. To test exactly what is in this working tree either way (including files
not yet committed), the test snapshots the tree (tracked + untracked, minus ignored files)
into a fresh git repository and runs try-repo on that. pre-commit then installs llm-audit
into its own virtualenv with pip, as it would for a user. Each try-repo takes ~10-30 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import REPO

PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
pytestmark = pytest.mark.skipif(PRE_COMMIT is None or shutil.which("git") is None, reason="pre-commit (or git) is not installed")

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}

UNCAPPED = """
    from openai import OpenAI

    client = OpenAI()


    def summarise(ticket: str) -> str:
        resp = client.chat.completions.create(
            model="gpt-6-luna",
            messages=[{"role": "user", "content": f"Summarise: {ticket}"}],
        )
        return resp.choices[0].message.content
"""


def _git(*args: str, cwd: Path) -> str:
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **GIT_ENV}, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _tree_files() -> list[str]:
    if (REPO / ".git").exists():
        out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO, capture_output=True, timeout=60)
        if out.returncode == 0:
            return [p for p in out.stdout.decode().split("\0") if p]
    skip = {".git", ".venv", "__pycache__", ".pytest_cache", ".llm_audit_cache", "build", "dist", ".corpus"}
    return [p.relative_to(REPO).as_posix() for p in REPO.rglob("*") if p.is_file() and not skip & set(p.relative_to(REPO).parts)]


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory) -> Path:
    """A git repository holding a snapshot of this working tree, committed."""
    snap = tmp_path_factory.mktemp("llm-audit-src")
    for rel in _tree_files():
        src = REPO / rel
        if src.is_file() and "benchmarks/.corpus" not in rel:
            (snap / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, snap / rel)
    assert (snap / ".pre-commit-hooks.yaml").is_file() and (snap / "pyproject.toml").is_file()
    _git("init", "-q", cwd=snap)
    _git("add", "-A", cwd=snap)
    _git("commit", "-q", "-m", "snapshot", cwd=snap)
    return snap


@pytest.fixture
def user_repo(tmp_path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    _git("init", "-q", cwd=proj)
    return proj


def try_repo(hook_repo: Path, hook: str, files: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [PRE_COMMIT, "try-repo", str(hook_repo), hook, "--files", *files],
        cwd=cwd, capture_output=True, text=True, env=env, timeout=900,
    )


def _write(root: Path, rel: str, text: str) -> None:
    p = root / rel
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def test_hook_fails_on_an_uncapped_call_and_passes_once_fixed(hook_repo, user_repo):
    _write(user_repo, "support/summarise.py", UNCAPPED)
    _write(user_repo, "README.md", "# Support tools\n")  # passed too (text), skipped by llm-audit
    _git("add", "-A", cwd=user_repo)
    files = ["support/summarise.py", "README.md"]
    r = try_repo(hook_repo, "llm-audit", files, user_repo)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "llm-audit" in out and "Failed" in out
    assert "summarise.py:7:12: LA101" in out and "missing-output-cap" in out

    fixed = (user_repo / "support/summarise.py").read_text().replace('model="gpt-6-luna",', 'model="gpt-6-luna",\n        max_completion_tokens=300,')
    (user_repo / "support/summarise.py").write_text(fixed)
    _git("add", "-A", cwd=user_repo)
    r = try_repo(hook_repo, "llm-audit", files, user_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Passed" in r.stdout


PLANNER = """
    import os

    from openai import OpenAI

    client = OpenAI()
    MODEL = os.getenv("PLANNER_MODEL", "o3-mini")


    def plan(goal: str) -> str:
        resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": goal}], max_tokens=500)
        return resp.choices[0].message.content
"""


@pytest.fixture(scope="module")
def tagged_clone(hook_repo, tmp_path_factory) -> tuple[Path, str]:
    """A clone of the snapshot with a real release tag, as users' configs pin one."""
    from auditor import __version__

    clone = tmp_path_factory.mktemp("llm-audit-clone") / "llm-audit"
    _git("clone", "-q", str(hook_repo), str(clone), cwd=hook_repo)
    tag = f"v{__version__}"
    _git("tag", tag, cwd=clone)
    return clone, tag


def _readme_config(clone: Path, rev: str) -> str:
    """The README's .pre-commit-config.yaml, pointed at the local clone at ``rev``."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    (block,) = [b.split("```")[0] for b in readme.split("```yaml")[1:] if b.lstrip().startswith("repos:")]
    assert "repo: https://github.com/llm-audit/llm-audit" in block and "rev: REV" in block
    return block.replace("https://github.com/llm-audit/llm-audit", str(clone)).replace("rev: REV", f"rev: {rev}")


def _pre_commit(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([PRE_COMMIT, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=900)


def test_readme_config_at_a_real_tag_fixes_then_reports_each_finding_once(tagged_clone, user_repo):
    clone, tag = tagged_clone
    (user_repo / ".pre-commit-config.yaml").write_text(_readme_config(clone, tag))
    _write(user_repo, "planner.py", PLANNER)  # LA103: safe fix
    _write(user_repo, "support/summarise.py", UNCAPPED)  # LA101: an unsafe fix, reported only
    _git("add", "-A", cwd=user_repo)
    r = _pre_commit(["run", "--all-files"], user_repo)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "max_completion_tokens=500" in (user_repo / "planner.py").read_text()
    fix_part, check_part = out.split("llm-audit (safe fixes)", 1)[1].split("\nllm-audit.", 1)
    assert "1 × LA103 (deprecated-cap-parameter)" in fix_part and "files were modified by this hook" in fix_part
    assert "LA101" not in fix_part  # the fix hook lists what it fixed, nothing else
    assert "summarise.py:7:12: LA101" in check_part and "LA103" not in check_part  # fixed before the check ran
    assert out.count("LA101") == 1 and out.count("LA103") == 1  # no finding printed twice
    _git("add", "-A", cwd=user_repo)
    r = _pre_commit(["run", "--all-files"], user_repo)
    out = r.stdout + r.stderr
    assert r.returncode == 1 and "llm-audit (safe fixes)" in out and out.count("LA101") == 1, out
    assert out.split("llm-audit (safe fixes)", 1)[1].split("\n", 1)[0].rstrip().endswith("Passed")


def test_readme_rev_placeholder_is_what_autoupdate_pins(tagged_clone, user_repo):
    clone, tag = tagged_clone
    config = _readme_config(clone, "REV")
    (user_repo / ".pre-commit-config.yaml").write_text(config)
    r = _pre_commit(["autoupdate"], user_repo)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"rev: {tag}" in (user_repo / ".pre-commit-config.yaml").read_text()


def test_fix_hook_applies_safe_fixes_then_passes(hook_repo, user_repo):
    _write(user_repo, "planner.py", """
        import os

        from openai import OpenAI

        client = OpenAI()
        MODEL = os.getenv("PLANNER_MODEL", "o3-mini")


        def plan(goal: str) -> str:
            resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": goal}], max_tokens=500)
            return resp.choices[0].message.content
    """)
    _git("add", "-A", cwd=user_repo)
    r = try_repo(hook_repo, "llm-audit-fix", ["planner.py"], user_repo)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "files were modified by this hook" in r.stdout
    assert "max_completion_tokens=500" in (user_repo / "planner.py").read_text()
    _git("add", "-A", cwd=user_repo)
    r = try_repo(hook_repo, "llm-audit-fix", ["planner.py"], user_repo)
    assert r.returncode == 0, r.stdout + r.stderr


def test_hook_covers_notebooks_and_prompt_files_and_honours_force_exclude(hook_repo, user_repo):
    import json

    nb = {
        "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "execution_count": None, "outputs": [],
                   "source": ["import anthropic\n", "claude = anthropic.Anthropic()\n", "claude.messages.create(model='claude-haiku-4-5', messages=[])\n"]}],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    (user_repo / "explore.ipynb").write_text(json.dumps(nb))
    _write(user_repo, "legacy/old.py", UNCAPPED)
    _write(user_repo, ".llm-audit.yaml", "exclude: [\"legacy/\"]\n")
    _write(user_repo, "prompts/reply.prompty", "---\nname: reply\nmodel:\n  api: chat\n  configuration:\n    type: openai\n  parameters:\n    max_tokens: 200\n---\nsystem:\nReply kindly.\n")
    _git("add", "-A", cwd=user_repo)
    r = try_repo(hook_repo, "llm-audit", ["explore.ipynb", "legacy/old.py", "prompts/reply.prompty"], user_repo)
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    assert "explore.ipynb:cell 1:3:1: LA101" in out  # the notebook was passed to the hook and checked
    assert "legacy/old.py" not in out  # excluded by policy even though pre-commit named it
