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
from auditor.cost.request import call_cost, input_price, output_price
from auditor.cost.sitecost import SiteCost, SiteTraits
from auditor.findings import Savings

__all__ = ["CostModel", "SiteCost", "SiteTraits", "Usage", "call_cost", "input_price", "output_price"]

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
    # with --usage-log: the sites no record maps to, priced at 0 calls (``unobserved_calls``)
    unobserved: set[str] | None = None
    unobserved_calls: str = "zero"  # zero | usage (keep the usage file's / policy's volume)

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
        if key == "monthly-calls" and not self.observed(site_id) and self.unobserved_calls == "zero":
            return "telemetry: not observed"
        if (self.sites.get(site_id) or {}).get(key) is not None:
            return self.source
        for pattern, values in self.sites.items():
            if _is_glob(pattern) and fnmatch.fnmatchcase(site_id, pattern) and (values or {}).get(key) is not None:
                return f"{self.source} ({pattern})"
        if key in self.file_defaults:
            return f"{self.source} defaults"
        return "policy default" if key in self.settings else "default"

    def observed(self, site_id: str) -> bool:
        """False when telemetry was given (``--usage-log``) and no record maps to this site."""
        return self.unobserved is None or site_id not in self.unobserved

    def monthly_calls(self, site_id: str) -> float:
        if not self.observed(site_id) and self.unobserved_calls == "zero":
            return 0.0  # the logs are the measurement: a site they never show makes no calls
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


class CostModel:
    """Prices call sites and findings under the usage assumptions (one per run)."""

    def __init__(self, models: ModelCatalog, usage: Usage, providers: Providers | None = None, traits: Any = None, root: Path | None = None):
        self.models = models
        self.usage = usage
        self._providers = providers
        self.traits = traits  # callable(site) -> SiteTraits, or None (defaults)
        self.root = root or Path(".")
        self._estimates: dict[str, SiteCost] = {}
        self._requests: dict[str, Any] = {}
        self.site_savings: dict[str, Any] = {}  # site id -> auditor.cost.savings.SiteSavings (after attribution)

    def adopt(self, other: "CostModel") -> None:
        """Take the sites ``other`` (a nested policy's model) priced and attributed: each site
        keeps the cost and savings of its own policy in the run's one model."""
        for sid in other.site_savings:
            if sid in other._estimates:
                self._estimates[sid] = other._estimates[sid]
                self._requests[sid] = other._requests[sid]
        self.site_savings.update(other.site_savings)

    @property
    def providers(self) -> Providers:
        if self._providers is None:
            from auditor.config.catalog import load_catalog

            self._providers = load_catalog().providers(self.usage.extra_apis)
        return self._providers

    def model(self, site: CallSite) -> ModelInfo | None:
        return self.models.lookup(site.model_name, site.provider)

    def site_traits(self, site: CallSite) -> SiteTraits:
        if self.traits is None:
            return SiteTraits()
        try:
            return self.traits(site)
        except Exception:  # noqa: BLE001 - a trait that cannot be worked out is the default
            return SiteTraits()

    # ---------------------------------------------------------------- per site
    def estimate(self, site: CallSite) -> SiteCost:
        """The cost of one call site (cached per site id for the run)."""
        cached = self._estimates.get(site.id)
        if cached is None:
            cached = self._estimate(site)
            self._estimates[site.id] = cached
        return cached

    def request(self, site: CallSite):
        """The simulated request of this site (:class:`auditor.cost.request.Request`)."""
        if site.id not in self._requests:
            self.estimate(site)
        return self._requests[site.id]

    def _estimate(self, site: CallSite) -> SiteCost:
        from auditor.cost.request import CacheState, Request, price
        from auditor.cost.sizing import static_size

        model = self.model(site)
        provider = model.provider if model is not None else site.provider
        values = self.usage.for_site(site.id)
        traits = self.site_traits(site)
        cost = SiteCost(site_id=site.id, model=site.model_name, catalog_model=model.name if model else None, provider=provider)
        cost.calibrated = site.id in self.usage.calibrated
        cost.observed = self.usage.observed(site.id)

        # input: static tokens counted (each run of static text on its own), holes estimated
        size = static_size(site.prompt, model.name if model else site.model_name, site.provider, self.providers, self.models)
        cost.static_tokens = size.tokens + MESSAGE_OVERHEAD * len(site.prompt.messages)
        cost.tokens_exact = size.exact
        cost.token_note = size.note
        fixed_dynamic, frames, cost.holes = self._dynamic(site, traits)
        cost.dynamic_tokens = float(fixed_dynamic + sum(f.tokens for f in frames.values()))
        req = Request(model=model, fixed_input=cost.static_tokens + fixed_dynamic, static_tokens=size.tokens, frames=frames)
        cost.sources["input"] = "static text + hole estimates" if cost.holes else "static text"
        measured_in = _number(values.get("input-tokens"))
        if measured_in is not None:
            req.input_adjust = measured_in - req.input_tokens
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
        if api is not None and api.samples:
            for path in api.samples:
                st, p = site.lookup(path)
                n = _number(p.value.value) if st == "present" and p is not None and p.value.is_literal else None
                if n is not None and n >= 1:
                    cost.samples = max(cost.samples, int(n))
        max_out = model.max_output if model is not None else None
        if cost.cap is not None:
            cost.output_max = min(cost.cap, max_out) if max_out else cost.cap
        elif max_out:
            cost.output_max, cost.worst_case = int(max_out), True
        if traits.stopped and traits.stop_worst_tokens and cost.output_max is not None and traits.stop_worst_tokens < cost.output_max:
            cost.output_max, cost.worst_case = int(traits.stop_worst_tokens), False
            cost.sources["worst"] = f"stop sequence on a short answer: at most {traits.stop_worst_tokens:,} output tokens"
        measured_out = _number(values.get("output-tokens"))
        if measured_out is not None:
            cost.output_tokens = measured_out
            cost.sources["output"] = self.usage.source_of(site.id, "output-tokens")
        elif traits.answer_tokens is not None:
            cost.output_tokens = float(min(traits.answer_tokens, cost.output_max or traits.answer_tokens))
            cost.sources["output"] = f"short answer asked (\"{traits.answer_phrase}\"): ~{traits.answer_tokens} tokens"
        elif cost.cap is not None:
            cost.output_tokens = cost.output_max * self.usage.typical_output_ratio  # type: ignore[operator]
            cost.sources["output"] = f"cap x {self.usage.typical_output_ratio:g}"
        else:
            typical = self.usage.typical_output_tokens
            cost.output_tokens = min(typical, max_out) if max_out else typical
            cost.sources["output"] = "typical uncapped answer"
        req.typical_output = cost.output_tokens
        req.max_output = float(cost.output_max) if cost.output_max is not None else None
        req.model_max = cost.worst_case
        req.samples = cost.samples

        # caching, batch, the model the logs show
        req.cache = CacheState(traits.cache_mode, traits.cache_minimum, traits.hit_rate, traits.cache_prefix_tokens)
        if _number(values.get("cached-input-tokens")) is not None or _number(values.get("cache-write-tokens")) is not None:
            req.cache.measured_read = _number(values.get("cached-input-tokens")) or 0.0
            req.cache.measured_write = _number(values.get("cache-write-tokens")) or 0.0
        cost.batch = bool(values.get("batch", False))
        req.batch = cost.batch
        if site.extra.get("local"):  # served by a local server (rules/endpoints.yaml): $0 per token
            req.model = None
            cost.provider = site.provider
            cost.catalog_model = None
            cost.input_tokens = req.input_tokens
            cost.input_price = cost.output_price = 0.0
            cost.monthly_calls = self.usage.monthly_calls(site.id)
            cost.sources["monthly_calls"] = self.usage.source_of(site.id, "monthly-calls")
            cost.cost_per_call = cost.worst_cost_per_call = cost.monthly_cost = cost.worst_monthly_cost = 0.0
            self._requests[site.id] = req
            return cost
        observed_model = values.get("model") if cost.calibrated else None
        if isinstance(observed_model, str) and self.models.lookup(observed_model) is not None:
            req.model = self.models.lookup(observed_model)
            if req.model is not model:
                cost.sources["model"] = f"telemetry shows {observed_model}"
        cost.input_tokens = req.input_tokens
        cost.cached_tokens, cost.cache_write_tokens = req.cache.reads_writes(cost.input_tokens)
        if cost.cached_tokens:
            cost.sources["cache"] = f"{cost.cached_tokens:,.0f} input tokens per call read from the prompt cache" + (" (measured)" if req.cache.measured_read is not None else f" ({traits.hit_rate:.0%} hit rate)")
        cost.input_price = input_price(req.model, cost.batch)
        cost.output_price = output_price(req.model, cost.batch)
        cost.monthly_calls = self.usage.monthly_calls(site.id)
        cost.sources["monthly_calls"] = self.usage.source_of(site.id, "monthly-calls")
        cost.cost_per_call = price(req)
        cost.worst_cost_per_call = price(req, worst=True) if cost.output_max is not None else None
        measured = _number(values.get("cost-per-call"))
        if measured is not None and cost.calibrated:
            cost.measured_cost_per_call = measured
            scale = (measured / cost.cost_per_call) if cost.cost_per_call else None
            cost.cost_per_call = measured
            if cost.worst_cost_per_call is not None and scale is not None:
                cost.worst_cost_per_call *= scale
            cost.sources["cost"] = "spend from the logs"
        if cost.cost_per_call is not None:
            cost.monthly_cost = cost.cost_per_call * cost.monthly_calls
        wc = cost.worst_cost_per_call if cost.worst_cost_per_call is not None else cost.cost_per_call
        if wc is not None:
            cost.worst_monthly_cost = max(wc, cost.cost_per_call or 0.0) * cost.monthly_calls
        self._requests[site.id] = req
        return cost

    def _dynamic(self, site: CallSite, traits: SiteTraits) -> tuple[float, dict[str, Any], dict[str, int]]:
        """(tokens of the holes that are not DataFrames, DataFrame holes by key, holes per kind)."""
        from auditor.cost.frames import frame_of
        from auditor.cost.sizing import hole_key

        est = self.usage.hole_tokens()
        fixed = 0.0
        frames: dict[str, Any] = {}
        counts: dict[str, int] = {}
        for m in site.prompt.messages:
            for seg in m.segments:
                if seg.kind not in ("hole", "ref"):
                    continue
                kind = seg.hole_kind if seg.kind == "hole" and seg.hole_kind in est else "unknown"
                counts[kind] = counts.get(kind, 0) + 1
                if getattr(seg, "render", "") in ("whole", "bounded", "records") and (kind == "dataframe" or seg.render == "records"):
                    key = hole_key(seg, site)
                    try:
                        frames[key] = frame_of(seg, seg.path or site.path, self.root, traits.frame_params, traits.id_params)
                        continue
                    except Exception:  # noqa: BLE001 - an odd hole gets the flat estimate
                        pass
                fixed += est[kind]
        return fixed, frames, counts

    def simulate(self, site: CallSite, changes: list) -> tuple[float, float]:
        """(typical, worst) cost per call of this site's request after ``changes``, on the
        site's cost basis (measured spend scales the simulated prices)."""
        from auditor.cost.request import apply

        req = self.request(site)
        for ch in changes:
            req = apply(req, ch, self.models)
        return self.price_of(site, req)

    def price_of(self, site: CallSite, req: Any) -> tuple[float, float]:
        """(typical, worst) cost per call of a simulated request of this site, on its cost basis."""
        from auditor.cost.request import price

        return self._basis(site, price(req), price(req, worst=True) if req.max_output is not None else price(req))

    def _basis(self, site: CallSite, typical: float | None, worst: float | None) -> tuple[float, float]:
        est = self.estimate(site)
        t = typical or 0.0
        w = max(worst or 0.0, t)
        if est.measured_cost_per_call is not None:
            from auditor.cost.request import price

            raw = price(self.request(site))
            if raw:
                f = est.measured_cost_per_call / raw
                t, w = t * f, w * f
        return t, w

    # ---------------------------------------------------------------- findings
    def savings(self, site: CallSite, *, change: Any = None, tokens: float = 0.0, basis: str = "") -> Savings | None:
        """A finding's savings at this site: the request ``change`` its fix makes, priced on its
        own here (:mod:`auditor.cost.savings` re-prices it with the site's other findings)."""
        from auditor.findings import SiteShare

        est = self.estimate(site)
        calls = est.monthly_calls
        if change is None:
            return Savings(tokens_per_call=round(tokens, 1), basis=basis, monthly_calls=calls, calls_source=est.sources.get("monthly_calls", ""))
        t0, w0 = self.simulate(site, [])
        t1, w1 = self.simulate(site, [change])
        per_call = t0 - t1
        if site.extra.get("local"):
            basis = (basis + "; local server: $0 per token").strip("; ")
        elif est.cost_per_call is None:
            basis = (basis + "; model price unknown").strip("; ")
        share = SiteShare(site.id, round(per_call * calls, 4), round((w0 - w1) * calls, 4), calls, est.sources.get("monthly_calls", ""))
        return Savings(
            tokens_per_call=round(tokens, 1),
            usd_per_call=round(per_call, 8),
            usd_per_month=share.usd_per_month,
            basis=basis,
            worst_case_usd_per_month=share.worst_case_usd_per_month,
            monthly_calls=calls,
            calls_source=share.calls_source,
            sites=[share],
            changes=[change],
        )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if not math.isfinite(float(value)):
        return None
    return float(value)
