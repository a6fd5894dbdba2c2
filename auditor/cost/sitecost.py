"""What one call site costs, and the traits of a site the cost model needs from the checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class SiteTraits:
    """What the cost model needs to know about a site that the checks work out (the engine
    wires :func:`auditor.checks.traits.site_traits` in): the short answer the prompt asks for,
    whether a stop sequence bounds it, and how the provider's prompt cache meets the prompt."""

    answer_tokens: int | None = None  # typical output of a short-answer prompt
    answer_phrase: str = ""
    stopped: bool = False  # a stop sequence is set on a short-answer prompt
    stop_worst_tokens: int | None = None  # the worst case a stop sequence leaves
    cache_mode: str = "none"
    cache_minimum: int = 0
    cache_prefix_tokens: float = 0.0  # static prefix the provider caches as written
    hit_rate: float = 0.9
    frame_params: dict[str, Any] = field(default_factory=dict)  # LA301 params (the frame model)
    id_params: dict[str, Any] = field(default_factory=dict)  # LA302 params


@dataclass
class SiteCost:
    """What one call site costs per call and per month, and what each figure rests on."""

    site_id: str
    model: str | None  # as written (literal, constant, env default)
    catalog_model: str | None  # the catalog entry it resolved to
    provider: str
    static_tokens: int = 0
    dynamic_tokens: float = 0.0
    holes: dict[str, int] = field(default_factory=dict)  # hole kind -> count
    input_tokens: float = 0.0
    cached_tokens: float = 0.0  # per call, read from the provider's prompt cache (average)
    cache_write_tokens: float = 0.0
    tokens_exact: bool = True
    token_note: str = ""
    cap: int | None = None  # the output cap the call sets (or the SDK default)
    cap_state: str = "missing"  # present | sdk-default | unknown | missing
    output_max: int | None = None  # cap, else model maximum (worst case)
    worst_case: bool = False  # output_max is the model maximum: no cap is set
    output_tokens: float = 0.0  # typical output per call
    samples: int = 1
    input_price: float | None = None  # USD per 1M
    output_price: float | None = None
    batch: bool = False
    cost_per_call: float | None = None
    worst_cost_per_call: float | None = None
    monthly_calls: float = 0.0
    monthly_cost: float | None = None
    worst_monthly_cost: float | None = None
    calibrated: bool = False
    observed: bool = True  # False: --usage-log given and no record maps to this site
    measured_cost_per_call: float | None = None  # spend per call from the logs
    sources: dict[str, str] = field(default_factory=dict)  # figure -> where it comes from
