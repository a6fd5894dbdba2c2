"""``--output-format gitlab``: a GitLab Code Quality report (``artifacts:reports:codequality``).

A JSON array of issues, each with ``description``, ``check_name`` (the rule code),
``fingerprint`` (the baseline fingerprint: no line numbers, so an issue keeps its identity
when code moves and GitLab can tell new from fixed in merge requests), ``severity``
(error -> ``major``, warning -> ``minor``, info -> ``info``) and ``location.path`` +
``location.lines.begin``. Paths are relative to the current folder (the project directory in
GitLab CI). Notebook issues point at line 1 of the ``.ipynb`` and name the cell and line in
the description, since cell lines are not lines of the notebook's JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.adopt.baseline import display_path, fingerprints
from auditor.findings import Finding

SEVERITIES = {"error": "major", "warning": "minor", "info": "info"}
CATEGORIES = {"LA0": "Bug Risk", "LA1": "Performance", "LA2": "Performance", "LA3": "Security", "LA4": "Compatibility", "LA5": "Performance", "LA6": "Bug Risk"}


def issue(f: Finding, path: str, fingerprint: str) -> dict[str, Any]:
    description = f"{f.code} {f.name}: {f.message}"
    if f.cell is not None:
        description = f"cell {f.cell + 1}, line {f.line}: {description}"
    line = 1 if f.cell is not None else max(1, f.line)
    end = 1 if f.cell is not None else max(line, f.end_line)
    out: dict[str, Any] = {
        "type": "issue",
        "engine_name": "llm-audit",
        "check_name": f.code,
        "description": description,
        "categories": [CATEGORIES.get(f.code[:3], "Performance")],
        "fingerprint": fingerprint,
        "severity": SEVERITIES.get(f.severity, "minor"),
        "location": {"path": path, "lines": {"begin": line, "end": end}},
    }
    return out


def render_gitlab(findings: list[Finding], *, root: Path | None = None, **_: Any) -> str:
    root = Path(root or Path.cwd())
    prints = fingerprints(findings, root)
    issues = [issue(f, display_path(f.path, root), fp) for f, fp in zip(findings, prints)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
