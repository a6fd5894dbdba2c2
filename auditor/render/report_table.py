"""``report --format table``: the cost report for a terminal.

Call sites sorted by monthly cost (most expensive first), then savings by rule, the totals,
the comparison with ``--compare-to`` and the assumptions behind every number.
"""

from __future__ import annotations

from auditor.report import Report, SiteRow, change_span, usd

BOLD, DIM, RED, GREEN, RESET = "\033[1m", "\033[2m", "\033[31m", "\033[32m", "\033[0m"


def _tokens(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}"


def _per_call(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"${x:.5f}" if x < 0.01 else f"${x:,.4f}"


def _model(row: SiteRow) -> str:
    name = row.cost.model or "(not resolved)"
    if row.cost.catalog_model is None and row.cost.model:
        name += " ?"
    elif row.status.startswith("retired"):
        name += " (retired)"
    return name


def _table(rows: list[tuple[str, ...]], right: set[int]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for n, r in enumerate(rows):
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return out


def render_table(report: Report, color: bool = False, **_: object) -> str:
    b, d, g, r0 = (BOLD, DIM, GREEN, RESET) if color else ("", "", "", "")
    lines: list[str] = []
    n = len(report.rows)
    kinds = {k: sum(1 for r in report.rows if r.kind == k) for k in ("python", "notebook", "promptfile")}
    lines.append(f"{b}LLM call sites: {n}{r0} ({kinds['python']} in Python, {kinds['notebook']} in notebook cells, {kinds['promptfile']} in prompt files)")
    if report.rows:
        head = ("call site", "model", "in tok", "out tok", "max out", "$/call", "calls/mo", "$/month", "worst $/mo", "saves/mo", "worst saved", "findings")
        rows = [head]
        for row in sorted(report.rows, key=lambda x: (-(x.cost.monthly_cost or 0.0), x.site.id)):
            c = row.cost
            rows.append((
                row.location,
                _model(row),
                _tokens(c.input_tokens),
                _tokens(c.output_tokens),
                _tokens(c.output_max) + ("*" if c.worst_case else ""),
                _per_call(c.cost_per_call),
                _tokens(c.monthly_calls) + ("~" if c.calibrated else "" if c.observed else "!"),
                usd(c.monthly_cost),
                usd(c.worst_monthly_cost),
                usd(row.savings) if row.savings >= 0.005 else "-",
                usd(row.worst_case_savings) if row.worst_case_savings >= 0.005 else "-",
                ",".join(sorted({f.code for f in row.findings})) or "-",
            ))
        for u in report.unmatched:
            rows.append((f"(telemetry, no call site: {u['records']:,} records)", u["model"], _tokens(u["input_tokens"]), _tokens(u["output_tokens"]), "-", "-",
                         _tokens(u["monthly_calls"]) + "~", usd(u["monthly_cost_usd"]), usd(u["monthly_cost_usd"]), "-", "-", "-"))
        lines.append("")
        lines.extend(_table(rows, right={2, 3, 4, 5, 6, 7, 8, 9, 10}))
        notes = []
        if any(r.cost.worst_case for r in report.rows):
            notes.append("* no output cap: the maximum is the model's, the worst case")
        if any(r.cost.calibrated for r in report.rows) or report.unmatched:
            notes.append("~ measured from --usage-log")
        if any(not r.cost.observed for r in report.rows):
            notes.append("! not observed in --usage-log")
        if any(r.cost.catalog_model is None and r.cost.model for r in report.rows):
            notes.append("? model not in the catalog: not priced")
        notes.append("saves/mo: expected (typical usage); worst saved: worst-case exposure removed")
        lines.append(f"{d}{'; '.join(notes)}{r0}")
    if report.savings_by_rule:
        lines.append("")
        lines.append(f"{b}Savings by rule{r0}")
        rows = [("rule", "name", "findings", "expected/month", "worst case/month")]
        for code, v in report.savings_by_rule.items():
            rows.append((code, v["name"], str(v["findings"]), usd(v["monthly_savings_usd"]) if v["monthly_savings_usd"] else "-",
                         usd(v["worst_case_monthly_savings_usd"]) if v.get("worst_case_monthly_savings_usd") else "-"))
        lines.extend("  " + x for x in _table(rows, right={2, 3, 4}))
    if report.other_findings:
        lines.append("")
        lines.append(f"{b}Findings outside call sites{r0} (prompt constants, files): {len(report.other_findings)}")
        for f in report.other_findings[:10]:
            save = f" ({usd(f.savings.usd_per_month)}/month)" if f.savings and f.savings.usd_per_month and "/month" not in f.message else ""
            lines.append(f"  {f.location}: {f.code} {f.message}{save}")
        if len(report.other_findings) > 10:
            lines.append(f"  ... and {len(report.other_findings) - 10} more (`llm-audit check` lists them)")
    if report.comparison is not None:
        c = report.comparison
        lines.append("")
        color_delta = (RED if c.delta > 0 or c.worst_delta > 0 else GREEN) if color else ""
        lines.append(f"{b}{color_delta}{c.headline}{r0}")
        for x in c.lines:
            span = change_span(x)
            worst = f"; worst case {change_span(x, worst=True)} ({usd(x.get('worst_delta_usd'), signed=True)})" if x.get("worst_delta_usd") else ""
            note = f" ({x['note']})" if x["note"] else ""
            lines.append(f"  {x['change']} {x['location']}  {span}  {usd(x['delta_usd'], signed=True)}{worst}{note}")
    lines.append("")
    lines.append(f"{b}Estimated monthly cost: {usd(report.total_monthly_cost)}{r0} (worst case {usd(report.total_worst_case)})")
    lines.append(
        f"{g}Expected savings: {usd(report.expected_savings)}/month{r0} at typical usage"
        + (f"; worst-case exposure removed: {usd(report.worst_case_savings)}/month (not added to the expected figure)" if report.worst_case_savings >= 0.005 else "")
    )
    if abs(report.fixable_savings) >= 0.005:
        verb = "takes" if report.fixable_savings > 0 else "adds"
        lines.append(f"  `llm-audit fix --unsafe-fixes` {verb} {usd(abs(report.fixable_savings))}/month {'off' if report.fixable_savings > 0 else 'to'} the estimate (the findings it can fix)")
    if report.calibration is not None:
        cal = report.calibration
        lines.append(f"Calibrated from {cal.path}: {len(cal.sites)} call site(s) ({', '.join(sorted(cal.sites)) or 'none'}); the logs imply {usd(cal.monthly_spend)}/month")
        for note in cal.notes:
            lines.append(f"  {d}{note}{r0}")
    lines.append("")
    lines.append(f"{d}Assumptions:{r0}")
    lines.extend(f"{d}  - {a}{r0}" for a in report.assumptions)
    return "\n".join(lines) + "\n"
