"""LA205's exemptions for a prompt that already bounds its long output, or whose detail is the product.

- **A length bound of its own.** "Write a comprehensive report ... Limit the total report length to
  {max_report_length} words", "the summary should be at most 300 words", "no more than five
  paragraphs": the author set how long the output may be, so "comprehensive" asks for coverage inside
  that bound, not for more output. A prompt with such a bound anywhere in its instruction text is
  not reported (a bound on something else, "use at most 3 tools", names no length unit and does not
  count). A length field of a requirements list ("- Target length: Approximately 3-4 concise sentences",
  "Length: 2-3 sentences") is such a bound too.
- **An ask for a concise product.** "Generate a comprehensive summary of the descriptions below ...
  concatenate them into a single, concise description": the product is asked to be concise, so
  "comprehensive" means "from all of the inputs", not long.
- **Synthetic data.** "Generate a detailed query for an auto insurance claim ... The query should be
  realistic": the detail of a generated sample (a query, a review, a ticket, a persona for a test
  set) is what the dataset is for; the ask names the artifact right after the phrase and the prompt
  asks for realism (realistic, plausible, synthetic, fictional, mock).
"""

from __future__ import annotations

import re

from auditor.analysis.roles import DATA
from auditor.facts import Prompt

_NUM = r"(?:\{\{?[ \t]*[A-Za-z_]\w*[ \t]*\}?\}|\d+(?:[ \t]*[-\u2013][ \t]*\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|a hundred)"
_UNIT = r"(?:words?|tokens?|sentences?|paragraphs?|characters?|chars|lines?|pages?|bullet(?:[ \t]+points?)?s?)"
_PER_ITEM = r"(?![ \t]+(?:in|per|for)[ \t]+(?:each|every|a|one|any)\b)"  # "1-2 sentences in each table cell": a bound on a part
_LENGTH_BOUND = re.compile(
    r"\b(?:limit|keep|cap|restrict|constrain)\b[^.\n]{0,60}?\b(?:to|at|under|within|below)[ \t]+(?:a[ \t]+maximum[ \t]+of[ \t]+|about[ \t]+|around[ \t]+)?" + _NUM + r"[ \t]+" + _UNIT + r"\b" + _PER_ITEM +
    r"|\b(?:at[ \t]+most|no[ \t]+more[ \t]+than|not[ \t]+more[ \t]+than|not[ \t]+(?:to[ \t]+)?exceed(?:ing)?|maximum[ \t]+of|max(?:imum)?[ \t]+length[ \t]+(?:of|is)|max(?:imum)?|up[ \t]+to|fewer[ \t]+than|less[ \t]+than|under|below|within|in|of|shorter[ \t]+than)[ \t]+" + _NUM + r"[ \t]+" + _UNIT + r"\b" + _PER_ITEM +
    r"|\b" + _NUM + r"[ \t]+" + _UNIT + r"[ \t]+(?:or[ \t]+(?:less|fewer)|max(?:imum)?|at[ \t]+most)\b" + _PER_ITEM
    # a length field of a requirements list: "- Target length: Approximately 3-4 concise sentences", "Length: 2-3 sentences"
    + r"|\b(?:target[ \t]+|output[ \t]+|response[ \t]+|summary[ \t]+)?length[ \t]*:[ \t]*(?:approximately[ \t]+|about[ \t]+|around[ \t]+|roughly[ \t]+|~[ \t]*)?" + _NUM
    + r"[ \t]+(?:(?:concise|short|brief|full)[ \t]+)?" + _UNIT + r"\b" + _PER_ITEM,
    re.IGNORECASE,
)
_CONCISE_PRODUCT = re.compile(
    r"\b(?:single|one)[ \t]*,?[ \t]+(?:concise|short|brief|succinct)[ \t]+(?:description|summary|answer|response|paragraph|sentence|report)\b",
    re.IGNORECASE,
)
_ARTIFACT = re.compile(
    r"\b(?:detailed|comprehensive|thorough|in-depth|elaborate|exhaustive)[ \t]+(?:\w+[ \t]+)?"
    r"(?:query|queries|questions?|examples?|samples?|scenarios?|reviews?|complaints?|tickets?|e-?mails?|messages?|records?|profiles?|personas?|dialogues?|conversations?|transcripts?)\b",
    re.IGNORECASE,
)
_REALISM = re.compile(r"\b(?:realistic(?:ally)?|plausible|synthetic|fictional|fictitious|fake|mock|simulated|make[ \t]+it[ \t]+sound[ \t]+real)\b", re.IGNORECASE)


def self_bounded(prompt: Prompt) -> bool:
    """Does the prompt's instruction text set a length bound on the output, or ask for a concise
    product? A hole reads as a placeholder ("Limit the report to {max_length} words" sent with the
    length filled in); data segments and the assistant's turns do not count."""
    parts: list[str] = []
    for m in prompt.messages:
        if m.role == "assistant":
            continue
        for seg in m.segments:
            parts.append("{hole}" if seg.kind == "hole" else seg.text if seg.kind == "static" and seg.role != DATA else "\n")
        parts.append("\n")
    text = "".join(parts)
    return bounds_length(text) or _CONCISE_PRODUCT.search(text) is not None


def bounds_length(text: str) -> bool:
    """Does this instruction text set a length limit of its own ("Make length less than
    {{ max_words }} words", "in at most 20 words", "at most 300 words")?"""
    return _LENGTH_BOUND.search(text) is not None


def synthetic_sample_ask(text: str, a: int, b: int) -> bool:
    """Is the ask at ``text[a:b]`` ("Generate a detailed query") for a generated sample (a query, a
    review, a persona: its noun in or right after the ask), in a prompt that asks for realism?"""
    return bool(_ARTIFACT.search(text[a : b + 40])) and bool(_REALISM.search(text))
