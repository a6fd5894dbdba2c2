"""``--diff`` is a patch ``git apply`` accepts whatever the file names: a name with a newline, a
quote or bytes that are not UTF-8 is C-quoted in the header as git writes it (one line, valid
UTF-8), and applying the patch makes exactly the change ``fix`` makes."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import hostile  # noqa: E402

from auditor.fix.diff import patch_path  # noqa: E402

NAMES = [b"names/new\nline.py", b"names/caf\xe9.py", b'names/q"uote.py', b"names/back\\slash.py", "names/café.py".encode(), b"names/plain.py"]


def _tree(root: Path) -> None:
    root.mkdir()
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    for name in NAMES:
        p = os.path.join(os.fsencode(root), name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as fh:
            fh.write(hostile.GOOD.encode())


def _cli(args: list[str], cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "llm-audit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-P", "-m", "llm_audit"]
    env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(tmp_path / "cache")}
    return subprocess.run(cmd + args, cwd=cwd, capture_output=True, env=env, timeout=300)


def test_patch_path_quotes_as_git_does():
    assert patch_path("a/app/x.py") == "a/app/x.py"
    assert patch_path("a/café.py") == "a/café.py"  # valid UTF-8 stays readable; git apply takes it
    assert patch_path("a/new\nline.py") == '"a/new\\nline.py"'
    assert patch_path(os.fsdecode(b"a/caf\xe9.py")) == '"a/caf\\351.py"'
    assert patch_path('a/q"b\\c\t.py') == '"a/q\\"b\\\\c\\t.py"'


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_of_odd_names_is_a_patch_git_applies(tmp_path):
    patched, fixed = tmp_path / "patched", tmp_path / "fixed"
    _tree(patched)
    _tree(fixed)
    r = _cli(["check", ".", "--diff"], patched, tmp_path)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    patch = r.stdout.decode("utf-8")  # valid UTF-8 whatever the names
    headers = [line for line in patch.splitlines() if line.startswith(("--- ", "+++ "))]
    assert len(headers) == 2 * len(NAMES), headers
    assert '--- "a/names/new\\nline.py"' in headers and '+++ "b/names/caf\\351.py"' in headers
    a = subprocess.run(["git", "apply", "-"], cwd=patched, input=r.stdout, capture_output=True)
    assert a.returncode == 0, a.stderr
    assert _cli(["fix", "."], fixed, tmp_path).returncode in (0, 1)
    for name in NAMES:
        got = open(os.path.join(os.fsencode(patched), name), "rb").read()
        assert b"max_completion_tokens=100" in got, name
        assert got == open(os.path.join(os.fsencode(fixed), name), "rb").read(), name
