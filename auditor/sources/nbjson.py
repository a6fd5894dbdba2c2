"""Where a code cell's source text sits in the ``.ipynb`` file's own JSON text.

Findings in notebooks are located as (code cell, line, column). Tools that only know files -
SARIF viewers such as GitHub code scanning - need the line and column in the ``.ipynb``
text instead: the line of the ``source`` string element that holds that source line, and
the column inside it, counting JSON escapes (``\\"``, ``\\n``, ``\\u00e9``, surrogate pairs) as
the one character they decode to. The JSON is tokenised with a regular expression (linear in
the file's size; large output blobs are single tokens), never evaluated.
"""

from __future__ import annotations

import bisect
import json
import re
from typing import Any

_LINE_BREAK = re.compile(r"\r\n|\r|\n")  # Python's line breaks
_LINE_BREAK_AT_END = re.compile(r"(?:\r\n|\r|\n)?\Z|\r\n|\r|\n")
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)


class _Str:
    """A JSON string token: its offsets in the file (quotes included)."""

    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int):
        self.start, self.end = start, end


def _tree(text: str) -> Any:
    """The JSON document as dicts/lists whose strings are :class:`_Str` offsets."""
    stack: list[Any] = []
    keys: list[Any] = []
    root: Any = None
    pending_key: Any = None
    expect_key = False

    def put(value: Any) -> None:
        nonlocal root, pending_key, expect_key
        if not stack:
            root = value
            return
        top = stack[-1]
        if isinstance(top, list):
            top.append(value)
        else:
            top[pending_key] = value
            pending_key = None

    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok in "{[":
            node: Any = {} if tok == "{" else []
            put(node)
            stack.append(node)
            keys.append(pending_key)
            expect_key = tok == "{"
        elif tok in "}]":
            stack.pop()
            keys.pop()
            expect_key = False
        elif tok == ",":
            expect_key = bool(stack) and isinstance(stack[-1], dict)
        elif tok == ":":
            expect_key = False
        elif tok.startswith('"'):
            if expect_key:
                pending_key = json.loads(tok)
                expect_key = False
            else:
                put(_Str(m.start(), m.end()))
        else:
            put(tok)
    return root


def _decoded_offsets(raw: str) -> list[int]:
    """For each character of the decoded string, its index in ``raw`` (the token without quotes)."""
    out: list[int] = []
    r, n = 0, len(raw)
    while r < n:
        out.append(r)
        if raw[r] != "\\":
            r += 1
        elif raw[r + 1 : r + 2] == "u":
            hi = raw[r + 2 : r + 6]
            pair = raw[r + 6 : r + 8] == "\\u" and "d800" <= hi.lower() <= "dbff" and "dc00" <= raw[r + 8 : r + 12].lower() <= "dfff"
            r += 12 if pair else 6
        else:
            r += 2
    out.append(n)  # one past the end
    return out


class NotebookText:
    """Maps (code cell, line, column) to (line, column) of the ``.ipynb`` text (all 1-based)."""

    def __init__(self, text: str):
        self.text = text
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
        self.cells: list[list[_Str]] = []
        root = _tree(text)
        cells = root.get("cells") if isinstance(root, dict) else None
        for cell in cells if isinstance(cells, list) else []:
            if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), _Str):
                continue
            if self._string(cell["cell_type"]) != "code":
                continue
            src = cell.get("source")
            parts = [src] if isinstance(src, _Str) else [p for p in src if isinstance(p, _Str)] if isinstance(src, list) else []
            self.cells.append(parts)

    def _string(self, s: _Str) -> str:
        return json.loads(self.text[s.start : s.end])

    def _file_pos(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self.line_starts, offset) - 1
        return i + 1, offset - self.line_starts[i] + 1

    def locate(self, cell: int, line: int, column: int = 1) -> tuple[int, int] | None:
        """The file position of source line ``line``, column ``column`` of code cell ``cell``
        (a column past the end of its line is clamped to the line's end)."""
        if not 0 <= cell < len(self.cells) or line < 1:
            return None
        parts = self.cells[cell]
        if not parts:
            return None
        values = [self._string(p) for p in parts]
        source = "".join(values)
        starts = [0] + [m.end() for m in _LINE_BREAK.finditer(source)]
        if line > len(starts):
            return None
        line_end = starts[line] if line < len(starts) else len(source)
        if line < len(starts):  # do not step onto the line break itself
            line_end = _LINE_BREAK_AT_END.search(source, starts[line - 1], line_end).start()
        g = min(starts[line - 1] + max(column, 1) - 1, line_end)
        cum, total = [], 0
        for v in values:
            cum.append(total)
            total += len(v)
        k = max(0, bisect.bisect_right(cum, g) - 1) if g < len(source) else len(values) - 1
        while k > 0 and not values[k]:
            k -= 1
        index = g - cum[k]
        raw = self.text[parts[k].start + 1 : parts[k].end - 1]
        offsets = _decoded_offsets(raw)
        return self._file_pos(parts[k].start + 1 + offsets[min(index, len(offsets) - 1)])


def notebook_text(text: str) -> NotebookText | None:
    """A :class:`NotebookText`, or None when the text is not a notebook we can map."""
    try:
        nb = NotebookText(text)
    except (ValueError, IndexError, AttributeError, TypeError, RecursionError):
        return None
    return nb
