"""Offline, exact token counting for prompts (SPEC §3).

Counts use tiktoken with the encoding of the model family (``o200k_base`` or
``cl100k_base``), loaded offline by :mod:`auditor.cost.encodings`; counts already made are read
from :mod:`auditor.cost.tokenmemo`. Without any encoding, :func:`count_tokens` falls back to
:func:`estimate_tokens` and says ``exact=False`` / "approximate".

Non-OpenAI models are counted with ``o200k_base`` times a per-provider factor the caller
reads from ``rules/providers.yaml`` (``token-factor``); such counts are estimates.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from auditor.cost import tokenmemo
from auditor.cost.encodings import CL100K, O200K, count_ordinary, encoding_available, get_encoding

__all__ = [
    "CL100K",
    "O200K",
    "TokenCount",
    "count_tokens",
    "encoding_available",
    "encoding_name_for_model",
    "estimate_tokens",
    "get_encoding",
]

ESTIMATE = "estimate"

# OpenAI model families (after stripping "provider/" and "ft:" prefixes). Dated snapshots
# and suffixes ("gpt-4o-2024-08-06", "o3-mini", "gpt-4.1-nano") match by prefix.
_O200K_RE = re.compile(
    r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex-mini)(?![a-z0-9])"
)
_CL100K_RE = re.compile(
    r"^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)"
    r"(?![a-z0-9])"
)


@dataclass(frozen=True)
class TokenCount:
    """Result of :func:`count_tokens`."""

    tokens: int
    exact: bool  # True only for an exact count with an OpenAI encoding and factor == 1.0
    encoding: str  # "o200k_base" | "cl100k_base" | "estimate"
    note: str = ""  # why the count is not exact, e.g. "estimated: ... x 1.15"


def _base_model(model: str) -> str:
    m = model.strip().lower()
    m = m.rsplit("/", 1)[-1]  # openai/gpt-4o, azure/gpt-4o, openrouter/openai/gpt-4o
    return m.removeprefix("ft:")  # ft:gpt-4o-mini-2024-07-18:org::id


def _openai_encoding(model: str | None) -> str | None:
    """Encoding of a known OpenAI model family, or None if the model is not one."""
    if not model:
        return None
    m = _base_model(model)
    if _O200K_RE.match(m):
        return O200K
    if _CL100K_RE.match(m):
        return CL100K
    return None


def encoding_name_for_model(model: str | None) -> str:
    """``o200k_base`` or ``cl100k_base`` for an OpenAI family; ``o200k_base`` otherwise."""
    return _openai_encoding(model) or O200K


def estimate_tokens(text: str) -> int:
    """Fallback when no encoding is available: ``ceil(ascii_chars / 4) + non_ascii_chars``.

    Four ASCII characters per token is OpenAI's rule of thumb for English and code; other
    characters (CJK, emoji, accented letters) count one token each, which errs high
    rather than low.
    """
    non_ascii = sum(1 for ch in text if ord(ch) > 127) if not text.isascii() else 0
    return math.ceil((len(text) - non_ascii) / 4) + non_ascii


def count_tokens(text: str, model: str | None = None, factor: float = 1.0) -> TokenCount:
    """Count the tokens of ``text`` as ``model`` would see it.

    OpenAI families are counted exactly with their encoding. Other (or unrecognised)
    models are counted with ``o200k_base`` times ``factor`` (the provider's
    ``token-factor``, rounded up) and marked ``exact=False``; ``model=None`` counts
    exactly with ``o200k_base``. Special-token strings such as ``<|endoftext|>`` are
    counted as ordinary text, as the APIs treat them in message content.
    """
    if not (factor > 0 and math.isfinite(factor)):
        raise ValueError(f"factor must be a positive number, got {factor!r}")
    known = _openai_encoding(model)
    name = known or O200K
    scaled = factor != 1.0
    memo_key = f"{name}:{hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
    cached = tokenmemo.lookup(memo_key)
    if cached is None:
        cached = count_ordinary(name, text)
        if cached is not None:
            tokenmemo.record(memo_key, cached)
    if cached is None:
        n, encoding = estimate_tokens(text), ESTIMATE
        note = "approximate: no tokenizer available; ceil(ascii chars / 4) + other chars"
    else:
        n, encoding = cached, name
        if model and not known:
            note = f"estimated: {model} is not an OpenAI model; counted with {name}"
        elif scaled:
            note = f"estimated: {model or 'text'} counted with {name}"
        else:
            note = ""
    if scaled:
        note += f" x {factor:g}"
        n = math.ceil(round(n * factor, 6))  # round() first: 100 * 1.1 must give 110
    exact = encoding != ESTIMATE and (model is None or known is not None) and not scaled
    return TokenCount(tokens=n, exact=exact, encoding=encoding, note=note)

