"""The lines of a file the byte pre-scan (:mod:`auditor.sources.prescan`) needs to look at.

The pre-scan's one regex of ~170 literals (SDK roots, method paths, prompt-name words) costs
~17 ns per byte: its literals start with most lower-case letters, so the regex engine tries its
alternation at about every other byte. Yet each kind of hit decides something only on lines of
one shape:

* an SDK root or a framework root counts only in an import on its line (``from`` / ``import``,
  ``__import__(`` / ``import_module(``): lines holding ``import`` or ``from``;
* a prompt-name word counts only in a module-level assignment, which starts in column 0 with an
  identifier and holds ``=``;
* a method path or a policy wrapper counts anywhere: lines holding one of its *anchors* - for a
  dotted literal its last part with the dot (``.create`` for ``chat.completions.create``: one
  regex whose every alternative opens with ``.``, which the engine finds with a byte search), any
  other itself, or the head it shares with others (``chat(``; ``create_`` for ``create_iterable``
  and ``create_partial``: a ``bytes.find`` each).

Every other line can hold no hit that decides anything (a prompt word elsewhere only ends the
search of its own line), so the pre-scan runs its regex, with the same rules as before, over
these lines only, in file order: the same verdict (checked on ~19,000 files of the benchmark,
precision and recall corpora), for ~half the CPU on the SDK corpus.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator

_MIN_HEAD = 6  # a shorter shared head (`chat` of `chat(`, `chat_stream(`) would be everywhere
_ASSIGN_LINE = re.compile(rb"\n[A-Za-z_][^\n=]*=")
_IDENT_START = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


class CandidateLines:
    """Built from the pre-scan's literals by kind (``path``, ``word``, ``root``, ``sink``, ``name``)."""

    def __init__(self, kinds: dict[bytes, str]):
        dotted: set[bytes] = set()
        plain: set[bytes] = set()
        for lit, kind in kinds.items():
            if kind not in ("path", "word"):
                continue
            if b"." in lit:
                dotted.add(lit[lit.rindex(b".") :])  # `.create`, `.ChatOpenAI(`
            else:
                plain.add(lit)  # `generate_content`, `chat(`
        # literals sharing a long head are found by it, one search (`create_` for `create_iterable`,
        # `create_partial`: each search reads the whole file); a needle holding another finds
        # nothing more than it: the shortest is kept
        heads = set()
        for lit in plain:
            shared = [os.path.commonprefix([lit, other]) for other in plain if other != lit]
            heads.add(min((h for h in shared if len(h) >= _MIN_HEAD), key=len, default=lit))
        self.plain = sorted(h for h in heads if not any(q != h and q in h for q in heads))
        tails = sorted(dotted, key=lambda t: (-len(t), t))
        self.dotted = re.compile(b"\\.(?:" + b"|".join(re.escape(t[1:]) for t in tails) + b")") if tails else None
        self.names = any(kind == "name" for kind in kinds.values())
        self.imports = any(kind in ("root", "sink") for kind in kinds.values())

    def lines(self, data: bytes) -> Iterator[tuple[int, int]]:
        """(start, end) of each line to search, in file order; ``end`` is its ``\\n`` (or the end)."""
        starts: set[int] = set()
        add = starts.add

        def line_of(i: int) -> None:
            add(data.rfind(b"\n", 0, i) + 1)

        needles: Iterable[bytes] = list(self.plain)
        if self.imports:
            needles = [*needles, b"import", b"from"]
        for needle in needles:
            i = data.find(needle)
            while i >= 0:
                line_of(i)
                nl = data.find(b"\n", i)
                if nl < 0:
                    break
                i = data.find(needle, nl)  # the line is in: go on from the next one
        if self.dotted is not None:
            for m in self.dotted.finditer(data):
                line_of(m.start())
        if self.names:
            if data[:1] and data[0] in _IDENT_START:
                add(0)
            for m in _ASSIGN_LINE.finditer(data):
                add(m.start() + 1)
        for start in sorted(starts):
            end = data.find(b"\n", start)
            yield start, len(data) if end < 0 else end
