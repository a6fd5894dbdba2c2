"""LA205's exemptions: a prompt whose product is a long, structured, sourced document, an ask that
is only the condition of a decision, a prompt that sets its own length limit, and a hypothetical.

- **Required long-document structure.** The final-report prompt of a research agent ("create a
  detailed answer that is well-organized with proper headings ... includes a Sources section")
  asks for length because the report *is* the product: a deliverable named as a document (report,
  article, paper, essay, ...) with at least two of: required sections or headings, citations,
  a Sources / References section. "Be as comprehensive as possible" there is the spec, not waste.
- **A condition, not an ask.** "Decide whether to search again or if enough information has been
  gathered to write a comprehensive section": the phrase sits in an ``if`` / ``whether`` clause
  with no comma before it, so it names what the model checks, not what it must produce ("If the
  user asks, write a comprehensive summary" has its ask after the comma and stays reported).
- A length limit of its own ("Make length less than {{ max_words }} words") is
  :func:`auditor.checks.boundedasks.bounds_length`, the one home of those patterns.
- **A hypothetical.** "decompose it into sub-queries that, when answered together, would provide a
  comprehensive response": what the parts would add up to, not what this request asks for.
- The long document's structure also counts as an **outline**: three or more required parts listed one
  per line ("1. Key strategic priorities", "# BATTERY VALIDATION REPORT").
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


# the required parts of the document listed one per line: "1. Key strategic priorities", "# BATTERY VALIDATION REPORT"
_OUTLINE_LINE = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|#{1,4})[ \t]+\S", re.MULTILINE)
# "sub-queries that, when answered together, would provide a comprehensive response": what something would do, not an ask
_HYPOTHETICAL = re.compile(r"\b(?:would|could|might)[ \t]+(?:\w+[ \t]+){0,2}$", re.IGNORECASE)


def long_document_product(text: str) -> bool:
    """Does the prompt's instruction text ask for a long document with required structure (sections or
    headings, citations, a Sources section, an outline of at least three required parts)?"""
    if not _DELIVERABLE.search(text):
        return False
    outline = len(_OUTLINE_LINE.findall(text)) >= 3
    return sum(1 for rx in (_SECTIONS, _CITATIONS, _SOURCES_SECTION) if rx.search(text)) + outline >= 2


def hypothetical_ask(text: str, at: int) -> bool:
    """Is the ask at ``at`` what something *would* do ("... would provide a comprehensive response")?"""
    return bool(_HYPOTHETICAL.search(re.split(r"[.!?\n:;]", text[max(0, at - 60):at])[-1]))


def conditional_ask(text: str, at: int) -> bool:
    """Is the ask at ``at`` inside an ``if`` / ``whether`` clause of its sentence (no comma between)?"""
    return bool(_CONDITION.search(text[max(0, at - 160):at]))
