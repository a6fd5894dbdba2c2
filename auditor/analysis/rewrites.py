"""Finding catalog phrases in a text and rewriting it: the clause grammar (where a deleted opener
keeps the sentence whole), slot checks, the case of the first letter, and the edits.

The patterns and entries come from :mod:`auditor.analysis.phrases`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.analysis.phrases import Entry, Pattern, Vocab, any_of, catalog_vocab

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
    if not entries or not text or not any_of(entries).search(text):
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
    if not entries or not text or not any_of(entries).search(text):
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
