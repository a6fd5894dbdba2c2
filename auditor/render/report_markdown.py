"""``report --format markdown``: the cost report as a pull-request comment (Infracost style).

Leads with the headline delta when ``--compare-to`` is given ("Monthly estimate increased by
$X"), then the per-site ``+ ~ -`` lines, the totals, savings by rule, the most expensive call
sites and, folded, the assumptions. Text from code (messages, model names, paths) is escaped
so it cannot break the table or inject HTML into the comment.
"""

from __future__ import annotations

from auditor.report import Report, SiteRow, change_span, usd

TOP_SITES = 10


def _cell(text: object) -> str:
    s = str(text)
    for a, b in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " ")):
        s = s.replace(a, b)
    return s


def _code(text: object) -> str:
    s = str(text).replace("`", "'").replace("|", "\\|").replace("\n", " ")
    return f"`{s}`"


def _tokens(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _site_line(row: SiteRow) -> str:
    c = row.cost
    out = _tokens(c.output_tokens) + " / " + _tokens(c.output_max) + (" ⚠" if c.worst_case else "")
    codes = ", ".join(sorted({f.code for f in row.findings})) or "-"
    model = _code(c.model) if c.model else "_not resolved_"
    if row.status.startswith("retired"):
        model += " (retired)"
    calls = f"{c.monthly_calls:,.0f}" + (" 📈" if c.calibrated else "" if c.observed else " (not observed)")
    saves = usd(row.savings) if row.savings >= 0.005 else "-"
    worst = usd(row.worst_case_savings) if row.worst_case_savings >= 0.005 else "-"
    return f"| {_code(row.location)} | {model} | {_tokens(c.input_tokens)} | {out} | {calls} | {usd(c.monthly_cost)} | {usd(c.worst_monthly_cost)} | {saves} | {worst} | {codes} |"


def render_markdown(report: Report, **_: object) -> str:
    lines: list[str] = ["## llm-audit cost report", ""]
    if report.comparison is not None:
        c = report.comparison
        lines.append(f"**{c.headline}**")
        lines.append("")
        if c.lines:
            lines.append("```diff")
            for x in c.lines:
                span = change_span(x)
                note = f" ({x['note']})" if x["note"] else ""
                sign = {"+": "+", "-": "-", "~": "!"}[x["change"]]
                worst = f"; worst case {change_span(x, worst=True)} ({usd(x.get('worst_delta_usd'), signed=True)})" if x.get("worst_delta_usd") else ""
                lines.append(f"{sign} {x['location']}: {span}/month ({usd(x['delta_usd'], signed=True)}){worst}{note}".replace("```", "'''"))
            lines.append("```")
            lines.append("")
            lines.append("<sub>`+` new call site, `!` changed (`~`), `-` removed.</sub>")
        else:
            lines.append("No call site changed its estimate.")
        lines.append("")
    kinds = {k: sum(1 for r in report.rows if r.kind == k) for k in ("python", "notebook", "promptfile")}
    lines += [
        "| | |",
        "|---|---|",
        f"| Estimated monthly cost | **{usd(report.total_monthly_cost)}** (worst case {usd(report.total_worst_case)}) |",
        f"| Expected savings (typical usage) | **{usd(report.expected_savings)}/month**"
        + (f" (`llm-audit fix --unsafe-fixes` applies {usd(report.fixable_savings)} of it)" if report.fixable_savings >= 0.005 else "")
        + " |",
        f"| Worst-case exposure removed | {usd(report.worst_case_savings)}/month (outputs at their maximum; not added to the expected figure) |",
        f"| Call sites | {len(report.rows)} ({kinds['python']} Python, {kinds['notebook']} notebook cells, {kinds['promptfile']} prompt files) |",
    ]
    if report.calibration is not None:
        lines.append(f"| Calibrated from telemetry | {len(report.calibration.sites)} call site(s), {report.calibration.records:,} records |")
    lines.append("")
    if report.savings_by_rule:
        lines += ["### Savings by rule", "", "| Rule | Findings | Expected / month | Worst case / month |", "|---|---:|---:|---:|"]
        for code, v in report.savings_by_rule.items():
            amount = usd(v["monthly_savings_usd"]) if v["monthly_savings_usd"] else "-"
            worst = usd(v["worst_case_monthly_savings_usd"]) if v.get("worst_case_monthly_savings_usd") else "-"
            lines.append(f"| {code} {_cell(v['name'])} | {v['findings']} | {amount} | {worst} |")
        lines.append("")
    if report.rows:
        top = report.top_sites(TOP_SITES)
        title = "### Call sites" if len(report.rows) <= TOP_SITES else f"### Top {len(top)} of {len(report.rows)} call sites by monthly cost"
        lines += [title, "", "| Call site | Model | Input tokens | Output typical / max | Calls / month | Cost / month | Worst case / month | Saves (expected) | Worst case removed | Findings |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        lines += [_site_line(r) for r in top]
        notes = []
        if any(r.cost.worst_case for r in top):
            notes.append("⚠ no output cap: the maximum is the model's own (worst case)")
        if any(r.cost.calibrated for r in top):
            notes.append("📈 measured from telemetry")
        if notes:
            lines += ["", "<sub>" + "; ".join(notes) + "</sub>"]
        lines.append("")
    if report.rows and any(r.findings for r in report.rows):
        lines += ["<details><summary>Findings with savings</summary>", ""]
        for r in sorted(report.rows, key=lambda x: -x.savings):
            for f in r.findings:
                share = next((x for x in f.savings.sites if x.site_id == r.site.id), None) if f.savings else None
                if share and (share.usd_per_month >= 0.005 or share.worst_case_usd_per_month >= 0.005):
                    lines.append(f"- {_code(f.location)} **{f.code}** {_cell(f.message)} — {usd(share.usd_per_month)}/month expected, {usd(share.worst_case_usd_per_month)}/month worst case at {share.monthly_calls:,.0f} calls/month ({_cell(share.calls_source)})")
        lines += ["", "</details>", ""]
    lines += ["<details><summary>Assumptions</summary>", ""]
    lines += [f"- {_cell(a)}" for a in report.assumptions]
    if report.calibration is not None:
        lines += [f"- {_cell(n)}" for n in report.calibration.notes]
        if report.calibration.sites:
            lines.append("- Calibrated call sites: " + ", ".join(_code(s) for s in sorted(report.calibration.sites)))
    lines += ["", "</details>", ""]
    return "\n".join(lines)
