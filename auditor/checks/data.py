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

import fnmatch
import re
from pathlib import Path
from typing import Iterable

from auditor.facts import CallSite
from auditor.checks import check
from auditor.checks.prompt import prompt_constants
from auditor.checks.context import RuleContext
from auditor.findings import Edit, Finding, Fix, Savings
from auditor.analysis.templates import DataHole
from auditor.cost.tokens import count_tokens

SAMPLE_BYTES = 1 << 20  # tokens are counted on the first MiB of a data file and scaled to its size
MAX_SCAN_BYTES = 256 << 20  # rows are counted by scanning files up to this size
TEXT_READERS = ("read_csv", "read_table", "read_fwf", "read_json", "read_ndjson", "scan_csv", "scan_ndjson", "read_clipboard")


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


def _sum_savings(sites: list[CallSite], ctx: RuleContext, tokens: int, basis: str) -> Savings | None:
    if tokens <= 0:
        return None
    if not sites:
        return Savings(tokens_per_call=float(tokens), basis=basis + "; not sent by a call site found in this run")
    month = 0.0
    per_call = 0.0
    for site in sites:
        s = ctx.savings(site, input_tokens=tokens, basis=basis)
        if s is not None:
            month += s.usd_per_month
            per_call = max(per_call, s.usd_per_call)
    return Savings(tokens_per_call=float(tokens), usd_per_call=round(per_call, 8), usd_per_month=round(month, 4), basis=basis)


# ------------------------------------------------------------------------------ data files


def _data_file(hole: DataHole, path: str, ctx: RuleContext) -> Path | None:
    """The literal file a reader loaded, if it exists in the tree (relative to the code, an
    ancestor folder up to the project root, or the root). Never outside the root."""
    if not hole.source_file or hole.reader not in TEXT_READERS or "://" in hole.source_file:
        return None
    root = Path(ctx.policy.root).resolve()
    rel = Path(hole.source_file.replace("\\", "/"))
    candidates: list[Path] = []
    if rel.is_absolute():
        candidates.append(rel)
    else:
        folder = (root / path).parent
        while True:
            candidates.append(folder / rel)
            if folder == root or root not in folder.parents:
                break
            folder = folder.parent
        candidates.append(root / rel)
    for c in candidates:
        try:
            real = c.resolve()
        except OSError:
            continue
        if (real == root or root in real.parents) and real.is_file():
            return real
    return None


def _file_stats(p: Path, head: int, ctx: RuleContext) -> tuple[int, int, int] | None:
    """(rows, tokens of the whole file, tokens of the header + first ``head`` rows)."""
    cache = ctx.extra.setdefault("data_files", {})
    key = (str(p), head)
    if key in cache:
        return cache[key]
    try:
        size = p.stat().st_size
        with open(p, "rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
            newlines = sample.count(b"\n")
            if size <= MAX_SCAN_BYTES:
                while chunk := fh.read(SAMPLE_BYTES):
                    newlines += chunk.count(b"\n")
            else:
                newlines = int(newlines * size / max(1, len(sample)))
    except OSError:
        cache[key] = None
        return None
    if b"\x00" in sample[:8192]:
        cache[key] = None
        return None
    text = sample.decode("utf-8", errors="replace")
    lines = text.splitlines()
    if not lines:
        cache[key] = None
        return None
    ends_with_newline = size == len(sample) and text.endswith("\n")
    rows = max(0, newlines + (0 if ends_with_newline or size > len(sample) else 1) - 1)
    sample_tokens = count_tokens(text).tokens
    whole = int(sample_tokens * size / max(1, len(sample)))
    head_tokens = count_tokens("\n".join(lines[: head + 1])).tokens
    cache[key] = (rows, whole, min(whole, head_tokens))
    return cache[key]


# ------------------------------------------------------------------------------ LA301


@check("raw_dataframe", on="project")
def raw_dataframe_in_prompt(project, ctx: RuleContext) -> Iterable[Finding]:
    n = int(ctx.params.get("head") or 20)
    for hole, path, cell, sites in _grouped(project).values():
        if hole.hole_kind != "dataframe" or hole.render != "whole":
            continue
        how = f"`.{hole.method}()`" if hole.method not in ("format", "str", "repr", "values", "dumps") else ("`str()`" if hole.method == "str" else "its default text form")
        frame = hole.frame or hole.expr
        tokens, basis, detail = _whole_minus_head(hole, path, n, ctx)
        message = f"DataFrame `{_short(frame)}` goes into the prompt whole via {how}: every row is sent{detail}; send `.head({n})`, a sample or an aggregate instead"
        fix = None
        t = hole.target
        severity = None
        if hole.evidence == "name":
            # only the name says it is a frame: a hint, never a fix (`.head()` would crash on a str)
            severity = "info"
            message += f"; `{_short(frame)}` is taken for a DataFrame by its name only: annotate it (`pd.DataFrame`) if it is one"
        elif t is not None and (path.endswith(".py") or path.endswith(".ipynb")):
            fix = Fix("unsafe", f"Bound it: `{_short(frame)}.head({n})`", [Edit(t.end_line, t.end_column, t.end_line, t.end_column, f".head({n})")])
        yield ctx.finding(message, path, hole.span, cell=cell, site=sites[0] if len(sites) == 1 else None, fix=fix, savings=_sum_savings(sites, ctx, tokens, basis), severity=severity)


def _whole_minus_head(hole: DataHole, path: str, n: int, ctx: RuleContext) -> tuple[int, str, str]:
    """(tokens saved per call by .head(n), basis, message detail)."""
    data = _data_file(hole, path, ctx)
    if data is not None:
        stats = _file_stats(data, n, ctx)
        if stats is not None:
            rows, whole, head = stats
            try:
                shown = data.relative_to(Path(ctx.policy.root).resolve()).as_posix()
            except ValueError:
                shown = data.name
            detail = f" (~{whole:,} tokens per call for {shown}, {rows:,} rows today)"
            return max(0, whole - head), f"estimate: {shown} ({rows:,} rows, ~{whole:,} tokens) vs its first {n} rows", detail
    rows = int(ctx.params.get("assumed-rows") or 1000)
    cols = len(hole.columns) if hole.columns else int(ctx.params.get("assumed-columns") or 10)
    per_cell = float(ctx.params.get("tokens-per-cell") or 4)
    whole = int(rows * cols * per_cell)
    head = int(min(rows, n) * cols * per_cell)
    return max(0, whole - head), f"estimate: {rows:,} rows x {cols} columns x {per_cell:g} tokens per cell (policy) vs {n} rows", f" (~{whole:,} tokens per call at {rows:,} rows x {cols} columns)"


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ------------------------------------------------------------------------------ LA302


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("-", "_").replace(" ", "_")


def identifier_columns(columns: list[str], patterns: list[str]) -> list[str]:
    """The columns that match the identifier / PII patterns (case-insensitive, camelCase aware)."""
    pats = [p.lower() for p in patterns]
    return [c for c in columns if any(fnmatch.fnmatchcase(_snake(c), p) for p in pats)]


@check("identifier_columns", on="project")
def identifier_columns_in_prompt(project, ctx: RuleContext) -> Iterable[Finding]:
    patterns = list(ctx.params.get("identifier-columns") or ["id", "*_id", "uuid", "*_uuid", "email", "*_email"])
    per_value = float(ctx.params.get("tokens-per-identifier") or 12)
    for hole, path, cell, sites in _grouped(project).values():
        if not hole.columns:
            continue
        found = identifier_columns(hole.columns, patterns)
        if not found:
            continue
        rows = _rows(hole, path, ctx)
        tokens = int(rows * len(found) * per_value)
        names = ", ".join(f"`{c}`" for c in found)
        what = "record list" if hole.render == "records" else "DataFrame"
        message = (
            f"the {what} rendered into this prompt keeps identifier / personal-data column{'s' if len(found) > 1 else ''} {names}: "
            f"they cost tokens on every row and send personal data to the provider; drop them (keep a short row number if answers must point back)"
        )
        basis = f"estimate: {rows:,} rows x {len(found)} column{'s' if len(found) > 1 else ''} x {per_value:g} tokens per value"
        severity = "info" if hole.evidence == "name" else None  # a frame by its name only: a hint
        yield ctx.finding(message, path, hole.span, cell=cell, site=sites[0] if len(sites) == 1 else None, savings=_sum_savings(sites, ctx, tokens, basis), severity=severity)


def _rows(hole: DataHole, path: str, ctx: RuleContext) -> int:
    if hole.render == "bounded":
        m = re.search(r"\.(?:head|tail|sample|limit)\((\d+)", hole.expr)
        return int(m.group(1)) if m else 5
    data = _data_file(hole, path, ctx)
    if data is not None:
        stats = _file_stats(data, 0, ctx)
        if stats is not None:
            return max(1, stats[0])
    return int(ctx.params.get("assumed-rows") or 1000)
