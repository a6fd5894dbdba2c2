"""Applying fixes to files on disk: Python files, notebook cells and prompt files.

Fixes are applied per file, then the files are analysed again and fixed again until nothing
changes (at most :data:`MAX_PASSES`), so a second ``llm-audit fix`` is a no-op. Python text
must re-parse with libcst or the fix is dropped and reported. Files are written atomically,
keeping their mode, encoding and line endings; notebooks keep everything but the edited
cell sources.
"""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from auditor.findings import Finding
from auditor.fix.diff import display_name, unified
from auditor.fix.edits import changes, fix_promptfile_text, fix_text
from auditor.fix.guard import NativeParserRisk
from auditor.sources.lines import line_starts, newline_of
from auditor.writes import write_fixed
from auditor.reads import read_bytes

MAX_PASSES = 5


@dataclass
class FixReport:
    applied: list[Finding] = field(default_factory=list)
    dropped: list[tuple[Finding, str]] = field(default_factory=list)
    diffs: list[str] = field(default_factory=list)
    changed_files: set[str] = field(default_factory=set)
    errors: list[Finding] = field(default_factory=list)  # LA000 for files the fix parser cannot take
    scratch: Path | None = None  # where temporary files go (the cache folder), see writes.write_fixed
    _seen: set[tuple] = field(default_factory=set)

    def count(self, findings: list[Finding]) -> None:
        """Record applied fixes; one finding fixed on two passes is one fix."""
        for f in findings:
            key = (f.path, f.cell, f.code, f.line, f.column, f.message)
            if key not in self._seen:
                self._seen.add(key)
                self.applied.append(f)


def wanted(f: Finding, unsafe: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and (f.fix.applicability == "safe" or unsafe)


def _read_text(data: bytes) -> tuple[str, str, bool]:
    """(text, encoding, had a UTF-8 BOM): the analysis saw the text without its BOM."""
    from auditor.sources.python import decode_source

    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8"), "utf-8", True
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        import io
        import tokenize

        enc, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return decode_source(data), enc, False


def _newlines(findings: list[Finding], text: str) -> None:
    """Edits that insert lines use the file's own line break (CRLF, or CR alone)."""
    nl = newline_of(text)
    if nl == "\n":
        return
    for f in findings:
        for e in f.fix.edits if f.fix else []:
            if "\n" in e.content and nl not in e.content:
                e.content = e.content.replace("\n", nl)


def _inside(root: Path, path: Path) -> Path | None:
    """The file ``path`` names, when it lies inside ``root`` (symlinks resolved); else None."""
    try:
        real = path.resolve(strict=True)
        real.relative_to(root.resolve())
        return real
    except (OSError, RuntimeError, ValueError):
        return None


def fix_file(root: Path, rel: str, kind: str, findings: list[Finding], write: bool, report: FixReport, digest: str | None = None) -> bool:
    """Apply ``findings``' fixes to one file. Returns True when it changed.

    ``digest`` is the sha256 of the bytes the findings were computed from: a file that changed
    since (or was already fixed through another name) is left alone rather than mis-edited."""
    if kind == "python" and not rel.endswith((".py", ".pyw")):
        kind = "text"  # a prompt file the code reads (open(P).read()), not a discovered source file
    real = _inside(root, root / rel)
    if real is None:
        report.dropped.extend((f, "the file is not inside the project (a symlink out of it?)") for f in findings)
        return False
    try:
        data = read_bytes(real)
    except OSError as e:
        report.dropped.extend((f, f"cannot read the file: {e.strerror or e}") for f in findings)
        return False
    if digest and hashlib.sha256(data).hexdigest() != digest:
        report.dropped.extend((f, "the file changed since it was analysed") for f in findings)
        return False
    before = (len(report.applied), len(report.diffs), rel in report.changed_files)
    try:
        if kind == "notebook":
            return _fix_notebook(real, data, rel, findings, write, report, display_name(root, rel))
        return _fix_text_file(real, data, rel, kind, findings, write, report, display_name(root, rel))
    except OSError as e:  # the fixed file could not be written (read-only checkout, full disk): not fixed
        from auditor.sources.python import file_error

        del report.applied[before[0] :], report.diffs[before[1] :]
        if not before[2]:
            report.changed_files.discard(rel)
        report.errors.append(file_error(rel, f"cannot write the fixed file: {e.strerror or e}"))
        report.dropped.extend((f, f"cannot write the file: {e.strerror or e}") for f in findings)
        return False
    except NativeParserRisk as e:
        from auditor.sources.python import file_error

        if not any(x.path == rel for x in report.errors):
            report.errors.append(file_error(rel, str(e)))
        report.dropped.extend((f, str(e)) for f in findings)
        return False


def _fix_text_file(real: Path, data: bytes, rel: str, kind: str, findings: list[Finding], write: bool, report: FixReport, name: str) -> bool:
    try:
        text, encoding, bom = _read_text(data)
    except (UnicodeDecodeError, SyntaxError, LookupError):
        return False
    _newlines(findings, text)
    if kind == "promptfile":  # YAML front matter must still parse
        new, applied, dropped = fix_promptfile_text(text, rel, findings)
    else:
        new, applied, dropped = fix_text(text, findings, must_parse=(kind == "python"))
    report.dropped.extend(dropped)
    if new == text:
        return False
    starts = line_starts(text)
    report.count([f for f in applied if changes(text, f.fix.edits, starts)])  # type: ignore[union-attr]
    report.diffs.append(unified(name, text, new))
    report.changed_files.add(rel)
    if write:
        write_fixed(real, (codecs.BOM_UTF8 if bom else b"") + new.encode(encoding), report.scratch)
    return True


def _fix_notebook(path: Path, data: bytes, rel: str, findings: list[Finding], write: bool, report: FixReport, name: str) -> bool:
    from auditor.fix.edits import parses
    from auditor.sources.notebook import cell_source, code_cells, neutralise, read_notebook, write_cells

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
        _newlines(fs, old)
        # check parse on the neutralised text, edit the real one (magics keep their lines)
        new, applied, dropped = fix_text(old, fs, must_parse=False)
        if new != old and parses(neutralise(new)) is not None:
            report.dropped.extend((f, "the fixed cell would not parse") for f in applied)
            continue
        report.dropped.extend(dropped)
        if new != old:
            new_sources[i] = new
            report.count([f for f in applied if changes(old, f.fix.edits)])  # type: ignore[union-attr]
    if not new_sources:
        return False
    report.changed_files.add(rel)
    new_data = write_cells(data, new_sources)
    # the diff is of the .ipynb text fix writes, so `git apply` makes exactly that change
    report.diffs.append(unified(name, data.decode("utf-8"), new_data.decode("utf-8")))
    if write:
        write_fixed(path, new_data, report.scratch)
    return True

