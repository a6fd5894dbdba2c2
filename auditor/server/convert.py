"""Findings to LSP: positions, diagnostics (code, link, savings, related locations) and text edits.

Findings locate text with 1-based lines and 1-based columns counted in characters, within the
file or a notebook cell; LSP positions are 0-based with columns in the client's code units
(UTF-16 unless negotiated), which pygls' position codec converts. Lines end at ``\\r\\n``,
``\\r`` or ``\\n`` only (as the tokenizer and LSP say).
"""

from __future__ import annotations

import difflib
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pygls.workspace.position_codec import PositionCodec

from auditor.findings import Finding
from auditor.render.text import (
    _savings as savings_text,  # the CLI's "saves ~$X/month (...)" wording
)
from auditor.server.documents import split_lines
from auditor.sources.lines import split_lines_keepends

SOURCE = "llm-audit"
SEVERITY = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning, "info": types.DiagnosticSeverity.Information}


# ---------------------------------------------------------------- positions
def position(lines: list[str], line: int, column: int, codec: PositionCodec) -> types.Position:
    """1-based line and character column -> an LSP position, clamped to the text."""
    if not lines:
        return types.Position(line=0, character=0)
    i = min(max(line - 1, 0), len(lines) - 1)
    text = lines[i]
    return types.Position(line=i, character=codec.client_num_units(text[: min(max(column - 1, 0), len(text))]))


def to_range(lines: list[str], line: int, column: int, end_line: int, end_column: int, codec: PositionCodec) -> types.Range:
    start = position(lines, line, column, codec)
    end = position(lines, end_line, end_column, codec)
    if (end.line, end.character) < (start.line, start.character):
        end = start
    return types.Range(start=start, end=end)


def from_position(lines: list[str], pos: types.Position, codec: PositionCodec) -> tuple[int, int]:
    """An LSP position -> 1-based line and character column."""
    p = codec.position_from_client_units(lines, types.Position(line=pos.line, character=pos.character))
    return p.line + 1, p.character + 1


# ---------------------------------------------------------------- diagnostics
def message(f: Finding) -> str:
    """The finding's message with its monthly saving, as the terminal shows it."""
    saving = savings_text(f)
    return f"{f.message} — {saving}" if saving else f.message


def related_information(f: Finding, project: Any, locate) -> list[types.DiagnosticRelatedInformation]:
    """Where else the finding is written: its related locations (the call sites a root cause
    stands for, a call chain), and the prompt text of its call site that lives in another file
    (an imported constant). ``locate(path, cell, line, column)`` makes an LSP location."""
    out: list[types.DiagnosticRelatedInformation] = []
    seen: set[tuple[str, int | None, int]] = set()
    for r in f.related:
        seen.add((r.path, r.cell, r.line))
        out.append(types.DiagnosticRelatedInformation(location=locate(r.path, r.cell, r.line, r.column), message=r.message or "related"))
    if f.call_site_id and project is not None:
        site = next((s for s in project.call_sites() if s.id == f.call_site_id), None)
        refs: set[tuple[str, str]] = set()
        for seg in site.prompt.segments if site is not None else []:
            ref = getattr(seg, "extra_ref", None)
            if not (seg.path and seg.path != f.path and ref and seg.span is not None) or ref in refs:
                continue
            refs.add(ref)
            if (seg.path, seg.cell, seg.span.line) not in seen:
                loc = locate(seg.path, seg.cell, seg.span.line, seg.span.column)
                out.append(types.DiagnosticRelatedInformation(location=loc, message=f"prompt text `{ref[1]}` from {ref[0]}"))
    return out


def file_location(root: Any, rel: str, line: int, column: int) -> types.Location:
    """A location in a file that is not open (no code units to convert: columns as characters)."""
    p = types.Position(line=max(line - 1, 0), character=max(column - 1, 0))
    return types.Location(uri=from_fs_path(str(root / rel)) or "", range=types.Range(start=p, end=p))


def diagnostic(f: Finding, text: str, codec: PositionCodec, href: str | None, related: list[types.DiagnosticRelatedInformation]) -> types.Diagnostic:
    lines = split_lines(text)
    tags = []
    if f.code == "LA001":
        tags.append(types.DiagnosticTag.Unnecessary)
    if f.code == "LA402" and f.severity != "error":
        tags.append(types.DiagnosticTag.Deprecated)
    return types.Diagnostic(
        range=to_range(lines, f.line, f.column, f.end_line, f.end_column, codec),
        message=message(f),
        severity=SEVERITY.get(f.severity, types.DiagnosticSeverity.Warning),
        code=f.code,
        code_description=types.CodeDescription(href=href) if href else None,
        source=SOURCE,
        tags=tags or None,
        related_information=related or None,
        data={"name": f.name, "fix": f.fix.applicability if f.fix and f.fix.edits else None},
    )


# ---------------------------------------------------------------- edits
def text_edits(old: str, new: str, codec: PositionCodec) -> list[types.TextEdit]:
    """Minimal edits that turn ``old`` into ``new`` (line blocks trimmed to the changed characters)."""
    if old == new:
        return []
    a, b = split_lines_keepends(old), split_lines_keepends(new)  # LSP breaks lines at \n, \r\n, \r only
    starts = [0]
    for line in a:
        starts.append(starts[-1] + len(line))
    lines = split_lines(old)
    edits = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        head = 0
        while head < min(len(before), len(after)) and before[head] == after[head]:
            head += 1
        tail = 0
        while tail < min(len(before), len(after)) - head and before[-1 - tail] == after[-1 - tail]:
            tail += 1
        start, end = starts[i1] + head, starts[i1] + len(before) - tail
        edits.append(types.TextEdit(range=types.Range(start=_at(old, lines, start, codec), end=_at(old, lines, end, codec)), new_text=after[head : len(after) - tail]))
    return edits


def _at(text: str, lines: list[str], offset: int, codec: PositionCodec) -> types.Position:
    """The LSP position of a character offset into ``text``."""
    prefix = text[:offset]
    line = len(split_lines(prefix)) - 1
    last_break = max(prefix.rfind("\n"), prefix.rfind("\r"))
    column = offset - (last_break + 1)
    return types.Position(line=line, character=codec.client_num_units(lines[line][:column]) if line < len(lines) else 0)
