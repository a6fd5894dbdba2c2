"""Tokens a text edit saves, in time linear in the text: exact on short texts, counted on a window
around the edit on long ones (a 540 KB prompt holds thousands of phrases; recounting it whole for
each would be quadratic). Used by the text rules whose fixes rewrite a phrase (LA201, LA204).
"""

from __future__ import annotations

import re
from collections.abc import Callable

EXACT_TEXT_CHARS = 50_000  # longer texts: each edit's saving is counted on the text around it
_WORD_START = re.compile(r"(?<=\S) (?=\w)")  # the space a word's token starts with


def saved_tokens(text: str, region: tuple[int, int], replacement: str, size: Callable[[str], int], before: int | None = None) -> int:
    """Tokens saved by replacing ``text[region]`` with ``replacement``; ``size`` counts tokens and
    ``before`` is ``size(text)`` when the caller has it. Short texts are counted whole before and
    after; on a long text the count is of a window around the edit cut where tokens break (a line
    start, or the space that starts a word), which gives the same difference."""
    a, b = region
    if len(text) <= EXACT_TEXT_CHARS:
        return (size(text) if before is None else before) - size(text[:a] + replacement + text[b:])
    lo, hi = token_break(text, a - 256, -1), token_break(text, b + 256, 1)
    return size(text[lo:hi]) - size(text[lo:a] + replacement + text[b:hi])


def token_break(text: str, at: int, step: int) -> int:
    """A position near ``at`` (looking back for ``step`` -1, ahead for 1) where a token starts:
    after a line break, else before the space that starts a word, else ``at`` itself."""
    if at <= 0 or at >= len(text):
        return min(max(at, 0), len(text))
    lo, hi = (max(0, at - 512), at) if step < 0 else (at, min(len(text), at + 512))
    nl = text.rfind("\n", lo, hi) if step < 0 else text.find("\n", lo, hi)
    if nl >= 0:
        return nl + 1
    if step > 0:
        m = _WORD_START.search(text, lo, hi)
        return m.start() if m is not None else at
    p = text.rfind(" ", lo, hi)
    while p > lo and not (not text[p - 1].isspace() and p + 1 < len(text) and (text[p + 1].isalnum() or text[p + 1] == "_")):
        p = text.rfind(" ", lo, p)
    return p if p > lo else at
