"""Findings of derived call sites (requests reached through project functions): where they go.

A request built by a wrapper and sent for its callers is checked twice over: at each caller
(the derived site, with the caller's arguments bound) and at the sites it stands on (the SDK
call inside the wrapper, and any wrapper in between), which are not requests of their own.
The rule deciding where a finding is reported (SPEC §2 "Derived call sites"):

* findings about **text or arguments** (LA201, LA301, ...) are located where the text is
  written - the caller's literal, the wrapper's template, the prompt file - by the text checks
  themselves; here they only get the chain;
* findings about **the call** are about request parts (rules/flows.yaml ``parts``: LA101 is
  about the cap, LA402 about the model, LA503 about the loop ...). Each derived site knows, per
  part, the site where it is set (``extra["derived"]["owner"]``). When the caller sets one of
  the finding's parts - passes the model, forwards a cap parameter that defaults to None and
  leaves it out, calls the wrapper in a loop - the finding is the caller's: reported at the
  caller with the chain (``ask() -> LLM.complete() -> chat.completions.create``) in the message
  and as related locations. Otherwise it is reported once, at the site nearest the caller that
  sets those parts (the wrapper's SDK call when the wrapper never forwards a cap), with the
  callers it stands for as related locations and their savings summed.

A caller's finding keeps its fix only when the fix is the caller's to make: adding the cap
parameter the wrapper forwards (LA101). Findings of the sites derived sites stand on that no
caller's request has are dropped (no request sends them).
"""

from __future__ import annotations

import copy
import re

from auditor.config.flows import load_flows
from auditor.findings import Finding, Related, Savings


def chain_text(site) -> str:
    info = site.extra.get("derived") or {}
    return " -> ".join([h["label"] for h in info.get("chain") or []] + [info.get("method") or site.method])


def _hops(site) -> list[Related]:
    info = site.extra.get("derived") or {}
    out = []
    for h in info.get("chain") or []:
        out.append(Related(h["path"], h["line"], h["column"], h.get("cell"), f"through {h['label']}"))
    return out


def _annotate(f: Finding, site) -> Finding:
    text = chain_text(site)
    if text and f"(via {text})" not in f.message:
        f.message += f" (via {text})"
    have = {(r.path, r.line, r.column) for r in f.related}
    f.related.extend(r for r in _hops(site) if (r.path, r.line, r.column) not in have)
    return f


def settle(findings: list[Finding], project) -> list[Finding]:
    derived = {d.id: d for d in project.call_sites() if d.extra.get("derived")}  # derived and framework sites
    abstract = {a.id: a for a in getattr(project, "abstract_sites", [])}
    if not derived and not abstract:
        return findings
    parts = load_flows().parts
    out: list[Finding] = []
    own: dict[tuple[str, str], list[Finding]] = {}
    absorbed: dict[tuple[str, str], list[tuple[Finding, object]]] = {}
    for f in findings:
        sid = f.call_site_id
        if sid in abstract:
            if f.code in parts:
                own.setdefault((sid, f.code), []).append(f)
            else:
                out.append(f)  # located by what it read in the wrapper (a parse, a growing list)
            continue
        d = derived.get(sid or "")
        if d is None:
            out.append(f)
            continue
        want = parts.get(f.code)
        if not want:
            out.append(_annotate(f, d))  # located by its text: already where it is written
            continue
        info = d.extra["derived"]
        owner, line = info["owner"], info["line"]
        where = [owner.get(p, owner.get("*", line[-1])) for p in want]
        idx = min(line.index(w) if w in line else len(line) - 1 for w in where)
        if idx == 0:
            if not _callers_fix(f, d):
                f.fix = None
            out.append(_annotate(f, d))
        else:
            absorbed.setdefault((line[idx], f.code), []).append((f, d))
    for key, pairs in absorbed.items():
        mine = own.get(key) or []
        for rep, group in _match(mine, pairs):
            if rep is None:  # the site it belongs to says nothing of it: located there, without a fix
                rep = copy.copy(group[0][0])
                site = abstract.get(key[0])
                if site is None:
                    continue
                rep.path, rep.line, rep.column, rep.end_line, rep.end_column = site.path, site.span.line, site.span.column, site.span.end_line, site.span.end_column
                rep.cell, rep.call_site_id, rep.fix, rep.related = site.cell, site.id, None, []
            out.append(_stand_for(rep, group))
    return _one_per_place(out, set(derived) | set(abstract))


_MONTHLY = re.compile(r"saves ~\$[\d,]+(?:\.\d+)?/month")


def _one_per_place(findings: list[Finding], ids: set[str]) -> list[Finding]:
    """One call in a caller that reaches several requests (a helper calling the SDK twice, a
    wrapper with three branches) gives the same finding at the same place once per request:
    they are one root cause, kept once with the requests' savings summed and their places related."""
    out: list[Finding] = []
    seen: dict[tuple, Finding] = {}
    more: dict[int, int] = {}  # id(kept finding) -> how many other requests it stands for
    for f in findings:
        if f.call_site_id not in ids:
            out.append(f)
            continue
        key = (f.code, f.path, f.line, f.column, f.cell)  # the messages differ only by chain and figure
        first = seen.get(key)
        if first is None:
            seen[key] = f
            out.append(f)
            continue
        have = {(r.path, r.line, r.column) for r in first.related}
        first.related = list(first.related) + [r for r in f.related if (r.path, r.line, r.column) not in have]
        via = f.message.rfind("(via ")
        if via >= 0:
            more[id(first)] = more.get(id(first), 0) + 1  # counted, not listed: one root cause, one chain shown
        if f.savings is not None:
            # the requests' changes are kept, so the savings model prices each request once
            first.savings = Savings.combined([first.savings, f.savings], tokens_per_call=(first.savings.tokens_per_call if first.savings else 0.0) + f.savings.tokens_per_call)
            first.message = _MONTHLY.sub(f"saves ~${first.savings.usd_per_month:,.2f}/month", first.message, count=1)  # type: ignore[union-attr]
    for f in out:
        n = more.get(id(f))
        if n:
            f.message += f" (and {n} more request{'s' if n > 1 else ''} reached through the same call)"
    return out


def _match(mine: list[Finding], pairs: list[tuple[Finding, object]]):
    """Each absorbed finding joins the site's own finding with the same message, else the first
    of the same rule; None when the site has none."""
    groups: dict[int, list] = {}
    reps: dict[int, Finding | None] = {}
    for f, d in pairs:
        rep = next((m for m in mine if m.message == f.message), mine[0] if mine else None)
        k = id(rep) if rep is not None else -1
        reps[k] = rep
        groups.setdefault(k, []).append((f, d))
    return [(reps[k], g) for k, g in groups.items()]


def _stand_for(rep: Finding, group: list[tuple[Finding, object]]) -> Finding:
    """One finding at the site the callers' requests stand on, listing them, savings summed."""
    rep = copy.copy(rep)
    rep.related = list(rep.related)
    have = {(r.path, r.cell, r.line, r.column) for r in rep.related}  # a notebook's lines count per cell
    for f, d in group:
        key = (d.path, d.cell, d.span.line, d.span.column)
        if key not in have:
            have.add(key)
            rep.related.append(Related(d.path, d.span.line, d.span.column, d.cell, f"request sent from here ({chain_text(d)})"))
    callers = len({(d.path, d.cell, d.span.line, d.span.column) for _, d in group})
    parts = [f.savings for f, _ in group if f.savings is not None]
    if parts:
        # the callers' requests, each with its own changes: the savings model prices each once
        basis = parts[0].basis + (f"; for {callers} callers" if callers > 1 else "")
        rep.savings = Savings.combined(parts, basis=basis)
    if callers and "reached from" not in rep.message:
        rep.message += f" (reached from {callers} call site{'s' if callers > 1 else ''})"
    return rep


def _callers_fix(f: Finding, site) -> bool:
    """Only the fix the caller can make at its own call: the cap the wrapper forwards."""
    if f.fix is None or f.code != "LA101":
        return False
    return bool(site.extra.get("forward_cap"))
