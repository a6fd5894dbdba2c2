"""Folders and files the user may not read, and a checkout the tool may not write: every
command ends with a clear message (LA000, or exit 2 naming the path), never a traceback, and a
fix that cannot be written is reported as not made.

Permissions do not bind root: as root the commands run as ``nobody`` (``setpriv``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

GOOD = "import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])\n"
ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
SETPRIV = shutil.which("setpriv")


def _nobody_can_run() -> bool:
    """As root the commands run as ``nobody``, who must be able to run this environment's
    interpreter (not so for a venv in a private temporary folder, as .ci/run makes)."""
    if not ROOT:
        return True
    if not SETPRIV:
        return False
    exe = Path(sys.executable).parent / "llm-audit"
    cmd = [str(exe), "--version"] if exe.exists() else [sys.executable, "-P", "-m", "auditor", "--version"]
    try:
        probe = subprocess.run([SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd], capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not hasattr(os, "geteuid") or not _nobody_can_run(),
    reason="needs POSIX permissions (as root: setpriv, and an environment the user nobody can run)",
)


def _run(root: Path, cache: Path, *args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "llm-audit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-P", "-m", "auditor"]
    if ROOT:
        cmd = [SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(cache), "HOME": str(cache)}
    r = subprocess.run(cmd + list(args), cwd=root, capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode in (0, 1, 2) and "Traceback" not in r.stderr and "internal error" not in r.stderr, (args, r.returncode, r.stderr[-2000:])
    return r


@pytest.fixture
def locked_tree():
    base = Path(tempfile.mkdtemp(prefix="llm-audit-perm-"))
    os.chmod(base, 0o755)
    root, cache = base / "project", base / "cache"
    (root / ".git").mkdir(parents=True)
    (root / "good.py").write_text(GOOD)
    (root / "secret").mkdir()
    (root / "secret" / "inner.py").write_text(GOOD)
    (root / "unreadable.py").write_text(GOOD)
    cache.mkdir()
    os.chmod(cache, 0o777)
    os.chmod(root / "secret", 0)
    os.chmod(root / "unreadable.py", 0)
    yield root, cache
    os.chmod(root, 0o755)
    os.chmod(root / "secret", 0o755)
    shutil.rmtree(base, ignore_errors=True)


def test_unreadable_files_and_folders_are_la000_and_the_rest_is_analysed(locked_tree):
    root, cache = locked_tree
    r = _run(root, cache, "check", ".", "--no-cache", "--output-format", "json")
    by_path = {}
    for f in json.loads(r.stdout):
        by_path.setdefault(f["path"], []).append(f)
    assert "LA101" in {f["code"] for f in by_path["good.py"]}
    assert [f["code"] for f in by_path["unreadable.py"]] == ["LA000"] and "Permission denied" in by_path["unreadable.py"][0]["message"]
    assert [f["code"] for f in by_path["secret"]] == ["LA000"]
    r = _run(root, cache, "check", "secret/inner.py")
    assert r.returncode == 2 and "secret/inner.py: cannot read: permission denied" in r.stderr
    for args in (["report", "."], ["check", ".", "--output-format", "sarif"], ["baseline", "-o", str(cache / "b.json")]):
        _run(root, cache, *args)


def test_a_read_only_checkout_reports_what_it_could_not_write(locked_tree):
    root, cache = locked_tree
    os.chmod(root / "good.py", 0o444)
    os.chmod(root, 0o555)
    r = _run(root, cache, "fix", "--unsafe-fixes", ".")
    assert "good.py:1:1: LA000 cannot write the fixed file: Permission denied" in r.stdout, r.stdout
    assert r.returncode == 1 and (root / "good.py").read_text() == GOOD
    for args, message in ((["lock"], "cannot write"), (["init", "--force"], "cannot write"), (["check", ".", "-o", "out.txt"], "cannot write out.txt")):
        r = _run(root, cache, *args)
        assert r.returncode == 2 and message in r.stderr, (args, r.stderr)
    r = _run(root, cache, "check", ".", "--add-ignore")
    assert r.returncode in (0, 1) and "cannot edit the file" in r.stderr and (root / "good.py").read_text() == GOOD
