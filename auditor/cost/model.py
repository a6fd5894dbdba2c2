"""Per-call-site cost and per-finding savings (SPEC §7).

For one call site, per call:

- **input tokens** = static prompt tokens (counted exactly with tiktoken for OpenAI models;
  other providers: ``o200k_base`` x the providers catalog ``token-factor``) + a per-message
  overhead + an estimate for each dynamic hole by kind (policy ``usage.dynamic-hole-tokens``);
  a usage file or telemetry may give a measured ``input-tokens`` instead;
- **output tokens**: the *maximum* is the literal cap, the SDK's default cap, or - when the
  call sets none - the model's maximum output (the worst case, flagged as such); the *typical*
  figure is ``output-tokens`` from the usage file or telemetry, else the cap x
  ``typical-output-ratio``, else (uncapped) ``typical-output-tokens``;
- **price** from the model catalog (USD per 1M tokens; batch prices when the usage file says
  ``batch: true``).

Monthly cost = cost per call (typical output) x monthly calls; the worst case uses the
maximum output. Monthly calls come from :class:`Usage`: policy ``usage:`` defaults, an
Infracost-style ``llm-audit-usage.yaml`` (``defaults`` and per-site ``sites`` keyed by
call-site id or glob; see :mod:`auditor.cost.usage`) and telemetry (:mod:`auditor.cost.calibrate`).
"""

from __future__ import annotations

import fnmatch
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.facts import CallSite
from auditor.config.catalog import ModelCatalog, ModelInfo, Providers
from auditor.findings import Savings

if TYPE_CHECKING:  # pragma: no cover
    from auditor.config.policy import Policy

DEFAULT_MONTHLY_CALLS = 10_000
# tokens assumed for a dynamic hole of each kind when nothing better is known
DEFAULT_HOLE_TOKENS: dict[str, float] = {"dataframe": 2000, "collection": 400, "user": 150, "unknown": 150, "volatile": 8}
DEFAULT_TYPICAL_OUTPUT_RATIO = 0.5  # typical answer length as a share of the cap
DEFAULT_TYPICAL_OUTPUT_TOKENS = 512  # typical answer length of an uncapped call
MESSAGE_OVERHEAD = 4  # per message: role and separators (OpenAI's counting guide)
LOCAL_PROVIDERS = ("ollama", "vllm", "huggingface", "lmstudio", "llamacpp")  # self-hosted: no per-token price


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


@dataclass
class Usage:
    """Usage assumptions: defaults, per-site values (ids or globs) and telemetry calibration.

    Later sources win: ``defaults`` < matching globs (in file order) < the exact site id <
    ``calibrated`` (measured from telemetry by :mod:`auditor.cost.calibrate`).
    """

    defaults: dict[str, Any] = field(default_factory=dict)
    sites: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = "policy defaults"
    calibrated: dict[str, dict[str, Any]] = field(default_factory=dict)  # from telemetry
    # policy ``usage:`` settings (dynamic-hole-tokens, typical-output-ratio, ...)
    settings: dict[str, Any] = field(default_factory=dict)
    extra_apis: list[dict[str, Any]] = field(default_factory=list)  # policy ``call-sites``
    path: Path | None = None  # the usage file, when one was read
    file_defaults: set[str] = field(default_factory=set)  # default keys the usage file sets
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_policy(cls, policy: Policy, path: Path | None = None, strict: bool = False, missing_ok: bool = False) -> Usage:
        """Policy defaults plus the usage file (``path``, policy ``usage.file``, or
        ``llm-audit-usage.yaml`` next to the policy). A broken file raises
        :class:`auditor.cost.usage.UsageError` when ``strict``; otherwise it is noted in ``errors``."""
        from auditor.cost.usage import UsageError, default_usage_path, read_usage_file

        settings = dict(policy.get("usage") or {})
        usage = cls(
            defaults={"monthly-calls": settings.get("monthly-calls", DEFAULT_MONTHLY_CALLS)},
            settings=settings,
            extra_apis=list(policy.get("call-sites", []) or []),
        )
        target = path or default_usage_path(policy)
        if target is None or ((path is None or missing_ok) and not target.is_file()):
            return usage  # no usage file (yet: --sync-usage creates it)
        try:
            defaults, sites = read_usage_file(target)
        except UsageError as e:
            if strict:
                raise
            usage.errors.append(str(e))
            return usage
        usage.defaults.update(defaults)
        usage.file_defaults = set(defaults)
        usage.sites = sites
        usage.source = target.name
        usage.path = target
        return usage

    def for_site(self, site_id: str) -> dict[str, Any]:
        merged = dict(self.defaults)
        for pattern, values in self.sites.items():
            if _is_glob(pattern) and fnmatch.fnmatchcase(site_id, pattern):
                merged.update({k: v for k, v in (values or {}).items() if v is not None})
        if site_id in self.sites:
            merged.update({k: v for k, v in (self.sites[site_id] or {}).items() if v is not None})
        if site_id in self.calibrated:
            merged.update(self.calibrated[site_id])
        return merged

    def source_of(self, site_id: str, key: str) -> str:
        """Where ``key`` for this site comes from: telemetry, the usage file, or defaults."""
        if key in self.calibrated.get(site_id, {}):
            return "telemetry"
        if (self.sites.get(site_id) or {}).get(key) is not None:
            return self.source
        for pattern, values in self.sites.items():
            if _is_glob(pattern) and fnmatch.fnmatchcase(site_id, pattern) and (values or {}).get(key) is not None:
                return f"{self.source} ({pattern})"
        if key in self.file_defaults:
            return f"{self.source} defaults"
        return "policy default" if key in self.settings else "default"

    def monthly_calls(self, site_id: str) -> float:
        value = self.for_site(site_id).get("monthly-calls", DEFAULT_MONTHLY_CALLS)
        try:
            return max(0.0, float(value or 0))
        except (TypeError, ValueError):
            return float(DEFAULT_MONTHLY_CALLS)

    # ---------------------------------------------------------------- settings
    def hole_tokens(self) -> dict[str, float]:
        return {**DEFAULT_HOLE_TOKENS, **{k: float(v) for k, v in (self.settings.get("dynamic-hole-tokens") or {}).items()}}

    @property
    def typical_output_ratio(self) -> float:
        return float(self.settings.get("typical-output-ratio", DEFAULT_TYPICAL_OUTPUT_RATIO))

    @property
    def typical_output_tokens(self) -> float:
        return float(self.settings.get("typical-output-tokens", DEFAULT_TYPICAL_OUTPUT_TOKENS))


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


def call_cost(model: ModelInfo | None, input_tokens: float, output_tokens: float, batch: bool = False) -> float | None:
    """USD for one call of ``model``; None when its prices are unknown."""
    ip, op = input_price(model, batch), output_price(model, batch)
    if ip is None or op is None:
        return None
    return (input_tokens * ip + output_tokens * op) / 1_000_000


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
    tokens_exact: bool = True
    token_note: str = ""
    cap: int | None = None  # the output cap the call sets (or the SDK default)
    cap_state: str = "missing"  # present | sdk-default | unknown | missing
    output_max: int | None = None  # cap, else model maximum (worst case)
    worst_case: bool = False  # output_max is the model maximum: no cap is set
    output_tokens: float = 0.0  # typical output per call
    input_price: float | None = None  # USD per 1M
    output_price: float | None = None
    batch: bool = False
    cost_per_call: float | None = None
    worst_cost_per_call: float | None = None
    monthly_calls: float = 0.0
    monthly_cost: float | None = None
    worst_monthly_cost: float | None = None
    calibrated: bool = False
    sources: dict[str, str] = field(default_factory=dict)  # figure -> where it comes from


class CostModel:
    """Prices call sites and findings under the usage assumptions (one per run)."""

    def __init__(self, models: ModelCatalog, usage: Usage, providers: Providers | None = None):
        self.models = models
        self.usage = usage
        self._providers = providers
        self._estimates: dict[str, SiteCost] = {}

    @property
    def providers(self) -> Providers:
        if self._providers is None:
            from auditor.config.catalog import load_catalog

            self._providers = load_catalog().providers(self.usage.extra_apis)
        return self._providers

    def model(self, site: CallSite) -> ModelInfo | None:
        return self.models.lookup(site.model_name, site.provider)

    # ---------------------------------------------------------------- per site
    def estimate(self, site: CallSite) -> SiteCost:
        """The cost of one call site (cached per site id for the run)."""
        cached = self._estimates.get(site.id)
        if cached is None:
            cached = self._estimate(site)
            self._estimates[site.id] = cached
        return cached

    def _estimate(self, site: CallSite) -> SiteCost:
        from auditor.cost.sizing import dynamic_size, static_size

        model = self.model(site)
        provider = model.provider if model is not None else site.provider
        values = self.usage.for_site(site.id)
        cost = SiteCost(site_id=site.id, model=site.model_name, catalog_model=model.name if model else None, provider=provider)
        cost.calibrated = site.id in self.usage.calibrated

        # input: static tokens counted (each run of static text on its own), holes estimated
        size = static_size(site.prompt, model.name if model else site.model_name, site.provider, self.providers, self.models)
        cost.static_tokens = size.tokens + MESSAGE_OVERHEAD * len(site.prompt.messages)
        cost.tokens_exact = size.exact
        cost.token_note = size.note
        cost.dynamic_tokens, cost.holes = dynamic_size(site.prompt, {"usage": {"dynamic-hole-tokens": self.usage.hole_tokens()}})
        cost.dynamic_tokens = float(cost.dynamic_tokens)
        cost.input_tokens = cost.static_tokens + cost.dynamic_tokens
        cost.sources["input"] = "static text + hole estimates" if cost.holes else "static text"
        if _number(values.get("input-tokens")) is not None:
            cost.input_tokens = float(values["input-tokens"])
            cost.sources["input"] = self.usage.source_of(site.id, "input-tokens")

        # output: the cap (or the worst case) and a typical figure
        api = self.providers.api(site.api)
        if api is not None and api.cap:
            state, param = site.first_present(api.cap)
            if state == "present" and param is not None and param.value.is_literal and _number(param.value.value) is not None:
                cost.cap, cost.cap_state = int(param.value.value), "present"
            elif state == "present":
                cost.cap_state = "unknown"  # a variable: its value is not known here
            elif api.cap_default is not None:
                cost.cap, cost.cap_state = int(api.cap_default), "sdk-default"
            else:
                cost.cap_state = state
        max_out = model.max_output if model is not None else None
        if cost.cap is not None:
            cost.output_max = min(cost.cap, max_out) if max_out else cost.cap
        elif max_out:
            cost.output_max, cost.worst_case = int(max_out), True
        measured_out = _number(values.get("output-tokens"))
        if measured_out is not None:
            cost.output_tokens = measured_out
            cost.sources["output"] = self.usage.source_of(site.id, "output-tokens")
        elif cost.cap is not None:
            cost.output_tokens = cost.output_max * self.usage.typical_output_ratio  # type: ignore[operator]
            cost.sources["output"] = f"cap x {self.usage.typical_output_ratio:g}"
        else:
            typical = self.usage.typical_output_tokens
            cost.output_tokens = min(typical, max_out) if max_out else typical
            cost.sources["output"] = "typical uncapped answer"

        # prices and totals
        cost.batch = bool(values.get("batch", False))
        if site.extra.get("local"):  # served by a local server (rules/endpoints.yaml): $0 per token
            model = None
            cost.provider = site.provider
            cost.catalog_model = None
            cost.input_price = cost.output_price = 0.0
            cost.monthly_calls = self.usage.monthly_calls(site.id)
            cost.sources["monthly_calls"] = self.usage.source_of(site.id, "monthly-calls")
            cost.cost_per_call = cost.worst_cost_per_call = cost.monthly_cost = cost.worst_monthly_cost = 0.0
            return cost
        cost.input_price = input_price(model, cost.batch)
        cost.output_price = output_price(model, cost.batch)
        cost.monthly_calls = self.usage.monthly_calls(site.id)
        cost.sources["monthly_calls"] = self.usage.source_of(site.id, "monthly-calls")
        cost.cost_per_call = call_cost(model, cost.input_tokens, cost.output_tokens, cost.batch)
        if cost.output_max is not None:
            cost.worst_cost_per_call = call_cost(model, cost.input_tokens, cost.output_max, cost.batch)
        if cost.cost_per_call is not None:
            cost.monthly_cost = cost.cost_per_call * cost.monthly_calls
        if cost.worst_cost_per_call is not None:
            cost.worst_monthly_cost = cost.worst_cost_per_call * cost.monthly_calls
        return cost

    # ---------------------------------------------------------------- findings
    def savings(self, site: CallSite, *, input_tokens: float = 0.0, output_tokens: float = 0.0, basis: str = "", usd_per_call: float | None = None) -> Savings | None:
        """Savings of removing ``input_tokens``/``output_tokens`` per call at this site's prices
        (or of ``usd_per_call`` directly), times the site's monthly calls."""
        model = self.model(site)
        calls = self.usage.monthly_calls(site.id)
        if site.extra.get("local"):  # a local server: tokens saved, no dollars
            return Savings(tokens_per_call=round(input_tokens + output_tokens, 1), usd_per_call=0.0, usd_per_month=0.0, basis=(basis + "; local server: $0 per token").strip("; "))
        if usd_per_call is None:
            batch = bool(self.usage.for_site(site.id).get("batch", False))
            per_call = call_cost(model, input_tokens, output_tokens, batch)
            if per_call is None:
                return Savings(tokens_per_call=input_tokens + output_tokens, usd_per_call=0.0, usd_per_month=0.0, basis=(basis + "; model price unknown").strip("; "))
            usd_per_call = per_call
        return Savings(
            tokens_per_call=round(input_tokens + output_tokens, 1),
            usd_per_call=round(usd_per_call, 8),
            usd_per_month=round(usd_per_call * calls, 4),
            basis=basis,
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(float(value)):
        return None
    return float(value)
