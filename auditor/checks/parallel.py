"""LA202's parallel sections: a line that opens or closes each of several sibling sections.

A prompt that describes one step per subagent, or one mode per user journey, writes each section in the
same shape: ``<FIND_FLIGHTS>`` / ``<FIND_HOTELS>`` both open with "You do not handle booking nor
payment.", and each ``* Develop Trading Strategies (Subagent: trading_analyst)`` step closes with the same
"Output the generated extended version ..." line. Only one section applies to a turn, and removing the
line from one of them changes what that section says: it is structure, not a repeated instruction.

A section is a block between an opening tag and its closing tag (``<NAME>`` ... ``</NAME>``), or the
lines after a title line up to the next title: a markdown heading, or a bullet standing alone as a
title (a blank line before and after it). Two copies are parallel when they lie in two different
sections of the same kind (different tag names or titles, or one title that is a placeholder of an
output format written once per block: ``#### <most recent memory day: YYYY-MM-DD>``) and each is the
first or each the last non-blank line of its section. Items of one list are not sections: a rule written as item 4 and again
as item 9 of one list stays a repeat.
"""

from __future__ import annotations

import re

# a title that is a placeholder of an output format: "#### <most recent memory day: YYYY-MM-DD>"
_PLACEHOLDER = re.compile(r"<[^<>\n]{2,80}>")
_TAG = re.compile(r"<([A-Za-z][\w-]{0,40})>")
_TITLE = re.compile(r"^(?:#{1,6}[ \t]+\S[^\n]*|[*\u2022-][ \t]+\S[^\n]*)$", re.MULTILINE)


def _tag_section(text: str, at: int) -> tuple[str, int, int] | None:
    """(name, start, end) of the innermost ``<NAME>...</NAME>`` block around ``at``."""
    best: tuple[str, int, int] | None = None
    for m in _TAG.finditer(text, 0, at):
        close = text.find(f"</{m.group(1)}>", m.end())
        if close >= at and (best is None or m.end() > best[1]):
            best = (m.group(1).lower(), m.end(), close)
    return best


def _title_section(text: str, at: int) -> tuple[str, int, int] | None:
    """(title, start, end) of the title section around ``at``: a heading or a bullet alone on its lines."""
    titles = []
    for m in _TITLE.finditer(text):
        before = text[max(0, m.start() - 2) : m.start()]
        after = text[m.end() : m.end() + 2]
        if m.group(0).startswith("#") or ((m.start() == 0 or before.endswith("\n\n")) and after.startswith("\n\n")):
            titles.append(m)
    for k, m in enumerate(titles):
        end = titles[k + 1].start() if k + 1 < len(titles) else len(text)
        if m.end() <= at < end:
            return " ".join(m.group(0).lower().split()), m.end(), end
    return None


def _edge(text: str, a: int, b: int, start: int, end: int) -> str:
    """"first" or "last" when the sentence at ``a``..``b`` is on the section's first or last non-blank line."""
    if not text[start : max(start, text.rfind("\n", 0, a) + 1)].strip():
        return "first"
    nl = text.find("\n", b)
    if nl < 0 or not text[nl:end].strip():
        return "last"
    return ""


def in_parallel_sections(text: str, first: tuple[int, int], here: tuple[int, int]) -> bool:
    """The two copies (start, end) of a sentence in ``text`` open or close two sibling sections."""
    for find in (_tag_section, _title_section):
        s1, s2 = find(text, first[0]), find(text, here[0])
        if s1 is None or s2 is None or s1[1] == s2[1] or (s1[0] == s2[0] and not _PLACEHOLDER.search(s1[0])):
            continue  # one section; or two with one title, unless the title is a format's placeholder
        if s1[1] <= here[0] < s1[2] or s2[1] <= first[0] < s2[2]:
            continue  # one section holds the other copy too: nested, not siblings
        e1, e2 = _edge(text, *first, s1[1], s1[2]), _edge(text, *here, s2[1], s2[2])
        if e1 and e1 == e2:
            return True
    return False
