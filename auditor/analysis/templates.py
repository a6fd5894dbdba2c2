"""Template text as segments, and filling a template's fields: ``.format``, ``%``,
``string.Template`` and jinja syntaxes, imported template constants filled after phase 2, and
the segment kinds checks and fixes need (:class:`LiteralSegment`, :class:`DataHole`,
:class:`TemplateRef`)."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from auditor.analysis.literals import Piece, slice_pieces
from auditor.facts import Segment
from auditor.findings import Span


# template syntaxes: field pattern and escapes (escape text -> what it stands for)
SYNTAX: dict[str, tuple[re.Pattern, dict[str, str]]] = {
    "format": (re.compile(r"\{\{|\}\}|\{[^{}]*\}"), {"{{": "{", "}}": "}"}),
    "percent": (re.compile(r"%%|%(\([^)]*\))?[-#0 +]*(\*|\d+)?(\.(\*|\d+))?[hlL]?[sdifrxXoeEgGcau]"), {"%%": "%"}),
    "template": (re.compile(r"\$\$|\$(?:[_a-zA-Z][_a-zA-Z0-9]*|\{[_a-zA-Z][_a-zA-Z0-9]*\})"), {"$$": "$"}),
    "jinja": (re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S), {}),
}


IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class LiteralSegment(Segment):
    """Static text from a literal; ``pieces`` say where its characters are written verbatim."""

    pieces: list[Piece] = field(default_factory=list)


@dataclass
class DataHole(Segment):
    """A hole that holds DataFrame data (``hole_kind == "dataframe"``) or a record list."""

    render: str = ""  # whole | bounded | records
    method: str = ""  # to_csv, to_string, ..., str, format (f"{df}"), records
    frame: str = ""  # source of the frame expression
    target: Span | None = None  # where ``.head(N)`` would be appended (end of the frame expression)
    columns: list[str] | None = None  # a literal column selection (or record keys)
    reader: str = ""  # read_csv, read_parquet, ...
    source_file: str = ""  # the literal path given to that reader
    evidence: str = "provenance"  # "name": only a name pattern says the value is a frame (a hint)
    frame_call: str = ""  # pending: the frame is what this project function returns (analysis/framecalls.py)


@dataclass
class TemplateRef(Segment):
    """``IMPORTED_TEMPLATE.format(...)``: a ref whose text is filled in after resolution."""

    syntax: str = "format"
    fields: dict[str, Segment] = field(default_factory=dict)


def field_name(token: str, syntax: str) -> str | None:
    """The argument a template field reads: a keyword name, or None for an automatic position."""
    if syntax == "format":
        inner = token[1:-1]
        m = re.match(r"[^.\[!:]*", inner)
        name = (m.group(0) if m else "").strip()
        return name or None
    if syntax == "percent":
        m = re.match(r"%\(([^)]*)\)", token)
        return m.group(1) if m else None
    if syntax == "template":
        return token.lstrip("$").strip("{}")
    if syntax == "jinja":
        inner = token[2:-2].strip()
        m = IDENT.match(inner)
        return m.group(0) if m else inner
    return None


def fill_template(template: list[Segment], syntax: str, fields: dict[str, Segment]) -> list[Segment]:
    """Static template text with its fields turned into holes (the argument's hole, if given).

    ``fields`` maps keyword names and positions ("0", "1", ...) to holes; "*" is the hole for
    arguments that are not visible (``**kwargs``, a mapping variable). Ref segments in the
    template become :class:`TemplateRef` so the project can fill them after resolution."""
    pattern, escapes = SYNTAX[syntax]
    out: list[Segment] = []
    auto = 0
    for seg in template:
        if seg.kind == "ref":
            out.append(TemplateRef("ref", expr=seg.expr, span=seg.span, ref=seg.ref, path=seg.path, cell=seg.cell, via=seg.via, syntax=syntax, fields=copy.deepcopy(fields)))
            continue
        if seg.kind != "static":
            out.append(seg)
            continue
        parts: list[tuple[int, int] | str] = []  # kept ranges of seg.text, or unescaped text
        pos = 0
        for m in pattern.finditer(seg.text):
            tok = m.group(0)
            if tok in escapes:
                parts.append((pos, m.start()))
                parts.append(escapes[tok])
                pos = m.end()
                continue
            parts.append((pos, m.start()))
            pos = m.end()
            _flush(out, seg, parts, syntax)
            parts = []
            if syntax == "jinja" and not tok.startswith("{{"):
                stmt = tok[2:-2].strip()
                if tok.startswith("{%") and stmt.startswith("for "):
                    out.append(Segment("hole", expr=stmt, hole_kind="collection", span=seg.span, path=seg.path, cell=seg.cell))
                continue  # other statements and comments render no text of their own
            name = field_name(tok, syntax)
            if name is None:
                name = str(auto)
                auto += 1
            elif name.isdigit():
                pass
            hole = fields.get(name) or fields.get("*")
            if hole is None:
                hole = Segment("hole", expr=tok, hole_kind="unknown", span=seg.span, path=seg.path, cell=seg.cell)
            out.append(copy.deepcopy(hole))
        parts.append((pos, len(seg.text)))
        _flush(out, seg, parts, syntax)
    return out


def _flush(out: list[Segment], seg: Segment, parts: list, syntax: str) -> None:
    """Append the static text made of ``parts`` (ranges of ``seg.text`` or literal strings)."""
    text = ""
    pieces: list[Piece] = []
    for part in parts:
        if isinstance(part, str):
            text += part
            continue
        a, b = part
        if b <= a:
            continue
        if isinstance(seg, LiteralSegment):
            for p in slice_pieces(seg.pieces, a, b, shift=len(text)):
                p.template = syntax
                pieces.append(p)
        text += seg.text[a:b]
    if not text:
        return
    out.append(LiteralSegment("static", text=text, span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell, role=seg.role, via=seg.via, pieces=pieces))


def fill_deferred(ref: Segment, inner: list[Segment]) -> list[Segment]:
    """The resolved text of a :class:`TemplateRef` with its fields filled in."""
    if isinstance(ref, TemplateRef):
        return fill_template(inner, ref.syntax, ref.fields)
    return inner


def select_text(seg: Segment, ranges: list[tuple[int, int]]) -> Segment:
    """A static segment made of some ranges of ``seg.text`` (dedent, strip), pieces kept."""
    if not isinstance(seg, LiteralSegment):
        return Segment("static", text="".join(seg.text[a:b] for a, b in ranges), span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell, role=seg.role, via=seg.via)
    text = ""
    pieces: list[Piece] = []
    for a, b in ranges:
        if b > a:
            pieces.extend(slice_pieces(seg.pieces, a, b, shift=len(text)))
            text += seg.text[a:b]
    return LiteralSegment("static", text=text, span=seg.span, editable=seg.editable, path=seg.path, cell=seg.cell, role=seg.role, via=seg.via, pieces=pieces)


def dedent_ranges(text: str) -> list[tuple[int, int]]:
    """Ranges of ``text`` that ``textwrap.dedent`` keeps."""
    import textwrap

    lines = text.splitlines(keepends=True)
    margin = None
    for line in lines:
        stripped = line.lstrip(" \t")
        if stripped.strip("\r\n") == "":
            continue
        indent = line[: len(line) - len(stripped)]
        if margin is None:
            margin = indent
        else:
            k = 0
            while k < min(len(margin), len(indent)) and margin[k] == indent[k]:
                k += 1
            margin = margin[:k]
    ranges = []
    pos = 0
    for line in lines:
        body = line.rstrip("\r\n")
        if body.strip(" \t") == "":
            ranges.append((pos + len(body), pos + len(line)))  # whitespace-only lines lose their blanks
        else:
            ranges.append((pos + len(margin or ""), pos + len(line)))
        pos += len(line)
    result = "".join(text[a:b] for a, b in ranges)
    return ranges if result == textwrap.dedent(text) else [(0, len(text))]


# template fields per body syntax
JINJA_FIELDS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)


HANDLEBARS_FIELDS = re.compile(r"\{\{\{.*?\}\}\}|\{\{!--.*?--\}\}|\{\{.*?\}\}", re.S)


PLAIN_FIELDS = re.compile(r"\{\{.*?\}\}|\{[A-Za-z_][A-Za-z0-9_.\[\]]*(?:![rsa])?(?::[^{}\n]*)?\}", re.S)
