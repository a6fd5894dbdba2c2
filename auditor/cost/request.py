"""One call site's request as the cost model sees it, its price, and what a finding's fix changes.

A :class:`Request` is the simulated request: the model, input tokens (with the part read from
or written to the provider's prompt cache), the typical and the maximum output, the number of
samples and whether it goes through a Batch API. :func:`price` is the one pricing function every
figure uses (the report's cost, ``check``'s savings, the gate), and :func:`apply` applies one
:class:`~auditor.findings.RequestChange` to a copy, so the saving of a set of fixes is simply
``price(before) - price(after)`` and can never exceed the site's cost.

Pricing per call (USD per 1M tokens from the catalog): uncached input x input price (batch
input with ``batch``) + cache reads x cached-input price + cache writes x cache-write price
(default 1.25 x input) + output x output price (batch output with ``batch``), output
multiplied by the number of samples. The typical cost uses the typical output, the worst case
the maximum output (the cap, or the model's maximum when the call sets none).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from auditor.config.catalog import ModelInfo
from auditor.findings import RequestChange

if TYPE_CHECKING:  # pragma: no cover
    from auditor.config.catalog import ModelCatalog
    from auditor.cost.frames import FrameState

WRITE_PREMIUM = 1.25  # explicit caches: a cache write costs this x the input price (Anthropic)


@dataclass
class CacheState:
    mode: str = "none"  # automatic | explicit | implicit | none
    minimum: int = 0
    hit_rate: float = 0.9
    prefix_tokens: float = 0.0  # static prefix the provider caches as the request is written
    measured_read: float | None = None  # cache reads per call from telemetry
    measured_write: float | None = None

    def reads_writes(self, input_tokens: float) -> tuple[float, float]:
        """(tokens read from the cache, tokens written to it) per call, on average."""
        if self.measured_read is not None or self.measured_write is not None:
            read = min(input_tokens, self.measured_read or 0.0)
            return read, min(input_tokens - read, self.measured_write or 0.0)
        prefix = min(self.prefix_tokens, input_tokens)
        if self.mode == "none" or prefix <= 0 or prefix < self.minimum:
            return 0.0, 0.0
        read = prefix * self.hit_rate
        write = prefix * (1 - self.hit_rate) if self.mode == "explicit" else 0.0
        return read, write


@dataclass
class Request:
    model: ModelInfo | None
    fixed_input: float = 0.0  # static text + message overhead + non-frame holes (estimated)
    static_tokens: float = 0.0
    frames: dict[str, FrameState] = field(default_factory=dict)
    input_adjust: float = 0.0  # measured input - estimated input (telemetry), kept under changes
    typical_output: float = 0.0
    max_output: float | None = None  # None: unknown (worst case = typical)
    model_max: bool = False  # max_output is the model's maximum (no cap)
    samples: int = 1
    batch: bool = False
    cache: CacheState = field(default_factory=CacheState)

    @property
    def input_tokens(self) -> float:
        return max(0.0, self.fixed_input + sum(f.tokens for f in self.frames.values()) + self.input_adjust)

    def copy(self) -> Request:
        """A copy that changes can edit (frames are replaced, never edited in place)."""
        return replace(self, frames=dict(self.frames), cache=replace(self.cache))


def input_price(model: ModelInfo | None, batch: bool = False) -> float | None:
    return None if model is None else _price(model, "input", batch)


def output_price(model: ModelInfo | None, batch: bool = False) -> float | None:
    return None if model is None else _price(model, "output", batch)


def call_cost(model: ModelInfo | None, input_tokens: float, output_tokens: float, batch: bool = False) -> float | None:
    """USD for one call of ``model``; None when its prices are unknown."""
    ip, op = input_price(model, batch), output_price(model, batch)
    if ip is None or op is None:
        return None
    return (input_tokens * ip + output_tokens * op) / 1_000_000


def _price(model: ModelInfo, key: str, batch: bool) -> float | None:
    if batch and model.price_of(f"batch-{key}") is not None:
        return model.price_of(f"batch-{key}")
    return model.price_of(key)


def price(req: Request, worst: bool = False) -> float | None:
    """USD per call; None when the model's prices are unknown."""
    m = req.model
    if m is None:
        return None
    ip, op = _price(m, "input", req.batch), _price(m, "output", req.batch)
    if ip is None or op is None:
        return None
    total_in = req.input_tokens
    read, write = req.cache.reads_writes(total_in)
    cached = m.price_of("cached-input")
    read_price = cached if cached is not None else ip
    write_price = m.price_of("cache-write") or ip * WRITE_PREMIUM
    out = (req.max_output if worst and req.max_output is not None else req.typical_output) * max(1, req.samples)
    usd = (total_in - read - write) * ip + read * read_price + write * write_price + out * op
    return usd / 1_000_000


def apply(req: Request, change: RequestChange, models: ModelCatalog) -> Request:
    """A copy of ``req`` with ``change`` applied."""
    r = req.copy()
    k = change.kind
    if k == "input":
        cut = min(change.tokens, max(0.0, r.fixed_input))
        r.fixed_input -= cut
        r.static_tokens = max(0.0, r.static_tokens - cut)
        r.cache.prefix_tokens = max(0.0, min(r.cache.prefix_tokens, r.static_tokens))
    elif k == "budget" and change.value is not None:
        cut = max(0.0, r.static_tokens - change.value)
        r.fixed_input = max(0.0, r.fixed_input - cut)
        r.static_tokens -= cut
        r.cache.prefix_tokens = min(r.cache.prefix_tokens, r.static_tokens)
    elif k == "frame-rows" and change.key in r.frames and change.value is not None:
        r.frames[change.key] = r.frames[change.key].bounded(int(change.value))
    elif k == "frame-columns" and change.key in r.frames and change.value is not None:
        r.frames[change.key] = r.frames[change.key].without_columns(list(change.names), int(change.value))
    elif k in ("cap", "stop") and change.value is not None:
        bound = float(change.value)
        r.max_output = bound if r.max_output is None else min(r.max_output, bound)
        r.model_max = False if r.max_output == bound else r.model_max
        r.typical_output = min(r.typical_output, bound)
    elif k == "samples" and change.value is not None:
        r.samples = max(1, min(r.samples, int(change.value)))
    elif k == "cache":
        r.cache.prefix_tokens = max(r.cache.prefix_tokens, change.tokens)
        if change.value is not None:  # the mode the fix enables (explicit breakpoint)
            r.cache.mode = r.cache.mode if r.cache.mode != "none" else "explicit"
    elif k == "model" and change.model:
        new = models.lookup(change.model)
        if new is not None:
            if r.model_max and new.max_output:
                r.max_output = float(new.max_output)
            r.model = new
    elif k == "batch":
        r.batch = True
    return r
