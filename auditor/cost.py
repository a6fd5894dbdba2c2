"""Per-call-site cost and per-finding savings (SPEC §7).

Monthly calls come from the usage assumptions: policy ``usage:`` defaults, overridden by an
Infracost-style ``llm-audit-usage.yaml`` (``defaults`` and per-site ``sites`` keyed by call-site
id or glob). Prices come from the model catalog (USD per 1M tokens).
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any

from auditor.callsites import CallSite
from auditor.catalog import ModelCatalog, ModelInfo
from auditor.findings import Savings

DEFAULT_MONTHLY_CALLS = 10_000


@dataclass
class Usage:
    defaults: dict[str, Any] = field(default_factory=dict)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "policy defaults"
    calibrated: dict[str, dict[str, Any]] = field(default_factory=dict)  # from telemetry

    def for_site(self, site_id: str) -> dict[str, Any]:
        merged = dict(self.defaults)
        for pattern, values in self.sites.items():
            if "*" in pattern or "?" in pattern or "[" in pattern:
                if fnmatch.fnmatchcase(site_id, pattern):
                    merged.update(values or {})
        if site_id in self.sites:
            merged.update(self.sites[site_id] or {})
        if site_id in self.calibrated:
            merged.update(self.calibrated[site_id])
        return merged

    def monthly_calls(self, site_id: str) -> float:
        value = self.for_site(site_id).get("monthly-calls", DEFAULT_MONTHLY_CALLS)
        return float(value or 0)


def input_price(model: ModelInfo | None, batch: bool = False) -> float | None:
    if model is None:
        return None
    if batch and model.price_of("batch-input") is not None:
        return model.price_of("batch-input")
    return model.price_of("input")


def output_price(model: ModelInfo | None, batch: bool = False) -> float | None:
    if model is None:
        return None
    if batch and model.price_of("batch-output") is not None:
        return model.price_of("batch-output")
    return model.price_of("output")


class CostModel:
    def __init__(self, models: ModelCatalog, usage: Usage):
        self.models = models
        self.usage = usage

    def model(self, site: CallSite) -> ModelInfo | None:
        return self.models.lookup(site.model_name)

    def savings(self, site: CallSite, *, input_tokens: float = 0.0, output_tokens: float = 0.0, basis: str = "", usd_per_call: float | None = None) -> Savings | None:
        """Savings of removing ``input_tokens``/``output_tokens`` per call at this site's prices."""
        model = self.model(site)
        calls = self.usage.monthly_calls(site.id)
        if usd_per_call is None:
            ip, op = input_price(model), output_price(model)
            if ip is None or op is None:
                return Savings(tokens_per_call=input_tokens + output_tokens, usd_per_call=0.0, usd_per_month=0.0, basis=(basis + "; model price unknown").strip("; "))
            usd_per_call = (input_tokens * ip + output_tokens * op) / 1_000_000
        return Savings(
            tokens_per_call=round(input_tokens + output_tokens, 1),
            usd_per_call=round(usd_per_call, 8),
            usd_per_month=round(usd_per_call * calls, 4),
            basis=basis,
        )
