"""An unpunctuated run-on: where deleting a word ("please") would join two instructions.

Used by the phrase grammar (analysis/rewrites.py) for entries with ``context: not-run-on``.
"""

from __future__ import annotations

import re

from auditor.analysis.phrases import Vocab, catalog_vocab

_WORD = re.compile(r"[\w'\u2019]+")
_LINKS = frozenset({"to", "kindly", "just", "simply"})
_CLAUSE_CUT = re.compile(r"[.!?:;\n]")


def run_on(text: str, start: int, vocab: Vocab | None = None) -> bool:
    """Does the match at ``start`` open a second instruction in an unpunctuated run-on? It follows
    another word directly, and that word neither links it to the sentence (a coordinator, "you", a
    modal, "to": "and please reply", "you will please note") nor ends a clause: "... inferred from
    user query please use future dates ..." reads "from user query use future dates" without it. Only
    where the clause before it is itself an instruction (it opens with a verb): after an introduction ("If
    the user selects Apple Pay please decline", "Only after this please tell") "please" opens the main
    clause, and deleting it is safe."""
    vocab = vocab or catalog_vocab()
    if text[start : start + 1].isupper():
        return False  # "Keep it short Please analyze": a capital opens a sentence whose full stop is missing
    before = text[max(0, start - 40) : start]
    head = before.rstrip(" \t")
    if not head or not (head[-1].isalnum() or head[-1] in "'\u2019") or len(head) == len(before):
        return False
    word = _WORD.findall(head)[-1].lower().replace("\u2019", "'")
    if word in vocab.coordinators or word in vocab.you or word in vocab.finite_verbs or word in _LINKS:
        return False
    window = text[max(0, start - 300) : start]
    cut = max((m.end() for m in _CLAUSE_CUT.finditer(window)), default=0)
    if cut == 0 and start > 300:
        return False  # the clause began before the window: not known to be a run-on
    words = _WORD.findall(window[cut:])
    return bool(words) and words[0].lower() in vocab.verbs  # an instruction ran on; not after "If ...", "Only after this ..."
