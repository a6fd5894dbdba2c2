"""How many tokens a reconstructed prompt weighs for a model: static (counted) + dynamic (estimated).

Static text is counted with :func:`auditor.cost.tokens.count_tokens`: exactly with the model
family's encoding for OpenAI models, and with ``o200k_base`` times the provider's
``token-factor`` (``rules/providers.yaml``) for everything else, marked as an estimate.
Each run of adjacent static segments is counted on its own (a hole between two runs breaks
the text, so the tokenizer never merges across it) and the runs are summed; a message made
of one constant therefore counts exactly as that constant does.

Dynamic holes cannot be counted; each gets the policy's estimate for its kind
(``usage: {dynamic-hole-tokens: {dataframe: N, collection: N, volatile: N, user: N, unknown: N}}``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable

from auditor.analysis.roles import segment_runs
from auditor.facts import HOLE_KINDS, Message, Prompt, Segment
from auditor.cost.tokens import count_tokens

OPENAI_PROVIDERS = ("openai", "azure")
# used when the policy gives no estimate for a hole kind
DEFAULT_HOLE_TOKENS = {"dataframe": 2000, "collection": 400, "volatile": 8, "user": 150, "unknown": 150}


@dataclass
class Size:
    """Token size of some prompt text."""

    tokens: int
    exact: bool
    note: str = ""  # why it is not exact ("estimated: claude-... counted with o200k_base x 1.15")

    def __str__(self) -> str:
        return f"{self.tokens:,}" if self.exact else f"~{self.tokens:,}"


@dataclass
class PromptSize:
    static: Size
    dynamic: int  # policy estimate for all holes
    holes: dict[str, int] = field(default_factory=dict)  # kind -> number of holes

    @property
    def total(self) -> int:
        return self.static.tokens + self.dynamic


def token_factor(model: str | None, provider: str | None, providers: Any = None, models: Any = None) -> float:
    """1.0 for OpenAI models; else the ``token-factor`` of the model's (or the call's) provider."""
    from auditor.cost.tokens import _openai_encoding  # the family table lives with the tokenizer

    if model and _openai_encoding(model):
        return 1.0
    owner = provider
    if models is None and model:
        from auditor.config.catalog import load_catalog

        models = load_catalog().models
    if models is not None and model:
        info = models.lookup(model)
        if info is not None and info.provider:
            owner = info.provider
    if owner in OPENAI_PROVIDERS or (owner is None and not model):
        return 1.0
    if providers is None:
        from auditor.config.catalog import load_catalog

        providers = load_catalog().providers()
    return providers.factor(owner or "default")


def text_size(text: str, model: str | None = None, provider: str | None = None, providers: Any = None, models: Any = None) -> Size:
    """Tokens of ``text`` as ``model`` (served by ``provider``) would see it."""
    factor = token_factor(model, provider, providers, models)
    tc = count_tokens(text, model, factor)
    return Size(tc.tokens, tc.exact, tc.note)


def static_runs(segments: Iterable[Segment]) -> list[list[Segment]]:
    """Maximal runs of adjacent static segments (holes and unresolved refs split them)."""
    return segment_runs(segments, lambda seg: seg.kind == "static")


def run_text(run: list[Segment]) -> str:
    return "".join(s.text for s in run)


def static_size(prompt: Prompt | list[Message], model: str | None = None, provider: str | None = None, providers: Any = None, models: Any = None) -> Size:
    """Static tokens of a prompt: the sum over messages of the tokens of each static run."""
    messages = prompt.messages if isinstance(prompt, Prompt) else prompt
    total = 0
    exact = True
    notes: list[str] = []
    factor = token_factor(model, provider, providers, models)
    for m in messages:
        for run in static_runs(m.segments):
            text = run_text(run)
            if not text:
                continue
            tc = count_tokens(text, model, factor)
            total += tc.tokens
            exact = exact and tc.exact
            if tc.note and tc.note not in notes:
                notes.append(tc.note)
    return Size(total, exact, "; ".join(notes))


def hole_estimates(policy: Any = None) -> dict[str, int]:
    """Tokens assumed per hole kind: policy ``usage.dynamic-hole-tokens`` over the defaults."""
    est = dict(DEFAULT_HOLE_TOKENS)
    usage = {}
    if policy is not None:
        try:
            usage = policy.get("usage") or {}
        except AttributeError:
            usage = dict(policy or {})
    for kind, n in ((usage or {}).get("dynamic-hole-tokens") or {}).items():
        if kind in HOLE_KINDS and isinstance(n, (int, float)):
            est[kind] = int(math.ceil(n))
    return est


def dynamic_size(prompt: Prompt | list[Message], policy: Any = None) -> tuple[int, dict[str, int]]:
    """(estimated tokens of all holes, number of holes per kind)."""
    messages = prompt.messages if isinstance(prompt, Prompt) else prompt
    est = hole_estimates(policy)
    counts: dict[str, int] = {}
    total = 0
    for m in messages:
        for seg in m.segments:
            if seg.kind in ("hole", "ref"):
                kind = seg.hole_kind if seg.kind == "hole" and seg.hole_kind in est else "unknown"
                counts[kind] = counts.get(kind, 0) + 1
                total += est[kind]
    return total, counts


def prompt_size(prompt: Prompt, model: str | None = None, provider: str | None = None, policy: Any = None, providers: Any = None) -> PromptSize:
    """Static size (counted) and dynamic estimate of a prompt for a model."""
    models = getattr(policy, "models", None) if policy is not None else None
    static = static_size(prompt, model, provider, providers, models)
    dynamic, holes = dynamic_size(prompt, policy)
    return PromptSize(static, dynamic, holes)


def hole_key(seg: Segment, site: Any = None) -> str:
    """A stable key for a prompt hole (where it is written), shared by the cost model and the checks."""
    span = seg.span
    path = getattr(seg, "path", None) or (site.path if site is not None else "")
    cell = getattr(seg, "cell", None)
    if cell is None and site is not None and not getattr(seg, "path", None):
        cell = site.cell
    where = f"{span.line}:{span.column}:{span.end_line}:{span.end_column}" if span is not None else (seg.expr or "")
    return f"{path}:{cell}:{where}"
