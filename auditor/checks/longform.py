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
  per line ("1. Key strategic priorities", "# BATTERY VALIDATION REPORT", "II. Entry Execution Strategy:").
- **An outlined product.** "Provide a comprehensive analysis structured as follows" followed by that outline:
  the author specified each part; the length is the spec (:func:`outlined_product`). So is "Write a comprehensive
  report ... The report must follow this exact structure:" followed by an XML or JSON skeleton of three or more
  fields, one per line.
- **A named sub-agent's product.** A coordinator's "Expected Output: The execution_analyst subagent MUST
  generate a detailed execution plan" says what another agent returns (its own prompt sets that output),
  not what this request must write (:func:`named_agent_product`).
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
_OUTLINE_LINE = re.compile(r"^[ \t]*(?:\d{1,2}[.)]|#{1,4}|[IVX]{1,4}\.)[ \t]+\S", re.MULTILINE)
# "Provide a comprehensive analysis structured as follows. For each section, ...": the ask points at the outline after it
_POINTS_AT_OUTLINE = re.compile(r"^[^.!?\n]{0,80}?\b(?:structured|organi[sz]ed|laid out)[ \t]+(?:as follows|in(?:to)? the following)\b"
                                r"|^[^.!?\n]{0,80}?\b(?:with|in|using)[ \t]+the following[ \t]+(?:sections|structure|outline|parts)\b"
                                r"|^[^\n]{0,120}?\b(?:must|should|shall)[ \t]+follow[ \t]+(?:this|the following)[ \t]+(?:exact[ \t]+)?(?:structure|format|template|schema)\b", re.IGNORECASE)
# the skeleton such an ask points at, one field per line: "<name>A concise community name</name>", '"summary": "..."'
_SKELETON_LINE = re.compile(r"^[ \t]*(?:<([A-Za-z_][\w-]*)>[^\n<]*</\1>|\"[\w ]{1,40}\"[ \t]*:)", re.MULTILINE)
# "The execution_analyst subagent MUST generate a detailed plan": a coordinator's description of what a named
# sub-agent (its own prompt sets that output) produces, not this request's ask
_NAMED_AGENT_MUST = re.compile(r"[`'\"]?\b[A-Za-z]\w*_\w+\b[`'\"]?[ \t]+(?:sub-?agents?|agents?)[ \t]+"
                               r"(?:must|should|shall|will|needs?[ \t]+to|has[ \t]+to|is[ \t]+(?:expected[ \t]+)?to)[ \t]+(?:\w+[ \t]+)?$", re.IGNORECASE)
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


def outlined_product(text: str, b: int) -> bool:
    """Does the ask ending at ``b`` say its product is structured as the outline that follows ("... structured
    as follows", "with the following sections"), and is there one (three or more required parts, one per line)?"""
    if not _POINTS_AT_OUTLINE.search(text[b:b + 160]):
        return False
    return len(_OUTLINE_LINE.findall(text[b:])) >= 3 or len(_SKELETON_LINE.findall(text[b:b + 1500])) >= 3


def named_agent_product(text: str, at: int) -> bool:
    """Is the ask at ``at`` what a named sub-agent must produce ("The `marketing_create` subagent should produce ...")?"""
    return bool(_NAMED_AGENT_MUST.search(re.split(r"[.!?\n:;]", text[max(0, at - 100):at])[-1]))
