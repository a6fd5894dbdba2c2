"""``llm-audit report``: the inventory of call sites with cost and savings (SPEC §7).

:func:`build_report` turns an engine run into a :class:`Report` - one row per call site
(Python, notebook cells, prompt files) priced by :class:`auditor.cost.model.CostModel`, the findings
on each with their monthly savings, totals, savings by rule and the assumptions behind the
numbers. :func:`report_json` is the machine form (schema: ``auditor/schema/report.schema.json``);
:func:`compare` diffs it against a saved one (``--compare-to``). Renderers live in
``auditor/render/report_*.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from auditor import __version__
from auditor.facts import CallSite
from auditor.cost.model import SiteCost, Usage
from auditor.findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    from auditor.cost.calibrate import Calibration
    from auditor.engine import RunResult
    from auditor.config.policy import Policy

SCHEMA_VERSION = 1
PREVIEW_CHARS = 300
PROMPT_CHARS = 4000  # per message, in the HTML page


@dataclass
class SiteRow:
    site: CallSite
    cost: SiteCost
    kind: str  # python | notebook | promptfile
    tier: str | None
    status: str  # active | deprecated | retires YYYY-MM-DD | retired YYYY-MM-DD | unknown model
    findings: list[Finding] = field(default_factory=list)
    savings: float = 0.0  # monthly, after the overlap cap

    @property
    def location(self) -> str:
        s = self.site
        cell = f":cell {s.cell + 1}" if s.cell is not None else ""
        return f"{s.path}{cell}:{s.span.line}"


@dataclass
class Comparison:
    base_total: float
    head_total: float
    lines: list[dict[str, Any]]  # change (+ ~ -), id, location, before, after, delta, note
    base_path: str

    @property
    def delta(self) -> float:
        return self.head_total - self.base_total

    @property
    def headline(self) -> str:
        d = self.delta
        if abs(d) < 0.005:
            return f"Monthly estimate unchanged at {usd(self.head_total)}"
        word = "increased" if d > 0 else "decreased"
        return f"Monthly estimate {word} by {usd(abs(d))} (from {usd(self.base_total)} to {usd(self.head_total)})"


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

    @property
    def total_monthly_cost(self) -> float:
        return sum(r.cost.monthly_cost or 0.0 for r in self.rows)

    @property
    def total_worst_case(self) -> float:
        return sum((r.cost.worst_monthly_cost if r.cost.worst_monthly_cost is not None else r.cost.monthly_cost) or 0.0 for r in self.rows)

    @property
    def total_savings(self) -> float:
        return sum(v["monthly_savings_usd"] for v in self.savings_by_rule.values())

    @property
    def expected_savings(self) -> float:
        return sum(v["monthly_savings_usd"] for v in self.savings_by_rule.values() if v["kind"] == "expected")

    @property
    def worst_case_savings(self) -> float:
        return sum(v["monthly_savings_usd"] for v in self.savings_by_rule.values() if v["kind"] == "worst-case")

    @property
    def unpriced(self) -> list[SiteRow]:
        return [r for r in self.rows if r.cost.monthly_cost is None]

    def top_sites(self, n: int = 10) -> list[SiteRow]:
        return sorted(self.rows, key=lambda r: (-(r.cost.monthly_cost or 0.0), r.site.id))[:n]


# ---------------------------------------------------------------- money
def change_span(line: dict, arrow: str = "->") -> str:
    """A comparison line's cost as "before -> after" (or the one side a new/removed site has)."""
    before = usd(line["before_usd"]) if line["before_usd"] is not None else ""
    after = usd(line["after_usd"]) if line["after_usd"] is not None else ""
    return f"{before} {arrow} {after}" if before and after else (after or before)


def usd(x: float | None, signed: bool = False) -> str:
    """$1,234.56; small amounts keep significant digits ($0.00042)."""
    if x is None:
        return "n/a"
    sign = ("+" if x > 0 else "-" if x < 0 else "") if signed else ("-" if x < 0 else "")
    a = abs(x)
    if a == 0:
        body = "0.00"
    elif a < 0.01:
        body = f"{a:.2g}" if a >= 1e-6 else "0.000001"
        body = f"{float(body):.6f}".rstrip("0")
    else:
        body = f"{a:,.2f}"
    return f"{sign}${body}"


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
    # the inventory is per call: each site keeps its own findings (before grouping by root cause)
    for f in (result.site_findings if result.site_findings else result.findings):
        if f.call_site_id and f.call_site_id in site_ids:
            by_site.setdefault(f.call_site_id, []).append(f)
        else:
            others.append(f)
    rows: list[SiteRow] = []
    iterable: Iterable[CallSite] = progress(sites) if progress else sites
    approximate = False
    for site in iterable:
        cost = cost_model.estimate(site)
        model = cost_model.model(site)
        approximate = approximate or "approximate" in cost.token_note
        rows.append(SiteRow(site, cost, kinds.get(site.path, "python"), model.tier if model else None, _status(model, today), by_site.get(site.id, [])))
    rows.sort(key=lambda r: (r.site.path, r.site.cell if r.site.cell is not None else -1, r.site.span.line, r.site.id))
    by_rule = _savings_by_rule(rows, others)
    causes: dict[str, int] = {}
    for f in result.findings:  # counts are per root cause
        causes[f.code] = causes.get(f.code, 0) + 1
    for code, entry in by_rule.items():
        entry["findings"] = causes.get(code, entry["findings"])
    report = Report(
        rows=rows,
        other_findings=others,
        today=today,
        root=str(policy.root),
        usage=usage,
        assumptions=[],
        savings_by_rule=by_rule,
        calibration=calibration,
        catalog_checked=_catalog_checked(policy),
        approximate_tokens=approximate,
    )
    report.assumptions = _assumptions(report, policy)
    return report


def _savings_by_rule(rows: list[SiteRow], others: list[Finding]) -> dict[str, dict[str, Any]]:
    """Monthly savings per rule.

    Findings on one call site can overlap (an output cap *and* a stop sequence both bound the
    same worst case). So, per site, expected savings are capped together at the site's
    monthly cost, and worst-case savings at its worst-case exposure (worst-case minus typical
    monthly cost); each finding's share is scaled down with its group."""
    totals: dict[str, dict[str, Any]] = {}

    def add(f: Finding, amount: float) -> None:
        entry = totals.setdefault(f.code, {"name": f.name, "findings": 0, "monthly_savings_usd": 0.0, "kind": "expected"})
        entry["findings"] += 1
        entry["monthly_savings_usd"] += amount
        if amount > 0 and is_worst_case(f):
            entry["kind"] = "worst-case"

    for row in rows:
        typical = row.cost.monthly_cost
        worst = row.cost.worst_monthly_cost
        exposure = (worst - typical) if worst is not None and typical is not None else None
        row.savings = 0.0
        for group, ceiling in ((False, typical), (True, exposure)):
            raw = [(f, f.savings.usd_per_month if f.savings else 0.0) for f in row.findings if is_worst_case(f) == group]
            total = sum(a for _, a in raw)
            scale = 1.0
            if ceiling is not None and total > ceiling >= 0:
                scale = ceiling / total if total else 1.0
            row.savings += total * scale
            for f, a in raw:
                add(f, a * scale)
    for f in others:
        add(f, f.savings.usd_per_month if f.savings else 0.0)
    for v in totals.values():
        v["monthly_savings_usd"] = round(v["monthly_savings_usd"], 2)
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1]["monthly_savings_usd"], kv[0])))


def is_worst_case(f: Finding) -> bool:
    """Savings that remove worst-case exposure (an uncapped or over-large output cap) rather
    than spend that happens on a typical call."""
    return bool(f.savings and f.savings.basis.lower().startswith("worst case"))


def _catalog_checked(policy: Policy) -> str | None:
    dates = [m.checked for m in policy.models if m.checked]
    return max(dates).isoformat() if dates else None


def _assumptions(report: Report, policy: Policy) -> list[str]:
    u = report.usage
    calls = u.defaults.get("monthly-calls")
    out = [
        f"Monthly calls: {calls:,.0f} per call site by default" + (f"; overrides from {u.path.name} ({len(u.sites)} entries)" if u.path else " (no usage file; create one with --sync-usage)"),
        f"Input tokens: static prompt text counted with tiktoken (o200k_base x the provider's token factor for non-OpenAI models), {4} tokens per message, and per dynamic hole "
        + ", ".join(f"{k} {v:,.0f}" for k, v in u.hole_tokens().items()),
        f"Output tokens: typical = the cap x {u.typical_output_ratio:g} (uncapped: {u.typical_output_tokens:,.0f}); worst case = the cap, or the model's maximum output when the call sets none",
        f"Prices: list prices per 1M tokens from the model catalog (checked {report.catalog_checked or 'unknown'}); no prompt-cache discounts; batch prices where the usage file says batch: true",
        "Savings: each finding's saving at the site's prices and monthly calls. Expected savings (typical usage) and worst-case savings (exposure an output cap or stop sequence removes) are reported apart; where findings on one call site overlap, each group is capped at what the site can save (its monthly cost, or its worst-case minus typical cost)",
    ]
    if report.calibration is not None:
        cal = report.calibration
        out.append(f"Calibrated from {Path(cal.path).name}: {len(cal.sites)} call site(s) use measured volumes and token sizes ({cal.records:,} records, {cal.unmatched:,} not mapped to a call site)")
    if report.unpriced:
        out.append(f"{len(report.unpriced)} call site(s) have no price (model unknown or not resolved) and count as $0")
    if report.approximate_tokens:
        out.append("Token counts are approximate: no tokenizer was available")
    return out


# ---------------------------------------------------------------- JSON
def _r(x: float | None, nd: int = 6) -> float | None:
    return None if x is None else round(x, nd)


def prompt_preview(site: CallSite, limit: int = PREVIEW_CHARS) -> str:
    text = " | ".join(f"{m.role}: {message_text(m)}" for m in site.prompt.messages)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def message_text(message, limit: int | None = None) -> str:
    """A message as text, holes shown as ``{expr}``."""
    parts = []
    for s in message.segments:
        parts.append(s.text if s.kind == "static" else "{" + (s.expr or s.hole_kind) + "}")
    text = "".join(parts)
    if limit is not None and len(text) > limit:
        return text[:limit] + f"\n... ({len(text) - limit:,} more characters)"
    return text


def finding_json(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "cell": f.cell,
        "fix": f.fix.applicability if f.fix and f.fix.edits else None,
        "monthly_savings_usd": round(f.savings.usd_per_month, 4) if f.savings else None,
        "savings_basis": f.savings.basis if f.savings else None,
    }


def site_json(row: SiteRow) -> dict[str, Any]:
    s, c = row.site, row.cost
    return {
        "id": s.id,
        "path": s.path,
        "line": s.span.line,
        "cell": s.cell,
        "kind": row.kind,
        "function": s.qualname,
        "provider": c.provider,
        "api": s.api,
        "method": s.method,
        "model": c.model,
        "catalog_model": c.catalog_model,
        "tier": row.tier,
        "model_status": row.status,
        "input_tokens": round(c.input_tokens, 1),
        "static_input_tokens": c.static_tokens,
        "dynamic_input_tokens": round(c.dynamic_tokens, 1),
        "dynamic_holes": dict(sorted(c.holes.items())),
        "tokens_exact": c.tokens_exact,
        "output_tokens": round(c.output_tokens, 1),
        "output_tokens_max": c.output_max,
        "output_worst_case": c.worst_case,
        "output_cap": c.cap,
        "price_per_1m": {"input": c.input_price, "output": c.output_price, "batch": c.batch},
        "cost_per_call_usd": _r(c.cost_per_call, 8),
        "worst_case_cost_per_call_usd": _r(c.worst_cost_per_call, 8),
        "monthly_calls": c.monthly_calls,
        "monthly_cost_usd": _r(c.monthly_cost, 4),
        "worst_case_monthly_cost_usd": _r(c.worst_monthly_cost, 4),
        "monthly_savings_usd": round(row.savings, 4),
        "calibrated": c.calibrated,
        "sources": dict(c.sources),
        "in_loop": s.loop is not None,
        "streaming": s.streaming,
        "prompt_preview": prompt_preview(s),
        "findings": [finding_json(f) for f in row.findings],
    }


def report_json(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": f"llm-audit {__version__}",
        "generated": report.today.isoformat(),
        "currency": "USD",
        "call_sites": [site_json(r) for r in report.rows],
        "total_monthly_cost_usd": round(report.total_monthly_cost, 2),
        "total_worst_case_monthly_cost_usd": round(report.total_worst_case, 2),
        "total_monthly_savings_usd": round(report.total_savings, 2),
        "expected_monthly_savings_usd": round(report.expected_savings, 2),
        "worst_case_monthly_savings_usd": round(report.worst_case_savings, 2),
        "savings_by_rule": report.savings_by_rule,
        "other_findings": [finding_json(f) for f in report.other_findings],
        "assumptions": list(report.assumptions),
        "calibration": report.calibration.to_json() if report.calibration else None,
        "comparison": None,
    }
    if report.comparison is not None:
        c = report.comparison
        data["comparison"] = {
            "base": c.base_path,
            "base_total_monthly_cost_usd": round(c.base_total, 2),
            "delta_monthly_cost_usd": round(c.delta, 2),
            "headline": c.headline,
            "changes": c.lines,
        }
    return data


def render_json(report: Report) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------- comparison
class CompareError(Exception):
    pass


def load_base(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise CompareError(f"{path}: cannot read: {e.strerror or e}") from e
    except (ValueError, RecursionError) as e:
        raise CompareError(f"{path}: not a report JSON (llm-audit report --format json): {e}") from None
    if not isinstance(data, dict) or not isinstance(data.get("call_sites"), list):
        raise CompareError(f"{path}: not a report JSON (no `call_sites`); write one with `llm-audit report --format json -o {path.name}`")
    return data


def compare(report: Report, base: dict[str, Any], base_path: str) -> Comparison:
    head = {r.site.id: r for r in report.rows}
    before = {str(s.get("id")): s for s in base["call_sites"] if isinstance(s, dict)}
    lines: list[dict[str, Any]] = []

    def loc(s: dict[str, Any]) -> str:
        cell = f":cell {s['cell'] + 1}" if isinstance(s.get("cell"), int) else ""
        return f"{s.get('path')}{cell}:{s.get('line')}"

    for sid, row in head.items():
        after = row.cost.monthly_cost or 0.0
        old = before.get(sid)
        if old is None:
            lines.append({"change": "+", "id": sid, "location": row.location, "before_usd": None, "after_usd": round(after, 2), "delta_usd": round(after, 2), "note": f"new call site ({row.cost.model or 'model not resolved'})"})
            continue
        was = float(old.get("monthly_cost_usd") or 0.0)
        notes = []
        if (old.get("model") or None) != (row.cost.model or None):
            notes.append(f"model {old.get('model')} -> {row.cost.model}")
        if old.get("monthly_calls") != row.cost.monthly_calls:
            notes.append(f"calls {float(old.get('monthly_calls') or 0):,.0f} -> {row.cost.monthly_calls:,.0f}")
        if abs(after - was) >= 0.005 or notes:
            lines.append({"change": "~", "id": sid, "location": row.location, "before_usd": round(was, 2), "after_usd": round(after, 2), "delta_usd": round(after - was, 2), "note": "; ".join(notes)})
    for sid, old in before.items():
        if sid not in head:
            was = float(old.get("monthly_cost_usd") or 0.0)
            lines.append({"change": "-", "id": sid, "location": loc(old), "before_usd": round(was, 2), "after_usd": None, "delta_usd": round(-was, 2), "note": "call site removed"})
    lines.sort(key=lambda x: (-abs(x["delta_usd"] or 0.0), x["id"]))
    base_total = float(base.get("total_monthly_cost_usd") or sum(float(s.get("monthly_cost_usd") or 0) for s in before.values()))
    return Comparison(base_total=base_total, head_total=round(report.total_monthly_cost, 2), lines=lines, base_path=base_path)


# ---------------------------------------------------------------- the command
@dataclass
class ReportRequest:
    """What ``llm-audit report`` was asked for (the CLI fills it from its options)."""

    paths: list[Path]
    policy: Policy
    fmt: str = "table"
    today: date = field(default_factory=date.today)
    usage_file: Path | None = None
    sync_usage: bool = False
    usage_log: Path | None = None
    compare_to: Path | None = None
    fail_on_increase: float | None = None
    force_exclude: bool = False
    use_cache: bool = True
    jobs: int | None = None
    color: bool = False
    progress: bool = False  # draw a progress bar on stderr


@dataclass
class ReportOutcome:
    text: str
    exit_code: int
    messages: list[str]  # for stderr
    report: Report


RENDERERS = {
    "table": ("auditor.render.report_table", "render_table"),
    "markdown": ("auditor.render.report_markdown", "render_markdown"),
    "html": ("auditor.render.report_html", "render_html"),
}


PROGRESS_MIN_FILES = 200  # analysing fewer files is quick: no bar
PROGRESS_MIN_SITES = 100


def warm_cache_with_progress(req: ReportRequest) -> None:
    """Analyse the files in chunks with a progress bar on stderr, filling the per-file cache,
    so the engine run that follows reads every file's facts from the cache.

    Only for long runs (many files) with the cache on; anything unexpected just skips the bar."""
    import sys

    import click

    from auditor.config.scope import Scope, run_files
    from auditor.engine import load_facts, open_cache, source_options

    policy = req.policy
    try:
        scope = Scope(policy)
        files, _, _ = run_files(scope, req.paths, req.force_exclude)  # the whole project, as the run
        if len(files) < PROGRESS_MIN_FILES:
            return
        options = {id(p): source_options(p) for p in scope.policies()}

        def pick(rel: str):
            return options[id(scope.policy_for(rel))]

        cache = open_cache(policy.root)
        cache.prune = lambda keep: None  # a chunk must not drop the other chunks
        step = max(100, len(files) // 25)
        with click.progressbar(length=len(files), label="Analysing files", file=sys.stderr) as progress:
            for i in range(0, len(files), step):
                chunk = files[i : i + step]
                load_facts(chunk, pick(chunk[0].rel), cache, req.jobs, None, options_for=pick)
                progress.update(len(chunk))
        cache.save()
    except Exception:  # noqa: BLE001 - the bar is a courtesy; the real run reports problems
        return


def produce(req: ReportRequest) -> ReportOutcome:
    """Run the engine, calibrate and sync usage, price, compare and render.

    Raises :class:`auditor.cost.usage.UsageError` / :class:`CompareError` for bad inputs."""
    import importlib

    from auditor.engine import RunOptions, run

    messages: list[str] = []
    usage = Usage.from_policy(req.policy, path=req.usage_file, strict=True, missing_ok=req.sync_usage)
    if req.progress and req.use_cache:
        warm_cache_with_progress(req)
    opts = RunOptions(paths=req.paths, policy=req.policy, force_exclude=req.force_exclude, use_cache=req.use_cache, jobs=req.jobs, today=req.today, usage=usage)
    result = run(opts)
    messages.extend(f"warning: {n}" for n in result.notes)
    calibration = None
    if req.usage_log is not None:
        from auditor.cost.calibrate import calibrate

        calibration = calibrate(req.usage_log, result.project.call_sites(), req.policy.models)
        usage.calibrated = calibration.usage_values()
        result = run(opts)  # again, so every finding's savings use the measured volumes
        messages.append(f"calibrated {len(calibration.sites)} call site(s) from {req.usage_log} ({calibration.records:,} records, {calibration.unmatched:,} unmatched)")
    if req.sync_usage:
        from auditor.cost.usage import default_usage_path, sync_usage

        target = req.usage_file or default_usage_path(req.policy)
        added = sync_usage(target, result.project.call_sites(), usage.defaults.get("monthly-calls", 10_000))
        messages.append(f"{'added ' + str(len(added)) + ' call-site stub(s) to' if added else 'no new call sites for'} {target}")
    bar = None
    if req.progress and len(result.project.call_sites()) >= PROGRESS_MIN_SITES:
        import sys

        import click

        def bar(items):
            with click.progressbar(list(items), label="Pricing call sites", file=sys.stderr) as it:
                yield from it

    report = build_report(result, req.policy, usage, req.today, calibration, progress=bar)
    exit_code = 0
    if req.compare_to is not None:
        report.comparison = compare(report, load_base(req.compare_to), str(req.compare_to))
    budgets = req.policy.get("budgets") or {}
    limit = req.fail_on_increase if req.fail_on_increase is not None else budgets.get("max-increase-usd")
    if limit is not None and report.comparison is not None and report.comparison.delta > float(limit):
        messages.append(f"{report.comparison.headline}: more than the allowed increase of {usd(float(limit))}")
        exit_code = 1
    ceiling = budgets.get("max-monthly-usd")
    if ceiling is not None and report.total_monthly_cost > float(ceiling):
        messages.append(f"monthly estimate {usd(report.total_monthly_cost)} is over the budget of {usd(float(ceiling))} (policy budgets.max-monthly-usd)")
        exit_code = 1
    if req.fmt == "json":
        text = render_json(report)
    else:
        module, func = RENDERERS[req.fmt]
        text = getattr(importlib.import_module(module), func)(report, color=req.color)
    return ReportOutcome(text, exit_code, messages, report)
