"""How long an answer the prompt itself asks for, from the example it gives (LA606).

A cap far above the answer a prompt asks for is never reached, so an answer read without a look
at the stop reason is not cut: ``Respond with only the intent in uppercase (e.g., 'HOMEIMPROVEMENT')``
under ``max_tokens=20``, or ``Respond with a JSON object containing 'retry' and 'files_to_retry'``
followed by a four-line example object under ``max_tokens=1000``. Two shapes of evidence, both in
the prompt's instruction text (never its data):

* an only-this answer (``respond with only the ...``, ``return only ...``) whose example is quoted
  after ``e.g.`` / ``for example``: the answer weighs what the example weighs;
* a JSON answer (``respond with a JSON object``, ``only return the JSON``) with an example object
  written in the prompt: the answer weighs what the largest example object weighs. An example
  with an elided list (``[{"index": 1, "pass": true}, ...]``) grows with the data and gives no size,
  and a conditional ask (``When you need to use a tool, respond with a JSON object``) is one answer
  mode of several.

* N counted items ("Generate 5 multiple choice questions", a JSON example whose list gives one
  item) or a succinct only-this answer: :mod:`auditor.checks.counteditems`;
* a word or sentence bound, a concise answer, a JSON object of a few named fields:
  :mod:`auditor.checks.boundedanswers`.

A JSON ask and its example object may lie in different runs of the instructions (a hole between
them: ``Return ONLY a JSON object ... Use these IDs: {ids} ... Example format: {"A": "Juan"}``).

The weight is a character estimate (``chars / 3`` tokens, rounded up); the check compares it with
the cap by the rule's ``cap-headroom`` factor. A prompt that asks for prose, code or a report has
no such example, and nothing is inferred from it.
"""

from __future__ import annotations

import re

from auditor.analysis.roles import instruction_runs
from auditor.checks.boundedanswers import bounded_answer_tokens, short_answer_tokens
from auditor.checks.counteditems import asks_counted, balanced_objects, counted_answer_tokens, item_tokens
from auditor.cost.sizing import run_text
from auditor.facts import CallSite

_ONLY = re.compile(r"\b(?:respond|reply|answer|return|output)\s+(?:with\s+)?only\b|\bonly\s+(?:respond|reply|answer|return|output)\b", re.I)
_EXAMPLE = re.compile(r"\((?:e\.g\.|for example)[,:]?\s*['\"]([^'\"\n]{1,60})['\"]\s*\)", re.I)
_JSON_ASK = re.compile(r"\b(?:respond|reply|answer|return|output)\b[^.\n]{0,40}\bjson\b", re.I)
_ELIDED = re.compile(r"\.\.\.|\u2026")  # `[{"index": 1, "pass": true}, ...]`: one entry per item, the answer grows with the data
_CONDITION = re.compile(r"(?:when|whenever|if|in case|for)\b", re.I)
_KEY = re.compile(r"\"[A-Za-z_][\w ]{0,40}\"\s*:")


def asked_answer_tokens(texts: list[str]) -> int | None:
    """The tokens of the answer the static instruction ``texts`` (:func:`instruction_texts`) give an example of, else None."""
    best: int | None = None
    items = item_tokens([o for t in texts for o in balanced_objects(t) if _KEY.search(o)])  # one item of a JSON example's list, in any message
    json_ask = any(_json_ask(t) for t in texts)  # the ask and its example may lie in runs a hole splits
    for text in texts:
        size = _example_size(text, items, json_ask)
        if size is not None:
            best = size if best is None else max(best, size)
    if not any(asks_counted(t) for t in texts):
        short = short_answer_tokens(texts, json_ask)
        if short is not None:
            best = short if best is None else max(best, short)
    return best


def bounded_tokens(texts: list[str]) -> int | None:
    """The tokens of an answer the instruction ``texts`` bound by words or a sentence (never with
    counted items, whose bound may be per item), else None."""
    return None if any(asks_counted(t) for t in texts) else bounded_answer_tokens(texts)


def instruction_texts(site: CallSite) -> list[str]:
    """The static instruction runs of the site's non-assistant messages."""
    return [run_text(run) for m in site.prompt.messages if m.role != "assistant" for run in instruction_runs(m.segments)]


def _json_ask(text: str) -> bool:
    return any(not _conditional(text, m.start()) for m in _JSON_ASK.finditer(text))


def _example_size(text: str, items: int | None, json_ask: bool) -> int | None:
    sizes: list[int] = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", text):
        if _ONLY.search(sentence):
            sizes += [len(m.group(1)) for m in _EXAMPLE.finditer(sentence)]
    if json_ask:
        sizes += [len(obj) for obj in balanced_objects(text) if _KEY.search(obj) and not _ELIDED.search(obj)]
    example = -(-max(sizes) // 3) if sizes else None
    counted = counted_answer_tokens(text, items)
    if counted is None:
        return example
    return counted if example is None else max(example, counted)


def _conditional(text: str, at: int) -> bool:
    """The ask at ``at`` is one answer mode of several: its sentence opens with a condition
    ("When you need to use a tool, respond with a JSON object ... For regular responses, simply
    respond normally"), so other answers are free text of any length."""
    start = max(text.rfind(".", 0, at), text.rfind("\n", 0, at)) + 1
    return _CONDITION.match(text[start:at].strip()) is not None

