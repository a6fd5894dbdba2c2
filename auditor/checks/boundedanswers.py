"""Answers the prompt bounds itself (LA606), beside :mod:`auditor.checks.answersize` (example answers)
and :mod:`auditor.checks.counteditems` (N counted items):

* a word bound on the answer: "Make it 3-8 words maximum", "in at most 50 words", "under 100 words",
  "a 4-word or less title"
  (the upper count times ``tokens-per-word``); a sentence bound: "in one sentence", "a single-sentence
  summary" (``one-sentence``). The model is told the length, so the cap needs only ``bound-headroom``
  above it;
* a concise answer asked for: "Answer concisely", "reply briefly", "a short answer" (``concise``);
* a JSON object of a few named fields: "Extract the following fields from this invoice: vendor,
  date, amount, currency" with a JSON ask ("Return valid JSON only") in the request's instructions
  (the fields times ``json-field``).

The weights are ``short-answers`` in rules/answers.yaml. A bound per item ("each under 50 words",
"one sentence per finding"), a list of records ("for each line item, extract ...") and a request that
also asks for counted items give no bound here: the answer grows with the items.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from auditor.config.catalog import load_catalog

_PER_ITEM = re.compile(r"\b(?:each|per|every|all|list|array|items?|rows?|records?)\b", re.I)
_WORD_BOUND = re.compile(
    r"\b(?:(?P<pre>at\s+most|no\s+more\s+than|not\s+more\s+than|no\s+longer\s+than|under|fewer\s+than|less\s+than|maximum\s+(?:of\s+)?|"
    r"max\.?|up\s+to|within|in|to|of|be)\s+)?(?P<lo>\d{1,4})(?:\s*(?:-|\u2013|to)\s*(?P<hi>\d{1,4}))?(?:\s+|-)words?\b"
    r"(?P<post>\s+(?:max(?:imum)?|or\s+(?:less|fewer)|at\s+most|long|in\s+length)\b)?",
    re.I,
)
_ONE_SENTENCE = re.compile(
    r"\b(?:in|with|as|using)\s+(?:one|a\s+single|1)\s+(?:short\s+|brief\s+|concise\s+)?sentence\b"
    r"|\b(?:one|single)[- ]sentence\s+(?:answer|summary|response|reply|description|explanation)\b",
    re.I,
)
_CONCISE = re.compile(
    r"\b(?:answer|respond|reply)\s+(?:very\s+)?(?:concisely|briefly|succinctly)\b"
    r"|\b(?:give|provide|write|return)\s+(?:a\s+|an?\s+)?(?:very\s+)?(?:concise|brief|short|succinct)\s+(?:answer|reply|response)\b",
    re.I,
)
_FIELDS = re.compile(
    r"\b(?:fields|keys|properties|attributes)\b[^:.\n]{0,60}:\s*"
    r"(?P<names>[\w`'\"-]{1,30}(?:\s*,\s*(?:and\s+|or\s+)?[\w`'\"-]{1,30}){1,15})\s*(?=[.\n;]|$)",
    re.I,
)


@lru_cache(maxsize=1)
def _weights() -> dict[str, float]:
    data = load_catalog().answers.get("short-answers") or {}
    return {"word": float(data.get("tokens-per-word") or 1.3), "sentence": float(data.get("one-sentence") or 50),
            "concise": float(data.get("concise") or 75), "field": float(data.get("json-field") or 20),
            "max-fields": float(data.get("max-fields") or 12)}


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n", text) if s.strip()]


def bounded_answer_tokens(texts: list[str]) -> int | None:
    """The tokens of an answer the instruction ``texts`` bound by words or a sentence, else None."""
    w = _weights()
    best: float | None = None
    for text in texts:
        for sentence in _sentences(text):
            if _PER_ITEM.search(sentence):
                continue
            for m in _WORD_BOUND.finditer(sentence):
                if not (m.group("pre") or m.group("post") or m.group("hi")):
                    continue  # "the 500 words below": a number of words, not a bound on the answer
                n = int(m.group("hi") or m.group("lo"))
                best = max(best or 0, n * w["word"])
            if _ONE_SENTENCE.search(sentence):
                best = max(best or 0, w["sentence"])
    return math.ceil(best) if best else None


def short_answer_tokens(texts: list[str], json_ask: bool) -> int | None:
    """The tokens of a concise answer asked for, or of a JSON object of a few named fields (when the
    request asks for JSON: ``json_ask``), else None."""
    w = _weights()
    best: float | None = None
    for text in texts:
        for sentence in _sentences(text):
            if _CONCISE.search(sentence):
                best = max(best or 0, w["concise"])
            m = _FIELDS.search(sentence) if json_ask else None
            if m is not None and not _PER_ITEM.search(sentence):
                names = [n for n in re.split(r"\s*,\s*(?:and\s+|or\s+)?", m.group("names")) if n]
                if len(names) <= w["max-fields"]:
                    best = max(best or 0, len(names) * w["field"] + 2)
    return math.ceil(best) if best else None
