"""Lines as Python's tokenizer sees them, and reading a file's (or a notebook cell's) lines.

One line model serves analysis, spans, snippets and fixes: a line ends at ``\n``, ``\r\n`` or
``\r`` and nowhere else. ``str.splitlines()`` also breaks at form feeds, ``\x1c``-``\x1e``,
``\x85`` and U+2028/U+2029, which Python's tokenizer treats as ordinary characters, so line
numbers from ``ast`` and positions computed with ``splitlines`` drift apart after one of them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable
from auditor.reads import read_text

_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text``'s lines without their line breaks, like ``str.splitlines()`` but breaking only
    where Python's tokenizer does (``\n``, ``\r\n``, ``\r``)."""
    lines = text.split("\n") if "\r" not in text else _BREAK.split(text)  # no CR: the same split, without the regex
    if lines[-1] == "":
        lines.pop()  # a final line break does not start another line
    return lines


def split_lines_keepends(text: str) -> list[str]:
    """``text``'s lines with their line breaks (``"".join`` of the result is ``text``)."""
    out: list[str] = []
    pos = 0
    for m in _BREAK.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


def line_starts(text: str) -> list[int]:
    """Offset in ``text`` where each line starts (line 1 at index 0)."""
    return [0] + [m.end() for m in _BREAK.finditer(text)]


def count_breaks(text: str) -> int:
    """How many line breaks ``text`` holds (a ``\r\n`` is one)."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def lone_cr_to_lf(text: str) -> str:
    """``text`` with every ``\r`` not followed by ``\n`` turned into ``\n``: same length, same
    offsets and the same lines, for code that splits on ``\n`` only (YAML, templates)."""
    if "\r" not in text:
        return text
    return re.sub(r"\r(?!\n)", "\n", text)


def newline_of(text: str) -> str:
    """The line break a file uses (for edits that insert lines): its first one, else ``\n``."""
    m = _BREAK.search(text)
    return m.group(0) if m else "\n"


def offset_of(starts: list[int], length: int, line: int, column: int) -> int:
    """Offset of 1-based (line, column) given :func:`line_starts`; clamped to ``length``."""
    if line < 1:
        return 0
    if line - 1 >= len(starts):
        return length
    return min(starts[line - 1] + max(column, 1) - 1, length)

SourceLines = Callable[[str, "int | None"], "list[str] | None"]


def file_lines(root: Path, texts: dict[str, str] | None = None) -> SourceLines:
    """A cached reader of a file's (or a notebook cell's) lines for snippets; ``texts``
    gives the content of files that are not on disk as analysed (standard input)."""
    cache: dict[tuple[str, int | None], list[str] | None] = {}
    notebooks: dict[str, list] = {}  # path -> its code cells, parsed once for all of them

    def read(path: str, cell: int | None) -> list[str] | None:
        key = (path, cell)
        if key not in cache:
            try:
                p = root / path if not Path(path).is_absolute() else Path(path)
                if cell is not None:
                    if path not in notebooks:
                        notebooks[path] = []
                        raw = texts[path] if texts and path in texts else read_text(p, encoding="utf-8-sig", errors="replace")
                        nb = json.loads(raw.removeprefix("\ufeff"))
                        notebooks[path] = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
                    src = notebooks[path][cell].get("source", "")
                    text = "".join(src) if isinstance(src, list) else src
                else:
                    text = texts[path] if texts and path in texts else read_text(p, encoding="utf-8", errors="replace")
                cache[key] = split_lines(text)
            except (OSError, ValueError, IndexError, KeyError, AttributeError, TypeError, RecursionError):
                cache[key] = None
        return cache[key]

    return read
