"""No user code through any door: ``python -m llm_audit`` (the collision-free module name) inside a
repository with its own ``auditor/`` package and modules named like our dependencies, and worker
processes started by ``python -c`` in the scanned tree (spawn platforms, Python 3.14's forkserver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import write_tree  # noqa: E402
from test_integrity import SHADOWED, _plant, _preimported  # noqa: E402

APP = {"app.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"}


def _repo(tmp_path: Path, names: list[str]) -> tuple[Path, Path]:
    root, markers = tmp_path / "repo", tmp_path / "markers"
    root.mkdir()
    markers.mkdir()
    (root / ".git").mkdir()
    write_tree(root, APP)
    _plant(root, markers, names, package=True)  # and an auditor/ package whose every file writes a marker
    return root, markers


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSAFEPATH")}
    env["LLM_AUDIT_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def test_python_m_llm_audit_inside_a_repository_with_its_own_auditor_package(tmp_path):
    """Plain ``python -m llm_audit`` (no -P): the repository's ``auditor/`` is never imported, nor any
    module Python itself has not imported before our first line."""
    root, markers = _repo(tmp_path, [m for m in SHADOWED if m not in _preimported()])
    r = subprocess.run([sys.executable, "-m", "llm_audit", "check", ".", "--output-format", "json"], cwd=root, capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert r.returncode == 1, r.stderr[-2000:]
    assert "LA101" in {f["code"] for f in json.loads(r.stdout) if f["path"] == "app.py"}
    assert not os.listdir(markers), os.listdir(markers)


@pytest.mark.skipif(sys.version_info < (3, 11), reason="-P is Python 3.11+")
@pytest.mark.parametrize("command", [["fix", ".", "--unsafe-fixes"], ["report", "."]])
def test_python_p_m_llm_audit_imports_nothing_of_the_tree(tmp_path, command):
    root, markers = _repo(tmp_path, SHADOWED)
    r = subprocess.run([sys.executable, "-P", "-m", "llm_audit", *command], cwd=root, capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert not os.listdir(markers), os.listdir(markers)


def test_python_m_auditor_in_such_a_repository_is_the_repositorys(tmp_path):
    """What no package can prevent, and why the README names ``llm_audit``: ``-m auditor`` finds
    the working directory's ``auditor/`` first (this is Python's lookup, before any of our code)."""
    root, markers = _repo(tmp_path, [])
    subprocess.run([sys.executable, "-m", "auditor", "--version"], cwd=root, capture_output=True, env=_env(tmp_path), timeout=300)
    assert "auditor.__init__" in os.listdir(markers)


def test_llm_audit_outside_any_repository_is_the_same_command(tmp_path):
    r = subprocess.run([sys.executable, "-m", "llm_audit", "--version"], cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    a = subprocess.run([sys.executable, "-P", "-m", "auditor", "--version"], cwd=tmp_path, capture_output=True, text=True, env=_env(tmp_path), timeout=300)
    assert r.returncode == 0 and r.stdout == a.stdout and "llm-audit" in r.stdout


@pytest.mark.skipif(sys.version_info < (3, 11), reason="PYTHONSAFEPATH is Python 3.11+")
def test_spawned_workers_do_not_import_the_scanned_tree(tmp_path, monkeypatch):
    """Where workers are not forked they start as ``python -c`` in the working directory, which
    ``-c`` puts first on their ``sys.path``: a ``multiprocessing.py`` in the scanned tree would run
    in every worker (and break the pool). Here the pool is made to spawn, in such a tree."""
    from auditor import phase1
    from auditor.config.policy import Policy
    from auditor.engine import RunOptions, run

    root, markers = tmp_path / "repo", tmp_path / "markers"
    markers.mkdir()
    files = {f"pkg/m{i}.py": APP["app.py"] for i in range(6)}
    files["pkg/deep.py"] = "import litellm\nx = " + "(" * 100000 + ")" * 100000 + "\n"  # crashes its worker: _isolated too
    write_tree(root, files)
    (root / ".git").mkdir()
    for name in ("multiprocessing", "concurrent"):
        (root / f"{name}.py").write_text(f"open({str(markers / name)!r}, 'w').write('imported')\nraise SystemExit(3)\n")
    monkeypatch.chdir(root)
    monkeypatch.setattr(phase1, "_FORK", False)
    monkeypatch.setenv("LLM_AUDIT_PARALLEL_MIN_BYTES", "0")
    monkeypatch.setenv("PYTHONSAFEPATH", "")  # restored afterwards, whatever the pool sets
    monkeypatch.delenv("PYTHONSAFEPATH")
    result = run(RunOptions(paths=[root], policy=Policy.load(None, start=root), use_cache=False, jobs=2))
    assert sorted(f.path for f in result.findings if f.code == "LA101") == [f"pkg/m{i}.py" for i in range(6)]
    assert [f.path for f in result.findings if f.code == "LA000"] == ["pkg/deep.py"]
    assert not os.listdir(markers), os.listdir(markers)
