"""One finding per root cause: the grouping step that runs after the checks.

A rule entry declares how its findings group (``group-by:`` in ``rules/checks/*.yaml``):

* ``definition`` - a finding about a value is reported where the value is written: the literal
  of a module constant, a parameter default, the default of ``os.getenv``, a constant in another
  module (``Value.defined``). Every call site that uses it becomes a related location, and the
  message says "used by N call sites" (LA402). The same literal written at several calls of one
  file is one finding too, whose fix rewrites every copy;
* ``model-name`` - one finding per model name across the project, at its first use, with the
  others related: the cause is the catalog entry the name lacks (LA403);
* ``location`` - one finding per place it points at (a parse line reading the response of several
  calls is one LA601), the calls related;
* ``function`` - the same rule with the same fix on several branches of one function
  (``if``/``elif``/``else``, ``try``/``except``, ``match``: a dispatch) is one finding whose
  fix carries the edits of every branch (LA101).

Savings of a group are the sum of its members' monthly savings (per call: the largest), so
totals per root cause equal the per-call totals; the call-site inventory (``report``) keeps
the per-call findings (:attr:`auditor.engine.RunResult.site_findings`).
"""

from __future__ import annotations

import copy
from dataclasses import asdict
from typing import Any, Callable

from auditor.facts import CallSite
from auditor.findings import Finding, Fix, Related, Savings

GROUPINGS = ("definition", "model-name", "function", "location")


def group_root_causes(findings: list[Finding], project: Any, group_of: Callable[[str], str]) -> list[Finding]:
    """``findings`` with those of one root cause merged; ``group_of(code)`` is the rule's ``group-by``."""
    sites: dict[str, CallSite] = {s.id: s for s in project.call_sites()}
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
        elif how == "location":
            out.append(_merge(members, sites, uses=True, suffix=f" (the response of {len(members)} calls)", label="the call whose response it parses", at_site=True))
        else:
            out.append(_merge(members, sites, fix_union=True))
    return out


def _key(how: str, f: Finding, site: CallSite) -> tuple | None:
    if how == "definition":
        d = site.model.defined if site.model is not None else None
        if d is None and site.model is not None and site.model.origin == "literal" and site.model_name:
            return ("literal", f.code, site.path, site.model_name.lower(), f.fix.message if f.fix is not None else None)
        if d is None:
            return None
        path = d.path or site.path
        cell = d.cell if d.path is not None else (d.cell if d.cell is not None else site.cell)
        if (path, cell) == (site.path, site.cell) and _inside(d.span, site.span):
            # written at the call: the same literal at several calls of one file is one cause,
            # one finding whose fix rewrites every copy
            name = site.model_name
            fix = f.fix.message if f.fix is not None else None  # copies whose fixes differ stay apart
            return ("literal", f.code, site.path, name.lower(), fix) if name else None
        return ("definition", f.code, path, cell, d.span.line, d.span.column, d.span.end_line, d.span.end_column)
    if how == "model-name":
        name = site.model_name
        return ("model-name", f.code, name.lower()) if name else None
    if how == "location":
        return ("location", f.code, f.path, f.cell, f.line, f.column)
    if how == "function":
        dispatch = site.extra.get("dispatch")
        if site.qualname == "<module>" or dispatch is None:
            return None
        what = f.fix.message if f.fix is not None else _without_method(f.message, site)
        return ("function", f.code, site.path, site.cell, site.qualname, dispatch, what)
    return None


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
    g.related = _unique([_related(f, sites, f"uses it: {sites[f.call_site_id].method}()" if f.call_site_id in sites else "uses it") for f in sorted(members, key=lambda f: f.sort_key())])
    g.related += [r for f in members for r in f.related if r not in g.related]
    n = len({r.path + ":" + str(r.cell) + ":" + str(r.line) for r in g.related if r.message.startswith("uses it")})
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
        g.fix = Fix(members[0].fix.applicability, members[0].fix.message + f" (at {len(members)} calls)", edits)  # type: ignore[union-attr]
    else:
        g.fix = _common_fix(members)
    return g


def _common_fix(members: list[Finding]) -> Fix | None:
    """The members' fix when they all have the same one (one edit at the definition), else none."""
    fixes = [f.fix for f in members]
    if any(x is None for x in fixes):
        return None
    first = asdict(fixes[0])  # type: ignore[arg-type]
    return copy.deepcopy(fixes[0]) if all(asdict(x) == first for x in fixes) else None  # type: ignore[arg-type]


def _sum_savings(members: list[Finding]) -> Savings | None:
    got = [f.savings for f in members if f.savings is not None]
    if not got:
        return None
    basis = got[0].basis
    n = len(members)
    return Savings(
        tokens_per_call=max(s.tokens_per_call for s in got),
        usd_per_call=round(max(s.usd_per_call for s in got), 8),
        usd_per_month=round(sum(s.usd_per_month for s in got), 4),
        basis=basis + (f"; summed over {n} call sites" if n > 1 else ""),
    )


def _unique(items: list[Related]) -> list[Related]:
    out: list[Related] = []
    for r in items:
        if r not in out:
            out.append(r)
    return out
