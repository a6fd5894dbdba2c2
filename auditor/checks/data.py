"""Data-in-prompt checks: LA301 raw-dataframe-in-prompt, LA302 identifier-columns-in-prompt.

Both read the :class:`~auditor.analysis.prompts.DataHole` segments the prompt builder records: how a
pandas / polars frame (or a record list) is rendered into the prompt, where ``.head(N)`` would
go, a literal column selection, and the literal file a ``read_*`` call loaded. A hole is
reported once where it is written, whichever call sites send it.

Savings of LA301 are estimates: from the literal data file when it exists in the tree (its
size in tokens, counted on a sample and scaled; read only, never executed), else from the
policy's ``assumed-rows`` x columns x ``tokens-per-cell``.
"""

from __future__ import annotations

import re

from pathlib import Path
from typing import Iterable

from auditor.facts import CallSite
from auditor.checks import check
from auditor.checks.prompt import prompt_constants
from auditor.checks.context import RuleContext
from auditor.findings import Edit, Finding, Fix, RequestChange, Savings
from auditor.analysis.identifiers import identifier_columns
from auditor.analysis.templates import DataHole
from auditor.cost.frames import MIN_ROWS, FrameState, frame_of
from auditor.cost.sizing import hole_key



def _holes(project) -> Iterable[tuple[DataHole, CallSite | None, str, int | None]]:
    """Every data hole with the call site that sends it (None for prompt constants)."""
    for site in project.call_sites():
        for seg in site.prompt.segments:
            if isinstance(seg, DataHole):
                yield seg, site, seg.path or site.path, seg.cell if seg.cell is not None else site.cell
    for pc in prompt_constants(project):
        for seg in pc.prompt.segments:
            if isinstance(seg, DataHole):
                yield seg, None, seg.path or pc.path, seg.cell if seg.cell is not None else pc.cell


def _grouped(project) -> dict[tuple, tuple[DataHole, str, int | None, list[CallSite]]]:
    out: dict[tuple, tuple[DataHole, str, int | None, list[CallSite]]] = {}
    for hole, site, path, cell in _holes(project):
        span = hole.span
        key = (path, cell, (span.line, span.column, span.end_line, span.end_column) if span else hole.expr)
        if key not in out:
            out[key] = (hole, path, cell, [])
        if site is not None and all(s is not site for s in out[key][3]):
            out[key][3].append(site)
    return out


def _frames(hole: DataHole, path: str, sites: list[CallSite], ctx: RuleContext) -> list[tuple[CallSite | None, str, FrameState]]:
    """The frame a hole sends at each of its call sites (the cost model's own), or once for a
    prompt constant no call site sends: one DataFrame token model for LA301, LA302 and cost."""
    out: list[tuple[CallSite | None, str, FrameState]] = []
    for site in sites:
        key = hole_key(hole, site)
        frame = ctx.cost.request(site).frames.get(key)
        if frame is not None:
            out.append((site, key, frame))
    if not out:
        params, id_params = _frame_params(ctx)
        out.append((None, hole_key(hole), frame_of(hole, path, Path(ctx.policy.root), params, id_params)))
    return out


def _frame_params(ctx: RuleContext) -> tuple[dict, dict]:
    rules = {r.code: r for r in ctx.policy.all_rules()}
    la301 = ctx.policy.params_of(rules["LA301"]) if "LA301" in rules else {}
    la302 = ctx.policy.params_of(rules["LA302"]) if "LA302" in rules else {}
    return la301, la302


def _savings(parts: list[tuple[CallSite | None, RequestChange, float]], ctx: RuleContext, basis: str) -> Savings | None:
    """Savings of one hole's fix summed over the call sites that send it."""
    tokens = max((t for _, _, t in parts), default=0.0)
    if tokens <= 0:
        return None
    priced = [ctx.cost.savings(site, change=change, tokens=t, basis=basis) for site, change, t in parts if site is not None]
    if not priced:
        return Savings(tokens_per_call=float(round(tokens)), basis=basis + "; not sent by a call site found in this run")
    n = len(priced)
    return Savings.combined(priced, basis=basis + (f"; sent by {n} call sites" if n > 1 else ""), tokens_per_call=float(round(tokens)))


# ------------------------------------------------------------------------------ LA301


@check("raw_dataframe", on="project")
def raw_dataframe_in_prompt(project, ctx: RuleContext) -> Iterable[Finding]:
    n = int(ctx.params.get("head") or 20)
    for hole, path, cell, sites in _grouped(project).values():
        if hole.hole_kind != "dataframe" or hole.render != "whole":
            continue
        how = f"`.{hole.method}()`" if hole.method not in ("format", "str", "repr", "values", "dumps") else ("`str()`" if hole.method == "str" else "its default text form")
        frames = _frames(hole, path, sites, ctx)
        parts = []
        for site, key, frame in frames:
            saved = max(0.0, frame.tokens - frame.bounded(n).tokens)
            parts.append((site, RequestChange(site.id if site else "", "frame-rows", value=n, key=key), saved))
        frame = frames[0][2]
        rows, _, truncated = frame.shown()
        basis = f"{frame.describe()} ({frame.basis}) vs {n} rows"
        detail = f" ({frame.describe()}; {frame.basis})"
        if truncated:
            detail = f" (pandas shows only {MIN_ROWS} of its ~{frame.rows:,} rows and marks the cut with `...`: the model sees an arbitrary sample)"
        frame_src = hole.frame or hole.expr
        sent = "every row is sent" if not truncated else "it is rendered whole"
        message = f"DataFrame `{_short(frame_src)}` goes into the prompt whole via {how}: {sent}{detail}; send `.head({n})`, a sample or an aggregate instead"
        fix = None
        t = hole.target
        severity = None
        if hole.evidence == "name":
            # only the name says it is a frame: a hint, never a fix (`.head()` would crash on a str)
            severity = "info"
            message += f"; `{_short(frame_src)}` is taken for a DataFrame by its name only: annotate it (`pd.DataFrame`) if it is one"
        elif t is not None and (path.endswith(".py") or path.endswith(".ipynb")):
            fix = Fix("unsafe", f"Bound it: `{_short(frame_src)}.head({n})`", [Edit(t.end_line, t.end_column, t.end_line, t.end_column, f".head({n})")])
        yield ctx.finding(message, path, hole.span, cell=cell, site=sites[0] if len(sites) == 1 else None, fix=fix, savings=_savings(parts, ctx, basis), severity=severity)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------------ LA302


@check("identifier_columns", on="project")
def identifier_columns_in_prompt(project, ctx: RuleContext) -> Iterable[Finding]:
    patterns = list(ctx.params.get("identifier-columns") or ["id", "*_id", "uuid", "*_uuid", "email", "*_email"])
    for hole, path, cell, sites in _grouped(project).values():
        if not hole.columns:
            continue
        found = identifier_columns(hole.columns, patterns)
        asked = " ".join(site.prompt.static_text for site in sites)
        found = [c for c in found if not _answer_key(c, asked)]
        if not found:
            continue
        frames = _frames(hole, path, sites, ctx)
        parts = []
        for site, key, frame in frames:
            saved = max(0.0, frame.tokens - frame.without_columns(found).tokens)
            parts.append((site, RequestChange(site.id if site else "", "frame-columns", value=len(found), key=key, names=list(found)), saved))
        frame = frames[0][2]
        names = ", ".join(f"`{c}`" for c in found)
        what = "record list" if hole.render == "records" else "DataFrame"
        message = (
            f"the {what} rendered into this prompt keeps identifier / personal-data column{'s' if len(found) > 1 else ''} {names}: "
            f"they cost tokens on every row and send personal data to the provider; drop them (keep a short row number if answers must point back)"
        )
        basis = f"{len(found)} column{'s' if len(found) > 1 else ''} of {frame.describe()} ({frame.basis})"
        severity = "info" if hole.evidence == "name" else None  # a frame by its name only: a hint
        yield ctx.finding(message, path, hole.span, cell=cell, site=sites[0] if len(sites) == 1 else None, savings=_savings(parts, ctx, basis), severity=severity)


def _answer_key(column: str, text: str) -> bool:
    """An id column the prompt's own text names ("Return only the template ID", "the order_id of
    each match"): the answer points back to rows by it, so it is the answer's key, not waste."""
    low = column.lower()
    if not (low == "id" or low.endswith(("_id", "-id"))):
        return False  # an e-mail or a uuid the text mentions is still personal data / waste
    words = re.escape(low).replace("_", "[ _-]?").replace("\\-", "[ _-]?")
    return re.search(rf"(?<![\w]){words}s?(?![\w])", text, re.IGNORECASE) is not None
