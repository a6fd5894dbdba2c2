"""Where in a text a catalog phrase can start: one pass over the text's words, not one regex
scan per phrase.

Every phrase (:mod:`auditor.analysis.phrases`) begins with a word from a known set: its first
literal word, the alternatives of an opening group, the words an optional opening group may
skip to ("(please )?<verb> ..." begins with "please", a listed verb or adverb, or any word in
-ly), or, for a slot that takes any word (<inf>, <noun>, <num>, <words>), any word at all. And
most phrases hold literal words outside every group ("the following", "carefully") that a text
must contain for the phrase to match anywhere in it.

:func:`starts` scans a text's words once. A phrase is a candidate only if the text holds every
word it requires, and then only at the word starts its first-word set admits; the matcher tries
its anchored regex there (:func:`auditor.analysis.rewrites.find_phrases`), each try confined to
a bounded window of the text. The work is linear in the length of the text: words x the few
phrases each word can open, each try bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from auditor.analysis.phrases import _TOKEN, Entry, Vocab, catalog_vocab

_WORD = re.compile(r"\w+")
_LEAD = re.compile(r"\w+")
_ZERO_WIDTH = ("end", "break", "eol", "not")
_ANY_WORD = ("inf", "noun", "nouns", "num", "words")


@dataclass(frozen=True)
class Opening:
    """The words a phrase can begin with and the words it needs anywhere in the text."""

    words: frozenset[str]  # first words (lower case)
    ly: bool  # or any adverb in -ly (a <verb> slot may open with one)
    any_word: bool  # or any word at all (an opening slot that takes any word)
    anywhere: bool  # no word start to anchor on (a phrase that may begin with punctuation): scan it whole
    required: frozenset[str]  # literal words outside every group: the text must hold them all


def _parse(tokens: list[str], i: int = 0) -> tuple[list[list], int]:
    """Alternatives (lists of items) up to the closing ``)`` at this level; an item is
    ("lit", text) | ("slot", name) | ("zero",) | ("group", alternatives, quantifier)."""
    alts: list[list] = [[]]
    while i < len(tokens):
        tok = tokens[i]
        if tok == "(":
            inner, i = _parse(tokens, i + 1)
            quant = tokens[i][1:] if i < len(tokens) else ""
            alts[-1].append(("group", inner, quant))
        elif tok.startswith(")"):
            return alts, i
        elif tok == "|":
            alts.append([])
        elif tok.isspace():
            alts[-1].append(("zero",))
        elif tok.startswith("<") and tok.endswith(">") and len(tok) > 2:
            name = tok[1:-1].partition(":")[0]
            alts[-1].append(("zero",) if name in _ZERO_WIDTH else ("slot", name))
        else:
            alts[-1].append(("lit", tok))
        i += 1
    return alts, i


def _first(seq: list, vocab: Vocab) -> tuple[set[str], bool, bool, bool, bool]:
    """(words, ly, any_word, anywhere, nullable) of a sequence of items."""
    words: set[str] = set()
    ly = any_word = anywhere = False
    for item in seq:
        kind = item[0]
        if kind == "zero":
            continue
        if kind == "lit":
            m = _LEAD.match(item[1])
            if m is None or m.start() != 0:
                return words, ly, any_word, True, False
            words.add(m.group(0).lower())
            return words, ly, any_word, anywhere, False
        if kind == "slot":
            name = item[1]
            if name == "verb":
                words |= vocab.verbs | vocab.adverbs
                ly = True
            elif name == "verb-ing":
                words |= set(vocab.gerunds)
            else:
                any_word = True
            return words, ly, any_word, anywhere, False
        nullable = item[2] in ("?", "*")
        for alt in item[1]:
            w, l_, a, anyw, n = _first(alt, vocab)
            words |= w
            ly, any_word, anywhere = ly or l_, any_word or a, anywhere or anyw
            nullable = nullable or n
        if not nullable:
            return words, ly, any_word, anywhere, False
    return words, ly, any_word, anywhere, True


def opening(source: str, vocab: Vocab | None = None) -> Opening:
    vocab = vocab or catalog_vocab()
    alts, _ = _parse(_TOKEN.findall(source))
    words, ly, any_word, anywhere, nullable = _first(alts[0], vocab) if len(alts) == 1 else (set(), False, False, True, True)
    required = frozenset(
        m.group(0).lower() for item in (alts[0] if len(alts) == 1 else []) if item[0] == "lit" for m in _WORD.finditer(item[1])
    )
    return Opening(frozenset(words), ly, any_word, anywhere or nullable, required)


@dataclass(frozen=True)
class Index:
    openings: tuple[Opening, ...]
    by_word: dict  # first word -> entry numbers (ascending)
    ly: tuple[int, ...]
    any_word: tuple[int, ...]
    anywhere: tuple[int, ...]

    def __hash__(self) -> int:
        return id(self)


@lru_cache(maxsize=64)
def index_of(entries: tuple[Entry, ...]) -> Index:
    openings = tuple(opening(e.phrase) for e in entries)
    by_word: dict[str, list[int]] = {}
    for n, o in enumerate(openings):
        if o.anywhere or o.any_word:
            continue
        for w in o.words:
            by_word.setdefault(w, []).append(n)
    return Index(
        openings,
        {w: tuple(ns) for w, ns in by_word.items()},
        tuple(n for n, o in enumerate(openings) if o.ly and not (o.anywhere or o.any_word)),
        tuple(n for n, o in enumerate(openings) if o.any_word and not o.anywhere),
        tuple(n for n, o in enumerate(openings) if o.anywhere),
    )


def starts(text: str, entries: tuple[Entry, ...]) -> tuple[dict[int, list[int]], tuple[int, ...]]:
    """({entry number: word starts where it may match, ascending}, entries to scan whole) for the
    entries whose required words the text holds. One pass over the text's words."""
    idx = index_of(entries)
    spans = [(m.start(), m.group(0).lower()) for m in _WORD.finditer(text)]
    present = {w for _, w in spans}
    viable = [not o.required or o.required <= present for o in idx.openings]
    out: dict[int, list[int]] = {}
    wild = [n for n in idx.any_word if viable[n]]
    ly = [n for n in idx.ly if viable[n]]
    for pos, w in spans:
        for n in idx.by_word.get(w, ()):
            if viable[n]:
                out.setdefault(n, []).append(pos)
        if ly and len(w) > 3 and w.endswith("ly"):
            for n in ly:
                if not out.get(n) or out[n][-1] != pos:
                    out.setdefault(n, []).append(pos)
        for n in wild:
            out.setdefault(n, []).append(pos)
    return out, tuple(n for n in idx.anywhere if viable[n])
