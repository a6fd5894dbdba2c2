"""Can the answer a call asks for reach its cap (LA606's premise, session 17)?

LA606 claims "this answer can be cut at the cap and then used as if complete". That is worth a
reviewer's time only when the answer the call asks for can plausibly reach the cap. The kinds of ask,
read from the request's instruction text (never its data), and what each one reaches:

* ``long``: long-form or open-ended output - an article, an essay, a report, a story, a document or
  its translation, code (a program, a function, a SQL query), a list of unbounded length ("list all
  ...", "a numbered list of ...", "for each ..."), records extracted from a document, a multi-step
  plan or guide. It reaches any cap below ``long-form-ceiling``; a cap at or above it is the
  model's maximum output, a guard.
* ``title``: a title, a headline, a name, a one-liner, a slogan: ``title-tokens``, compared with
  the cap by the rule's ``bound-headroom``.
* ``answer``: anything else a prompt asks - an answer to a question, a chat or RAG reply, a
  description, a short critique: a few paragraphs. A literal cap of at least ``answer-guard``
  tokens is a guard far above it.
* ``unknown``: no instruction text, or only labels of the data (``label-words``: the prompt is data, or a parameter no
  caller in view fills with text): the wrapper serves any ask, long-form included, so it is
  compared with ``unknown-guard`` (the long-form ceiling). A wrapper whose callers the analysis
  follows is judged by their asks (derived sites, :mod:`auditor.analysis.derive`; the wrapper's
  own finding stands only for them, :func:`auditor.checks.chains.settle`).

A list whose items the prompt bounds by words ("a list of points ... Each point should be 3-5
words", ``bounded-items``) is not long-form.

The smaller asks (a label, an example answer, a word or sentence bound, N counted items, a few
JSON fields) have their own estimates (:mod:`auditor.checks.answersize`). The phrases and the
thresholds are ``ask-reach`` in rules/answers.yaml. A model that thinks before it answers reaches
any cap (its thinking counts against it): the caller skips this reading then.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from auditor.config.catalog import load_catalog

_NEVER = r"(?!)"
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    data: dict[str, Any] = load_catalog().answers.get("ask-reach") or {}
    return {
        "long": re.compile(str(data.get("long-form") or _NEVER), re.IGNORECASE | re.VERBOSE),
        "title": re.compile(str(data.get("title-ask") or _NEVER), re.IGNORECASE | re.VERBOSE),
        "bounded-items": re.compile(str(data.get("bounded-items") or _NEVER), re.IGNORECASE | re.VERBOSE),
        "title-tokens": int(data.get("title-tokens") or 30),
        "answer-guard": int(data.get("answer-guard") or 1000),
        "unknown-guard": int(data.get("unknown-guard") or data.get("long-form-ceiling") or 16000),
        "ceiling": int(data.get("long-form-ceiling") or 16000),
        "label-words": int(data.get("label-words") or 4),
    }


def ask_kind(texts: list[str]) -> str:
    """``long``, ``title``, ``answer`` or ``unknown`` for the instruction ``texts`` of a request."""
    d = _data()
    if all(not t.strip() or (t.strip().endswith((":", "\uff1a")) and _weight(t) <= d["label-words"]) for t in texts):
        return "unknown"  # no instruction text, or a label before the data ("Previous tasks:"): the ask is in the data
    if any(d["long"].search(t) and not d["bounded-items"].search(t) for t in texts):
        return "long"
    if any(d["title"].search(t) for t in texts):
        return "title"
    return "answer"


def _weight(text: str) -> int:
    """The words of ``text``, a CJK character counting as one."""
    return len(_CJK.findall(text)) + len(_CJK.sub(" ", text).split())


def cap_is_guard(kind: str, cap: int, bound_headroom: float) -> bool:
    """The literal ``cap`` is far above any answer an ask of ``kind`` produces."""
    d = _data()
    if kind == "long":
        return cap >= d["ceiling"]
    if kind == "title":
        return cap >= d["title-tokens"] * bound_headroom
    if kind == "answer":
        return cap >= d["answer-guard"]
    return cap >= d["unknown-guard"]
