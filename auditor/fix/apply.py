"""Applying fixes to files on disk: Python files, notebook cells and prompt files.

Fixes are applied per file, then the files are analysed again and fixed again until nothing
changes (at most :data:`MAX_PASSES`), so a second ``llm-audit fix`` is a no-op. Python text
must re-parse with libcst or the fix is dropped and reported. Files are written atomically,
keeping their mode, encoding and line endings; notebooks keep everything but the edited
cell sources.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from auditor.writes import atomic_write
from auditor.findings import Finding
from auditor.fix.diff import display_name, unified
from auditor.fix.edits import fix_promptfile_text, fix_text

MAX_PASSES = 5


@dataclass
class FixReport:
    applied: list[Finding] = field(default_factory=list)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    changed_files: set[str] = field(default_factory=set)


def wanted(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and (f.fix.applicability == "safe" or unsafe)


def _read_text(path: Path) -> tuple[str, str]:
    from auditor.sources.python import decode_source

    data = path.read_bytes()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        import io
        import tokenize

        enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return decode_source(data), enc


def _crlf(findings: list[Finding], text: str) -> None:
    if "\r\n" not in text:
        return
    for f in findings:
        for e in f.fix.edits if f.fix else []:
            if "\n" in e.content and "\r\n" not in e.content:
                e.content = e.content.replace("\n", "\r\n")


def fix_file(root: Path, rel: str, kind: str, findings: list[Finding], write: bool, report: FixReport) -> bool:
    """Apply ``findings``' fixes to one file. Returns True when it changed."""
    path = root / rel
    if kind == "notebook":
        return _fix_notebook(path, rel, findings, write, report, display_name(root, rel))
    try:
        text, encoding = _read_text(path)
    except (OSError, UnicodeDecodeError, SyntaxError, LookupError):
        return False
    _crlf(findings, text)
    if kind == "promptfile":  # YAML front matter must still parse
        new, applied, dropped = fix_promptfile_text(text, rel, findings)
    else:
        new, applied, dropped = fix_text(text, findings, must_parse=(kind == "python"))
    report.dropped.extend(dropped)
    if new == text:
        return False
    report.applied.extend(applied)
    report.diffs.append(unified(display_name(root, rel), text, new))
    report.changed_files.add(rel)
    if write:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        atomic_write(path.resolve(), new.encode(encoding), mode=mode)
    return True


def _fix_notebook(path: Path, rel: str, findings: list[Finding], write: bool, report: FixReport, name: str) -> bool:
    from auditor.sources.notebook import cell_source, code_cells, read_notebook, write_cells

    data = path.read_bytes()
    nb, err = read_notebook(data, rel)
    if err is not None or nb is None:
        return False
    cells = code_cells(nb)
    by_cell: dict[int, list[Finding]] = {}
    for f in findings:
        if f.cell is not None and f.cell < len(cells):
            by_cell.setdefault(f.cell, []).append(f)
    new_sources: dict[int, str] = {}
    for i, fs in by_cell.items():
        old = cell_source(cells[i])
        from auditor.sources.notebook import neutralise

        # check parse on the neutralised text, edit the real one (magics keep their lines)
        new, applied, dropped = fix_text(old, fs, must_parse=False)
        from auditor.fix.edits import parses

        if new != old and parses(neutralise(new)) is not None:
            report.dropped.extend((f, "the fixed cell would not parse") for f in applied)
            continue
        report.dropped.extend(dropped)
        if new != old:
            new_sources[i] = new
            report.applied.extend(applied)
    if not new_sources:
        return False
    report.changed_files.add(rel)
    new_data = write_cells(data, new_sources)
    # the diff is of the .ipynb text fix writes, so `git apply` makes exactly that change
    report.diffs.append(unified(name, data.decode("utf-8"), new_data.decode("utf-8")))
    if write:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        atomic_write(path.resolve(), new_data, mode=mode)
    return True

