"""One finding per root cause: the grouping step that runs after the checks.

A rule entry declares how its findings group (``group-by:`` in ``rules/checks/*.yaml``):

* ``definition`` - a finding about a value is reported where the value is written: the literal
  of a module constant, a parameter default, the default of ``os.getenv``, a constant in another
  module (``Value.defined``). Every call site that uses it becomes a related location, and the
  message says "used by N call sites" (LA402). The same literal written at several calls of one
  file (of one notebook cell: edits carry no cell) is one finding too, whose fix rewrites every copy;
* ``model-name`` - one finding per model name across the project, at its first use, with the
  others related: the cause is the catalog entry the name lacks (LA403);
* ``location`` - one finding per place it points at (a parse line reading the response of several
  calls is one LA601), the calls related;
* ``loop`` - the calls of one loop (a generation and its grading, two models compared per item):
  one finding at the first, the others related; the cause is the loop (LA503);
* ``function`` - the same rule with the same fix on several branches of one function
  (``if``/``elif``/``else``, ``try``/``except``, ``match``: a dispatch) is one finding whose
  fix carries the edits of every branch (LA101).

Savings of a group are its members' per-site shares, each distinct site once (the shares are
marginal steps of one apply-all simulation per site, :mod:`auditor.cost.savings`, so they add;
per call: the largest), so totals per root cause equal the per-call totals and the report's
headline, the sum over sites; the call-site inventory (``report``) keeps the per-call findings
(:attr:`auditor.engine.RunResult.site_findings`).
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any, Callable

from auditor.facts import CallSite
from auditor.findings import Finding, Fix, Related, Savings, SiteShare

GROUPINGS = ("definition", "model-name", "function", "location", "loop")


def group_root_causes(findings: list[Finding], project: Any, group_of: Callable[[str], str], members_of: dict[int, list[Finding]] | None = None) -> list[Finding]:
    """``findings`` with those of one root cause merged; ``group_of(code)`` is the rule's ``group-by``;
    ``members_of`` receives, for each new finding (by ``id``), the findings it stands for."""
    # the requests and the sites derived ones stand on (a wrapper's SDK call: findings settled there
    # by checks/chains.py group at their definition too)
    sites: dict[str, CallSite] = {s.id: s for s in (project.checked_sites() if hasattr(project, "checked_sites") else project.call_sites())}
    groups: dict[tuple, list[Finding]] = {}
    order: list[tuple] = []
    out: list[Finding] = []
    for f in findings:
        how = group_of(f.code)
        site = sites.get(f.call_site_id or "")
        key = _key(how, f, site) if how and site is not None else None
        if key is None:
            out.append(f)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(f)
    for key in order:
        members = groups[key]
        how = key[0]
        n = len(out)
        if how == "literal":
            out.append(members[0] if len(members) == 1 else _merge(members, sites, fix_union=True, uses=True, suffix=f" (written at {len(members)} calls in this file)", label="also written here"))
        elif how == "definition":
            out.append(_at_definition(members, sites))
        elif how == "model-name":
            first = min(members, key=lambda f: f.sort_key())
            if _key("definition", first, sites[first.call_site_id]) is not None:  # type: ignore[index]
                members = [first] + [f for f in members if f is not first]
                out.append(_at_definition(members, sites, lead=first))
            elif len(members) == 1:
                out.append(members[0])
            else:
                out.append(_merge(members, sites, uses=True))
        elif len(members) == 1:
            out.append(members[0])
        elif how == "loop" and key[4] == "comprehensions" and len(_loops_of(members, sites)) > 1:
            out.append(_merge(members, sites, suffix=f" ({len(members)} comprehensions in this function)", uses=True, label="called per item here too", at_site=True))
        elif how == "loop":
            out.append(_merge(members, sites, suffix=f" ({len(members)} calls in this loop)", uses=True, label="called in this loop", at_site=True))
        elif how == "location":
            out.append(_merge(members, sites, uses=True, suffix=f" (the response of {len(members)} calls)", label="the call whose response it parses", at_site=True))
        else:
            out.append(_merge(members, sites, fix_union=True))
        if members_of is not None and all(out[n] is not m for m in members):
            members_of[id(out[n])] = list(members)
    return out


def settle_savings(kept: list[Finding], before: list[Finding], members_of: dict[int, list[Finding]], reprice: Callable[[list[Finding]], None]) -> list[Finding]:
    """The per-call findings that still stand after grouping (the members of the ``kept`` causes;
    ``before``: all per-call findings). A cause without a fix leaves its calls unfixed (``fix``
    applies the causes' fixes), and a cause suppressed where it is written takes its calls' savings
    with it: when either happens, ``reprice`` attributes the savings again on what stands and each
    cause's savings are summed again, so no site is credited for a change nobody makes."""
    changed = False
    standing: list[Finding] = []
    for g in kept:
        ms = members_of.get(id(g), [g])
        if g.fix is None or not g.fix.edits:
            for m in ms:
                if m is not g and m.fix is not None and m.fix.edits:
                    m.fix = None
                    changed = True
        standing.extend(ms)
    if changed or len(standing) != len(before):
        reprice(standing)
        for g in kept:
            if id(g) in members_of:
                g.savings = _sum_savings(members_of[id(g)])
    return standing


def _key(how: str, f: Finding, site: CallSite) -> tuple | None:
    if how == "definition":
        d = site.model.defined if site.model is not None else None
        if d is None and site.model is not None and site.model.origin == "literal" and site.model_name:
            return ("literal", f.code, site.path, site.cell, site.model_name.lower(), f.fix.message if f.fix is not None else None)
        if d is None:
            return None
        path = d.path or site.path
        cell = d.cell if d.path is not None else (d.cell if d.cell is not None else site.cell)
        if (path, cell) == (site.path, site.cell) and _inside(d.span, site.span):
            # written at the call: the same literal at several calls of one file is one cause,
            # one finding whose fix rewrites every copy
            name = site.model_name
            fix = f.fix.message if f.fix is not None else None  # copies whose fixes differ stay apart
            return ("literal", f.code, site.path, site.cell, name.lower(), fix) if name else None  # one cell: edits carry no cell
        return ("definition", f.code, path, cell, d.span.line, d.span.column, d.span.end_line, d.span.end_column)
    if how == "model-name":
        name = site.model_name
        return ("model-name", f.code, name.lower()) if name else None
    if how == "location":
        return ("location", f.code, f.path, f.cell, f.line, f.column)
    if how == "loop":
        loop = site.loop
        if loop is None or loop.span is None:
            return None
        if loop.kind == "comprehension" and site.qualname != "<module>":
            # [translate(t) for t in df[a]] and [translate(t) for t in df[b]] in one function: one cause,
            # one fix (batch or group the function's calls), so one finding
            return ("loop", f.code, site.path, site.cell, "comprehensions", site.qualname, site.method)
        return ("loop", f.code, site.path, site.cell, loop.span.line, loop.span.column)
    if how == "function":
        dispatch = site.extra.get("dispatch")
        if site.qualname == "<module>" or dispatch is None:
            return None
        what = f.fix.message if f.fix is not None else _without_method(f.message, site)
        return ("function", f.code, site.path, site.cell, site.qualname, dispatch, what)
    return None


def _loops_of(members: list[Finding], sites: dict[str, CallSite]) -> set[tuple]:
    """The distinct loops (by where they start) the members' calls run in."""
    return {(lp.span.line, lp.span.column) for m in members for lp in [sites[m.call_site_id].loop] if lp is not None and lp.span is not None}  # type: ignore[index]


def _inside(inner, outer) -> bool:
    return (outer.line, outer.column) <= (inner.line, inner.column) and (inner.end_line, inner.end_column) <= (outer.end_line, outer.end_column)


def _without_method(message: str, site: CallSite) -> str:
    return message.replace(site.method, "")


def _related(f: Finding, sites: dict[str, CallSite], what: str, at_site: bool = False) -> Related:
    """Where the member finding pointed (the ``model=`` argument, the call); ``at_site``: its call."""
    site = sites.get(f.call_site_id or "") if at_site else None
    if site is not None:
        return Related(site.path, site.span.line, site.span.column, site.cell, what)
    return Related(f.path, f.line, f.column, f.cell, what)


def _at_definition(members: list[Finding], sites: dict[str, CallSite], lead: Finding | None = None) -> Finding:
    """The finding moved to where the value is written, its call sites related."""
    first = lead or min(members, key=lambda f: f.sort_key())
    site = sites[first.call_site_id]  # type: ignore[index]
    d = site.model.defined  # type: ignore[union-attr]
    g = copy.deepcopy(first)
    g.path = d.path or site.path
    g.cell = d.cell if d.path is not None else (d.cell if d.cell is not None else site.cell)
    g.line, g.column, g.end_line, g.end_column = d.span.line, d.span.column, d.span.end_line, d.span.end_column
    listed: set[tuple] = set()
    g.related = _unique([_related(f, sites, f"uses it: {sites[f.call_site_id].method}()" if f.call_site_id in sites else "uses it") for f in sorted(members, key=lambda f: f.sort_key())], listed)
    g.related += [r for f in members for r in f.related if _place(r) not in listed]
    n = len({r.path + ":" + str(r.cell) + ":" + str(r.line) for r in g.related if r.message.startswith("uses it")})
    if n != 1 or "(reached from" not in g.message:  # "reached from 8 call sites (used by 1 call site)" read as a contradiction
        g.message += f" (used by {n} call site{'s' if n != 1 else ''})"
    if len(members) > 1:
        g.call_site_id = None
        g.savings = _sum_savings(members)
        g.fix = _common_fix(members)
    return g


def _merge(members: list[Finding], sites: dict[str, CallSite], fix_union: bool = False, uses: bool = False, suffix: str = "", label: str = "uses it", at_site: bool = False) -> Finding:
    members = sorted(members, key=lambda f: f.sort_key())
    g = copy.deepcopy(members[0])
    g.call_site_id = None
    others = members[1:]
    if uses:  # the cause is a name: every use is listed, the first one included
        g.related = _unique([_related(f, sites, label, at_site=at_site) for f in members] + [r for f in members for r in f.related])
        g.message += suffix or f" (used by {len(members)} call sites)"
    else:
        g.related = _unique(g.related + [_related(f, sites, "same cause") for f in others] + [r for f in others for r in f.related])
        g.message += f" (and {len(others)} more call site{'s' if len(others) != 1 else ''} with the same cause)"
    g.savings = _sum_savings(members)
    if fix_union and all(f.fix is not None and f.fix.message == members[0].fix.message for f in members):  # type: ignore[union-attr]
        edits = [e for f in members for e in f.fix.edits]  # type: ignore[union-attr]
        g.fix = Fix(members[0].fix.applicability, members[0].fix.message + f" (at {len(members)} calls)", edits, [c for f in members for c in f.fix.changes])  # type: ignore[union-attr]
    else:
        g.fix = _common_fix(members)
    return g


def _common_fix(members: list[Finding]) -> Fix | None:
    """The members' fix when they all have the same one (one edit at the definition), else none."""
    fixes = [f.fix for f in members]
    if any(x is None for x in fixes):
        return None
    def edits(x: Fix) -> tuple:
        return (x.applicability, x.message, [asdict(e) for e in x.edits])  # the request changes are per site

    first = edits(fixes[0])  # type: ignore[arg-type]
    if not all(edits(x) == first for x in fixes):  # type: ignore[arg-type]
        return None
    out = copy.deepcopy(fixes[0])
    out.changes = [c for x in fixes for c in x.changes]  # type: ignore[union-attr]
    return out


def _sum_savings(members: list[Finding]) -> Savings | None:
    """The group's savings: its members' per-site shares (:func:`auditor.cost.savings.attribute`,
    marginal, so they add), one entry per distinct site; the monthly figures are the sum over
    those sites, each counted once, and the volume is each site's calls once."""
    got = [f.savings for f in members if f.savings is not None]
    if not got:
        return None
    n = len(members)
    out = Savings.combined(got, basis=got[0].basis + (f"; summed over {n} call sites" if n > 1 else ""))
    if out is None or not out.sites:
        return out
    per_site: dict[str, SiteShare] = {}
    for x in out.sites:
        have = per_site.get(x.site_id)
        if have is None:
            per_site[x.site_id] = SiteShare(x.site_id, x.usd_per_month, x.worst_case_usd_per_month, x.monthly_calls, x.calls_source)
        else:  # two members' shares of one site: marginal steps of one simulation, they add
            have.usd_per_month += x.usd_per_month
            have.worst_case_usd_per_month += x.worst_case_usd_per_month
    out.sites = [SiteShare(x.site_id, round(x.usd_per_month, 6), round(x.worst_case_usd_per_month, 6), x.monthly_calls, x.calls_source) for x in per_site.values()]
    unattributed = [s for s in got if not s.sites]  # no simulated change: the check's own figure
    out.usd_per_month = round(sum(x.usd_per_month for x in out.sites) + sum(s.usd_per_month for s in unattributed), 4)
    out.worst_case_usd_per_month = round(sum(x.worst_case_usd_per_month for x in out.sites) + sum(s.worst_case_usd_per_month for s in unattributed), 4)
    out.monthly_calls = sum(x.monthly_calls for x in out.sites) + sum(s.monthly_calls or 0.0 for s in unattributed)
    return out


def _place(r: Related) -> tuple:
    return (r.path, r.line, r.column, r.cell, r.message)  # what Related's == compares


def _unique(items: list[Related], seen: set[tuple] | None = None) -> list[Related]:
    """``items`` without repeats, first kept; linear (a group can have thousands of members).
    ``seen`` holds the keys of places already listed elsewhere, and receives the new ones."""
    seen = set() if seen is None else seen
    out: list[Related] = []
    for r in items:
        key = _place(r)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out
