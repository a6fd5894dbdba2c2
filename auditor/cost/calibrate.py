"""Usage calibrated from telemetry: ``llm-audit report --usage-log FILE``.

Reads what production actually sent (:mod:`auditor.cost.telemetry`), maps each record to a call
site, and prices measured volumes, token sizes and spend instead of assumptions.

**Matching**, first that applies:

1. a tag naming the site: ``llm-audit:<call-site id>`` or ``llm-audit:fp:<fingerprint>`` (the
   fingerprint of the site's static prompt text, listed per site in the report JSON; it survives
   moving the code), or ``path:line``;
2. code attributes (``code.filepath`` + ``code.lineno`` inside the call, else ``code.function``);
3. the prompt text, when the span carries it: the site whose static text (every run of 12 or more
   characters, whitespace-normalised) appears in the record's messages, best coverage wins
   (≥ 60% of the site's static characters; another model than the code names is accepted at ≥ 90%);
4. the model (catalog-normalised: dated snapshots, provider prefixes) and the request parameters
   the record carries (``max_tokens`` against the site's literal cap, ``temperature``, stop
   sequences), then the input size (a site whose static prompt alone is larger than the record's
   input cannot have sent it); one candidate left wins, or a clear nearest by estimated input.

Whatever matches nothing is kept, as its own rows by model (:meth:`Calibration.unmatched_rows`),
so the report's total reconciles to the logs' spend. To match exactly without prompt text or
code attributes, emit a tag - it costs one attribute per call: with OpenTelemetry
``span.set_attribute("llm_audit.call_site", "<id>")`` around the call (OpenLLMetry:
``Traceloop.set_association_properties({"llm_audit.call_site": "<id>"})``), with LiteLLM
``metadata={"tags": ["llm-audit:<id>"]}``.

**Cost of a record**: LiteLLM's ``spend`` (or a span's cost attribute) when present, else the
catalog price of the model the record names: uncached input x input price, cache reads x
cached-input price, cache writes x cache-write price, output x output price. A LiteLLM cache hit
with no spend costs nothing.

**Period**: volumes are scaled to 30 days from the time the log covers - ``--usage-log-period``
(``10m``, ``6h``, ``1d``, ``7d``) when given, else from the first to the last start
timestamp. A log shorter than a day is taken as continuous traffic and says so: a daily job's
10-minute run needs ``--usage-log-period 1d``. A log without timestamps is one month of calls.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.config.catalog import ModelCatalog
from auditor.cost.telemetry import Record, read_records
from auditor.facts import CallSite

if TYPE_CHECKING:  # pragma: no cover
    from auditor.cost.model import CostModel

MONTH_SECONDS = 30 * 24 * 3600
DAY_SECONDS = 24 * 3600
MIN_RUN = 12  # static runs shorter than this do not take part in text matching
UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": DAY_SECONDS, "w": 7 * DAY_SECONDS}


class PeriodError(ValueError):
    pass


def parse_period(text: str) -> float:
    """``10m`` / ``6h`` / ``1d`` / ``7d`` / ``2w`` (a bare number is days) -> seconds."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|w)?\s*", text or "")
    if not m or float(m.group(1)) <= 0:
        raise PeriodError(f"--usage-log-period expects a duration like 10m, 6h, 1d or 7d, got {text!r}")
    return float(m.group(1)) * UNITS[m.group(2) or "d"]


def fingerprint(site: CallSite) -> str:
    """12 hex digits of the site's static prompt text, whitespace-normalised."""
    text = " ".join(site.prompt.static_text.split())
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12] if text else ""


@dataclass
class SiteCalibration:
    site_id: str
    records: int = 0
    input_sum: float = 0.0
    input_n: int = 0
    output_sum: float = 0.0
    output_n: int = 0
    read_sum: float = 0.0
    write_sum: float = 0.0
    cost_sum: float = 0.0
    unpriced: int = 0
    models_seen: Counter = field(default_factory=Counter)
    matched_by: Counter = field(default_factory=Counter)


@dataclass
class Calibration:
    path: str
    records: int = 0
    unreadable: int = 0  # entries that were not JSON or not a GenAI span / spend row
    unmatched: int = 0
    unmatched_models: Counter = field(default_factory=Counter)
    unmatched_groups: dict[str, SiteCalibration] = field(default_factory=dict)
    window_seconds: float | None = None
    scale: float = 1.0  # records -> calls per month
    sites: dict[str, SiteCalibration] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    log_cost: float = 0.0  # spend of all priced records in the log
    log_unpriced: int = 0

    @property
    def monthly_spend(self) -> float:
        """What the logs imply per month: all priced records, scaled."""
        return self.log_cost * self.scale

    def usage_values(self) -> dict[str, dict[str, Any]]:
        """Per site: measured monthly calls, mean tokens, spend per call (for Usage.calibrated)."""
        out: dict[str, dict[str, Any]] = {}
        for sid, c in self.sites.items():
            values: dict[str, Any] = {"monthly-calls": c.records * self.scale}
            if c.input_n:
                values["input-tokens"] = c.input_sum / c.input_n
            if c.output_n:
                values["output-tokens"] = c.output_sum / c.output_n
            if c.read_sum or c.write_sum:
                values["cached-input-tokens"] = c.read_sum / c.records
                values["cache-write-tokens"] = c.write_sum / c.records
            if c.records and not c.unpriced:
                values["cost-per-call"] = c.cost_sum / c.records
            if c.models_seen:
                values["model"] = c.models_seen.most_common(1)[0][0]
            out[sid] = values
        return out

    def unmatched_rows(self, models: ModelCatalog | None = None) -> list[dict[str, Any]]:
        """Telemetry no call site claims, one row per model: never dropped from the total."""
        rows = []
        for name, g in sorted(self.unmatched_groups.items(), key=lambda kv: -kv[1].cost_sum):
            rows.append({
                "model": name,
                "records": g.records,
                "monthly_calls": round(g.records * self.scale, 1),
                "monthly_cost_usd": round(g.cost_sum * self.scale, 6) if g.records > g.unpriced else None,
                "unpriced_records": g.unpriced,
                "input_tokens": round(g.input_sum / g.input_n, 1) if g.input_n else None,
                "output_tokens": round(g.output_sum / g.output_n, 1) if g.output_n else None,
                "reasons": dict(sorted(g.matched_by.items())),
            })
        return rows

    def to_json(self) -> dict[str, Any]:
        values = self.usage_values()
        return {
            "log": Path(self.path).name,
            "records": self.records,
            "unreadable_lines": self.unreadable,
            "unmatched_records": self.unmatched,
            "unmatched_models": dict(sorted(self.unmatched_models.items())),
            "window_days": round(self.window_seconds / 86400, 4) if self.window_seconds else None,
            "scale_to_month": round(self.scale, 4),
            "logs_monthly_spend_usd": round(self.monthly_spend, 6),
            "unpriced_records": self.log_unpriced,
            "notes": list(self.notes),
            "sites": [
                {
                    "id": sid,
                    "records": c.records,
                    "monthly_calls": round(values[sid]["monthly-calls"], 1),
                    "input_tokens": round(values[sid]["input-tokens"], 1) if "input-tokens" in values[sid] else None,
                    "output_tokens": round(values[sid]["output-tokens"], 1) if "output-tokens" in values[sid] else None,
                    "cached_input_tokens": round(values[sid].get("cached-input-tokens", 0.0), 1),
                    "monthly_spend_usd": round(c.cost_sum * self.scale, 4),
                    "models_seen": dict(sorted(c.models_seen.items())),
                    "matched_by": dict(sorted(c.matched_by.items())),
                }
                for sid, c in sorted(self.sites.items())
            ],
        }


# ---------------------------------------------------------------- pricing a record
def record_cost(r: Record, models: ModelCatalog) -> float | None:
    if r.spend is not None:
        return r.spend
    if r.cache_hit:
        return 0.0
    m = models.lookup(r.model)
    if m is None or m.price_of("input") is None or m.price_of("output") is None:
        return None
    ip, op = m.price_of("input") or 0.0, m.price_of("output") or 0.0
    read_p = m.price_of("cached-input") if m.price_of("cached-input") is not None else ip
    write_p = m.price_of("cache-write") or ip * 1.25
    inp = r.input_tokens or 0.0
    uncached = max(0.0, inp - r.cache_read - r.cache_write)
    return (uncached * ip + r.cache_read * read_p + r.cache_write * write_p + (r.output_tokens or 0.0) * op) / 1_000_000


# ---------------------------------------------------------------- mapping
def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


class SiteMatcher:
    def __init__(self, sites: list[CallSite], models: ModelCatalog, cost: CostModel | None = None):
        self.sites = sites
        self.by_id = {s.id: s for s in sites}
        self.models = models
        self.cost = cost
        self.by_fp = {fingerprint(s): s for s in sites if fingerprint(s)}
        self.runs: dict[str, list[str]] = {s.id: [r for r in (_norm(x) for x in _static_runs(s)) if len(r) >= MIN_RUN] for s in sites}

    def model_key(self, name: str | None) -> str:
        if not name:
            return ""
        m = self.models.lookup(name)
        return m.name if m else name.lower()

    def _in_file(self, filepath: str) -> list[CallSite]:
        fp = filepath.replace("\\", "/")
        best: list[CallSite] = []
        best_len = -1
        for s in self.sites:
            if fp == s.path or fp.endswith("/" + s.path):
                if len(s.path) > best_len:
                    best, best_len = [s], len(s.path)
                elif len(s.path) == best_len:
                    best.append(s)
        return best

    def match(self, r: Record) -> tuple[CallSite | None, str]:
        for tag in r.tags:
            sid = tag.removeprefix("llm-audit:")
            if sid.startswith("fp:") and sid[3:] in self.by_fp:
                return self.by_fp[sid[3:]], "tag"
            if sid in self.by_id:
                return self.by_id[sid], "tag"
            if ":" in tag and tag.rsplit(":", 1)[1].isdigit():
                path, line = tag.rsplit(":", 1)
                hit = self._by_location(path, int(line), None, r.model)
                if hit is not None:
                    return hit, "tag"
        if r.filepath:
            hit = self._by_location(r.filepath, r.lineno, r.function, r.model)
            if hit is not None:
                return hit, "code location"
            if not self._in_file(r.filepath):
                return None, "code location outside the analysed files"
        key = self.model_key(r.model)
        same = [s for s in self.sites if key and self.model_key(s.model_name) == key]
        if r.text:
            hit = self._by_text(r.text, same, 0.6) or self._by_text(r.text, self.sites, 0.9)
            if hit is not None:
                return hit, "prompt text"
        if not same:
            same = [s for s in self.sites if not s.model_name]  # a model the code does not resolve
        hit, why = self._by_params(r, same)
        return hit, why

    def _by_text(self, text: str, candidates: list[CallSite], threshold: float) -> CallSite | None:
        hay = _norm(text)
        scored = []
        for s in candidates:
            runs = self.runs.get(s.id) or []
            total = sum(len(x) for x in runs)
            if not total:
                continue
            found = sum(len(x) for x in runs if x in hay)
            scored.append((found / total, total, s))
        scored = [x for x in scored if x[0] >= threshold]
        if not scored:
            return None
        scored.sort(key=lambda x: (-x[0], -x[1], x[2].id))
        if len(scored) > 1 and scored[1][0] == scored[0][0] and scored[1][1] == scored[0][1]:
            return None  # two sites with the same text: cannot tell
        return scored[0][2]

    def _by_params(self, r: Record, candidates: list[CallSite]) -> tuple[CallSite | None, str]:
        if not candidates:
            return None, "model not in the code"
        left = [s for s in candidates if self._params_fit(r, s)]
        if r.input_tokens is not None and self.cost is not None:
            left = [s for s in left if self.cost.estimate(s).static_tokens <= r.input_tokens * 1.05 + 8]
        if len(left) == 1:
            return left[0], "model and parameters"
        if len(left) > 1 and r.input_tokens is not None and self.cost is not None:
            dist = sorted((abs(self.cost.estimate(s).input_tokens - r.input_tokens), s.id, s) for s in left)
            if dist[0][0] * 2 < dist[1][0]:
                return dist[0][2], "model, parameters and input size"
        return None, f"ambiguous: {len(left)} call sites fit" if left else "no call site fits its parameters"

    def _params_fit(self, r: Record, s: CallSite) -> bool:
        if self.cost is None or not r.params:
            return True
        est = self.cost.estimate(s)
        mt = r.params.get("max_tokens")
        if mt is not None and est.cap_state == "present" and est.cap is not None and int(float(mt)) != est.cap:
            return False
        if mt is not None and est.cap_state == "missing":
            return False
        if mt is None and est.cap_state == "present" and r.kind == "otel":
            return False  # the instrumentations record max_tokens whenever it is sent
        temp = r.params.get("temperature")
        p = s.params.get("temperature")
        if temp is not None and p is not None and p.value.is_literal and isinstance(p.value.value, (int, float)) and abs(float(temp) - float(p.value.value)) > 1e-6:
            return False
        return True

    def _by_location(self, filepath: str, lineno: int | None, function: str | None, model: str | None) -> CallSite | None:
        in_file = self._in_file(filepath)
        if not in_file:
            return None
        if lineno is not None:
            inside = [s for s in in_file if s.span.line <= lineno <= s.span.end_line and s.cell is None]
            if inside:
                return min(inside, key=lambda s: s.span.end_line - s.span.line)
        if function:
            named = [s for s in in_file if s.qualname == function or s.qualname.endswith("." + function)]
            if len(named) == 1:
                return named[0]
        key = self.model_key(model)
        same = [s for s in in_file if self.model_key(s.model_name) == key] if key else []
        if len(same) == 1:
            return same[0]
        return in_file[0] if len(in_file) == 1 else None


def _static_runs(site: CallSite) -> list[str]:
    from auditor.cost.sizing import run_text, static_runs

    return [run_text(run) for m in site.prompt.messages for run in static_runs(m.segments)]


def _window(records: list[Record]) -> float | None:
    """Seconds from the first to the last start time (None: fewer than two distinct times)."""
    starts = [r.start for r in records if r.start is not None]
    if len(starts) < 2 or max(starts) <= min(starts):
        return None
    return max(starts) - min(starts)


def calibrate(path: Path, sites: list[CallSite], models: ModelCatalog, cost: CostModel | None = None, period: float | None = None) -> Calibration:
    records, bad = read_records(path.read_text(encoding="utf-8", errors="replace"))
    cal = Calibration(path=str(path), records=len(records), unreadable=bad)
    matcher = SiteMatcher(sites, models, cost)
    cal.window_seconds = _window(records)
    if period is not None:
        cal.scale = MONTH_SECONDS / period
        cal.notes.append(f"the log is taken as {period / DAY_SECONDS:g} days of traffic (--usage-log-period); volumes x{cal.scale:,.4g} to 30 days")
    elif cal.window_seconds:
        cal.scale = MONTH_SECONDS / cal.window_seconds
        days = cal.window_seconds / DAY_SECONDS
        span = f"{days:.1f} days" if days >= 1 else (f"{cal.window_seconds / 3600:.1f} hours" if cal.window_seconds >= 3600 else f"{cal.window_seconds / 60:.1f} minutes")
        cal.notes.append(f"the log covers {span} (first to last start time); volumes x{cal.scale:,.4g} to 30 days")
        if cal.window_seconds < DAY_SECONDS:
            cal.warnings.append(
                f"{path.name} covers only {span}: taken as continuous traffic and scaled x{cal.scale:,.0f} to a month; "
                f"if it is one run of a periodic job, say what it stands for with --usage-log-period (e.g. 1d)"
            )
    else:
        cal.notes.append("the log has no usable timestamps: its records are taken as one month of calls (or give --usage-log-period)")
    for r in records:
        price = record_cost(r, models)
        if price is None:
            cal.log_unpriced += 1
        else:
            cal.log_cost += price
        site, how = matcher.match(r)
        if site is None:
            cal.unmatched += 1
            name = matcher.model_key(r.model) or "(no model)"
            cal.unmatched_models[name] += 1
            group = cal.unmatched_groups.setdefault(name, SiteCalibration(name))
            _add(group, r, price, how)
            continue
        c = cal.sites.setdefault(site.id, SiteCalibration(site.id))
        _add(c, r, price, how)
    for sid, c in cal.sites.items():
        site = matcher.by_id[sid]
        code_model = matcher.model_key(site.model_name)
        other = sorted({matcher.model_key(m) for m in c.models_seen} - {code_model, ""})
        if other and code_model:
            cal.notes.append(f"{sid}: telemetry shows {', '.join(other)} where the code names {site.model_name}; the report prices what the logs show")
    if cal.log_unpriced:
        cal.notes.append(f"{cal.log_unpriced:,} record(s) name a model without a price and carry no spend: counted as calls, not dollars")
    return cal


def _add(c: SiteCalibration, r: Record, price: float | None, how: str) -> None:
    c.records += 1
    c.matched_by[how or "unmatched"] += 1
    if r.input_tokens is not None:
        c.input_sum += r.input_tokens
        c.input_n += 1
    if r.output_tokens is not None:
        c.output_sum += r.output_tokens
        c.output_n += 1
    c.read_sum += r.cache_read
    c.write_sum += r.cache_write
    if price is None:
        c.unpriced += 1
    else:
        c.cost_sum += price
    if r.model:
        c.models_seen[r.model] += 1
