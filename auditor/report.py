"""``llm-audit report``: the inventory of call sites with cost and savings (SPEC §7).

:func:`build_report` turns an engine run into a :class:`Report` - one row per call site
(Python, notebook cells, prompt files) priced by :class:`auditor.cost.model.CostModel`, the findings
on each with their monthly savings, totals, savings by rule and the assumptions behind the
numbers: the report's data, assembled here and nowhere else. The machine form is
``auditor/render/report_json.py`` (schema: ``auditor/schema/report.schema.json``);
:func:`auditor.cost.compare.compare` diffs it against a saved one (``--compare-to``); the other
renderers are ``auditor/render/report_*.py``; the command itself (run, calibrate, sync, gate,
render) is :mod:`auditor.render.report_run`, and how prompts are shown as text
:mod:`auditor.render.prompt_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor.cost.compare import CompareError, Comparison, load_base, usd
from auditor.cost.model import SiteCost, Usage
from auditor.facts import CallSite
from auditor.findings import Finding, SiteShare

if TYPE_CHECKING:  # pragma: no cover
    from auditor.config.policy import Policy
    from auditor.cost.calibrate import Calibration
    from auditor.engine import RunResult

__all__ = ["CompareError", "Comparison", "Report", "SiteRow", "build_report", "change_span", "head_sites", "load_base", "usd"]

SCHEMA_VERSION = 1


@dataclass
class SiteRow:
    site: CallSite
    cost: SiteCost
    kind: str  # python | notebook | promptfile
    tier: str | None
    status: str  # active | deprecated | retires YYYY-MM-DD | retired YYYY-MM-DD | unknown model
    findings: list[Finding] = field(default_factory=list)
    savings: float = 0.0  # expected monthly saving of applying all its findings together
    worst_case_savings: float = 0.0  # what the worst-case monthly cost drops by
    fixable_savings: float = 0.0  # expected, with only the findings that have a fix
    fixable_worst_case: float = 0.0

    @property
    def location(self) -> str:
        s = self.site
        cell = f":cell {s.cell + 1}" if s.cell is not None else ""
        return f"{s.path}{cell}:{s.span.line}"


@dataclass
class Report:
    rows: list[SiteRow]
    other_findings: list[Finding]  # findings not tied to a call site (prompt constants, files)
    today: date
    root: str
    usage: Usage
    assumptions: list[str]
    savings_by_rule: dict[str, dict[str, Any]]
    calibration: Calibration | None = None
    comparison: Comparison | None = None
    catalog_checked: str | None = None
    approximate_tokens: bool = False

    unmatched: list[dict[str, Any]] = field(default_factory=list)  # telemetry no call site claims, by model

    @property
    def total_monthly_cost(self) -> float:
        return sum(r.cost.monthly_cost or 0.0 for r in self.rows) + sum(u["monthly_cost_usd"] or 0.0 for u in self.unmatched)

    @property
    def total_worst_case(self) -> float:
        sites = sum((r.cost.worst_monthly_cost if r.cost.worst_monthly_cost is not None else r.cost.monthly_cost) or 0.0 for r in self.rows)
        return sites + sum(u["monthly_cost_usd"] or 0.0 for u in self.unmatched)

    @property
    def expected_savings(self) -> float:
        return sum(r.savings for r in self.rows)

    @property
    def worst_case_savings(self) -> float:
        return sum(r.worst_case_savings for r in self.rows)

    @property
    def fixable_savings(self) -> float:
        return sum(r.fixable_savings for r in self.rows)

    @property
    def fixable_worst_case(self) -> float:
        return sum(r.fixable_worst_case for r in self.rows)

    @property
    def total_savings(self) -> float:
        """Expected savings (typical usage): worst-case exposure is reported apart, never added."""
        return self.expected_savings

    @property
    def unpriced(self) -> list[SiteRow]:
        return [r for r in self.rows if r.cost.monthly_cost is None]

    def top_sites(self, n: int = 10) -> list[SiteRow]:
        return sorted(self.rows, key=lambda r: (-(r.cost.monthly_cost or 0.0), r.site.id))[:n]


# ---------------------------------------------------------------- money
def change_span(line: dict, arrow: str = "->", worst: bool = False) -> str:
    """A comparison line's cost as "before -> after" (or the one side a new/removed site has)."""
    b, a = ("worst_before_usd", "worst_after_usd") if worst else ("before_usd", "after_usd")
    before = usd(line.get(b)) if line.get(b) is not None else ""
    after = usd(line.get(a)) if line.get(a) is not None else ""
    return f"{before} {arrow} {after}" if before and after else (after or before)


# ---------------------------------------------------------------- building
def _status(model, today: date) -> str:
    if model is None:
        return "unknown model"
    if model.retired and model.retired <= today:
        return f"retired {model.retired.isoformat()}"
    if model.retired:
        return f"retires {model.retired.isoformat()}"
    if model.deprecated and model.deprecated <= today:
        return "deprecated"
    return "active"


def build_report(result: RunResult, policy: Policy, usage: Usage, today: date, calibration: Calibration | None = None, progress: Callable[[Iterable[Any]], Any] | None = None) -> Report:
    """Price every call site of the run and attach its findings and savings."""
    cost_model = result.cost
    kinds = {f.path: f.kind for f in result.facts}
    sites = [s for s in result.project.call_sites() if s.path in result.targets]  # the given files' call sites
    by_site: dict[str, list[Finding]] = {}
    others: list[Finding] = []
    site_ids = {s.id for s in sites}
    # the inventory is per call: each site keeps its own findings (before grouping by root cause),
    # with the sites a finding's savings touch (a prompt text several sites send)
    for f in (result.site_findings if result.site_findings else result.findings):
        touched = {x.site_id for x in (f.savings.sites if f.savings else [])} | ({f.call_site_id} if f.call_site_id else set())
        touched &= site_ids
        for sid in sorted(touched):
            by_site.setdefault(sid, []).append(f)
        if not touched:
            others.append(f)
    rows: list[SiteRow] = []
    iterable: Iterable[CallSite] = progress(sites) if progress else sites
    approximate = False
    saved = cost_model.site_savings
    for site in iterable:
        cost = cost_model.estimate(site)
        model = cost_model.model(site)
        approximate = approximate or "approximate" in cost.token_note
        row = SiteRow(site, cost, kinds.get(site.path, "python"), model.tier if model else None, _status(model, today), by_site.get(site.id, []))
        res = saved.get(site.id)
        if res is not None:
            row.savings, row.worst_case_savings, row.fixable_savings, row.fixable_worst_case = res.expected, res.worst_case, res.fixable_expected, res.fixable_worst_case
        rows.append(row)
    rows.sort(key=lambda r: (r.site.path, r.site.cell if r.site.cell is not None else -1, r.site.span.line, r.site.id))
    report = Report(
        rows=rows,
        other_findings=others,
        today=today,
        root=str(policy.root),
        usage=usage,
        assumptions=[],
        savings_by_rule=savings_by_rule(result.findings, [x for sid in sorted(site_ids) if sid in saved for x in saved[sid].shares]),
        calibration=calibration,
        catalog_checked=_catalog_checked(policy),
        approximate_tokens=approximate,
        unmatched=calibration.unmatched_rows(policy.models) if calibration is not None else [],
    )
    report.assumptions = _assumptions(report, policy)
    return report


def savings_by_rule(findings: list[Finding], shares: list[tuple[Finding, SiteShare]]) -> dict[str, dict[str, Any]]:
    """Monthly savings per rule: the sum of the per-site shares of the report's call sites (see
    :mod:`auditor.cost.savings`; each site's shares add up to its saving, so the rules add up to
    the headline), expected and worst case apart; ``findings`` counts per root cause (after
    grouping); most expected savings first."""
    totals: dict[str, dict[str, Any]] = {}

    def entry(f: Finding) -> dict[str, Any]:
        return totals.setdefault(f.code, {"name": f.name, "findings": 0, "monthly_savings_usd": 0.0, "worst_case_monthly_savings_usd": 0.0, "kind": "expected"})

    for f in findings:
        entry(f)["findings"] += 1
    for f, x in shares:
        e = entry(f)
        e["monthly_savings_usd"] += x.usd_per_month
        e["worst_case_monthly_savings_usd"] += x.worst_case_usd_per_month
    for v in totals.values():
        v["monthly_savings_usd"] = round(v["monthly_savings_usd"], 2)
        v["worst_case_monthly_savings_usd"] = round(v["worst_case_monthly_savings_usd"], 2)
        if v["monthly_savings_usd"] < 0.005 and v["worst_case_monthly_savings_usd"] >= 0.005:
            v["kind"] = "worst-case"
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1]["monthly_savings_usd"], -kv[1]["worst_case_monthly_savings_usd"], kv[0])))


def _catalog_checked(policy: Policy) -> str | None:
    dates = [m.checked for m in policy.models if m.checked]
    return max(dates).isoformat() if dates else None


def _assumptions(report: Report, policy: Policy) -> list[str]:
    u = report.usage
    calls = u.defaults.get("monthly-calls")
    out = [
        f"Monthly calls: {calls:,.0f} per call site by default" + (f"; overrides from {u.path.name} ({len(u.sites)} entries)" if u.path else " (no usage file; create one with --sync-usage)"),
        f"Input tokens: static prompt text counted with tiktoken (o200k_base x the provider's token factor for non-OpenAI models), {4} tokens per message, DataFrames by the frame model (rows x columns x tokens per value for the rendering, pandas' display truncation for str(df)), other dynamic holes "
        + ", ".join(f"{k} {v:,.0f}" for k, v in u.hole_tokens().items() if k != "dataframe"),
        f"Output tokens: typical = the short answer the prompt asks for, else the cap x {u.typical_output_ratio:g} (uncapped: {u.typical_output_tokens:,.0f}); worst case = the cap, or the model's maximum output when the call sets none (a stop sequence on a short-answer prompt bounds it)",
        f"Prices: list prices per 1M tokens from the model catalog (checked {report.catalog_checked or 'unknown'}); static prefixes the provider caches as written are read at the cached-input price on the LA502 hit-rate of calls; batch prices where the usage file says batch: true",
        "Savings: per call site, all its findings' fixes are applied together to the simulated request (text, then output bounds, then caching, then the model, then batch pricing); the site saves the difference, never more than it costs, and each finding gets the share its change makes at its turn. Expected savings (typical usage) and worst-case exposure removed (outputs at their maximum) are reported apart and never added",
    ]
    if report.calibration is not None:
        cal = report.calibration
        out.append(f"Calibrated from {Path(cal.path).name}: {len(cal.sites)} call site(s) use measured volumes, token sizes and spend ({cal.records:,} records, {cal.unmatched:,} not mapped to a call site, shown as their own rows by model)")
        if u.unobserved:
            how = "priced at 0 calls (the logs are the measurement; --unobserved-calls usage keeps the usage defaults)" if u.unobserved_calls == "zero" else "kept at the usage file's / policy's volume (--unobserved-calls usage)"
            out.append(f"{len(u.unobserved)} call site(s) never appear in the logs: not observed, {how}")
    if report.unpriced:
        out.append(f"{len(report.unpriced)} call site(s) have no price (model unknown or not resolved) and count as $0")
    if report.approximate_tokens:
        out.append("Token counts are approximate: no tokenizer was available")
    return out


def head_sites(report: Report) -> list[dict[str, Any]]:
    """The per-site figures the gate compares (the shape of the report JSON's ``call_sites``)."""
    out = []
    for r in report.rows:
        c, s = r.cost, r.site
        out.append({
            "id": s.id, "path": s.path, "line": s.span.line, "cell": s.cell, "model": c.model, "monthly_calls": c.monthly_calls,
            "monthly_cost_usd": c.monthly_cost or 0.0, "worst_case_monthly_cost_usd": c.worst_monthly_cost if c.worst_monthly_cost is not None else (c.monthly_cost or 0.0),
            "output_cap": c.cap, "output_tokens_max": c.output_max,
        })
    return out
