"""Where the text of a prompt literal is written, character for character, and edits to it.

A fix that rewrites prompt wording (LA201) must change only plain literal text: keep the
quotes, the string prefix, escape sequences, implicit concatenation and the ``{fields}`` of
f-strings exactly as written. So for every literal the analysis records *pieces*: runs of the
literal's value that appear verbatim in the file (no escape sequence inside), each with the
offset of the run in the value and where the run starts in the file. An edit is only built
when the whole edited range lies inside one piece; anything else gets no fix.

The scanner here reads the raw source of one string expression (one or more tokens, possibly
f-strings, across lines and comments inside parentheses) and decodes it itself, then checks
that the decoded value equals what the parser produced. Any disagreement yields no pieces,
so a gap in the scanner can only lose a fix, never corrupt a file.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

from auditor.findings import Edit, Span

_PREFIX = re.compile(r"([rRbBuUfF]{0,2})('''|\"\"\"|'|\")")
_SIMPLE_ESCAPES = {"\\": "\\", "'": "'", '"': '"', "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@dataclass
class Piece:
    """``text`` is ``value[offset:offset + len(text)]`` and is written verbatim at ``span``."""

    offset: int
    text: str
    span: Span
    quote: str = ""  # the literal's quote ('"', "'''", ...); "" for prompt-file text
    fstring: bool = False  # inside an f-string: a rewrite must not add braces
    template: str = ""  # template syntax around the text (jinja, format): a rewrite must not add its markers

    def position(self, k: int) -> tuple[int, int]:
        """File (line, column) of character ``k`` of this piece (``k == len(text)`` allowed)."""
        breaks = self.__dict__.get("_breaks")
        if breaks is None:  # offsets of the piece's line breaks, found once (a prompt can be MBs)
            breaks = self.__dict__["_breaks"] = [m.start() for m in re.finditer("\n", self.text)]
        nl = bisect.bisect_left(breaks, k)
        if nl == 0:
            return self.span.line, self.span.column + k
        return self.span.line + nl, k - breaks[nl - 1]

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_breaks", None)  # cheap to recompute; not worth a place in the cache
        return state


# --------------------------------------------------------------------------- scanning


@dataclass
class _Char:
    cooked: str  # decoded text ("" for a line continuation)
    start: int  # raw offsets in the scanned source
    end: int
    verbatim: bool


_FIELD = object()  # an f-string replacement field


def _skip_string(src: str, i: int) -> int:
    """Index after a (possibly prefixed) string literal starting at ``i``; -1 if none."""
    m = _PREFIX.match(src, i)
    if not m:
        return -1
    quote = m.group(2)
    j = m.end()
    while j < len(src):
        if src.startswith(quote, j):
            return j + len(quote)
        if src[j] == "\\":
            j += 2
            continue
        if len(quote) == 1 and src[j] == "\n":
            return -1
        j += 1
    return -1


def _skip_field(src: str, i: int, quote: str) -> int:
    """Index after the replacement field ``{...}`` that starts at ``i``."""
    depth = 0
    j = i
    while j < len(src):
        c = src[j]
        if src.startswith(quote, j) and depth <= 1 and c in "'\"":
            return -1  # the enclosing literal ends inside the field: malformed
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return j + 1
        elif c in "'\"":
            k = _skip_string(src, j)
            if k < 0:
                return -1
            j = k
            continue
        j += 1
    return -1


def _decode(src: str, start: int, end: int, raw: bool, fstring: bool, quote: str) -> list | None:
    """Decode a literal body ``src[start:end]`` into _Char items and _FIELD markers."""
    out: list = []
    j = start
    while j < end:
        c = src[j]
        if fstring and c in "{}":
            if src.startswith(c * 2, j):
                out.append(_Char(c, j, j + 2, False))
                j += 2
                continue
            if c == "}":
                return None
            k = _skip_field(src, j, quote)
            if k < 0 or k > end:
                return None
            out.append(_FIELD)
            j = k
            continue
        if c != "\\":
            out.append(_Char(c, j, j + 1, True))
            j += 1
            continue
        if j + 1 >= end:
            return None
        nxt = src[j + 1]
        if raw:
            out.append(_Char("\\", j, j + 1, False))
            out.append(_Char(nxt, j + 1, j + 2, False))
            j += 2
            continue
        if nxt == "\n":
            out.append(_Char("", j, j + 2, False))
            j += 2
        elif nxt in _SIMPLE_ESCAPES:
            out.append(_Char(_SIMPLE_ESCAPES[nxt], j, j + 2, False))
            j += 2
        elif nxt in "01234567":
            k = j + 1
            while k < min(j + 4, end) and src[k] in "01234567":
                k += 1
            out.append(_Char(chr(int(src[j + 1 : k], 8)), j, k, False))
            j = k
        elif nxt in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[nxt]
            digits = src[j + 2 : j + 2 + width]
            try:
                out.append(_Char(chr(int(digits, 16)), j, j + 2 + width, False))
            except ValueError:
                return None
            j += 2 + width
        elif nxt == "N" and j + 2 < end and src[j + 2] == "{":
            close = src.find("}", j + 3, end)
            if close < 0:
                return None
            import unicodedata

            try:
                out.append(_Char(unicodedata.lookup(src[j + 3 : close]), j, close + 1, False))
            except KeyError:
                return None
            j = close + 1
        else:  # an unknown escape keeps its backslash
            out.append(_Char("\\", j, j + 1, False))
            out.append(_Char(nxt, j + 1, j + 2, False))
            j += 2
    return out


def _scan(src: str) -> list[tuple[list, str, bool]] | None:
    """Tokens of a string expression's source: (decoded items, quote, is f-string) each."""
    tokens: list[tuple[list, str, bool]] = []
    i = 0
    n = len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n\f()":
            i += 1
            continue
        if c == "#":
            nl = src.find("\n", i)
            i = n if nl < 0 else nl
            continue
        if c == "\\" and src.startswith("\n", i + 1):
            i += 2
            continue
        m = _PREFIX.match(src, i)
        if not m:
            return None
        prefix = m.group(1).lower()
        if "b" in prefix:
            return None
        quote = m.group(2)
        body_start = m.end()
        end = _skip_string(src, i)
        if end < 0:
            return None
        body_end = end - len(quote)
        fstring = "f" in prefix
        items = _decode(src, body_start, body_end, raw="r" in prefix, fstring=fstring, quote=quote)
        if items is None:
            return None
        tokens.append((items, quote, fstring))
        i = end
    return tokens


def _locator(span: Span, src: str):
    """Raw offset in ``src`` -> file (line, column)."""
    starts = [0]
    for k, ch in enumerate(src):
        if ch == "\n":
            starts.append(k + 1)

    def at(off: int) -> tuple[int, int]:
        import bisect

        row = bisect.bisect_right(starts, off) - 1
        if row == 0:
            return span.line, span.column + off
        return span.line + row, off - starts[row] + 1

    return at


def _runs(items: list, quote: str, fstring: bool, at, base: int) -> tuple[str, list[Piece]]:
    """Decoded text of ``items`` (no fields) and its verbatim pieces, offsets from ``base``."""
    text: list[str] = []
    pieces: list[Piece] = []
    run_start = run_off = -1
    run_chars: list[str] = []
    pos = base

    def close(end_raw: int) -> None:
        nonlocal run_start
        if run_start >= 0 and run_chars:
            l0, c0 = at(run_start)
            l1, c1 = at(end_raw)
            pieces.append(Piece(run_off, "".join(run_chars), Span(l0, c0, l1, c1), quote, fstring))
        run_start = -1
        run_chars.clear()

    last_end = 0
    for ch in items:
        if ch.verbatim:
            if run_start < 0:
                run_start, run_off = ch.start, pos
            run_chars.append(ch.cooked)
        else:
            close(ch.start)
        text.append(ch.cooked)
        pos += len(ch.cooked)
        last_end = ch.end
    close(last_end)
    return "".join(text), pieces


def literal_pieces(node: ast.AST, lines: list[str], span: Span) -> list[list[Piece]] | None:
    """Pieces for a string literal expression, one list per static part.

    A plain literal (also implicitly concatenated) has one part; an f-string has one part per
    ``ast.Constant`` in its ``values``. None when the source cannot be matched to the value."""
    try:
        src = span.text(lines)
    except IndexError:
        return None
    tokens = _scan(src)
    if not tokens:
        return None
    at = _locator(span, src)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text_parts: list[str] = []
        pieces: list[Piece] = []
        off = 0
        for items, quote, fstring in tokens:
            if any(it is _FIELD for it in items):
                return None
            t, ps = _runs(items, quote, fstring, at, off)
            text_parts.append(t)
            pieces.extend(ps)
            off += len(t)
        if "".join(text_parts) != node.value:
            return None
        return [pieces]
    if isinstance(node, ast.JoinedStr):
        # split the decoded stream at fields; each non-empty chunk is one Constant of values
        chunks: list[list[tuple[_Char, int]]] = [[]]
        for t_index, (items, _quote, _f) in enumerate(tokens):
            for it in items:
                if it is _FIELD:
                    chunks.append([])
                else:
                    chunks[-1].append((it, t_index))
        chunks = [c for c in chunks if c and "".join(ch.cooked for ch, _ in c)]
        consts = [v for v in node.values if isinstance(v, ast.Constant)]
        if len(chunks) != len(consts):
            return None
        out: list[list[Piece]] = []
        for chunk, const in zip(chunks, consts):
            pieces = []
            off = 0
            text = ""
            # a chunk can cross token boundaries (f"a{x}b" "c"): decode token by token
            by_token: dict[int, list[_Char]] = {}
            for ch, t_index in chunk:
                by_token.setdefault(t_index, []).append(ch)
            for t_index, group in by_token.items():
                _items, quote, fstring = tokens[t_index]
                t, ps = _runs(group, quote, fstring, at, off)
                text += t
                pieces.extend(ps)
                off += len(t)
            if text != const.value:
                return None
            out.append(pieces)
        return out
    return None


# --------------------------------------------------------------------------- editing


def slice_pieces(pieces: list[Piece], start: int, end: int, shift: int = 0) -> list[Piece]:
    """The parts of ``pieces`` inside value range [start, end), re-based to ``start - shift``."""
    out: list[Piece] = []
    for p in pieces:
        a, b = max(start, p.offset), min(end, p.offset + len(p.text))
        if a >= b:
            continue
        k = a - p.offset
        line, col = p.position(k)
        l1, c1 = p.position(b - p.offset)
        out.append(Piece(a - start + shift, p.text[k : b - p.offset], Span(line, col, l1, c1), p.quote, p.fstring, p.template))
    return out


def safe_replacement(piece: Piece, replacement: str) -> bool:
    """Can ``replacement`` be written inside this piece without changing the literal's syntax?"""
    if piece.quote == "yaml-plain":  # a plain YAML scalar: no indicator characters
        return not any(ch in replacement for ch in ":#'\"{}[],&*!|>%@`\\\n")
    if "\\" in replacement:
        return piece.quote == ""
    if piece.quote and (piece.quote[0] in replacement or (len(piece.quote) == 1 and "\n" in replacement)):
        return False
    if piece.fstring and ("{" in replacement or "}" in replacement):
        return False
    if piece.template and any(mark in replacement for mark in ("{", "}", "$", "%")):
        return False
    return True


def edit_in(pieces: list[Piece], start: int, end: int, replacement: str) -> Edit | None:
    """An edit replacing value range [start, end) when it lies inside one verbatim piece."""
    for p in pieces:
        if p.offset <= start and end <= p.offset + len(p.text):
            if not safe_replacement(p, replacement):
                return None
            l0, c0 = p.position(start - p.offset)
            l1, c1 = p.position(end - p.offset)
            return Edit(l0, c0, l1, c1, replacement)
    return None


def position_in(pieces: list[Piece], offset: int) -> tuple[int, int] | None:
    for p in pieces:
        if p.offset <= offset < p.offset + len(p.text):
            return p.position(offset - p.offset)
    return None
