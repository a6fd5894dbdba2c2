"""LA201's quoted output: words the prompt tells the model to say are the model's output, not filler.

"if its general greeting then answer should be hellow how can i help you, please ask related questions"
spells out the bot's canned reply: "please ask" is what the user is to read, and deleting it changes the
reply. A phrase later on the same line as an ask that names the output's wording - "answer should be",
"the reply must be", "respond with", "reply with", "answer with", "say:" / "say \"" - is such text.

So is a phrase inside a quotation that a label naming what the model says opens, however many lines
the quotation runs: ``Guidance to User: "To help me tailor ..., could you please describe ..."``,
``Inform the user clearly: "Error: ... Please ensure the step has run ..."``, ``Example response to
the calling agent: "To proceed, please obtain ..."``. The quotation ends at its closing quote or at
a blank line.
"""

from __future__ import annotations

import re

# "the answer should be short, and please cite sources" describes the output: no wording follows
_HOW = r"short|shorter|concise|brief|clear|detailed|accurate|correct|complete|in|written|formatted|under|less|more|at|about|based|grounded|polite|friendly|professional|helpful|valid|json|markdown|no|one|a|an|the|between|within|limited|kept|easy|simple|relevant|factual"
_SAYS = re.compile(
    r"\b(?:(?:answer|reply|response|output|greeting|message)[ \t]+(?:should|must|shall|will|has[ \t]+to)[ \t]+be(?![ \t]+(?:" + _HOW + r")\b)"
    r"(?=[ \t:\"'\u201c])|(?:respond|reply|answer)[ \t]+(?:with|by[ \t]+saying)[ \t]*:?[ \t]*[\"'\u201c]|(?:say|write|output)[ \t]*:?[ \t]*[\"'\u201c])"
    r"[^.!?\n]*$",
    re.IGNORECASE,
)


_LOOK_BACK = 2000  # characters: quoted wording runs to the phrase without a sentence end, so never far


def told_to_say(text: str, at: int) -> bool:
    """Is the phrase at ``at`` inside the wording the prompt, earlier on its line, tells the model to output?

    Only the current sentence can hold the ask (the pattern allows no ``.!?`` or line break between
    the ask and the phrase), so only it is searched: a 540 KB one-line prompt with 8,000 phrases
    searched its whole line once per phrase."""
    window = text[max(0, at - _LOOK_BACK) : at]
    return bool(_SAYS.search(window, max(window.rfind(c) for c in ".!?\n") + 1))


# a label naming what the model says, ending in a colon and an opening quote: `Guidance to User: "`,
# `Inform the user clearly: "`, `Example response to the calling agent if ... are missing: "`
_QUOTE_CUE = re.compile(
    r"\b(?:say|says|tell|inform|respond|response|reply|replies|answer|message|guidance|greet|greeting|ask[ \t]+the[ \t]+user|to[ \t]+(?:the[ \t]+)?user)\b"
    r"[^\"\u201c\u201d\n]*:[ \t]*[\"\u201c]$",
    re.IGNORECASE,
)


def in_quoted_reply(text: str, at: int) -> bool:
    """Is the phrase at ``at`` inside a quotation the prompt labels as what the model is to say?"""
    window = text[max(0, at - _LOOK_BACK) : at]
    q = max(window.rfind('"'), window.rfind("\u201c"), window.rfind("\u201d"))
    if q < 0 or window[q] == "\u201d" or "\n\n" in window[q:] or "\n \n" in window[q:]:
        return False  # no quotation open at the phrase (a closing quote, or a blank line after it)
    if not text[at - len(window) + q + 1 : at - len(window) + q + 2].strip(" \t\n.,;:!?)"):
        return False  # a closing quote (`saying: "Hi {name}, here's a draft:". And then ...`): nothing quoted opens here
    line_start = window.rfind("\n", 0, q) + 1
    return bool(_QUOTE_CUE.search(window, line_start, q + 1))
