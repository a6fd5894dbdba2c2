"""What a prompt asks for (LA401's simple-task detection): the instruction's main ask, not any word.

A task phrase ("classify", "extract", "reformat") marks a simple task only where it is asked:

* at the start of a sentence or list item of the instruction text, after an optional lead-in
  (``ask-lead-ins``: "Please", "Your task is to", "You will", "Now", a label like "Task:"); or
* in a question ("Which category does this ticket belong to?"); or
* when the phrase is itself the answer's shape ("answer with one word", "yes or no",
  "positive, negative or neutral": ``answer-words`` say which phrases those are).

"...the content they categorize" or "an assistant that can classify messages" is not an ask. And a
prompt whose instruction also asks for open-ended output (``open-asks``: "create a response",
"write", "draft", "generate") is not a simple task, whatever else it asks.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_SENTENCES = re.compile(r"[^.!?\n]+[.!?]?")


@lru_cache(maxsize=16)
def _compiled(lead_ins: tuple[str, ...], answer_words: tuple[str, ...], opens: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str], list[re.Pattern[str]]]:
    lead = "|".join(f"(?:{p})" for p in lead_ins) or r"(?!)"
    start = re.compile(r"[\s\"'*_`>#\-\u2022]*(?:\d+[.)]\s*)?(?:(?:%s)[\s,:]*)*" % lead, re.IGNORECASE)
    answers = re.compile(r"^(?:%s)\b" % ("|".join(answer_words) or r"(?!)"), re.IGNORECASE)
    return start, answers, [re.compile(p, re.IGNORECASE) for p in opens]


def _params(params: dict[str, Any]):
    return _compiled(
        tuple(params.get("ask-lead-ins") or ()),
        tuple(params.get("answer-words") or ()),
        tuple(params.get("open-asks") or ()),
    )


def open_ask(text: str, params: dict[str, Any]) -> re.Match[str] | None:
    """An open-ended generation ask in the instruction text ("write a reply"), if any."""
    for p in _params(params)[2]:
        m = p.search(text)
        if m:
            return m
    return None


def task_match(pattern: re.Pattern[str], text: str, params: dict[str, Any]) -> re.Match[str] | None:
    """The first match of a task phrase that is asked (see the module docstring)."""
    start, answers, _ = _params(params)
    for m in pattern.finditer(text):
        if answers.match(m.group(0)):
            return m
        a = text.rfind("\n", 0, m.start()) + 1
        for c in ".!?":
            a = max(a, text.rfind(c, 0, m.start()) + 1)
        sentence_end = min([i for i in (text.find(c, m.end()) for c in ".!?\n") if i >= 0] or [len(text)])
        if text[sentence_end : sentence_end + 1] == "?":
            return m  # a question asks it
        if start.fullmatch(text, a, m.start()) is not None:
            return m  # only lead-ins before it ("Classify the sentiment:" is not a label before "sentiment")
    return None
