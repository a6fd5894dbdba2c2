"""A prompt that ends inside an output field for the model to continue: DSPy's ChainOfThought format ends
with ``Reasoning: Let's think step by step in order to`` (no full stop: the model writes the rest), and
its format block above repeats the same line as the field's specification. That line is the beginning of
the answer, not an instruction: rewording it ("in order to" -> "to") changes what the model continues,
so LA201 leaves it (and its copy in the format spec) alone."""

from __future__ import annotations

import re

_FIELD = re.compile(r"^[A-Z][A-Za-z _-]{0,30}:\s+\S")  # `Reasoning: ...`, `Thought: ...`, `Final answer: ...`
_ENDED = ".!?:;\"')]}>`*"
# the last word of a line that stops mid-clause, for the model to continue ("... in order to", "... because")
_OPEN_END = frozenset({"to", "of", "the", "a", "an", "that", "because", "and", "so", "is", "are", "by", "in", "for",
                       "with", "which", "then", "as", "we", "i", "it", "be"})


def output_prefix(segments) -> str | None:
    """The unfinished field line a message ends with (``Reasoning: Let's think step by step in order to``)."""
    if not segments or segments[-1].kind != "static":
        return None
    line = segments[-1].text.rstrip().rsplit("\n", 1)[-1].strip()
    if not line or line[-1] in _ENDED or not _FIELD.match(line) or line.rsplit(None, 1)[-1].lower() not in _OPEN_END:
        return None  # a finished field ("Tip: Make sure to answer in the correct format") is an instruction
    return line


def in_output_prefix(text: str, at: int, prefix: str | None) -> bool:
    """Does the line of ``text`` holding offset ``at`` start with the message's output prefix?"""
    if not prefix:
        return False
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start:end if end >= 0 else len(text)].strip()
    return line.startswith(prefix)
