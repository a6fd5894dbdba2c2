"""Does deleting a phrase keep the sentence's grammar? (LA201 and every text rule that deletes.)

A phrase with an empty rewrite in ``rules/phrases.yaml`` ("make sure to", "your task is to",
"please note that") opens a clause: what follows it is a verb phrase or a clause that the phrase
governs. Deleting it keeps the sentence grammatical, and its meaning, only where a clause
starts anyway:

* at the start of the text, after a sentence end, colon, semicolon, bracket, line break or list
  marker ("Make sure you cite sources." -> "Cite sources.");
* after a comma ("When in doubt, make sure to ask." -> "When in doubt, ask.");
* after a coordinator or sentence adverb (``grammar.coordinators``: "and", "then", "also", ...)
  when the sentence has no subject other than "you" ("You will get a ticket, and your task is to
  label it" -> "..., and label it"; but "The user will provide a list, and your goal is to sort
  it" -> "and sort it" would make the user the one who sorts).

Anywhere else ("Number the words to make sure you don't lose track": a purpose clause) the
phrase is doing grammatical work and the deletion is refused; so is a deletion that leaves no verb
phrase behind it on its line ("Your role is to:" + a list) or a finite verb ("Make sure you are
able to detect" -> "Are able to detect"). Word lists are data
(``grammar`` in ``rules/phrases.yaml``).
"""

from __future__ import annotations

import re
from functools import lru_cache

# a clause boundary, then optional quotes / emphasis / list markers / headings
_CLAUSE_START = re.compile(r"(?:\A|[.!?:;(\[{\n\u2014\u2013]|--|\s-(?=\s))[\s\"'*_`>#\u2022\u201c\u2018-]*(?:\d+[.)][ \t]*)?\Z")
_SENTENCE_END = re.compile(r"[.!?:;\n]")
_WORD = re.compile(r"[\w'\u2019]+")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    from auditor.config.catalog import load_catalog

    g = load_catalog().phrases.get("grammar") or {}

    def words(key: str, default: list[str]) -> frozenset[str]:
        return frozenset(str(w).lower() for w in (g.get(key) or default))

    return (
        words("coordinators", ["and", "or", "but", "then", "also"]),
        words("other-subjects", ["the", "a", "an", "this", "i", "we", "he", "she", "they", "it"]),
        words("you", ["you"]),
    )


def deletion_fits(text: str, start: int, end: int | None = None) -> bool:
    """True when deleting a clause opener ``text[start:end]`` keeps the sentence whole: it opens
    a clause, and a verb phrase or clause follows it on the same line (not a colon introducing a
    list, nor a finite verb: "Make sure you are able to" -> "Are able to")."""
    if end is not None and end > start and (text[end - 1].isalnum() or text[end - 1] == "_") and not _followed_by_clause(text[end:]):
        return False
    before = text[:start]
    if _CLAUSE_START.search(before):
        return True
    head = before.rstrip()
    if head.endswith(","):
        words = _WORD.findall(head[-40:])
        if not words or words[-1].lower() not in _lists()[0]:
            return True  # "When in doubt, make sure to ask"
        return _no_other_subject(head)
    words = _WORD.findall(head[-40:])
    if words and words[-1].lower() in _lists()[0]:
        return _no_other_subject(head)
    return False


def _followed_by_clause(rest: str) -> bool:
    m = re.match(r"[ \t]*([\w'\u2019]+)", rest)
    if m is None:
        return False  # ":" + a list, a line break, the end of the text, a hole
    return m.group(1).lower().replace("\u2019", "'") not in _finite()


@lru_cache(maxsize=1)
def _finite() -> frozenset[str]:
    from auditor.config.catalog import load_catalog

    g = load_catalog().phrases.get("grammar") or {}
    return frozenset(str(w).lower() for w in (g.get("finite-verbs") or ["are", "is", "was", "were", "will", "can"]))


def _no_other_subject(head: str) -> bool:
    """The sentence that ``head`` ends in starts with "you" or with no subject (an imperative)."""
    cut = max((m.end() for m in _SENTENCE_END.finditer(head)), default=0)
    words = _WORD.findall(head[cut:])
    if not words:
        return True
    coordinators, others, you = _lists()
    first = words[0].lower().replace("\u2019", "'")
    if first in you:
        return True
    if first in others:
        return False
    if first in coordinators and len(words) > 1:
        second = words[1].lower()
        return second in you or second not in others
    return True
