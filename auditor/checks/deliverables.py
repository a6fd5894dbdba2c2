"""LA205: an ask for detail whose detailed product *is* the deliverable of the request.

"Be comprehensive" added to a task whose answer is something else (a label, a short answer, a
decision) inflates the output; "Provide a detailed description" where the description is what the
request is for does not. The request's product is the deliverable when (the patterns are data,
``deliverables`` in ``rules/answers.yaml``):

- **it is stored for a later step**: "Provide a detailed description that will be used to answer
  questions about its content" - the text is indexed, and its detail is what retrieval reads;
- **it describes the picture the request sends**: "Analyze the image and provide a detailed
  description of what you see" - a description of an image sent in the same request, or of what
  the model sees or observes;
- **it is a list of what a check found**: "Provide a detailed list of the markdown linting results"
  - the list is as long as the results are many;
- **it is an outline**: "Write a comprehensive structure ... for a book" - a list of headings;
- **it is exhaustive within the input**: "Be exhaustive within the evidence" - coverage of the
  messages given, not length beyond them.

"Create a comprehensive article", "provide a comprehensive answer", "a detailed plan" stay
reported: their product is long prose whose length the ask inflates.
"""

from __future__ import annotations

import re
from functools import lru_cache

from auditor.config.catalog import load_catalog

_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n[ \t]*\n|\n[ \t]*(?:[-*]|\d{1,2}[.)])[ \t]")  # a sentence wraps; a blank line or a list item ends it


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    data = load_catalog().answers.get("deliverables") or {}
    return {k: re.compile(str(v), re.IGNORECASE | re.VERBOSE) for k, v in data.items()}


def _sentence(text: str, a: int, b: int) -> tuple[str, str]:
    """(the sentence holding ``text[a:b]`` up to the ask, the rest of it after the ask)."""
    start = max(text.rfind(". ", 0, a), text.rfind("! ", 0, a), text.rfind("? ", 0, a), text.rfind("\n\n", 0, a)) + 1
    m = _SENTENCE_END.search(text, b)
    end = m.start() if m else len(text)
    return text[start:a], text[b:end]


def deliverable_ask(text: str, a: int, b: int, sends_image: bool) -> bool:
    """Is the ask at ``text[a:b]`` ("provide a detailed description", "be exhaustive") for a
    product that is the request's deliverable? ``sends_image``: the request carries an image."""
    rx = _patterns()
    if not rx:
        return False
    before, after = _sentence(text, a, b)
    noun = text[a:b].split()[-1].lower() if text[a:b].split() else ""
    if "stored-for-later" in rx and rx["stored-for-later"].search(after):
        return True
    if "within-input" in rx and rx["within-input"].search(after):
        return True
    if "description-nouns" in rx and rx["description-nouns"].search(noun):
        seen = rx.get("seen-in-image")
        if sends_image or (seen is not None and seen.search(before + text[a:b] + after)):
            return True
    if "outline-nouns" in rx and rx["outline-nouns"].search(noun + after):
        return True  # "a comprehensive structure", "a detailed table of contents"
    return noun == "list" and "result-list" in rx and bool(rx["result-list"].search(after))
