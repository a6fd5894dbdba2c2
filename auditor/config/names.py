"""Policy ``prompt-names``: which module-level names hold prompt text.

A name is split into its identifier words (``systemPrompt`` -> system, prompt; ``SYSTEM_MSG`` ->
system, msg; ``HTTPPromptBuilder`` -> http, prompt, builder) and a glob matches it word by word,
case-insensitively: ``*PROMPT*`` is "a word `prompt` anywhere" (``prompt_template``,
``systemPrompt``, ``FEW_SHOT_PROMPTS``), ``SYSTEM*`` is "the first word is `system`"
(``SYSTEM_MSG``, ``system_prompt``, not ``SYSTEMD_UNIT``), ``*INSTRUCTION*`` takes
``instructions`` (a word's plural counts as the word). ``*`` spans whole words, ``?`` one
character inside a word.
"""

from __future__ import annotations

import re
from functools import lru_cache
from itertools import pairwise

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+")


def words(name: str) -> list[str]:
    """The identifier words of ``name``, lower-cased."""
    return [w.lower() for part in name.split("_") for w in _WORD.findall(part)]


def _word_regex(literal: str) -> str:
    """A glob's literal piece as words (each may take a plural ending); ``?`` is one character."""
    if "?" in literal:
        ws = [w.lower() for w in literal.split("_") if w]
        return "_".join(re.escape(w).replace("\\?", "[a-z0-9]") for w in ws)
    return "_".join(w + "(?:e?s)?" for w in words(literal))


@lru_cache(maxsize=256)
def _compile(globs: tuple[str, ...]) -> re.Pattern | None:
    alts = []
    for g in globs:
        lits = [_word_regex(lit) for lit in g.split("*")]
        body = lits[0]
        for left, right in pairwise(lits):  # a `*` between two pieces spans whole words
            if not left and not right:
                body += "[a-z0-9_]*"
            elif not left:
                body += "(?:[a-z0-9]+_)*" + right
            elif not right:
                body += "(?:_[a-z0-9]+)*"
            else:
                body += "(?:_[a-z0-9]+)*_" + right
        alts.append(body)
    return re.compile("^(?:" + "|".join(f"(?:{a})" for a in alts) + ")$") if alts else None


def name_matches(name: str, globs: list[str] | tuple[str, ...]) -> bool:
    """Does the identifier ``name`` match one of the ``prompt-names`` globs (word-wise)?"""
    rx = _compile(tuple(globs))
    return bool(rx and rx.match("_".join(words(name))))


def literal_words(globs: list[str] | tuple[str, ...]) -> list[str]:
    """For a byte pre-scan: per glob, one lower-case word that every name it matches contains
    (case-insensitively); a glob without one (``*``) gives ``""``, meaning anything."""
    out = set()
    for g in globs:
        chunks = [w for piece in re.split(r"[*?]", g) for w in words(piece)]
        out.add(max(chunks, key=len) if chunks else "")
    return sorted(out)


# words that say a text is addressed to people or to another program, not to a model
_ELSEWHERE = {"email", "mail", "html", "sms", "sql", "url", "slack", "notification", "newsletter"}
_PROMPT_WORDS = {"prompt", "prompts", "instruction", "instructions"}


def addressed_elsewhere(name: str) -> bool:
    """``KEY_CREATED_EMAIL_TEMPLATE``, ``HTML_TEMPLATE``, ``SQL_TEMPLATE``: a template for an
    email, a page or a query, whatever ``*TEMPLATE*`` says; ``EMAIL_PROMPT`` is still a prompt."""
    ws = set(words(name))
    return bool(ws & _ELSEWHERE) and not ws & _PROMPT_WORDS
