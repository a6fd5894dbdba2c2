"""The layers contract (pyproject [tool.importlinter], docs/architecture.md): the real package keeps
it, and a lower layer importing a higher one breaks it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")

pytestmark = pytest.mark.skipif(LINT is None, reason="import-linter is in the test extra")


def _lint(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([LINT, "--config", str(root / "pyproject.toml")], cwd=root, capture_output=True, text=True,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"}, timeout=300)


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "proj"
    shutil.copytree(ROOT / "auditor", dst / "auditor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", dst / "pyproject.toml")
    return dst


def test_package_keeps_the_layers(tmp_path):
    r = _lint(_copy(tmp_path))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 kept, 0 broken" in r.stdout


@pytest.mark.parametrize(
    "lower, upper",
    [
        ("auditor/sources/python.py", "auditor.analysis.callsites"),  # sources must not read analysis
        ("auditor/analysis/prompts.py", "auditor.checks.prompt"),  # analysis must not know the checks
        ("auditor/config/policy.py", "auditor.engine"),  # config is below the engine
        ("auditor/findings.py", "auditor.facts"),  # findings are the bottom layer
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, lower, upper):
    root = _copy(tmp_path)
    target = root / lower
    target.write_text(target.read_text(encoding="utf-8") + f"\nimport {upper}  # noqa\n", encoding="utf-8")
    r = _lint(root)
    assert r.returncode != 0
    assert "BROKEN" in r.stdout.upper() and upper in r.stdout
