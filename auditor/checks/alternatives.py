"""Alternatives in prompt text, for LA202 repeated-instruction: a sentence written once per branch of
a choice is sent once per request, so it is not a repetition.

Two shapes of choice, both read from the static text itself:

- **template branches**: the ``{% if %}`` / ``{% elif %}`` / ``{% else %}`` branches of a Jinja template
  (Haystack ``PromptBuilder``, LangChain ``jinja2`` templates): only one branch is rendered;
- **conditional list items**: sibling items of one list whose own text is a condition
  (``1. For a first message:`` / ``2. For a follow-up:``, ``- If the user asks for code:`` /
  ``- If the user asks for a chart:``): a step written under each is the same step of alternative
  branches of one decision list, not the same instruction said twice.

:class:`Alternatives` is fed the instruction runs of one prompt in order (the template's tags may sit
in one run and close in another) and answers, per position, the branches it lies in; :func:`exclusive`
says whether two such answers can never be sent together.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable

_TAG = re.compile(r"\{%-?\s*(if|elif|else|endif)\b.*?%\}", re.S)
_ITEM = re.compile(r"(?:[-*+\u2022]|\d+[.)]|[A-Za-z][.)])\s+(.*)")
_CONDITION = re.compile(
    r"(?:\*\*|__)?(?:if|when|whenever|for|in case|otherwise|else|unless|case|on|after|before)\b", re.IGNORECASE)

Path = tuple[tuple[tuple, object], ...]  # (slot, branch) pairs


class Alternatives:
    def __init__(self) -> None:
        self._stack: list[list[int]] = []  # open {% if %}: [id, branch number]
        self._ifs = 0
        self._runs = 0

    def feed(self, text: str) -> Callable[[int], Path]:
        """The branches each position of ``text`` (the next instruction run) lies in."""
        self._runs += 1
        starts, paths = [0], [self._jinja()]
        for m in _TAG.finditer(text):
            kw = m.group(1)
            if kw == "if":
                self._ifs += 1
                self._stack.append([self._ifs, 0])
            elif kw in ("elif", "else") and self._stack:
                self._stack[-1][1] += 1
            elif kw == "endif" and self._stack:
                self._stack.pop()
            starts.append(m.end())
            paths.append(self._jinja())
        items = _conditional_items(text, self._runs)

        def at(pos: int) -> Path:
            i = bisect.bisect_right(starts, pos) - 1
            j = bisect.bisect_right(items[0], pos) - 1
            return paths[max(i, 0)] + (items[1][j] if j >= 0 else ())

        return at

    def _jinja(self) -> Path:
        return tuple((("if", n), k) for n, k in self._stack)


def exclusive(a: Path, b: Path) -> bool:
    """Two positions in different branches of one choice: never sent together."""
    slots = dict(a)
    return any(slot in slots and slots[slot] != branch for slot, branch in b)


def _conditional_items(text: str, run: int) -> tuple[list[int], list[Path]]:
    """(line starts, path per line): a line nested under a list item whose text is a condition lies in
    that item's branch (slot: the item's indentation under its own parent; branch: the item)."""
    starts: list[int] = []
    paths: list[Path] = []
    stack: list[tuple[int, int, bool, Path]] = []  # open lines: (indent, offset, conditional item, path)
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.strip()
        if body:
            indent = len(line) - len(line.lstrip(" \t"))
            while stack and stack[-1][0] >= indent:
                stack.pop()
            path: Path = stack[-1][3] if stack else ()
            if stack and stack[-1][2]:
                parent = stack[-1]
                grand = stack[-2][1] if len(stack) > 1 else -1
                path = path + ((("item", run, parent[0], grand), parent[1]),)
            starts.append(pos)
            paths.append(path)
            m = _ITEM.fullmatch(body)
            stack.append((indent, pos, bool(m and _CONDITION.match(m.group(1))), path))
        pos += len(line)
    return starts, paths
