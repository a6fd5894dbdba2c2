"""Scenarios of ``benchmarks/run.py`` beyond cold and warm runs: the pre-commit run (one changed
file, cache warm, the whole project as context) and the finding-set check (no regression).
Stdlib only."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

FINDINGS_FILE = Path(__file__).resolve().parent / "findings.json"


def finding_keys(stdout: str | None) -> list[str]:
    """``path:cell:line:code`` of every finding in a ``--output-format json`` report, sorted."""
    try:
        data = json.loads(stdout or "[]")
    except ValueError:
        return []
    keys = []
    for f in data if isinstance(data, list) else []:
        cell = f.get("cell")
        keys.append(f"{f.get('path')}:{'' if cell is None else cell}:{f.get('line')}:{f.get('code')}")
    return sorted(keys)


def compare_findings(label: str, keys: list[str], update: bool, path: Path = FINDINGS_FILE) -> dict[str, Any]:
    """The findings of a cold run against the stored set for ``label`` (``--update-findings``
    stores them instead). Any difference fails: a missing finding is a regression, a new one a
    change to review and store."""
    try:
        stored: dict[str, list[str]] = json.loads(path.read_text())
    except (OSError, ValueError):
        stored = {}
    if update or label not in stored:
        stored[label] = keys
        path.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        return {"pass": True, "stored": True, "findings": len(keys), "missing": [], "new": []}
    want, got = Counter(stored[label]), Counter(keys)
    missing = sorted((want - got).elements())
    new = sorted((got - want).elements())
    return {"pass": not missing and not new, "stored": False, "findings": len(keys), "missing": missing, "new": new}


def pick_precommit_file(keys: list[str]) -> str | None:
    """The ``.py`` file with the most findings (ties: the first by name): a file with call sites,
    whose prompts and constants come from other modules of the project."""
    counts = Counter(k.split(":", 1)[0] for k in keys if k.split(":", 1)[0].endswith(".py"))
    if not counts:
        return None
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def precommit(run: Callable[[list[str], Path], dict[str, Any]], root: Path, rel: str, full_keys: list[str], rounds: int) -> dict[str, Any]:
    """``rounds`` times: change ``rel`` (a comment appended, new text each time), then run
    ``check <rel>`` from ``root`` as pre-commit does (cache warm). Its findings must be the
    whole-project run's findings in that file. The file is restored afterwards."""
    path = root / rel
    original = path.read_bytes()
    runs = []
    same = True
    want = [k for k in full_keys if k.split(":", 1)[0] == rel]
    try:
        for i in range(rounds):
            path.write_bytes(original + f"\n# llm-audit benchmark: pre-commit edit {i}\n".encode())
            r = run([rel], root)
            runs.append(r)
            if not r["ok"]:
                break
            same = same and finding_keys(r.get("stdout")) == want
    finally:
        path.write_bytes(original)
    walls = [r["wall_s"] for r in runs if r["ok"]]
    return {
        "file": rel,
        "findings": len(want),
        "same_as_whole_run": same and len(walls) == rounds,
        "median_s": statistics.median(walls) if walls else None,
        "runs": runs,
    }
