"""One savings model: per call site, apply all its findings' fixes to the simulated request.

Each finding with a savings model carries, per call site it touches, the
:class:`~auditor.findings.RequestChange` its fix makes (fewer input tokens, a cap, a stop
sequence, fewer samples, a cacheable prefix, a cheaper model, Batch API prices). For each site,
:func:`attribute` applies the changes of all its findings, in a fixed order, to the site's
:class:`~auditor.cost.request.Request`:

    1. prompt text (LA201 and the other text rules, then LA301 rows, LA302 columns, LA203 budget)
    2. output bounds (LA101 / LA102 caps, LA104 stop sequences, LA105 samples)
    3. the prompt cache (LA501, LA502)
    4. the model (LA401, LA402, LA404)
    5. Batch API pricing (LA503)

(within a step by rule code, then location). The site's saving is ``cost before - cost after
all changes`` - typical and worst case each - so it can never exceed the site's cost; each
finding's share is the drop its change makes at its turn, so the shares add up to the site's
saving exactly. A change that would not lower the typical cost at its turn is not applied (its
share is 0). A finding on several sites (a prompt constant, a root cause) gets the sum of its
shares, listed per site in ``Savings.sites``; grouping findings later just adds shares.

``fixable`` is the same simulation restricted to findings with a fix: what
``llm-audit fix --unsafe-fixes`` would save, which a re-run of the report on the fixed code
reproduces.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from auditor.cost.request import apply
from auditor.findings import Finding, RequestChange, SiteShare

if TYPE_CHECKING:  # pragma: no cover
    from auditor.cost.model import CostModel
    from auditor.facts import CallSite

STEP = {"input": 0, "frame-rows": 0, "frame-columns": 0, "budget": 0, "cap": 1, "stop": 1, "samples": 1, "cache": 2, "model": 3, "batch": 4}
TEXT_ORDER = {"input": 0, "frame-rows": 1, "frame-columns": 2, "budget": 3}
EPS = 1e-12


@dataclass
class SiteSavings:
    """What applying all findings of one call site saves per month."""

    site_id: str
    monthly_cost: float = 0.0
    worst_monthly_cost: float = 0.0
    expected: float = 0.0  # typical cost before - after
    worst_case: float = 0.0  # worst-case cost before - after
    fixable_expected: float = 0.0  # the same with only the findings that have a fix
    fixable_worst_case: float = 0.0
    after_monthly_cost: float = 0.0
    shares: list[tuple[Finding, SiteShare]] = field(default_factory=list)


def _order(item: tuple[Finding, RequestChange]) -> tuple:
    f, ch = item
    return (STEP.get(ch.kind, 5), TEXT_ORDER.get(ch.kind, 0), f.code, f.path, f.cell if f.cell is not None else -1, f.line, f.column)


def attribute(findings: list[Finding], sites: list[CallSite], cost: CostModel) -> dict[str, SiteSavings]:
    """Re-price every finding's savings as its marginal share of its sites' apply-all saving."""
    by_id = {s.id: s for s in sites}
    per_site: dict[str, list[tuple[Finding, RequestChange]]] = {}
    for f in findings:
        if f.savings is None or not f.savings.changes:
            continue
        for ch in f.savings.changes:
            if ch.site_id in by_id:
                per_site.setdefault(ch.site_id, []).append((f, ch))
    fix_only: dict[str, list[Finding]] = {}  # fixes that change the request without claiming a saving
    for f in findings:
        if f.fix is not None and f.fix.edits and f.fix.changes:
            for sid in {ch.site_id for ch in f.fix.changes}:
                fix_only.setdefault(sid, []).append(f)
    results: dict[str, SiteSavings] = {}
    shares: dict[int, list[SiteShare]] = {}
    for sid, site in by_id.items():
        est = cost.estimate(site)
        calls = est.monthly_calls
        res = SiteSavings(sid, (est.monthly_cost or 0.0), (est.worst_monthly_cost or est.monthly_cost or 0.0))
        items = sorted(per_site.get(sid, []), key=_order)
        req = cost.request(site)
        t0, w0 = t_prev, w_prev = cost.price_of(site, req)
        for f, ch in items:  # one step per change: linear in the site's findings
            nxt = apply(req, ch, cost.models)
            t, w = cost.price_of(site, nxt)
            if t > t_prev + EPS or (t >= t_prev - EPS and w >= w_prev - EPS):
                share = SiteShare(sid, 0.0, 0.0, calls, est.sources.get("monthly_calls", ""))
            else:
                req = nxt
                share = SiteShare(sid, (t_prev - t) * calls, (w_prev - w) * calls, calls, est.sources.get("monthly_calls", ""))
                t_prev, w_prev = t, w
            res.shares.append((f, share))
            shares.setdefault(id(f), []).append(share)
        res.expected = (t0 - t_prev) * calls
        res.worst_case = (w0 - w_prev) * calls
        res.after_monthly_cost = t_prev * calls
        fixable = [ch for f, ch in items if f.fix is not None and f.fix.edits]
        fixable += [ch for f in fix_only.get(sid, []) for ch in f.fix.changes if ch.site_id == sid]  # type: ignore[union-attr]
        fixable.sort(key=lambda ch: STEP.get(ch.kind, 5))
        tf, wf = cost.simulate(site, fixable)
        res.fixable_expected = (t0 - tf) * calls  # negative when a fix makes the request dearer
        res.fixable_worst_case = (w0 - wf) * calls
        results[sid] = res
    for f in findings:
        s = f.savings
        if s is None or not s.changes:
            continue
        mine = shares.get(id(f))
        if not mine:
            continue  # its sites are not in this run (a prompt constant nobody sends)
        s.sites = [SiteShare(x.site_id, round(x.usd_per_month, 6), round(x.worst_case_usd_per_month, 6), x.monthly_calls, x.calls_source) for x in mine]
        s.usd_per_month = round(sum(x.usd_per_month for x in mine), 4)
        s.worst_case_usd_per_month = round(sum(x.worst_case_usd_per_month for x in mine), 4)
        calls = sum(x.monthly_calls for x in mine)
        s.monthly_calls = calls
        s.calls_source = "; ".join(sorted({x.calls_source for x in mine if x.calls_source}))
        s.usd_per_call = round(max((x.usd_per_month / x.monthly_calls for x in mine if x.monthly_calls), default=0.0), 8)
    cost.site_savings = results
    return results


def totals(results: dict[str, SiteSavings]) -> dict[str, float]:
    return {
        "expected": sum(r.expected for r in results.values()),
        "worst_case": sum(r.worst_case for r in results.values()),
        "fixable_expected": sum(r.fixable_expected for r in results.values()),
        "fixable_worst_case": sum(r.fixable_worst_case for r in results.values()),
    }
