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

Everything here is plain text processing; the catalog is read through :mod:`auditor.config.catalog`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
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
    "end": r"(?=[ \t]*(?:[.!?;:,)\n]|\Z))",
    "break": r"(?=[ \t]*(?:[.!?;:,)\n]|\Z|(?:and|then|before|or|so)(?![\w'\u2019])))",
    "eol": r"(?=[ \t]*(?:\n|\Z))",
}


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class Pattern:
    source: str
    regex: re.Pattern[str]
    bare: str  # the same pattern without named groups (for one combined pre-check)
    slots: tuple[tuple[str, str], ...]  # (group name, slot kind)


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
    return {
        "verb": rf"(?:{adverb}\s+)?(?:{verbs})(?![\w'\u2019-])",
        "inf": rf"(?:{adverb}\s+)?[a-z][a-z-]*(?![\w'\u2019-])",
        "verb-ing": rf"(?:{gerunds})(?![\w'\u2019-])",
    }


def compile_pattern(source: str, vocab: Vocab | None = None) -> Pattern:
    """Compile a catalog phrase into a regular expression (raises PatternError when malformed)."""
    listed = _vocab_res(vocab or catalog_vocab())
    named: list[str] = []
    bare: list[str] = []
    slots: list[tuple[str, str]] = []
    depth = 0
    for tok in _TOKEN.findall(source):
        if tok.isspace():
            piece = r"\s+"
            named.append(piece)
            bare.append(piece)
        elif tok == "(":
            depth += 1
            named.append("(?:")
            bare.append("(?:")
        elif tok.startswith(")"):
            depth -= 1
            if depth < 0:
                raise PatternError(f"unbalanced ')' in {source!r}")
            named.append(tok)
            bare.append(tok)
        elif tok == "|":
            if depth == 0:
                raise PatternError(f"'|' outside a group in {source!r}")
            named.append("|")
            bare.append("|")
        elif tok.startswith("<") and tok.endswith(">") and len(tok) > 2:
            name, _, arg = tok[1:-1].partition(":")
            if name == "not":
                alts = "|".join(_literal(w.strip()) for w in arg.split(",") if w.strip())
                if not alts:
                    raise PatternError(f"empty <not:> in {source!r}")
                piece = rf"(?!\s+(?:{alts})(?![\w'\u2019]))"
                named.append(piece)
                bare.append(piece)
            elif name in _LOOKAHEAD:
                named.append(_LOOKAHEAD[name])
                bare.append(_LOOKAHEAD[name])
            elif name in _SLOT_RE:
                group = name.replace("-", "_")
                body = listed.get(name, _SLOT_RE[name])
                if any(g == group for g, _ in slots):
                    named.append(f"(?:{body})")  # a second <words>: matched, not referenced
                else:
                    slots.append((group, name))
                    named.append(f"(?P<{group}>{body})")
                bare.append(f"(?:{_SLOT_RE[name]})")
            else:
                raise PatternError(f"unknown slot <{name}> in {source!r}")
        else:
            piece = _literal(tok)
            named.append(piece)
            bare.append(piece)
    if depth != 0:
        raise PatternError(f"unbalanced '(' in {source!r}")
    # a word boundary at each end where the match begins / ends with a word character
    start, end = r"(?:(?<![\w'\u2019])|(?![\w'\u2019]))", r"(?:(?![\w'\u2019])|(?<![\w'\u2019]))"
    try:
        regex = re.compile(start + "".join(named) + end, re.IGNORECASE)
    except re.error as e:
        raise PatternError(f"{source!r}: {e}") from None
    return Pattern(source, regex, "".join(bare), tuple(slots))


# ------------------------------------------------------------------------------ entries


@dataclass(frozen=True)
class Entry:
    phrase: str
    rewrite: str | None  # None: no rewrite (LA205, LA104); "" deletes
    context: str  # clause | any
    pattern: Pattern
    delimiter: str | None = None  # LA104: the end marker the phrase names
    why: str = ""  # what the message says the phrase is, when the default does not fit

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


def make_entry(raw: dict[str, Any]) -> Entry | None:
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
        pattern = compile_pattern(phrase)
    except PatternError:
        return None
    delimiter = raw.get("delimiter")
    return Entry(phrase.lower(), rewrite, context, pattern, str(delimiter) if delimiter is not None else None, str(raw.get("why") or ""))


def catalog_entries(section: str, params: dict[str, Any] | None = None) -> tuple[Entry, ...]:
    """Team entries (``extra-phrases``) first, then the catalog section's, without repeats."""
    from auditor.config.catalog import load_catalog

    extra = tuple(_freeze(e) for e in (params or {}).get("extra-phrases") or [] if isinstance(e, dict))
    return _entries(section, extra, id(load_catalog()))


def _freeze(e: dict) -> tuple:
    return tuple(sorted((str(k), str(v) if v is not None else None) for k, v in e.items() if k in ("phrase", "rewrite", "context", "delimiter", "why")))


@lru_cache(maxsize=64)
def _entries(section: str, extra: tuple, _catalog: int) -> tuple[Entry, ...]:
    from auditor.config.catalog import load_catalog

    raw = [dict(e) for e in extra] + list(load_catalog().phrases.get(section) or [])
    out: list[Entry] = []
    seen: set[str] = set()
    for r in raw:
        e = make_entry(r)
        if e is None or e.phrase in seen:
            continue
        seen.add(e.phrase)
        out.append(e)
    return tuple(out)


@lru_cache(maxsize=64)
def _any_of(entries: tuple[Entry, ...]) -> re.Pattern[str]:
    """One alternation of every entry: most prompt texts hold none, and one search says so."""
    return re.compile("|".join(f"(?:{e.pattern.bare})" for e in entries), re.IGNORECASE)


# ------------------------------------------------------------------------------ clauses

# a clause boundary, then optional quotes / emphasis / list markers / headings
_CLAUSE_START = re.compile(r"(?:\A|[.!?:;(\[{\n\u2014\u2013]|--|\s-(?=\s))[\s\"'*_`>#\u2022\u201c\u2018-]*(?:\d+[.)][ \t]*)?\Z")
_SENTENCE_START = re.compile(r"(?:\A|[.!?:][\"'\u201d\u2019)\]]*\s+|\n)[ \t]*(?:[-*\u2022#>][ \t]+|\d+[.)][ \t]+|\*\*)?\Z")
_SENTENCE_END = re.compile(r"[.!?:;\n]")
_WORD = re.compile(r"[\w'\u2019]+")


def opens_clause(text: str, start: int, vocab: Vocab | None = None) -> bool:
    """Does a clause start at ``start``? At the start of the text, after a sentence end, colon,
    semicolon, bracket, dash, line break or list marker, after a comma, or after a coordinator
    ("and", "then", "please", ...) whose sentence has no subject other than "you"
    ("You get a ticket, and your task is to label it" yes; "The user gives a list, and your goal is
    to sort it" no: the deletion would make the user the one who sorts). Not after "to" ("in
    order to make sure you ...": a purpose clause) or any other word."""
    vocab = vocab or catalog_vocab()
    before = text[:start]
    if _CLAUSE_START.search(before):
        return True
    head = before.rstrip()
    words = _WORD.findall(head[-40:])
    if head.endswith(","):
        if not words or words[-1].lower() not in vocab.coordinators:
            return True  # "When in doubt, make sure to ask"
        return _no_other_subject(head, vocab)
    if words and words[-1].lower() in vocab.coordinators:
        return _no_other_subject(head, vocab)
    return False


def _no_other_subject(head: str, vocab: Vocab) -> bool:
    """The sentence ``head`` ends in starts with "you" or has no subject (an imperative)."""
    cut = max((m.end() for m in _SENTENCE_END.finditer(head)), default=0)
    words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(head[cut:])]
    if not words:
        return True
    first = words[0]
    if first in vocab.you:
        return True
    if first in vocab.other_subjects:
        return False
    if first in vocab.coordinators and len(words) > 1:
        return words[1] in vocab.you or words[1] not in vocab.other_subjects
    return True


def begins_sentence(text: str, start: int, matched: str) -> bool:
    return matched[:1].isupper() and bool(_SENTENCE_START.search(text[:start]))


# ------------------------------------------------------------------------------ matching


@dataclass
class Rewrite:
    """One phrase found in a text and the edit that rewrites it."""

    start: int  # the matched phrase
    end: int
    phrase: str  # the entry's pattern
    rewrite: str  # the entry's rewrite template ("" deletes)
    region: tuple[int, int]  # the text range the edit replaces (the match, trimmed to what changes)
    replacement: str
    said: str = ""  # what the whole match becomes ("" for a deletion)
    why: str = ""  # the entry's note


def _slot_ok(kind: str, value: str, vocab: Vocab) -> bool:
    words = value.lower().replace("\u2019", "'").split()
    if kind == "verb":
        if not words or words[-1] not in vocab.verbs:
            return False
        if len(words) == 2:
            adv = words[0]
            return adv in vocab.adverbs or (adv.endswith("ly") and len(adv) > 3 and adv not in vocab.verbs)
        return len(words) == 1
    if kind == "inf":  # any verb after an infinitive "to" / a modal: not a function word or a finite form
        if not words or not value.split()[-1][:1].islower():
            return False
        last = words[-1]
        if last not in vocab.verbs and (last in vocab.stop or last in vocab.finite or last in vocab.adverbs):
            return False
        if last not in vocab.verbs and (last.endswith(("ing", "ed", "ly", "'s")) or len(last) < 2):
            return False
        if len(words) == 2:
            adv = words[0]
            return adv in vocab.adverbs or (adv.endswith("ly") and len(adv) > 3 and adv not in vocab.verbs)
        return len(words) == 1
    if kind == "verb-ing":
        return value.lower() in vocab.gerunds
    if kind in ("noun", "nouns"):
        w = value.lower().replace("\u2019", "'")
        if w in vocab.stop:
            return False
        plural = w.endswith("s") and not w.endswith(("ss", "us", "is", "ics", "'s"))
        return plural if kind == "nouns" else not plural
    return True


def _fill(template: str, m: re.Match[str], pattern: Pattern, vocab: Vocab) -> str:
    def slot(t: re.Match[str]) -> str:
        name = t.group(1).lower()
        for group, kind in pattern.slots:
            if kind == name or (name == "verb" and kind in ("verb-ing", "inf")):
                value = m.group(group) or ""
                if kind == "verb-ing":
                    return vocab.gerunds.get(value.lower(), value)
                return value
        return ""

    return re.sub(r"<([A-Za-z-]+)>", slot, template)


def capital_start(text: str, start: int, matched: str) -> bool:
    """Does the match open a sentence (or follow markup: "</content>Please ...") with a capital?"""
    if begins_sentence(text, start, matched):
        return True
    if not matched[:1].isupper() or matched[:2] in ("I ", "I'", "I\u2019"):
        return False  # "I" is written with a capital anywhere
    prev = text[:start].rstrip()
    return bool(prev) and prev[-1] in "<>()[]{}*\"'\u201c\u201d|"


def _case(text: str, start: int, matched: str, replacement: str) -> str:
    """The first letter of a replacement follows the text: capital where the match opened a
    sentence with a capital, else lower case (unless the word is an acronym: "JSON")."""
    if not replacement:
        return replacement
    if capital_start(text, start, matched):
        return replacement[0].upper() + replacement[1:]
    if replacement[1:2].isupper():
        return replacement
    return replacement[0].lower() + replacement[1:]


def _trim(text: str, a: int, b: int, replacement: str) -> tuple[int, int, str]:
    """Shrink the edit to the characters that change ("Please summarize" -> "Summarize" edits
    "Please s" -> "S"), so it lies inside one literal piece more often."""
    old = text[a:b]
    k = 0
    while k < len(old) and k < len(replacement) and old[-1 - k] == replacement[-1 - k]:
        k += 1
    b, old, replacement = b - k, old[: len(old) - k], replacement[: len(replacement) - k]
    j = 0
    while j < len(old) and j < len(replacement) and old[j] == replacement[j]:
        j += 1
    return a + j, b, replacement[j:]


def _delete(text: str, a: int, b: int, capital: bool) -> tuple[int, int, str]:
    rest = text[b:]
    after = rest.lstrip()
    if after and (after[0].isalnum() or after[0] in "\"'*_`(\u201c"):
        ws = len(rest) - len(after)
        k = next((i for i, ch in enumerate(after) if ch.isalnum()), None)
        if capital and k is not None and after[k].islower() and k < 3:
            return a, b + ws + k + 1, after[:k] + after[k].upper()
        return a, b + ws, ""
    head = text[:a].rstrip(" \t")
    return len(head), b, ""


def find_phrases(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> list[tuple[Entry, re.Match[str]]]:
    """Non-overlapping (entry, match) pairs in ``text``; earlier entries win; slots checked,
    clause context checked."""
    if not entries or not text or not _any_of(entries).search(text):
        return []
    vocab = vocab or catalog_vocab()
    taken: list[tuple[int, int]] = []
    out: list[tuple[Entry, re.Match[str]]] = []
    for e in entries:
        pos = 0
        while pos <= len(text):
            m = e.pattern.regex.search(text, pos)
            if m is None:
                break
            a, b = m.span()
            if b == a:
                pos = a + 1
                continue
            if (
                any(a < y and x < b for x, y in taken)
                or not all(_slot_ok(kind, m.group(g) or "", vocab) for g, kind in e.pattern.slots if m.group(g) is not None)
                or (e.context == "clause" and not opens_clause(text, a, vocab))
                or (e.opener and not _followed_by_words(text[b:]))
                or quoted(text, a, b)
            ):
                pos = a + 1
                continue
            taken.append((a, b))
            out.append((e, m))
            pos = b
    out.sort(key=lambda p: p[1].start())
    return out


def quoted(text: str, a: int, b: int) -> bool:
    """Is ``text[a:b]`` inside a double-quoted stretch of its line ("Reply: \"Please hold on.\"")?
    Quoted text is what the model is to say or a sample of input, not the instruction's wording."""
    line_start = text.rfind("\n", 0, a) + 1
    line_end = text.find("\n", b)
    line_end = len(text) if line_end < 0 else line_end
    before, after = text[line_start:a], text[b:line_end]
    straight = before.count('"') % 2 == 1 and '"' in after
    curly = before.count("\u201c") > before.count("\u201d") and "\u201d" in after
    return straight or curly


def _followed_by_words(rest: str) -> bool:
    """A deleted clause opener must leave a clause behind it on its line (not ':' and a list)."""
    return bool(re.match(r"[ \t]*[\"'*_`(\u201c]*[\w]", rest))


def find_rewrites(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> list[Rewrite]:
    """The rewrites of every phrase found in ``text`` (entries with a rewrite only)."""
    vocab = vocab or catalog_vocab()
    out: list[Rewrite] = []
    for e, m in find_phrases(text, tuple(x for x in entries if x.rewrite is not None), vocab):
        a, b = m.span()
        matched = m.group(0)
        if e.rewrite == "":
            ra, rb, rep = _delete(text, a, b, capital_start(text, a, matched))
            out.append(Rewrite(a, b, e.phrase, "", (ra, rb), rep, "", e.why))
            continue
        said = _case(text, a, matched, _fill(e.rewrite or "", m, e.pattern, vocab))
        ra, rb, rep = _trim(text, a, b, said)
        out.append(Rewrite(a, b, e.phrase, e.rewrite or "", (ra, rb), rep, said, e.why))
    return out


def apply_rewrites(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> str:
    """``text`` with every phrase rewritten (repeated until stable, like ``fix``)."""
    for _ in range(10):
        found = find_rewrites(text, entries, vocab)
        if not found:
            return text
        new = apply(text, found)
        if new == text:
            return text
        text = new
    return text


def apply(text: str, rewrites: list[Rewrite]) -> str:
    """Apply non-overlapping rewrites (the first of two overlapping ones wins)."""
    out, last = [], 0
    for r in sorted(rewrites, key=lambda r: r.region):
        a, b = r.region
        if a < last:
            continue
        out.append(text[last:a] + r.replacement)
        last = b
    out.append(text[last:])
    return "".join(out)


def first_phrase(text: str, entries: tuple[Entry, ...], prefer=None) -> tuple[Entry, int] | None:
    """The first entry (catalog order) found in ``text`` and its offset; with ``prefer``, an entry
    for which ``prefer(entry)`` is true wins over the others (LA104: a named delimiter)."""
    if not entries or not text or not _any_of(entries).search(text):
        return None
    first = None
    for e in entries:
        m = e.pattern.regex.search(text)
        if m is None:
            continue
        if prefer is None or prefer(e):
            return e, m.start()
        first = first or (e, m.start())
    return first
