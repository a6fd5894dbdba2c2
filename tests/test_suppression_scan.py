"""Suppression comments are found by searching for ``llm-audit`` / ``noqa`` instead of reading
every line (auditor/sources/python._marked_lines): the same suppressions, on the same line numbers,
as reading line by line - with ``\\r\\n`` and lone ``\\r`` breaks, form feeds (not breaks),
several marks on one line, marks in strings and other tools' codes, non-ASCII text."""

from __future__ import annotations

import random

from auditor.sources.lines import split_lines
from auditor.sources.python import _marked_lines, scan_suppressions

PIECES = [
    "x = 1",
    "client.chat.completions.create(model='gpt-4o')  # llm-audit: ignore[LA101]",
    "# llm-audit: ignore[LA201, LA202]",
    "# llm-audit: ignore-file[LA402]",
    "long_line = 'a' * 200  # noqa: E501",
    "resp = call(prompt)  # NOQA: LA101, E501",
    "# noqa: la203",
    "s = '# noqa: LA101 inside a string'",
    "t = \"# llm-audit: ignore[LA101] in a string\"  # noqa: LA205",
    "both()  # llm-audit: ignore[LA101]  # noqa: LA102",
    "\x0cform_feed_is_not_a_break = 2  # noqa: LA301",
    "def f():",
    "    return 'Noqa is just a word here; so is llm-audit'",
    "",
    "    ",
    "café = 'naïve'  # noqa: LA101",
    "İstanbul = 1  # llm-audit: ignore[LA101]",
]


def _by_lines(text: str, cell: int | None = None):
    """The reference: every line read."""
    return [(i, line) for i, line in enumerate(split_lines(text), start=1) if "llm-audit" in line or "noqa" in line.lower()]


def _same(a, b) -> bool:
    return (a.file, a.lines, a.own_line) == (b.file, b.lines, b.own_line)


def test_marked_lines_equal_reading_every_line() -> None:
    rng = random.Random(14)
    for n in range(400):
        ascii_only = n % 3 != 0
        pieces = [p for p in PIECES if p.isascii()] if ascii_only else PIECES
        lines = [rng.choice(pieces) for _ in range(rng.randint(1, 40))]
        breaks = [rng.choice(["\n", "\n", "\r\n", "\r"]) for _ in lines]
        text = "".join(line + br for line, br in zip(lines, breaks))
        if rng.random() < 0.3:
            text = text.rstrip("\r\n")  # no final break
        assert _marked_lines(text, text.lower()) == _by_lines(text), repr(text)


def test_the_suppressions_found_are_unchanged(monkeypatch) -> None:
    from auditor.sources import python

    text = "\r\n".join(PIECES[:11]) + "\rlast()  # llm-audit: ignore[LA999]\n"
    texts = [text, "x = 'é'\n" + text, text.replace("\r\n", "\n")]
    fast = [scan_suppressions(t, cell=3) for t in texts]
    monkeypatch.setattr(python, "_marked_lines", lambda t, low: _by_lines(t))
    slow = [scan_suppressions(t, cell=3) for t in texts]
    assert all(_same(a, b) for a, b in zip(fast, slow))
    sup = fast[0]
    assert sup.file == ["LA402"]
    assert sup.lines["3:2"] == ["LA101"] and sup.lines["3:4"] == ["LA201", "LA202"] and "3:4" in sup.own_line
    assert sup.lines["3:6"] == ["LA101"]  # NOQA, upper-case; E501 is another tool's
    assert sup.lines["3:8"] == ["LA203"]  # line 7's lone "# noqa: la203" covers line 8
    assert sup.lines["3:11"] == ["LA301"]  # a form feed does not start a line
    assert sup.lines["3:12"] == ["LA999"]  # after a lone \r
    assert fast[1].lines["3:13"] == ["LA999"]  # one line further down


def test_no_marks_no_work() -> None:
    assert _same(scan_suppressions("import os\nprint(os.name)\n"), scan_suppressions(""))
