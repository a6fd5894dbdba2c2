"""Binding a call's arguments into a callee's summary: parameters -> arguments, then the
parameter-tagged values and prompt holes of a request (or of returned text) replaced by what the
caller passed.

Rules (SPEC §2, "Derived call sites"): an argument the caller passes replaces the parameter; a
parameter left out takes its default (text defaults are static text where the default is
written); a default of ``None`` means *not sent* (a cap forwarded from a parameter defaulting to
None is uncapped unless the caller passes one); ``*args`` / ``**kwargs`` the caller spreads make
the rest unknown, never missing. A DataFrame parameter takes the caller's frame provenance (a
whole frame, a bounded one, or no frame at all).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from auditor.analysis.flowfacts import Arg, CallRecord, FunctionSummary, ParamInfo
from auditor.analysis.templates import DataHole
from auditor.facts import Message, Segment, Value, tagged, untagged

ARG, DEFAULT, UNKNOWN = "arg", "default", "unknown"


@dataclass
class Binding:
    values: dict[str, tuple[str, object]] = field(default_factory=dict)  # param -> (ARG, Arg) | (DEFAULT, ParamInfo) | (UNKNOWN, None)
    extras: dict[str, Arg] = field(default_factory=dict)  # keywords that land in the callee's **kwargs
    extras_unknown: bool = False  # the caller spreads a mapping we cannot see

    def get(self, name: str | None):
        return self.values.get(name) if name else None


def bind_args(summary: FunctionSummary, rec: CallRecord, bound_method: bool) -> Binding:
    params = list(summary.params)
    if bound_method and params and params[0].kind in ("pos", "posonly") and summary.self_param == params[0].name:
        params = params[1:]
    b = Binding()
    positional = [p for p in params if p.kind in ("pos", "posonly")]
    for i, arg in enumerate(rec.args):
        if i < len(positional):
            b.values[positional[i].name] = (ARG, arg)
    kwargs = dict(rec.kwargs)
    if rec.spread is not None:
        if rec.spread.fields is not None:
            for k, v in rec.spread.fields.items():
                kwargs.setdefault(k, v)
        else:
            b.extras_unknown = True
    named = {p.name: p for p in params if p.kind in ("pos", "kwonly")}
    for k, a in kwargs.items():
        if k in named:
            b.values[k] = (ARG, a)
        else:
            b.extras[k] = a
    for p in params:
        if p.name in b.values:
            continue
        if p.kind in ("varargs", "varkw") or (rec.star and p.kind in ("pos", "posonly")) or b.extras_unknown:
            b.values[p.name] = (UNKNOWN, None)
        elif p.default is not None:
            b.values[p.name] = (DEFAULT, p)
        else:
            b.values[p.name] = (UNKNOWN, None)  # required and not passed: the call fails; nothing to judge
    return b


# ---------------------------------------------------------------- values
def bind_value(value: Value | None, b: Binding) -> tuple[str, Value | None, bool]:
    """("keep" | "set" | "missing" | "unknown", value, set by the caller)."""
    if value is None or not value.param:
        return "keep", value, False
    found = b.get(value.param)
    if found is None:
        return "keep", value, False
    kind, what = found
    if kind == ARG:
        v = copy.deepcopy(what.value) if isinstance(what, Arg) and what.value is not None else Value("unknown")
        if v.is_literal and v.value is None:
            return "missing", None, True
        return "set", v, True
    if kind == DEFAULT:
        default = what.default  # type: ignore[union-attr]
        if default is not None and default.is_literal and default.value is None:
            return "missing", None, True  # defaults to None: not sent unless the caller passes it
        v = copy.copy(value)
        untagged(v)
        return "set", v, False
    return "unknown", None, True


# ---------------------------------------------------------------- text
def pin(segments: list[Segment], path: str) -> list[Segment]:
    """Segments written in ``path`` keep saying so when they move into another file's request."""
    for s in segments:
        if s.path is None:
            s.path = path
    return segments


def bind_messages(messages: list[Message], b: Binding, tpath: str, callee_path: str, prepare, prepare_list=None,
                  built=None) -> tuple[list[Message], bool]:
    """The callee's messages with parameter holes replaced; True when the caller's text went in.
    ``prepare_list`` readies a messages list the caller passes (helpers that build messages filled);
    ``built(hole)`` is the messages list a project helper the caller calls returns, or None."""
    out: list[Message] = []
    contributed = False
    for m in messages:
        if len(m.segments) == 1 and m.segments[0].param:
            found = b.get(m.segments[0].param)
            if found and found[0] == ARG and isinstance(found[1], Arg) and found[1].messages is not None:
                given = copy.deepcopy(found[1].messages)
                out.extend(prepare_list(given) if prepare_list is not None else prepare_messages(given, prepare))  # messages=messages
                contributed = True
                continue
            helper = _only_call(found[1]) if built is not None and found and found[0] == ARG and isinstance(found[1], Arg) else None
            got = built(helper) if helper is not None else None
            if got is not None:  # wrapper(build_messages(x)): the list the helper returns for these arguments
                out.extend(got)
                contributed = True
                continue
        segs, c = bind_segments(m.segments, b, tpath, callee_path, prepare)
        contributed = contributed or c
        out.append(Message(m.role, segs))
    return out, contributed


def _only_call(arg: Arg):
    """The call an argument is, when it is nothing else (a CallHole and the renders inside it)."""
    segs = arg.segments
    if arg.messages is None and arg.fields is None and segs and getattr(segs[0], "callee", None) is not None \
            and len(segs) == 1 + getattr(segs[0], "extras", 0):
        return segs[0]
    return None


def prepare_messages(messages: list[Message], prepare) -> list[Message]:
    return [Message(m.role, prepare(m.segments)) for m in messages]


def bind_segments(segments: list[Segment], b: Binding, tpath: str, callee_path: str, prepare) -> tuple[list[Segment], bool]:
    """``prepare(segments)`` resolves and expands what the caller wrote before it goes in."""
    out: list[Segment] = []
    contributed = False
    for seg in segments:
        found = b.get(seg.param) if seg.param else None
        if found is None:
            s = copy.copy(seg)
            if s.path is None:
                s.path = tpath
            out.append(s)
            continue
        kind, what = found
        if isinstance(seg, DataHole):
            new, c = _bind_frame(seg, kind, what, tpath)
            out.extend(new)
            contributed = contributed or c
            continue
        if kind == ARG and isinstance(what, Arg):
            if what.messages is not None or what.fields is not None:
                out.append(tagged(Segment("hole", expr=what.source or seg.expr, hole_kind="collection", span=what.span), what.param))
                continue
            inner = prepare(copy.deepcopy(what.segments)) if what.segments else [Segment("hole", expr=what.source, hole_kind=seg.hole_kind, span=what.span)]
            if what.param and len(inner) == 1 and inner[0].kind == "hole":
                tagged(inner[0], what.param)  # passed on again: the next caller decides
            # the caller's text is read through the callee's parameter (analysis/roles.py: a
            # `document` parameter, or a long text written into a field of the callee's template)
            via = ((seg.param, len(segments) > 1),)
            for s in inner:
                if s.kind == "static":
                    s.via = via + s.via
            out.extend(inner)
            contributed = contributed or any(s.kind == "static" or isinstance(s, DataHole) for s in inner)
            continue
        if kind == DEFAULT and isinstance(what, ParamInfo):
            out.extend(_default_text(what, seg, callee_path))
            continue
        s = copy.copy(seg)
        untagged(s)
        if s.path is None:
            s.path = tpath
        out.append(s)
    return out, contributed


def _default_text(p: ParamInfo, seg: Segment, callee_path: str) -> list[Segment]:
    if p.default_segments:
        return pin(copy.deepcopy(p.default_segments), callee_path)
    d = p.default
    if d is not None and d.is_literal and isinstance(d.value, str):
        return [Segment("static", text=d.value, span=d.span, path=callee_path)]
    s = copy.copy(seg)
    untagged(s)
    s.path = s.path or callee_path
    return [s]


def _bind_frame(seg: DataHole, kind: str, what, tpath: str) -> tuple[list[Segment], bool]:
    """A frame parameter rendered in the callee: the caller's argument says what it holds."""
    s = copy.copy(seg)
    if s.path is None:
        s.path = tpath
    if kind != ARG or not isinstance(what, Arg):
        untagged(s)
        if s.render == "pending":
            return [Segment("hole", expr=seg.expr, hole_kind="unknown", span=seg.span, path=s.path)], False
        return [s], False  # left to its default or unknown: the name alone stays a hint
    frame = what.frame
    if frame is not None:
        s.render = frame.state
        s.hole_kind = "dataframe"
        s.reader = frame.reader or s.reader
        s.source_file = frame.source_file or s.source_file
        s.columns = frame.columns if frame.columns is not None else s.columns
        untagged(s)
        s.caller = (what.span, what.source)  # type: ignore[attr-defined]  # where the frame is passed
        return [s], True
    if what.param:
        tagged(s, what.param)  # the caller passes its own parameter on: its caller decides
        return [s], False
    if s.render == "whole" and s.evidence == "provenance" and what.messages is None and what.fields is None and not any(x.kind == "static" for x in what.segments):
        # `def _df_to_string(df: Optional[pd.DataFrame])` rendering all of it, called with a value
        # that says nothing else (`data.get("metrics")`): the callee's annotation holds
        untagged(s)
        s.caller = (what.span, what.source)  # type: ignore[attr-defined]
        return [s], True
    return [Segment("hole", expr=seg.expr, hole_kind="collection" if what.messages or what.fields else "unknown", span=seg.span, path=s.path)], False
