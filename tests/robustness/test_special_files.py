"""Things in the tree that are not files - FIFOs (opening one blocks until a writer comes),
devices reached through links (``/dev/zero`` never ends), sockets - never hang or crash a run:
each is one LA000 (or skipped), the real files are analysed, and the files the tool writes in
the tree (the lock, the starter policy) are never written through them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import write_tree  # noqa: E402

GOOD = "import openai\nopenai.OpenAI().chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])\n"
FIFOS = ["a.py", "n.ipynb", "prompts/p.prompt", ".env", "sub/.gitignore", "llm-audit-usage.yaml", "sub/.llm-audit.yaml", "pyproject.toml"]


def _run(root: Path, *args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).parent / "llm-audit"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-P", "-m", "auditor"]
    env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(root.parent / "cache")}
    r = subprocess.run(cmd + list(args), cwd=root, capture_output=True, text=True, timeout=timeout, env=env)  # a hang fails here
    assert r.returncode in (0, 1, 2) and "Traceback" not in r.stderr, (args, r.returncode, r.stderr[-2000:])
    return r


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "project"
    write_tree(root, {"good.py": GOOD, "prompts/.keep": ""})
    (root / ".git").mkdir()
    (root / "sub").mkdir()
    for rel in FIFOS:
        os.mkfifo(root / rel)
    os.symlink("a.py", root / "alias.py")  # an in-tree link to a FIFO
    os.symlink("/dev/zero", root / "zero.py")
    os.symlink("/dev/urandom", root / "prompts" / "noise.prompt")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock.py"))
    yield root
    sock.close()


def test_every_command_finishes_on_fifos_devices_and_sockets(tree):
    r = _run(tree, "check", ".", "--no-cache", "--output-format", "json")
    found = json.loads(r.stdout)
    by_path = {}
    for f in found:
        by_path.setdefault(f["path"], set()).add(f["code"])
    assert "LA101" in by_path["good.py"]
    for rel in ("a.py", "n.ipynb", "prompts/p.prompt"):
        assert by_path.get(rel) == {"LA000"}, (rel, by_path.get(rel))
    assert not any(p in by_path for p in ("zero.py", "prompts/noise.prompt")) or all(by_path[p] == {"LA000"} for p in ("zero.py", "prompts/noise.prompt") if p in by_path)
    for args in (["check", "."], ["check", ".", "--output-format", "sarif"], ["check", "a.py", "zero.py"], ["report", "."], ["baseline", "-o", "base.json"],
                 ["check", ".", "--statistics"], ["fix", "--unsafe-fixes", "."]):
        _run(tree, *args)
    assert "_tokens=1024" in (tree / "good.py").read_text()  # the real file was fixed
    (tree / "good.py").write_text(GOOD)
    _run(tree, "check", ".", "--add-ignore")
    assert "llm-audit: ignore[" in (tree / "good.py").read_text()


def test_lock_is_never_written_through_a_fifo_or_a_link_out(tree, tmp_path):
    os.mkfifo(tree / "llm-audit.lock")
    r = _run(tree, "lock")
    assert r.returncode == 2 and "not a regular file" in r.stderr
    (tree / "llm-audit.lock").unlink()
    outside = tmp_path / "victim.txt"
    outside.write_text("precious\n")
    os.symlink(outside, tree / "llm-audit.lock")
    r = _run(tree, "lock")
    assert r.returncode == 2 and outside.read_text() == "precious\n"
    (tree / "llm-audit.lock").unlink()
    assert _run(tree, "lock").returncode == 0 and (tree / "llm-audit.lock").is_file()


def test_init_is_never_written_through_a_fifo_or_a_link_out(tree, tmp_path):
    (tree / "pyproject.toml").unlink()
    os.mkfifo(tree / ".llm-audit.yaml")
    r = _run(tree, "init", "--force")
    assert r.returncode == 2 and "not a regular file" in r.stderr
    (tree / ".llm-audit.yaml").unlink()
    outside = tmp_path / "victim.yaml"
    outside.write_text("precious: true\n")
    os.symlink(outside, tree / ".llm-audit.yaml")
    r = _run(tree, "init", "--force")
    assert r.returncode == 2 and outside.read_text() == "precious: true\n"


def test_read_bytes_refuses_what_is_not_a_regular_file(tmp_path):
    from auditor.reads import read_bytes, read_text

    os.mkfifo(tmp_path / "f")
    for p in (tmp_path / "f", Path("/dev/zero"), tmp_path):
        with pytest.raises(OSError):
            read_bytes(p)
    (tmp_path / "crlf.txt").write_bytes(b"a\r\nb\rc\n")
    assert read_text(tmp_path / "crlf.txt") == (tmp_path / "crlf.txt").read_text()  # universal newlines, as Path.read_text
