"""``report --format json``: the machine form of the cost report (schema:
``auditor/schema/report.schema.json``). Money is USD per month unless named per call; expected
(typical usage) and worst-case figures are separate keys and never added together."""

from __future__ import annotations

import json
from typing import Any

from auditor import __version__
from auditor.cost.calibrate import fingerprint
from auditor.findings import Finding
from auditor.render.prompt_text import prompt_preview
from auditor.report import SCHEMA_VERSION, Report, SiteRow


def _r(x: float | None, nd: int = 6) -> float | None:
    return None if x is None else round(x, nd)


def finding_json(f: Finding, site_id: str | None = None) -> dict[str, Any]:
    """A finding as the report lists it; under a call site (``site_id``), its share there."""
    s = f.savings
    share = next((x for x in s.sites if x.site_id == site_id), None) if s is not None and site_id else None
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
        "monthly_savings_usd": round(share.usd_per_month if share else s.usd_per_month, 4) if s else None,
        "worst_case_monthly_savings_usd": round(share.worst_case_usd_per_month if share else s.worst_case_usd_per_month, 4) if s else None,
        "savings_basis": s.basis if s else None,
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
        "cached_input_tokens": round(c.cached_tokens, 1),
        "tokens_exact": c.tokens_exact,
        "output_tokens": round(c.output_tokens, 1),
        "output_tokens_max": c.output_max,
        "output_worst_case": c.worst_case,
        "output_cap": c.cap,
        "samples": c.samples,
        "price_per_1m": {"input": c.input_price, "output": c.output_price, "batch": c.batch},
        "cost_per_call_usd": _r(c.cost_per_call, 8),
        "worst_case_cost_per_call_usd": _r(c.worst_cost_per_call, 8),
        "monthly_calls": c.monthly_calls,
        "monthly_calls_source": c.sources.get("monthly_calls", ""),
        "observed": c.observed,
        "monthly_cost_usd": _r(c.monthly_cost, 4),
        "worst_case_monthly_cost_usd": _r(c.worst_monthly_cost, 4),
        "monthly_savings_usd": round(row.savings, 4),
        "worst_case_monthly_savings_usd": round(row.worst_case_savings, 4),
        "fixable_monthly_savings_usd": round(row.fixable_savings, 4),
        "calibrated": c.calibrated,
        "sources": dict(c.sources),
        "in_loop": s.loop is not None,
        "streaming": s.streaming,
        "fingerprint": fingerprint(s),
        "prompt_preview": prompt_preview(s),
        "findings": [finding_json(f, s.id) for f in row.findings],
    }


def report_json(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "tool": f"llm-audit {__version__}",
        "generated": report.today.isoformat(),
        "currency": "USD",
        "call_sites": [site_json(r) for r in report.rows],
        "unmatched_telemetry": [dict(u) for u in report.unmatched],
        "total_monthly_cost_usd": round(report.total_monthly_cost, 2),
        "total_worst_case_monthly_cost_usd": round(report.total_worst_case, 2),
        "total_monthly_savings_usd": round(report.expected_savings, 2),
        "expected_monthly_savings_usd": round(report.expected_savings, 2),
        "worst_case_monthly_savings_usd": round(report.worst_case_savings, 2),
        "fixable_expected_monthly_savings_usd": round(report.fixable_savings, 2),
        "fixable_worst_case_monthly_savings_usd": round(report.fixable_worst_case, 2),
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
            "base_total_worst_case_monthly_cost_usd": round(c.base_worst, 2),
            "delta_worst_case_monthly_cost_usd": round(c.worst_delta, 2),
            "headline": c.headline,
            "changes": c.lines,
        }
    return data


def render_json(report: Report, **_: object) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"
