"""Where prompt text is written and who sends it: shared by the text rules (LA201, LA202, LA204,
LA205, LA206).

A text is reported once where it is written (a prompt constant's definition, an inline literal, a
prompt file's body), not again at every call site that sends it; the savings of that one finding
add up over the call sites that send it (:class:`Occurrence`).

Text rules judge *instruction* text only: :func:`auditor.analysis.roles.instruction_runs` (re-exported
here) gives the maximal runs of adjacent static instruction segments (holes, unresolved refs and
data segments split them, so a phrase never matches across a document or a hole).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditor.analysis.literals import position_in
from auditor.analysis.roles import DATA, instruction_runs  # noqa: F401  (the text rules read it from here)
from auditor.analysis.testmodules import requestless_tests
from auditor.checks.context import RuleContext
from auditor.facts import CallSite, Message, Prompt, Segment
from auditor.findings import Finding, Fix, RequestChange, Savings, Span

# ------------------------------------------------------------------------------ text locations


@dataclass
class TextOwner:
    """Who sends a text: a call site (with its model), or a prompt constant / prompt file body."""

    path: str
    site: CallSite | None = None
    name: str = ""
    cell: int | None = None
    streamed: bool = False  # a prompt constant sent only by streaming runs of a fixed input (analysis/streamdemo.py)


def owners(project) -> Iterable[tuple[TextOwner, Prompt]]:
    """Call sites with their prompts, then the prompt constants - not those of a unit test module that
    makes no request (:func:`auditor.analysis.testmodules.requestless_tests`: fixed test inputs).

    A constant's text that the call sites sending it all read as data (``original_prompt = "Your task is
    ..."`` sent only as ``f"Original prompt: {original_prompt}"`` to a prompt optimizer) is data in the
    constant too: its role is the one it has where it is sent.

    Built once per project and shared by the four text rules that ask for it (filler, repeated_instruction, output_inflation, repeated_long_concept), again
    whenever ``facts`` or the derived sites are another list (as ``Project._sited_facts``)."""
    memo = project.__dict__.get("_text_owners")
    if memo is None or memo[0] is not project.facts or memo[1] is not project.derived or memo[2] != (len(project.facts), len(project.derived)):
        memo = project._text_owners = (project.facts, project.derived, (len(project.facts), len(project.derived)), list(_owners(project)))
    return memo[3]


def _owners(project) -> Iterable[tuple[TextOwner, Prompt]]:
    sent: dict[tuple, set[bool]] = {}
    for site in project.call_sites():
        for seg in site.prompt.segments:
            if seg.kind == "static" and seg.span is not None:
                sent.setdefault(_seg_key(seg, site.path, site.cell), set()).add(seg.role == DATA)
        yield TextOwner(site.path, site, cell=site.cell), site.prompt
    tests = requestless_tests(project.facts, project.checked_sites())
    for pc in prompt_constants(project):
        if pc.path not in tests:
            yield TextOwner(pc.path, None, pc.name, pc.cell, pc.streamed), _as_sent(pc, sent)


def _seg_key(seg: Segment, path: str, cell: int | None) -> tuple:
    s = seg.span
    return (seg.path or path, seg.cell if seg.cell is not None else cell, s.line, s.column, s.end_line, s.end_column) if s else ()


def _as_sent(pc, sent: dict[tuple, set[bool]]) -> Prompt:
    """``pc.prompt``, its instruction segments that every call site sending them reads as data made data."""
    flip = [seg for seg in pc.prompt.segments if seg.kind == "static" and seg.role != DATA and seg.span is not None and sent.get(_seg_key(seg, pc.path, pc.cell)) == {True}]
    if not flip:
        return pc.prompt
    ids = {id(seg) for seg in flip}
    messages = [Message(m.role, [_data_copy(seg) if id(seg) in ids else seg for seg in m.segments]) for m in pc.prompt.messages]
    return Prompt(messages)


def _data_copy(seg: Segment) -> Segment:
    part = copy.copy(seg)
    part.role = DATA
    return part


def prompt_constants(project) -> Iterable:
    """Prompt constants whose segments lie where the constant is (cell and span).

    A guard: if a reader ever hands over segments located elsewhere (a notebook's line
    remapping applied twice to shared objects), the constant is skipped rather than a fix
    pointed at the wrong lines; call sites that send its text still report it."""
    for f in project.facts:
        for pc in f.prompt_constants:
            ok = True
            for seg in pc.prompt.segments:
                if seg.path is not None or seg.span is None:
                    continue
                s, c = seg.span, pc.span
                if (seg.cell is not None and seg.cell != pc.cell) or (s.line, s.column) < (c.line, c.column) or (s.end_line, s.end_column) > (c.end_line, c.end_column):
                    ok = False
                    break
            if ok:
                yield pc


def segment_at(run: list[Segment], offset: int) -> tuple[Segment, int]:
    """The segment of ``run`` holding ``offset`` and the offset of that segment in the run."""
    pos = 0
    for seg in run:
        if offset < pos + len(seg.text) or seg is run[-1]:
            return seg, pos
        pos += len(seg.text)
    return run[-1], pos - len(run[-1].text)


def where(seg: Segment, owner: TextOwner) -> tuple[str, int | None]:
    if seg.path is not None:
        return seg.path, seg.cell
    return owner.path, seg.cell if seg.cell is not None else owner.cell


def span_of(seg: Segment, a: int, b: int) -> Span | None:
    pieces = getattr(seg, "pieces", None) or []
    p0 = position_in(pieces, a)
    p1 = position_in(pieces, b - 1) if b > a else None
    if p0 is None or p1 is None:
        return seg.span
    return Span(p0[0], p0[1], p1[0], p1[1] + 1)


def key_of(seg: Segment, path: str, cell: int | None, offset: int, what: str) -> tuple:
    pos = position_in(getattr(seg, "pieces", None) or [], offset)
    if pos is not None:
        return (path, cell, pos, what)
    span = seg.span
    return (path, cell, (span.line, span.column) if span else None, offset, seg.text[:60], what)


@dataclass
class Occurrence:
    path: str
    cell: int | None
    span: Span | None
    message: str
    fix: Fix | None
    tokens: dict[int, int] = field(default_factory=dict)  # id(site) -> tokens saved per call
    sites: list[CallSite] = field(default_factory=list)
    constant_tokens: int = 0  # when no call site sends it


def site_model(owner: TextOwner) -> tuple[str | None, str | None]:
    return (owner.site.model_name, owner.site.provider) if owner.site is not None else (None, None)


def merge(occ: dict[tuple, Occurrence], key: tuple, make, owner: TextOwner, tokens: int) -> None:
    o = occ.get(key)
    if o is None:
        o = occ[key] = make()
    if owner.site is not None:
        if all(s is not owner.site for s in o.sites):
            o.sites.append(owner.site)
            o.tokens[id(owner.site)] = tokens
    else:
        o.constant_tokens = max(o.constant_tokens, tokens)


def savings_of(o: Occurrence, ctx: RuleContext, basis: str, kind: str = "input", output: float = 0.0) -> Savings | None:
    """The saving of one occurrence over every call site that sends it (``kind``: the tokens
    are input or output tokens; ``output``: output tokens saved per call besides them)."""
    if not o.sites:
        if o.constant_tokens <= 0:
            return None
        return Savings(tokens_per_call=float(o.constant_tokens), basis=f"{basis}; not sent by a call site found in this run")
    parts: list[Savings] = []
    tokens = 0
    for site in o.sites:
        t = o.tokens.get(id(site), 0)
        if t <= 0 and not output:
            continue
        # input tokens are priced by the request simulation; output tokens (an assumption) are counted
        change = RequestChange(site.id, "input", tokens=float(t)) if kind == "input" and t > 0 and not output else None
        s = ctx.savings(site, change=change, tokens=float(t + output), basis=basis)
        if s is None:
            continue
        parts.append(s)
        tokens = max(tokens, t)
    if tokens <= 0:
        return None
    n = len(o.sites)
    return Savings.combined(parts, basis=basis + (f"; sent by {n} call sites" if n > 1 else ""), tokens_per_call=float(tokens + output))


def emit(occ: dict[tuple, Occurrence], ctx: RuleContext, basis: str, kind: str = "input", output: float = 0.0) -> Iterable[Finding]:
    for o in occ.values():
        site = o.sites[0] if len(o.sites) == 1 and o.sites[0].path == o.path else None
        yield ctx.finding(o.message, o.path, o.span, cell=o.cell, site=site, fix=o.fix, savings=savings_of(o, ctx, basis, kind, output))
