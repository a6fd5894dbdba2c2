"""LA104's code answer: "without any explanation" after an ask for a whole program is no short answer.

"Return ONLY the Python code without any explanation or markdown formatting" asks for a module, a
script or a page: the answer is as long as the code, and no stop sequence can end it early (the code
itself is the text up to the end). A short-answer phrase whose sentence asks for code, a script, a
program, an implementation or a file's contents is not reported; "Return only the function name
without any explanation" names a short answer and still is. So is JSON: "Return ONLY valid JSON", "Return ONLY the
JSON object, no additional text" ask for the object, whatever its size, and no stop string ends one early
(:func:`asks_for_json`, read by LA104 on the phrase's own sentence).
"""

from __future__ import annotations

import re

_CODE_ASK = re.compile(
    r"\b(?:the|your|a|an)[ \t]+(?:(?:complete|full|entire|whole|final|updated|corrected|fixed|generated|new|raw)[ \t]+)*"
    r"(?:python|javascript|typescript|java|go|rust|c\+\+|c#|bash|shell|sql|html|css|react|jsx|tsx|yaml)?[ \t]*"
    r"(?:code|script|module|program|implementation|source(?:[ \t]+code)?|file(?:[ \t]+contents?)?|html|class|component|notebook)\b(?![ \t]+(?:name|names|id|ids|path|paths|type|language)\b)",
    re.IGNORECASE,
)
# "Return ONLY valid JSON", "Return ONLY the JSON object, no additional text": the answer is the object, as long as its
# fields; no stop string can end a JSON object early (response_format is the remedy, LA601's)
_JSON_ASK = re.compile(r"\b(?:the|your|a|an|valid|only)[ \t]+json\b(?![ \t]+(?:key|keys|field|fields|name|names|path|paths)\b)", re.IGNORECASE)
_SENTENCE = re.compile(r"[.!?](?:\s|$)|\n\s*\n")


def asks_for_code(text: str, offset: int) -> bool:
    """Does the sentence holding ``offset`` ask for code or a file's contents as the answer?"""
    start = max((m.end() for m in _SENTENCE.finditer(text, 0, offset)), default=0)
    end_m = _SENTENCE.search(text, offset)
    return bool(_CODE_ASK.search(text, start, end_m.start() if end_m else len(text)))


def asks_for_json(text: str) -> bool:
    """Does the text ask for JSON as the answer ("Return ONLY valid JSON", "Return ONLY the JSON object")? LA104 only:
    a stop sequence cannot end a JSON object early (for LA605 the ask still says the answer is bounded)."""
    return _JSON_ASK.search(text) is not None
