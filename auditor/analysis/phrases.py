"""Phrase patterns: the small grammar ``rules/phrases.yaml`` is written in, and the matcher.

A phrase is a pattern of words (see the catalog's header for the full grammar):

* words match case-insensitively on word boundaries; a space matches any run of whitespace; an
  apostrophe matches ``'`` and ``\u2019``;
* ``(a|b c)`` is an alternation, ``(...)?`` an optional group, ``(...)*`` a repeated one;
* slots match one word of a kind and can be used in the rewrite: ``<verb>`` (an imperative verb
  from the catalog's verb list, optionally after an adverb: "carefully read"), ``<verb-ing>`` (its
  gerund; ``<verb>`` in the rewrite gives the base form), ``<inf>`` (any lower-case verb after an
  infinitive "to" or a modal: not a function word, a finite form or an -ing/-ed form; referred to
  as ``<verb>`` in the rewrite), ``<noun>`` / ``<nouns>`` (a word that is
  not a function word; singular / plural), ``<words>`` (a few words within the sentence),
  ``<num>`` (a number);
* ``<end>`` requires that a clause ends right after (punctuation, a line break or the end of the
  text), ``<break>`` the same or "and" / "then" / "before" / "or" / "so", ``<eol>`` a line break
  or the end of the text, and ``<not:to,you>`` that none of those words follows.

The rewrite replaces the match; ``<slot>`` references insert what the slot matched. The first
letter of the result follows the text: capital where the match opened a sentence with a capital.
An empty rewrite deletes the match (and the space after it). Entries whose ``context`` is
``clause`` (the default for rewrites that drop the opening of the match) are used only where the
match opens a clause (:func:`opens_clause`): "Make sure you cite sources" is filler, "... to make
sure you don't lose track" (a purpose clause) is not.

This module compiles the patterns and builds the entries; :mod:`auditor.analysis.rewrites` finds
them in a text and rewrites it. Everything here is plain text processing; the catalog is read
through :mod:`auditor.config.catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

APOSTROPHE = "['\u2019]"
# a slot, a group mark, whitespace, or literal text (a "<" that opens no slot is literal: "</answer>")
_TOKEN = re.compile(r"<[a-z][a-z-]*(?::[^>]*)?>|\(|\)[?*]?|\||\s+|[^\s()|<]+|<")


# ------------------------------------------------------------------------------ vocabulary


@dataclass(frozen=True)
class Vocab:
    """Word lists the slots check against (``slots`` in rules/phrases.yaml)."""

    verbs: frozenset[str]
    gerunds: dict  # gerund -> base form
    adverbs: frozenset[str]
    stop: frozenset[str]
    finite: frozenset[str]
    coordinators: frozenset[str]
    other_subjects: frozenset[str]
    you: frozenset[str]
    finite_verbs: frozenset[str] = frozenset()  # a deleted opener must not leave one first (grammar.finite-verbs)
    describing: frozenset[str] = frozenset()  # general adjectives: an LA206 term does not open with one (slots.describing)
    example_markers: frozenset[str] = frozenset()  # words introducing examples: never an LA206 term's edge (slots.example-markers)
    irregular_plurals: frozenset[str] = frozenset()  # plurals without an -s (slots.irregular-plurals): <nouns>, never <noun>

    def __hash__(self) -> int:  # lru_cache keys
        return id(self)


def gerund(verb: str, doubling: Iterable[str] = ()) -> str:
    """The -ing form of a base-form verb: summarize -> summarizing, run -> running, tie -> tying."""
    if verb == "be":
        return "being"
    if verb.endswith("ie"):
        return verb[:-2] + "ying"
    if verb.endswith(("ee", "ye", "oe")):
        return verb + "ing"
    if verb.endswith("e"):
        return verb[:-1] + "ing"
    if verb in set(doubling):
        return verb + verb[-1] + "ing"
    return verb + "ing"


def vocab_from(data: dict[str, Any]) -> Vocab:
    slots = data.get("slots") or {}
    grammar = data.get("grammar") or {}

    def words(source: dict, key: str) -> frozenset[str]:
        return frozenset(str(w).lower() for w in (source.get(key) or []))

    verbs = words(slots, "verb")
    doubling = words(slots, "doubling")
    return Vocab(
        verbs=verbs,
        gerunds={gerund(v, doubling): v for v in verbs},
        adverbs=words(slots, "adverb"),
        stop=words(slots, "stop"),
        finite=words(slots, "finite"),
        coordinators=words(grammar, "coordinators"),
        other_subjects=words(grammar, "other-subjects"),
        you=words(grammar, "you"),
        finite_verbs=words(grammar, "finite-verbs"),
        describing=words(slots, "describing"),
        example_markers=words(slots, "example-markers"),
        irregular_plurals=words(slots, "irregular-plurals"),
    )


@lru_cache(maxsize=1)
def catalog_vocab() -> Vocab:
    from auditor.config.catalog import load_catalog

    return vocab_from(load_catalog().phrases)


# ------------------------------------------------------------------------------ compiling

_SLOT_RE = {
    "verb": r"(?:[a-z]+\s+)?[a-z]+",  # prefilter shape; the compiled pattern lists the verbs
    "verb-ing": r"[a-z]+ing",
    "inf": r"(?:[a-z]+\s+)?[a-z][a-z-]*",
    "noun": r"[a-z][a-z'\u2019-]*",
    "nouns": r"[a-z][a-z'\u2019-]*s",
    "words": r"[^\n.!?;:]{1,60}?",
    "num": r"\d[\d,]*|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred|a hundred|a thousand|thousand",
}
_LOOKAHEAD = {
    # spaces before the end are bounded: a try looks at a window of the text (analysis/rewrites.py)
    "end": r"(?=[ \t]{0,40}(?:[.!?;:,)\n]|\Z))",
    "break": r"(?=[ \t]{0,40}(?:[.!?;:,)\n]|\Z|(?:and|then|before|or|so)(?![\w'\u2019])))",
    "eol": r"(?=[ \t]{0,40}(?:\n|\Z))",
}


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    """A compiled catalog phrase. The regular expression is compiled on first use: a run compiles
    only the patterns whose words some prompt holds (compiling all ~170 cost 0.35 s per run)."""

    source: str
    expr: str  # the regular expression's source (case-insensitive)
    slots: tuple[tuple[str, str], ...]  # (group name, slot kind)

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return re.compile(self.expr, re.IGNORECASE)


def _literal(text: str) -> str:
    """A literal word for the regex: escaped, with either apostrophe matching both."""
    return "".join(APOSTROPHE if ch in "'\u2019" else re.escape(ch) for ch in text)


def _words_re(words: Iterable[str]) -> str:
    return "|".join(_literal(w) for w in sorted(words, key=lambda w: (-len(w), w)))


@lru_cache(maxsize=8)
def _vocab_res(vocab: Vocab) -> dict[str, str]:
    """Slot expressions that list their words, so the regex backtracks over them ("please reply
    within": "reply" is the verb, not an adverb in front of "within")."""
    adverbs = _words_re(vocab.adverbs)
    ly_verbs = _words_re(v for v in vocab.verbs if v.endswith("ly"))  # reply, apply: verbs, not adverbs
    not_verb = rf"(?!(?:{ly_verbs})\s)" if ly_verbs else ""
    adverb = rf"(?:{not_verb}[a-z]{{2,}}ly|{adverbs})" if adverbs else rf"{not_verb}[a-z]{{2,}}ly"
    verbs = _words_re(vocab.verbs) or r"(?!)"
    gerunds = _words_re(vocab.gerunds) or r"(?!)"
    irregular = _words_re(vocab.irregular_plurals)
    return {
        "nouns": rf"(?:{irregular}|{_SLOT_RE['nouns']})" if irregular else _SLOT_RE["nouns"],
        "verb": rf"(?:{adverb}\s+)?(?:{verbs})(?![\w'\u2019-])",
        "inf": rf"(?:{adverb}\s+)?[a-z][a-z-]*(?![\w'\u2019-])",
        "verb-ing": rf"(?:{gerunds})(?![\w'\u2019-])",
    }


def compile_pattern(source: str, vocab: Vocab | None = None, lazy: bool = False) -> Pattern:
    """Compile a catalog phrase into a regular expression (raises PatternError when malformed);
    ``lazy``: leave the ``re.compile`` to first use (the built-in catalog, which its tests compile)."""
    listed = _vocab_res(vocab or catalog_vocab())
    named: list[str] = []
    slots: list[tuple[str, str]] = []
    depth = 0
    for tok in _TOKEN.findall(source):
        if tok.isspace():
            piece = r"\s+"
            named.append(piece)
        elif tok == "(":
            depth += 1
            named.append("(?:")
        elif tok.startswith(")"):
            depth -= 1
            if depth < 0:
                raise PatternError(f"unbalanced ')' in {source!r}")
            named.append(tok)
        elif tok == "|":
            if depth == 0:
                raise PatternError(f"'|' outside a group in {source!r}")
            named.append("|")
        elif tok.startswith("<") and tok.endswith(">") and len(tok) > 2:
            name, _, arg = tok[1:-1].partition(":")
            if name == "not":
                alts = "|".join(r"\d[\d.,]*" if w.strip() == "#" else _literal(w.strip()) for w in arg.split(",") if w.strip())  # `#`: a number in digits
                if not alts:
                    raise PatternError(f"empty <not:> in {source!r}")
                piece = rf"(?!\s+(?:{alts})(?![\w'\u2019]))"
                named.append(piece)
            elif name in _LOOKAHEAD:
                named.append(_LOOKAHEAD[name])
            elif name in _SLOT_RE:
                group = name.replace("-", "_")
                body = listed.get(name, _SLOT_RE[name])
                if any(g == group for g, _ in slots):
                    named.append(f"(?:{body})")  # a second <words>: matched, not referenced
                else:
                    slots.append((group, name))
                    named.append(f"(?P<{group}>{body})")
            else:
                raise PatternError(f"unknown slot <{name}> in {source!r}")
        else:
            piece = _literal(tok)
            named.append(piece)
    if depth != 0:
        raise PatternError(f"unbalanced '(' in {source!r}")
    # a word boundary at each end where the match begins / ends with a word character
    start, end = r"(?:(?<![\w'\u2019])|(?![\w'\u2019]))", r"(?:(?![\w'\u2019])|(?<![\w'\u2019]))"
    pattern = Pattern(source, start + "".join(named) + end, tuple(slots))
    if not lazy:
        try:
            pattern.regex  # noqa: B018 - compiled now, so a malformed team entry is refused here
        except re.error as e:
            raise PatternError(f"{source!r}: {e}") from None
    return pattern


# ------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class Entry:
    phrase: str
    rewrite: str | None  # None: no rewrite (LA205, LA104); "" deletes
    context: str  # clause | any | not-run-on (anywhere but right after a word that starts no clause: rewrites.run_on)
    pattern: Pattern
    delimiter: str | None = None  # LA104: the end marker the phrase names
    why: str = ""  # what the message says the phrase is, when the default does not fit
    fixable: bool = True  # `fix: none`: reported with its saving, no fix offered, never applied

    def __hash__(self) -> int:
        """The generated hash, kept: lru_cache keys hash whole tuples of entries (rewrites.py's
        ``_rewrites``, ``_with_rewrite``, ``_found``, ``index_of``: ~340 entry hashes per prompt,
        each hashing its pattern's fields; nb corpus ~0.2 of phase 2's ~1.3 CPU-s)."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash((self.phrase, self.rewrite, self.context, self.pattern, self.delimiter, self.why, self.fixable))
            object.__setattr__(self, "_hash", h)
        return h

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k != "_hash"}  # string hashes differ per process

    @property
    def opener(self) -> bool:
        """A deleted clause opener ("make sure that"): it must leave words behind it. A deleted
        sentence or aside (ending in punctuation, ``<eol>`` or an optional group) need not."""
        return self.rewrite == "" and self.context == "clause" and self.phrase[-1:].isalpha()


def _default_context(phrase: str, rewrite: str | None) -> str:
    if rewrite is None:
        return "any"
    if rewrite == "" or rewrite.startswith("<"):
        return "clause"  # the opening of the match is dropped: it must open a clause
    return "any"


def make_entry(raw: dict[str, Any], lazy: bool = False) -> Entry | None:
    """One catalog (or policy) entry; None when it is malformed (a bad team entry never crashes a run)."""
    if not isinstance(raw, dict) or not isinstance(raw.get("phrase"), str):
        return None
    phrase = " ".join(raw["phrase"].split())
    if not phrase:
        return None
    rewrite = raw.get("rewrite")
    rewrite = None if rewrite is None else str(rewrite)
    context = str(raw.get("context") or _default_context(phrase, rewrite))
    try:
        pattern = compile_pattern(phrase, lazy=lazy)
    except PatternError:
        return None
    delimiter = raw.get("delimiter")
    fixable = str(raw.get("fix") or "").lower() != "none"
    return Entry(phrase.lower(), rewrite, context, pattern, str(delimiter) if delimiter is not None else None, str(raw.get("why") or ""), fixable)


def catalog_entries(section: str, params: dict[str, Any] | None = None) -> tuple[Entry, ...]:
    """Team entries (``extra-phrases``) first, then the catalog section's, without repeats."""
    from auditor.config.catalog import load_catalog

    extra = tuple(_freeze(e) for e in (params or {}).get("extra-phrases") or [] if isinstance(e, dict))
    return _entries(section, extra, id(load_catalog()))


def _freeze(e: dict) -> tuple:
    return tuple(sorted((str(k), str(v) if v is not None else None) for k, v in e.items() if k in ("phrase", "rewrite", "context", "delimiter", "why", "fix")))


@lru_cache(maxsize=64)
def _entries(section: str, extra: tuple, _catalog: int) -> tuple[Entry, ...]:
    from auditor.config.catalog import load_catalog

    raw = [(dict(e), False) for e in extra] + [(e, True) for e in load_catalog().phrases.get(section) or []]
    out: list[Entry] = []
    seen: set[str] = set()
    for r, builtin in raw:
        e = make_entry(r, lazy=builtin)
        if e is None or e.phrase in seen:
            continue
        seen.add(e.phrase)
        out.append(e)
    return tuple(out)
