"""Hover on a call site: provider, model, tokens, cost per call and per month (typical and worst
case), and the findings there with their savings - the numbers ``llm-audit report`` shows."""

from __future__ import annotations

from auditor.facts import CallSite
from auditor.cost.model import CostModel
from auditor.findings import Finding, Span
from auditor.report import usd
from auditor.server.convert import message

ORIGINS = {"constant": "a constant", "import": "an imported constant", "env-default": "an environment-variable default", "param-default": "a parameter default", "config-default": "the default of a configuration lookup"}


def finding_span(f: Finding) -> Span:
    return Span(f.line, f.column, f.end_line, f.end_column)


def contains(span: Span, line: int, column: int) -> bool:
    return (span.line, span.column) <= (line, column) <= (span.end_line, span.end_column)


def site_at(sites: list[CallSite], rel: str, cell: int | None, line: int, column: int) -> CallSite | None:
    """The innermost call site of file ``rel`` (cell ``cell``) whose call spans the position."""
    hits = [s for s in sites if s.path == rel and s.cell == cell and contains(s.span, line, column)]
    return min(hits, key=lambda s: (s.span.end_line - s.span.line, s.span.end_column - s.span.column), default=None)


def _tokens(n: float) -> str:
    return f"{n:,.0f}"


def site_markdown(site: CallSite, cost_model: CostModel, findings: list[Finding]) -> str:
    c = cost_model.estimate(site)
    model = site.model_name or (site.model.source if site.model is not None and site.model.source else None)
    if model is None:
        model_line = "not given" if site.model is None else "not known here"
    else:
        origin = ORIGINS.get(site.model.origin, "") if site.model is not None else ""
        model_line = f"`{model}`" + (f" (from {origin})" if origin else "")
        if c.catalog_model and c.catalog_model != model:
            model_line += f", priced as `{c.catalog_model}`"
        elif c.catalog_model is None and site.model_name:
            model_line += ", not in the model catalog"
    static = f"{_tokens(c.static_tokens)} tokens" + (" (exact)" if c.tokens_exact else f" ({c.token_note or 'approximate'})")
    rows = [
        ("provider", f"{c.provider} · `{site.method}()`"),
        ("model", model_line),
        ("static prompt", static),
    ]
    if c.holes:
        holes = ", ".join(f"{n} {kind} hole{'s' if n != 1 else ''}" for kind, n in sorted(c.holes.items()))
        rows.append(("dynamic prompt", f"~{_tokens(c.dynamic_tokens)} tokens estimated ({holes})"))
    if c.cap is not None:
        cap = f"cap {_tokens(c.cap)}" + (" (SDK default)" if c.cap_state == "sdk-default" else "")
    elif c.cap_state == "unknown":
        cap = "cap set from a value not known here"
    else:
        cap = "**no cap**" + (f": up to {_tokens(c.output_max)} tokens (model maximum)" if c.output_max else "")
    rows.append(("output", f"{cap}; typical {_tokens(c.output_tokens)} tokens ({c.sources.get('output', '')})"))
    per_call = usd(c.cost_per_call) if c.cost_per_call is not None else "unknown (no price for this model)"
    if c.worst_cost_per_call is not None and c.worst_cost_per_call != c.cost_per_call:
        per_call += f" · worst case {usd(c.worst_cost_per_call)}"
    rows.append(("$/call", per_call))
    calls = f"{c.monthly_calls:,.0f} calls/month ({c.sources.get('monthly_calls', 'default')})"
    if c.monthly_cost is not None:
        month = f"{usd(c.monthly_cost)} at {calls}"
        if c.worst_monthly_cost is not None and c.worst_monthly_cost != c.monthly_cost:
            month += f" · worst case {usd(c.worst_monthly_cost)}"
    else:
        month = f"unknown at {calls}"
    rows.append(("$/month", month))
    lines = [f"**llm-audit** · call site `{site.id}`", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v.replace('|', chr(92) + '|')} |" for k, v in rows]
    if findings:
        lines += ["", "**Findings here**", ""]
        lines += [f"- `{f.code}` {f.name}: {message(f)}" for f in findings]
    return "\n".join(lines)


def findings_markdown(findings: list[Finding]) -> str:
    return "\n".join(["**llm-audit**", ""] + [f"- `{f.code}` {f.name}: {message(f)}" for f in findings])
