"""How long an answer of N counted items is (LA606): "Generate 5 multiple choice questions",
"Create 20 examples", "Get three missions ... and tell me which is most important".

The answer weighs about N times one item: the item of the prompt's JSON example when it gives a
list of item objects (``{"questions": [{"question": ..., "options": [...]}, ...]}``), else the
weight of the noun that counts it (``counted-items`` in ``rules/answers.yaml``: words, sentences,
questions ...), else ``default-item`` (an item of a sentence or two). Long items (paragraphs,
articles, stories, programs) and counts above ``max-count`` give no estimate: the answer may be
as long as the cap. A succinct only-this answer ("Answer only with the succinct context and
nothing else") weighs a sentence or two.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from auditor.config.catalog import load_catalog

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
          "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_COUNTED = re.compile(
    r"\b(?:generate|create|write|list|give|provide|return|produce|suggest|get|tell\s+me|rank|pick|choose|select|name|output|propose|identify|draft|come\s+up\s+with)"
    r"\s+(?:me\s+|us\s+)?(?:up\s+to\s+|exactly\s+|the\s+top\s+|top\s+|only\s+)?(\d{1,3}|" + "|".join(_WORDS) + r")\s+"
    r"((?:(?!(?:on|about|for|from|that|which|to|in|of|with|and|or|so|based|using|per|each)\b)[A-Za-z][\w'-]*\s*){1,4})",
    re.IGNORECASE,
)
_SUCCINCT_ONLY = re.compile(
    r"\b(?:respond|reply|answer|return|output)\s+(?:with\s+)?only\b[^.\n]{0,40}?\b(?:succinct|brief|short|concise|one[- ]sentence|single[- ]sentence)\b",
    re.IGNORECASE,
)
SUCCINCT_TOKENS = 100


@lru_cache(maxsize=1)
def _data() -> tuple[dict[str, int], re.Pattern[str], int, int]:
    """``counted-items`` of rules/answers.yaml: (tokens per noun, long-item nouns, default item, max count)."""
    data: dict[str, Any] = load_catalog().answers.get("counted-items") or {}
    sizes = {str(k).lower(): int(v) for k, v in (data.get("sizes") or {}).items()}
    long_items = re.compile(str(data.get("long-items") or r"(?!)"), re.IGNORECASE)
    return sizes, long_items, int(data.get("default-item") or 150), int(data.get("max-count") or 50)


def asks_counted(text: str) -> bool:
    """The text asks for N counted items."""
    return _COUNTED.search(text) is not None


def counted_answer_tokens(text: str, item_tokens: int | None) -> int | None:
    """The tokens of the answer ``text`` asks for as N counted items (``item_tokens``: one item of
    the prompt's JSON example, when it gives one), or of a succinct only-this answer; else None."""
    sizes, long_items, default, most = _data()
    best: int | None = SUCCINCT_TOKENS if _SUCCINCT_ONLY.search(text) else None
    for m in _COUNTED.finditer(text):
        raw = m.group(1).lower()
        n = int(raw) if raw.isdigit() else _WORDS.get(raw, 0)
        noun = m.group(2).split()[-1].lower().strip("'")
        if n <= 0 or n > most or long_items.search(noun):
            return None  # data-sized or long items: the answer may reach any cap
        per = sizes.get(noun) or item_tokens or default
        best = max(best or 0, n * per)
    return best


def item_tokens(objects: list[str]) -> int | None:
    """The tokens of the largest item object of a JSON example's list (``[{...}, {...}, ...]``)."""
    sizes = [len(inner) for obj in objects for inner in _inner_items(obj)]
    return -(-max(sizes) // 3) if sizes else None


def _inner_items(obj: str) -> list[str]:
    """The ``{...}`` blocks one level inside ``obj`` (the items of its lists)."""
    return balanced_objects(obj[1:-1])


def balanced_objects(text: str) -> list[str]:
    """The outermost balanced ``{...}`` blocks of ``text``."""
    out: list[str] = []
    depth = start = 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                out.append(text[start : i + 1])
    return out
