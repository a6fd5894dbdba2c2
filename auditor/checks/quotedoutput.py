"""LA201's quoted output: words the prompt tells the model to say are the model's output, not filler.

"if its general greeting then answer should be hellow how can i help you, please ask related questions"
spells out the bot's canned reply: "please ask" is what the user is to read, and deleting it changes the
reply. A phrase later on the same line as an ask that names the output's wording - "answer should be",
"the reply must be", "respond with", "reply with", "answer with", "say:" / "say \"" - is such text.
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


def told_to_say(text: str, at: int) -> bool:
    """Is the phrase at ``at`` inside the wording the prompt, earlier on its line, tells the model to output?"""
    line = text[text.rfind("\n", 0, at) + 1 : at]
    return bool(_SAYS.search(line))
