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

from auditor.analysis.rewrites import followed_by_clause, opens_clause


def deletion_fits(text: str, start: int, end: int | None = None) -> bool:
    """True when deleting a clause opener ``text[start:end]`` keeps the sentence whole: it opens
    a clause (:func:`auditor.analysis.rewrites.opens_clause`, which the phrase matcher uses too),
    and a verb phrase or clause follows it on the same line (not a colon introducing a list, nor
    a finite verb: "Make sure you are able to" -> "Are able to")."""
    if end is not None and end > start and (text[end - 1].isalnum() or text[end - 1] == "_") and not followed_by_clause(text, end):
        return False
    return opens_clause(text, start)
