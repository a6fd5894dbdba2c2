"""``--output-format github``: GitHub Actions workflow commands, one annotation a finding.

``::error file=app.py,line=3,col=8,endLine=6,endColumn=2,title=LA101 missing-output-cap::message``.
Severities map error -> ``error``, warning -> ``warning``, info -> ``notice``. Values are
escaped as the runner expects: ``%``, CR and LF in the message; also ``:`` and ``,`` in
properties. GitHub shows only 10 annotations of each kind per step (50 per job), so errors
come first and a closing summary line (also a ``notice``) gives the totals and where to see
everything. Paths are relative to the current folder (the workspace in Actions). Notebook
findings name the file only (their lines are cell-relative, not lines of the ``.ipynb``
JSON), with the cell and line in the message.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from auditor.adopt.baseline import display_path
from auditor.findings import Finding, severity_rank
from auditor.render.text import savings_summary

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
SHOWN_PER_KIND = 10


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, path: str) -> str:
    props = [f"file={escape_property(path)}"]
    message = f.message
    if f.cell is None:
        props += [f"line={f.line}", f"col={f.column}"]
        if f.end_line > f.line or f.end_column > f.column:
            props += [f"endLine={max(f.end_line, f.line)}", f"endColumn={f.end_column}"]
    else:
        message = f"cell {f.cell + 1}, line {f.line}:{f.column}: {message}"
    props.append(f"title={escape_property(f'{f.code} {f.name}')}")
    return f"::{COMMANDS.get(f.severity, 'warning')} {','.join(props)}::{escape_data(message)}"


def render_github(findings: list[Finding], *, root: Path | None = None, **_: Any) -> str:
    root = Path(root or Path.cwd())
    ordered = sorted(findings, key=lambda f: (-severity_rank(f.severity), f.sort_key()))
    lines = [annotation(f, display_path(f.path, root)) for f in ordered]
    counts = Counter(f.severity for f in findings)
    files = len({f.path for f in findings})
    if findings:
        parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in ("error", "warning", "info") if counts[s]]
        text = f"llm-audit: {len(findings)} finding{'s' if len(findings) != 1 else ''} ({', '.join(parts)}) in {files} file{'s' if files != 1 else ''}."
        hidden = sum(max(0, n - SHOWN_PER_KIND) for n in counts.values())
        if hidden:
            text += f" GitHub shows at most {SHOWN_PER_KIND} annotations of each level per step; {hidden} more are in this log (upload SARIF to code scanning to browse them all)."
        savings = savings_summary(findings)  # expected and worst case apart, with their volumes: check's line
        if savings:
            text += f" {savings}"
    else:
        text = "llm-audit: no findings."
    lines.append(f"::notice title=llm-audit summary::{escape_data(text)}")
    lines.append(text)
    return "\n".join(lines) + "\n"
