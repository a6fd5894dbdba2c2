"""Finding catalog phrases in a text and rewriting it: the clause grammar (where a deleted opener
keeps the sentence whole), slot checks, the case of the first letter, and the edits.

The patterns and entries come from :mod:`auditor.analysis.phrases`; where each can start, from
:mod:`auditor.analysis.phraseindex`. The work is linear in the length of the text: one pass over
its words picks the positions to try, each try and each grammar check reads a bounded window
around its position (never the text before it whole), and the result is memoised per text (a
prompt constant and the call sites that send it share one scan). :data:`WORK` counts it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from auditor.analysis.phraseindex import starts
from auditor.analysis.phrasememo import memoised
from auditor.analysis.phrases import Entry, Pattern, Vocab, catalog_vocab
from auditor.analysis.runon import run_on

WINDOW = 400  # characters of context a grammar check reads before a match
SPAN = 2000  # characters a try may match (a phrase is far shorter)
WORK: Counter = Counter()  # tries and characters read, for the linear-work test


def _window(text: str, start: int, n: int = WINDOW) -> str:
    """The ``n`` characters before ``start``; when that is not the start of the text, from the
    first whitespace on (so it never opens inside a word), after a NUL that opens no clause and
    is no word."""
    lo = max(0, start - n)
    WORK["chars"] += start - lo
    if lo == 0:
        return text[:start]
    head = text[lo:start]
    cut = next((i for i, ch in enumerate(head) if ch.isspace()), len(head))
    return "\x00" + head[cut:]

# ------------------------------------------------------------------------------ clauses

# a clause boundary, then optional quotes / emphasis / list markers / headings
_CLAUSE_START = re.compile(r"(?:\A|[.!?:;(\[{\n\u2014\u2013]|--|\s-(?=\s))[\s\"'*_`>#\u2022\u201c\u2018-]*(?:\d+[.)][ \t]*)?\Z")
# -ics nouns that are singular (fields of study): "the following physics" is one; other -ics words are plural
_ICS_SINGULAR = frozenset({"physics", "mathematics", "economics", "politics", "ethics", "linguistics", "logistics",
                           "electronics", "genetics", "athletics", "gymnastics", "acoustics", "optics", "analytics"})
_CAPITAL_OPENER = re.compile(r"(?:Please|Kindly)\b")  # words written with a capital only where a sentence opens
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
    before = _window(text, start)
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
    if cut == 0 and head.startswith("\x00"):
        return False  # the sentence began before the window: its subject is not known
    words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(head[cut:])]
    if not words or _REMEMBER.match(head[cut:]):
        return not words  # "Remember, you are an AI assistant, and ...": the rest is what to remember, no imperative
    first = words[0]
    if first in vocab.you:
        return True
    if first in vocab.other_subjects:
        return False
    if len(words) > 1 and words[1] in vocab.finite:
        return False  # "Students will ask you a question, and ...": a subject other than "you"
    if _stated_clause(head[cut:], vocab):
        return False  # "More sources is not always better, but ...": a third-person statement, not an imperative
    if first in vocab.coordinators and len(words) > 1:
        return words[1] in vocab.you or words[1] not in vocab.other_subjects
    return True


_REMEMBER = re.compile(r"[\s\x00*_\-]*(?:always[ \t]+)?(?:remember|recall|note|keep[ \t]+in[ \t]+mind|bear[ \t]+in[ \t]+mind|(?:do[ \t]*n[o']t|never)[ \t]+forget)(?:[ \t]+that)?[ \t]*[,:]", re.IGNORECASE)
_SUBORDINATORS = {"if", "when", "whenever", "while", "once", "unless", "until", "because", "since", "although", "though", "as", "before", "after", "where", "wherever"}


def _stated_clause(sentence: str, vocab: Vocab) -> bool:
    """The clause just before the coordinator (after its sentence's last comma) states something:
    a finite verb after a first word that is not an imperative verb ("More sources is not always
    better, but"). A subordinate clause ("if the messages are in English, then") is a condition
    whose main clause follows, and an imperative ("Read the ticket, and") has no subject."""
    body = re.sub(r"[\s,]*[\w'\u2019]+\s*$", "", sentence)  # the coordinator itself
    clause = body.rsplit(",", 1)[-1]
    words = [w.lower().replace("\u2019", "'") for w in _WORD.findall(clause)]
    if len(words) < 2 or words[0] in vocab.verbs or words[0] in vocab.coordinators or words[0] in vocab.you or words[0] in _SUBORDINATORS:
        return False
    return any(w in vocab.finite or w in vocab.finite_verbs for w in words[1:])


def begins_sentence(text: str, start: int, matched: str) -> bool:
    return matched[:1].isupper() and bool(_SENTENCE_START.search(_window(text, start)))


# ------------------------------------------------------------------------------ matching


@dataclass(frozen=True)
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
        if w in _ICS_SINGULAR:
            return kind == "noun"
        plural = w in vocab.irregular_plurals or (w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")))
        return plural if kind == "nouns" else not plural  # "characteristics", "metrics", "topics": plural
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
    if _CAPITAL_OPENER.match(matched):
        return True  # "Keep it short Please analyze ...": a capital "Please" opens a sentence whose full stop is missing
    prev = _window(text, start, 80).rstrip()
    return bool(prev) and prev[-1] in "<>()[]{}*\"'\u201c\u201d|.!?"  # "...argument?Provide": a full stop without its space


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
    rest = text[b : b + WINDOW]
    after = rest.lstrip()
    if after and (after[0].isalnum() or after[0] in "\"'*_`(\u201c"):
        ws = len(rest) - len(after)
        k = next((i for i, ch in enumerate(after) if ch.isalnum()), None)
        if capital and k is not None and after[k].islower() and k < 3:
            return a, b + ws + k + 1, after[:k] + after[k].upper()
        return a, b + ws, ""
    lo = a
    while lo > 0 and text[lo - 1] in " \t" and a - lo < WINDOW:
        lo -= 1
    return lo, b, ""


def _tries(text: str, entries: tuple[Entry, ...]):
    """(entry number, entry, anchored matches in text order) for every entry the text can hold:
    each try starts at a word where the entry can begin and reads at most :data:`SPAN`
    characters (a try that ends near the window's edge is redone on the whole text, so no
    ``<end>`` is seen where the window, not the text, ends)."""
    at, whole = starts(text, entries)
    n_text = len(text)
    for n in sorted(set(at) | set(whole)):
        e = entries[n]
        regex = e.pattern.regex
        if n in whole:  # no word to anchor on: one scan of the text
            WORK["scans"] += 1
            WORK["chars"] += n_text
            yield n, e, regex.finditer(text)
            continue

        def anchored(regex=regex, positions=at[n]):
            for pos in positions:
                end = min(n_text, pos + SPAN)
                WORK["tries"] += 1
                WORK["chars"] += end - pos
                m = regex.match(text, pos, end)
                if m is not None and end < n_text and end - m.end() < 200:
                    m = regex.match(text, pos)
                if m is not None:
                    yield m

        yield n, e, anchored()


def find_phrases(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> list[tuple[Entry, re.Match[str]]]:
    """Non-overlapping (entry, match) pairs in ``text``; earlier entries win; slots checked,
    clause context checked."""
    return list(_found(text, entries, vocab))


@lru_cache(maxsize=256)
def _found(text: str, entries: tuple[Entry, ...], vocab: Vocab | None) -> tuple[tuple[Entry, re.Match[str]], ...]:
    if not entries or not text:
        return ()
    vocab = vocab or catalog_vocab()
    taken: list[tuple[int, int]] = []  # sorted, non-overlapping
    out: list[tuple[Entry, re.Match[str]]] = []
    quotes = _quotes_of(text)
    for _, e, matches in _tries(text, entries):
        pos = 0
        for m in matches:
            a, b = m.span()
            if b == a or a < pos:
                continue
            i = bisect.bisect_left(taken, (a, a))
            if (i < len(taken) and taken[i][0] < b) or (i > 0 and taken[i - 1][1] > a):
                continue
            if (
                not all(_slot_ok(kind, m.group(g) or "", vocab) for g, kind in e.pattern.slots if m.group(g) is not None)
                or (e.context == "clause" and not opens_clause(text, a, vocab)) or (e.context == "not-run-on" and run_on(text, a, vocab))
                or (e.opener and not followed_by_clause(text, b, vocab))
                or quotes.around(a, b)
            ):
                continue
            taken.insert(i, (a, b))
            out.append((e, m))
            pos = b
    out.sort(key=lambda p: p[1].start())
    return tuple(out)


class _Quotes:
    """Line breaks and double quotes of a text, so :meth:`around` costs a few bisections."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = [i for i, ch in enumerate(text) if ch == "\n"] if "\n" in text else []
        self.marks = {q: [i for i, ch in enumerate(text) if ch == q] if q in text else [] for q in ('"', "\u201c", "\u201d")}

    def _count(self, q: str, lo: int, hi: int) -> int:
        xs = self.marks[q]
        return bisect.bisect_left(xs, hi) - bisect.bisect_left(xs, lo)

    def around(self, a: int, b: int) -> bool:
        i = bisect.bisect_left(self.lines, a)
        line_start = self.lines[i - 1] + 1 if i > 0 else 0
        j = bisect.bisect_left(self.lines, b)
        line_end = self.lines[j] if j < len(self.lines) else len(self.text)
        straight = self._count('"', line_start, a) % 2 == 1 and self._count('"', b, line_end) > 0
        curly = self._count("\u201c", line_start, a) > self._count("\u201d", line_start, a) and self._count("\u201d", b, line_end) > 0
        return straight or curly


@lru_cache(maxsize=32)
def _quotes_of(text: str) -> _Quotes:
    return _Quotes(text)


def quoted(text: str, a: int, b: int) -> bool:
    """Is ``text[a:b]`` inside a double-quoted stretch of its line ("Reply: \"Please hold on.\"")?
    Quoted text is what the model is to say or a sample of input, not the instruction's wording."""
    return _quotes_of(text).around(a, b)


_CLAUSE_AFTER = re.compile(r"[ \t]*[\"'*_`(\u201c]*([\w'\u2019]+)")


def followed_by_clause(text: str, b: int, vocab: Vocab | None = None) -> bool:
    """A deleted clause opener must leave a clause behind it on its line: not ':' and a list, a
    line break, the end of the text, or a finite verb ("Make sure you are able to" -> "Are able
    to"; ``grammar.finite-verbs``)."""
    m = _CLAUSE_AFTER.match(text, b, b + WINDOW)
    if m is None:
        return False
    return m.group(1).lower().replace("\u2019", "'") not in (vocab or catalog_vocab()).finite_verbs


def find_rewrites(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> list[Rewrite]:
    """The rewrites of every phrase found in ``text`` (entries with a rewrite only); memoised
    between runs (:mod:`auditor.analysis.phrasememo`) for the catalog's own vocabulary."""
    if vocab is not None:
        return list(_rewrites(text, entries, vocab))
    rows = memoised("rewrites", text, entries, lambda: tuple(_rewrite_row(r) for r in _rewrites(text, entries, None)))
    return [Rewrite(a, b, phrase, rewrite, (ra, rb), rep, said, why) for a, b, phrase, rewrite, ra, rb, rep, said, why in rows]


def _rewrite_row(r: Rewrite) -> tuple:
    return (r.start, r.end, r.phrase, r.rewrite, r.region[0], r.region[1], r.replacement, r.said, r.why)


def phrase_spans(text: str, entries: tuple[Entry, ...]) -> list[tuple[Entry, int, int]]:
    """(entry, start, end) of what :func:`find_phrases` finds, memoised between runs."""

    def compute() -> tuple:
        index = {id(e): i for i, e in enumerate(entries)}
        return tuple((index[id(e)], m.start(), m.end()) for e, m in _found(text, entries, None))

    return [(entries[i], a, b) for i, a, b in memoised("spans", text, entries, compute)]


@lru_cache(maxsize=256)
def _rewrites(text: str, entries: tuple[Entry, ...], vocab: Vocab | None) -> tuple[Rewrite, ...]:
    vocab = vocab or catalog_vocab()
    out: list[Rewrite] = []
    for e, m in _found(text, _with_rewrite(entries), vocab):
        a, b = m.span()
        matched = m.group(0)
        if e.rewrite == "":
            ra, rb, rep = _delete(text, a, b, capital_start(text, a, matched))
            out.append(Rewrite(a, b, e.phrase, "", (ra, rb), rep, "", e.why))
            continue
        said = _case(text, a, matched, _fill(e.rewrite or "", m, e.pattern, vocab))
        ra, rb, rep = _trim(text, a, b, said)
        out.append(Rewrite(a, b, e.phrase, e.rewrite or "", (ra, rb), rep, said, e.why))
    return tuple(out)


@lru_cache(maxsize=64)
def _with_rewrite(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    return tuple(x for x in entries if x.rewrite is not None)


def apply_rewrites(text: str, entries: tuple[Entry, ...], vocab: Vocab | None = None) -> str:
    """``text`` with every phrase rewritten (repeated until stable, like ``fix``); the phrases of
    ``fix: none`` entries stay as written."""
    kept = {e.phrase for e in entries if not e.fixable}
    for _ in range(10):
        found = [r for r in find_rewrites(text, entries, vocab) if r.phrase not in kept]
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
    if not entries or not text:
        return None
    name = getattr(prefer, "__qualname__", "")
    if prefer is not None and (not name or "<" in name):
        return _first_phrase(text, entries, prefer)  # a lambda: no stable name to memoise under
    kind = f"first:{getattr(prefer, '__module__', '')}.{name}" if prefer is not None else "first"

    def compute() -> tuple[int, int] | None:
        hit = _first_phrase(text, entries, prefer)
        return None if hit is None else (next(i for i, e in enumerate(entries) if e is hit[0]), hit[1])

    found = memoised(kind, text, entries, compute)
    return None if found is None else (entries[found[0]], found[1])


def _first_phrase(text: str, entries: tuple[Entry, ...], prefer) -> tuple[Entry, int] | None:
    first = None
    for _, e, matches in _tries(text, entries):
        m = next((m for m in matches if m.end() > m.start()), None)
        if m is None:
            continue
        if prefer is None or prefer(e):
            return e, m.start()
        first = first or (e, m.start())
    return first
