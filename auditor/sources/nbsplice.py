"""Writing notebook cells back byte for byte: splice new ``source`` strings into the original JSON.

Re-serialising a whole notebook (``json.dumps``) rewrites bytes the fix never meant to touch:
``\\u2588`` escapes become characters, CRLF and tab indentation turn into nbformat's
one-space indent, floats like ``1.0e-5`` change spelling, minified files get expanded and a
missing final newline appears. So the original text is scanned for where each code cell's
``source`` value lies, only those values are replaced, and the new value is written in the
file's own style: a list of lines when the cell had one (with the list's own line breaks and
indentation, unchanged lines keeping their original escapes), a string when it had a string,
``\\uXXXX`` escapes for non-ASCII when the file escapes them, ``\\/`` when the file escapes
slashes. The result is checked to load to exactly the intended notebook; if it would not (a
JSON shape this scanner does not follow), the caller falls back to a full re-serialisation.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SCALAR = re.compile(r"[^,\]\}\s]+")
_TOKEN = re.compile(r'["\[\]{}]')


class ScanError(ValueError):
    pass


@dataclass
class _Member:
    start: int  # of the value
    end: int


def _ws(s: str, i: int) -> int:
    return _WS.match(s, i).end()  # type: ignore[union-attr]


def _skip(s: str, i: int) -> int:
    """End of the JSON value starting at ``i`` (iterative: deep nesting costs no stack)."""
    if i >= len(s):
        raise ScanError("value expected")
    c = s[i]
    if c == '"':
        m = _STRING.match(s, i)
        if m is None:
            raise ScanError("unterminated string")
        return m.end()
    if c in "[{":
        depth = 0
        j = i
        while True:
            m = _TOKEN.search(s, j)
            if m is None:
                raise ScanError("unterminated container")
            t = m.group(0)
            if t == '"':
                sm = _STRING.match(s, m.start())
                if sm is None:
                    raise ScanError("unterminated string")
                j = sm.end()
                continue
            depth += 1 if t in "[{" else -1
            j = m.end()
            if depth == 0:
                return j
    m = _SCALAR.match(s, i)
    if m is None:
        raise ScanError("value expected")
    return m.end()


def _members(s: str, i: int) -> tuple[dict[str, _Member], int]:
    """The members of the object at ``i`` (last duplicate wins, like json.loads) and its end."""
    if s[i] != "{":
        raise ScanError("object expected")
    out: dict[str, _Member] = {}
    j = _ws(s, i + 1)
    if s.startswith("}", j):
        return out, j + 1
    while True:
        m = _STRING.match(s, j)
        if m is None:
            raise ScanError("key expected")
        key = json.loads(m.group(0))
        j = _ws(s, m.end())
        if not s.startswith(":", j):
            raise ScanError("':' expected")
        j = _ws(s, j + 1)
        end = _skip(s, j)
        out[key] = _Member(j, end)
        j = _ws(s, end)
        if s.startswith(",", j):
            j = _ws(s, j + 1)
            continue
        if s.startswith("}", j):
            return out, j + 1
        raise ScanError("',' or '}' expected")


def _elements(s: str, i: int) -> list[_Member]:
    if s[i] != "[":
        raise ScanError("array expected")
    out: list[_Member] = []
    j = _ws(s, i + 1)
    if s.startswith("]", j):
        return out
    while True:
        end = _skip(s, j)
        out.append(_Member(j, end))
        j = _ws(s, end)
        if s.startswith(",", j):
            j = _ws(s, j + 1)
            continue
        if s.startswith("]", j):
            return out
        raise ScanError("',' or ']' expected")


def code_source_spans(text: str) -> list[_Member | None]:
    """For each code cell (in order), where its ``source`` value lies in ``text`` (None: no source)."""
    top, _ = _members(text, _ws(text, 0))
    cells = top.get("cells")
    if cells is None:
        raise ScanError("no cells")
    out: list[_Member | None] = []
    for el in _elements(text, cells.start):
        if text[el.start] != "{":
            continue
        members, _ = _members(text, el.start)
        kind = members.get("cell_type")
        if kind is None or text[kind.start] != '"' or json.loads(text[kind.start : kind.end]) != "code":
            continue
        out.append(members.get("source"))
    return out


# ---------------------------------------------------------------- the file's own style
@dataclass
class _Style:
    ascii: bool  # non-ASCII written as \uXXXX
    slash: bool  # "/" written as "\/"
    upper: bool  # \u00E9 rather than \u00e9


def _style(text: str) -> _Style:
    escaped = re.search(r"\\u(?:00[89a-fA-F]|0[1-9a-fA-F]|[1-9a-fA-F])", text) is not None
    return _Style(
        ascii=escaped and text.isascii(),
        slash="\\/" in text,
        upper=re.search(r"\\u[0-9A-F]{0,3}[A-F]", text) is not None and re.search(r"\\u[0-9a-f]{0,3}[a-f]", text) is None,
    )


def encode_string(value: str, style: _Style) -> str:
    out = json.dumps(value, ensure_ascii=style.ascii)
    if not style.ascii:  # lone surrogates cannot be written raw in UTF-8
        out = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group(0)):04x}", out)
    if style.slash:
        out = out.replace("/", "\\/")
    if style.upper:
        out = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), out)
    return out


def _lines(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=\n)", text) if line]


def _encode_list(raw: str, new: str, style: _Style, layout: tuple[str, str, str]) -> str:
    """``new`` as a JSON list of lines laid out like ``raw`` (the original list's text);
    ``layout`` (newline, the key's indentation, one indent step) serves an empty original."""
    elements = _elements(raw, 0)
    old_values = [json.loads(raw[e.start : e.end]) for e in elements]
    old_texts = [raw[e.start : e.end] for e in elements]
    new_lines = _lines(new)
    if elements:
        first_ws = raw[1 : elements[0].start]
        last_ws = raw[elements[-1].end : len(raw) - 1]
        seps = [raw[a.end : b.start] for a, b in zip(elements, elements[1:])]
        sep = seps[0] if seps else "," + first_ws
    elif layout[0]:
        nl, indent, step = layout
        first_ws, sep, last_ws = nl + indent + step, "," + nl + indent + step, nl + indent
    else:  # minified
        first_ws, sep, last_ws = "", ",", ""
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=old_values, b=new_lines, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            out.extend(old_texts[a0:a1])
        else:
            out.extend(encode_string(line, style) for line in new_lines[b0:b1])
    if not out:
        return "[]"
    return "[" + first_ws + sep.join(out) + last_ws + "]"


def _layout(text: str, at: int) -> tuple[str, str, str]:
    """(newline, indentation of the line holding ``at``, one indent step); newline "" if minified."""
    m = re.search(r"\r\n|\n", text)
    if m is None:
        return "", "", ""
    line_start = max(text.rfind("\n", 0, at), text.rfind("\r", 0, at)) + 1
    indent = re.match(r"[ \t]*", text[line_start:at]).group(0)  # type: ignore[union-attr]
    step = re.search(r"\n([ \t]+)\S", text)
    return m.group(0), indent, step.group(1) if step else " "


def splice_sources(text: str, new_sources: dict[int, str]) -> str:
    """``text`` (a notebook's JSON) with code cells (by index among code cells) given new
    sources; every byte outside those cells' ``source`` values is kept. Raises ScanError."""
    spans = code_source_spans(text)
    style = _style(text)
    edits: list[tuple[int, int, str]] = []
    for i, new in new_sources.items():
        if i >= len(spans) or spans[i] is None:
            raise ScanError(f"code cell {i} has no source")
        sp = spans[i]
        raw = text[sp.start : sp.end]  # type: ignore[union-attr]
        if raw.startswith("["):
            value = _encode_list(raw, new, style, _layout(text, sp.start))  # type: ignore[union-attr]
        elif raw.startswith('"'):
            value = encode_string(new, style)
        else:
            raise ScanError("source is neither a string nor a list")
        edits.append((sp.start, sp.end, value))  # type: ignore[union-attr]
    out = text
    for start, end, value in sorted(edits, reverse=True):
        out = out[:start] + value + out[end:]
    return out
