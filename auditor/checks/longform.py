"""LA205's two exemptions: a prompt whose product is a long, structured, sourced document, and an
ask that is only the condition of a decision.

- **Required long-document structure.** The final-report prompt of a research agent ("create a
  detailed answer that is well-organized with proper headings ... includes a Sources section")
  asks for length because the report *is* the product: a deliverable named as a document (report,
  article, paper, essay, ...) with at least two of: required sections or headings, citations,
  a Sources / References section. "Be as comprehensive as possible" there is the spec, not waste.
- **A condition, not an ask.** "Decide whether to search again or if enough information has been
  gathered to write a comprehensive section": the phrase sits in an ``if`` / ``whether`` clause
  with no comma before it, so it names what the model checks, not what it must produce ("If the
  user asks, write a comprehensive summary" has its ask after the comma and stays reported).
"""

from __future__ import annotations

import re

_DELIVERABLE = re.compile(
    r"\b(?:reports?|articles?|white ?papers?|research papers?|papers?|essays?|literature reviews?|wiki(?:pedia)? (?:pages?|articles?)|blog posts?|briefings?)\b",
    re.IGNORECASE,
)
_SECTIONS = re.compile(r"\b(?:sections?|subsections?|headings?|headers?)\b|(?<!#)#{1,3}[ \t]+for\b", re.IGNORECASE)
_CITATIONS = re.compile(r"\bcit(?:e|es|ing|ation|ations)\b|\[Title\]\(URL\)|\[\d+\]\(|\bfootnotes?\b|\b(?:data|records?|source)[ \t]+references?\b", re.IGNORECASE)
_SOURCES_SECTION = re.compile(
    r"\b(?:sources|references|bibliography|works cited)\b[\"'\u201d]?[ \t]+(?:section|list)\b"
    r"|\bsection[^\n.]{0,30}\b(?:sources|references|bibliography)\b"
    r"|#{1,6}[ \t]*(?:sources|references|bibliography)\b",
    re.IGNORECASE,
)
_CONDITION = re.compile(r"\b(?:if|whether|unless|until|once)\b[^,.;:!?\n]*$", re.IGNORECASE)


def long_document_product(text: str) -> bool:
    """Does the prompt's instruction text ask for a long document with required structure?"""
    if not _DELIVERABLE.search(text):
        return False
    return sum(1 for rx in (_SECTIONS, _CITATIONS, _SOURCES_SECTION) if rx.search(text)) >= 2


def conditional_ask(text: str, at: int) -> bool:
    """Is the ask at ``at`` inside an ``if`` / ``whether`` clause of its sentence (no comma between)?"""
    return bool(_CONDITION.search(text[max(0, at - 160):at]))
