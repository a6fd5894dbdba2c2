"""``report --format html``: one self-contained page (inline CSS, SVG and a few lines of inline
script, no network assets) with the totals, a bar chart of savings by rule, a bar chart of
monthly cost by call site, the comparison with ``--compare-to``, a table of call sites that
sorts (click a column) and filters (type in the box), expected and worst-case columns apart,
each site with its prompt and findings, and the assumptions. Paths are relative to the project
root; the page shows no absolute local path.

Everything that comes from the analysed code - prompt text, messages, paths, model names -
goes through :func:`html.escape`, so a prompt containing ``<script>`` shows as text.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from auditor import __version__
from auditor.render.prompt_text import PROMPT_CHARS, message_text
from auditor.report import Report, SiteRow, change_span, usd

CHART_SITES = 15

CSS = """
:root { --ink: #1d2433; --muted: #5c6679; --line: #dfe3ea; --bg: #f6f7f9; --card: #ffffff;
        --blue: #2f6fdb; --green: #2b8a3e; --orange: #d9730d; --red: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: var(--ink); background: var(--bg); }
main { max-width: 1180px; margin: 0 auto; padding: 28px 24px 48px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.sub { color: var(--muted); margin: 0 0 20px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px; background: none; border: 0; padding: 0; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; }
.card .k { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 24px; font-weight: 650; margin-top: 2px; }
.card .n { color: var(--muted); font-size: 12px; }
.v.save { color: var(--green); } .v.warn { color: var(--orange); } .v.up { color: var(--red); } .v.down { color: var(--green); }
.headline { font-size: 18px; font-weight: 650; margin: 0 0 10px; }
.headline.up { color: var(--red); } .headline.down { color: var(--green); }
svg { display: block; max-width: 100%; height: auto; }
svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; fill: var(--ink); }
svg .muted { fill: var(--muted); }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 7px 6px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.site code { word-break: break-all; }
td.site { max-width: 300px; }
th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
#sites th { cursor: pointer; } #sites th[aria-sort=descending]::after { content: " ▾"; } #sites th[aria-sort=ascending]::after { content: " ▴"; }
#site-filter { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px; }
td.num, th.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
tr.detail td { background: #fafbfc; padding-top: 0; }
code, pre { font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; word-break: break-word; background: #f1f3f6; border-radius: 6px; padding: 10px 12px; margin: 6px 0; max-height: 320px; overflow: auto; }
details summary { cursor: pointer; color: var(--blue); font-size: 12px; padding: 6px 0; }
.role { font-size: 11px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; margin-top: 8px; }
.badge { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 11px; font-weight: 600; margin-right: 4px; white-space: nowrap; }
.badge.error { background: #ffe3e3; color: var(--red); } .badge.warning { background: #fff0db; color: var(--orange); } .badge.info { background: #e7f0ff; color: var(--blue); }
.tag { display: inline-block; border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; font-size: 11px; color: var(--muted); margin-left: 4px; }
.tag.bad { border-color: #f3b0b0; color: var(--red); }
ul.findings { margin: 6px 0; padding-left: 18px; } ul.findings li { margin: 4px 0; }
.diff { font: 12px/1.6 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.diff .plus { color: var(--red); } .diff .minus { color: var(--green); } .diff .tilde { color: var(--orange); }
.muted { color: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; }
"""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _tokens(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def _per_call(x: float | None) -> str:
    if x is None:
        return "n/a"
    return f"${x:.5f}" if x < 0.01 else f"${x:,.4f}"


def _shorten(text: str, n: int) -> str:
    return text if len(text) <= n else "…" + text[-(n - 1):]


# ---------------------------------------------------------------- charts
def bar_chart(items: list[tuple], *, color: str, title: str, width: int = 1080, empty: str = "Nothing to show.") -> str:
    """Horizontal bars: (label, value, value text, tooltip[, colour]) per item, scaled to the largest."""
    if not items or max(item[1] for item in items) <= 0:
        return f'<p class="muted">{_e(empty)}</p>'
    label_w, value_w, bar_h, gap, top = 330, 200, 20, 8, 6
    plot_w = width - label_w - value_w
    biggest = max(item[1] for item in items)
    height = top + len(items) * (bar_h + gap) + 4
    out = [f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{_e(title)}">', f"<title>{_e(title)}</title>"]
    for i, (label, value, text, tip, *rest) in enumerate(items):
        fill = rest[0] if rest else color
        y = top + i * (bar_h + gap)
        w = max(2.0, plot_w * value / biggest) if value > 0 else 0.0
        out.append("<g>")
        out.append(f"<title>{_e(tip)}</title>")
        out.append(f'<text x="{label_w - 10}" y="{y + bar_h * 0.72:.1f}" text-anchor="end">{_e(_shorten(label, 46))}</text>')
        out.append(f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{fill}"></rect>')
        out.append(f'<text x="{label_w + w + 8:.1f}" y="{y + bar_h * 0.72:.1f}" class="muted">{_e(text)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def savings_chart(report: Report) -> str:
    items = []
    for code, v in report.savings_by_rule.items():
        for amount, kind, fill in ((v["monthly_savings_usd"], "expected", "#2b8a3e"), (v.get("worst_case_monthly_savings_usd", 0.0), "worst case", "#e8890c")):
            if amount > 0:
                items.append((f"{code} {v['name']} ({kind})", amount, f"{usd(amount)}/month {kind}", f"{code} {v['name']}: {v['findings']} finding(s), {usd(amount)}/month {kind}", fill))
    chart = bar_chart(items, color="#2b8a3e", title="Monthly savings by rule", empty="No finding has a savings estimate.")
    if items:
        chart += '<p class="muted">Green: expected savings at typical usage. Orange: worst-case exposure removed (outputs at their maximum), reported apart and never added to the expected figure.</p>'
    return chart


def cost_chart(report: Report) -> str:
    rows = [r for r in report.top_sites(CHART_SITES) if (r.cost.monthly_cost or 0) > 0]
    items = []
    for r in rows:
        worst = f" · worst case {usd(r.cost.worst_monthly_cost)}" if r.cost.worst_case and r.cost.worst_monthly_cost else ""
        label = f"{r.location} · {r.cost.model or '?'}"
        items.append((label, r.cost.monthly_cost or 0.0, f"{usd(r.cost.monthly_cost)}{worst}", f"{r.site.id}: {usd(r.cost.monthly_cost)}/month at {r.cost.monthly_calls:,.0f} calls{worst}"))
    more = len([r for r in report.rows if (r.cost.monthly_cost or 0) > 0]) - len(rows)
    chart = bar_chart(items, color="#2f6fdb", title="Estimated monthly cost by call site", empty="No call site could be priced.")
    if more > 0:
        chart += f'<p class="muted">{more} cheaper call site(s) not shown; the table below lists all.</p>'
    return chart


# ---------------------------------------------------------------- sections
def _cards(report: Report) -> str:
    cards = [
        ("Estimated monthly cost", usd(report.total_monthly_cost), "", f"typical usage; {len(report.rows)} call sites"),
        ("Worst case", usd(report.total_worst_case), "warn", "outputs at their caps or the model maximum"),
        ("Expected savings", usd(report.expected_savings), "save", "per month at typical usage, all findings applied"),
        ("Worst-case exposure removed", usd(report.worst_case_savings), "warn", "per month; not added to the expected savings"),
    ]
    if report.comparison is not None:
        d = report.comparison.delta
        cards.append(("Change vs base", usd(d, signed=True), "up" if d > 0 else "down", f"base {usd(report.comparison.base_total)}"))
        w = report.comparison.worst_delta
        cards.append(("Worst case vs base", usd(w, signed=True), "up" if w > 0 else "down", f"base {usd(report.comparison.base_worst)}"))
    out = ['<section class="cards">']
    for k, v, cls, n in cards:
        out.append(f'<div class="card"><div class="k">{_e(k)}</div><div class="v {cls}">{_e(v)}</div><div class="n">{_e(n)}</div></div>')
    out.append("</section>")
    return "\n".join(out)


def _comparison(report: Report) -> str:
    c = report.comparison
    if c is None:
        return ""
    cls = "up" if c.delta > 0.005 else "down" if c.delta < -0.005 else ""
    out = ["<section>", "<h2>Change against the base report</h2>", f'<p class="headline {cls}">{_e(c.headline)}</p>', f'<p class="muted">Base: {_e(c.base_path)}</p>']
    if c.lines:
        out.append('<div class="diff">')
        for x in c.lines:
            klass = {"+": "plus", "-": "minus", "~": "tilde"}[x["change"]]
            span = change_span(x, "→")
            note = f" ({x['note']})" if x["note"] else ""
            out.append(f'<div class="{klass}">{_e(x["change"])} {_e(x["location"])}: {_e(span)}/month ({_e(usd(x["delta_usd"], signed=True))}){_e(note)}</div>')
        out.append("</div>")
    else:
        out.append('<p class="muted">No call site changed its estimate.</p>')
    out.append("</section>")
    return "\n".join(out)


def _site_rows(row: SiteRow) -> str:
    c, s = row.cost, row.site
    model = _e(c.model or "not resolved")
    tags = []
    if row.status.startswith("retired"):
        tags.append(f'<span class="tag bad">{_e(row.status)}</span>')
    elif row.status == "unknown model" and c.model:
        tags.append('<span class="tag bad">not in catalog</span>')
    if c.calibrated:
        tags.append('<span class="tag">measured</span>')
    if s.loop is not None:
        tags.append('<span class="tag">in loop</span>')
    worst = ' <span class="tag bad" title="no output cap: worst case is the model maximum">uncapped</span>' if c.worst_case else ""
    codes = " ".join(f'<span class="badge {_e(f.severity)}">{_e(f.code)}</span>' for f in row.findings) or '<span class="muted">-</span>'
    unobserved = "" if c.observed else ' <span class="tag">not observed</span>'
    search = " ".join([row.location, s.qualname, c.provider, c.model or "", *sorted({f.code for f in row.findings})])
    main = (
        f"<tbody data-search=\"{_e(search.lower())}\"><tr><td class=\"site\" data-v=\"{_e(row.location)}\"><code>{_e(row.location)}</code><br><span class=\"muted\">{_e(s.qualname)} · {_e(s.method)}</span></td>"
        f"<td data-v=\"{_e(c.model or '')}\">{_e(c.provider)}<br><code>{model}</code>{''.join(tags)}</td>"
        f'<td class="num" data-v="{c.input_tokens:.1f}">{_tokens(c.input_tokens)}<br><span class="muted">{_tokens(c.static_tokens)} static</span></td>'
        f'<td class="num" data-v="{c.output_tokens:.1f}">{_tokens(c.output_tokens)} / {_tokens(c.output_max)}{worst}</td>'
        f'<td class="num" data-v="{c.cost_per_call or 0:.10f}">{_e(_per_call(c.cost_per_call))}</td>'
        f'<td class="num" data-v="{c.monthly_calls:.1f}">{c.monthly_calls:,.0f}{unobserved}</td>'
        f'<td class="num" data-v="{c.monthly_cost or 0:.6f}"><b>{_e(usd(c.monthly_cost))}</b></td>'
        f'<td class="num" data-v="{c.worst_monthly_cost or 0:.6f}">{_e(usd(c.worst_monthly_cost))}</td>'
        f'<td class="num" data-v="{row.savings:.6f}">{_e(usd(row.savings)) if row.savings >= 0.005 else "-"}</td>'
        f'<td class="num" data-v="{row.worst_case_savings:.6f}">{_e(usd(row.worst_case_savings)) if row.worst_case_savings >= 0.005 else "-"}</td>'
        f"<td>{codes}</td></tr>"
    )
    detail = ["<tr class=\"detail\"><td colspan=\"11\"><details><summary>prompt and findings</summary>"]
    if s.prompt.messages:
        for m in s.prompt.messages:
            detail.append(f'<div class="role">{_e(m.role)}</div><pre>{_e(message_text(m, PROMPT_CHARS))}</pre>')
    else:
        detail.append('<p class="muted">No prompt text at this call (set elsewhere, e.g. a LangChain constructor).</p>')
    if row.findings:
        detail.append('<ul class="findings">')
        for f in row.findings:
            share = next((x for x in f.savings.sites if x.site_id == s.id), None) if f.savings else None
            save = ""
            if share is not None and (share.usd_per_month >= 0.005 or share.worst_case_usd_per_month >= 0.005):
                save = (f' — <b>{_e(usd(share.usd_per_month))}/month expected</b>, {_e(usd(share.worst_case_usd_per_month))}/month worst case '
                        f'<span class="muted">(at {share.monthly_calls:,.0f} calls/month, {_e(share.calls_source)}; {_e(f.savings.basis)})</span>')
            fix = f' <span class="tag">{_e(f.fix.applicability)} fix</span>' if f.fix and f.fix.edits else ""
            detail.append(f'<li><span class="badge {_e(f.severity)}">{_e(f.code)}</span><code>{_e(f.location)}</code> {_e(f.message)}{fix}{save}</li>')
        detail.append("</ul>")
    names = {"input": "Input tokens", "output": "Typical output", "monthly_calls": "Monthly calls"}
    sources = " · ".join(f"{names.get(k, k)}: {v}" for k, v in c.sources.items())
    note = f" · Tokens {c.token_note}" if c.token_note else ""
    detail.append(f'<p class="muted">Call-site id <code>{_e(s.id)}</code> · {_e(sources)}{_e(note)}</p>')
    detail.append("</details></td></tr></tbody>")
    return main + "\n" + "".join(detail)


SORT_SCRIPT = """
(function () {
  var table = document.getElementById("sites"), box = document.getElementById("site-filter");
  if (!table) return;
  var bodies = function () { return Array.prototype.slice.call(table.tBodies); };
  if (box) box.addEventListener("input", function () {
    var q = box.value.toLowerCase();
    bodies().forEach(function (b) { b.hidden = q !== "" && b.getAttribute("data-search").indexOf(q) < 0 && b.textContent.toLowerCase().indexOf(q) < 0; });
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, i) {
    th.tabIndex = 0;
    var sort = function () {
      var down = th.getAttribute("aria-sort") !== "descending", num = th.classList.contains("num");
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", down ? "descending" : "ascending");
      bodies().sort(function (a, b) {
        var x = a.rows[0].cells[i].getAttribute("data-v") || "", y = b.rows[0].cells[i].getAttribute("data-v") || "";
        var c = num ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
        return down ? -c : c;
      }).forEach(function (b) { table.appendChild(b); });
    };
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
  });
})();
"""


def _sites_table(report: Report) -> str:
    if not report.rows:
        return '<section><h2>Call sites</h2><p class="muted">No LLM call sites found.</p></section>'
    head = (
        "<thead><tr><th>Call site</th><th>Provider / model</th><th class=\"num\">Input tokens</th><th class=\"num\">Output typical / max</th>"
        "<th class=\"num\">Cost / call</th><th class=\"num\">Calls / month</th><th class=\"num\">Cost / month (expected)</th><th class=\"num\">Cost / month (worst case)</th>"
        "<th class=\"num\">Saves / month (expected)</th><th class=\"num\">Worst case removed / month</th><th>Findings</th></tr></thead>"
    )
    rows = "\n".join(_site_rows(r) for r in sorted(report.rows, key=lambda r: (-(r.cost.monthly_cost or 0.0), r.site.id)))
    extra = ""
    if report.unmatched:
        items = "".join(
            f"<tr><td>{_e(u['model'])}</td><td class=\"num\">{u['records']:,}</td><td class=\"num\">{u['monthly_calls']:,.0f}</td><td class=\"num\">{_e(usd(u['monthly_cost_usd']))}</td><td>{_e(', '.join(f'{k}: {v}' for k, v in u['reasons'].items()))}</td></tr>"
            for u in report.unmatched
        )
        extra = (f'<h2>Telemetry no call site claims</h2><p class="muted">Counted in the total, so it reconciles to the logs\' spend.</p>'
                 f'<table><tr><th>Model</th><th class="num">Records</th><th class="num">Calls / month</th><th class="num">Cost / month</th><th>Why unmatched</th></tr>{items}</table>')
    return (
        f"<section><h2>Call sites ({len(report.rows)})</h2>"
        '<p><input id="site-filter" type="search" placeholder="Filter by path, function, model or rule" aria-label="Filter call sites" size="40"> '
        '<span class="muted">Click a column header to sort.</span></p>'
        f"<div class=\"scroll\"><table id=\"sites\">{head}\n{rows}</table></div>{extra}</section>"
    )


def _others(report: Report) -> str:
    if not report.other_findings:
        return ""
    items = []
    for f in report.other_findings:
        save = f" — {_e(usd(f.savings.usd_per_month))}/month" if f.savings and f.savings.usd_per_month else ""
        items.append(f'<li><span class="badge {_e(f.severity)}">{_e(f.code)}</span><code>{_e(f.location)}</code> {_e(f.message)}{save}</li>')
    return f'<section><h2>Findings outside call sites</h2><ul class="findings">{"".join(items)}</ul></section>'


def _assumptions(report: Report) -> str:
    items = [f"<li>{_e(a)}</li>" for a in report.assumptions]
    if report.calibration is not None:
        cal = report.calibration
        items += [f"<li>{_e(n)}</li>" for n in cal.notes]
        if cal.sites:
            items.append("<li>Calibrated call sites: " + ", ".join(f"<code>{_e(s)}</code>" for s in sorted(cal.sites)) + "</li>")
    return f"<section><h2>Assumptions</h2><ul>{''.join(items)}</ul></section>"


def render_html(report: Report, **_: object) -> str:
    kinds = {k: sum(1 for r in report.rows if r.kind == k) for k in ("python", "notebook", "promptfile")}
    sub = (
        f"{len(report.rows)} call sites ({kinds['python']} Python, {kinds['notebook']} notebook cells, {kinds['promptfile']} prompt files) · "
        f"{_e(Path(report.root).name)} · {report.today.isoformat()}"
    )
    body = [
        "<main>",
        "<h1>llm-audit cost report</h1>",
        f'<p class="sub">{sub}</p>',
        _cards(report),
        _comparison(report),
        f"<section><h2>Savings by rule (USD per month)</h2>{savings_chart(report)}</section>",
        f"<section><h2>Estimated monthly cost by call site (top {CHART_SITES})</h2>{cost_chart(report)}</section>",
        _sites_table(report),
        _others(report),
        _assumptions(report),
        f"<footer>llm-audit {_e(__version__)} · model catalog checked {_e(report.catalog_checked or 'unknown')}</footer>",
        "</main>",
    ]
    return (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<title>llm-audit cost report</title>\n"
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(x for x in body if x) + f"\n<script>{SORT_SCRIPT}</script>\n</body>\n</html>\n"
    )
