"""Phase 2 of the dataflow: derived call sites.

A call to a function whose summary reaches a generation request is itself a request, written
where the call is: ``ask("Please analyze ...")`` in ``app/main.py`` sends what ``ask()`` builds
around that text in ``app/llm.py``. For every such call this module builds a *derived call
site* (a :class:`~auditor.facts.CallSite` located at the caller) by composing summaries
across modules, depth-bounded and cycle-safe (:mod:`auditor.analysis.classes` says what a call
reaches, :mod:`auditor.analysis.binding` binds its arguments):

* prompt parts the caller writes (literals, f-strings, DataFrame renders, messages, imported
  constants, text read from files) replace the parameter holes of the callee's request;
* values the caller passes (model, cap, stop, ``n``, sampling, ``**params``) replace the
  forwarded parameters; parameters left out take their defaults, ``None`` meaning not sent;
* calls to prompt helpers inside a prompt (``system_message(f"...")``) are filled with what the
  helper returns (:class:`~auditor.analysis.flowfacts.CallHole`).

The request is reported at the outermost caller that no other project code calls; the calls in
between and the SDK call are *abstract* sites: not requests of their own (their traffic is their
callers'), but checked, so that a finding whose cause is there is reported once there
(:mod:`auditor.checks.chains`). Each derived site keeps in ``extra["derived"]``:

* ``chain``   the hops from the caller to the SDK call (label, path, line, column, cell): the
              message shows ``ask() -> LLM.complete() -> chat.completions.create`` and every hop
              is a related location;
* ``owner``   for each request part (``cap``, ``model``, ``prompt``, ``loop``...; ``*`` for the
              rest), the id of the site where it is set: the caller when its arguments set it
              (or it forwards a parameter defaulting to None), else a site further in;
* ``line``    the ids from this site to the SDK call.
"""

from __future__ import annotations

import copy

from auditor.analysis.binding import bind_args, bind_messages, bind_segments, bind_value, pin
from auditor.analysis.classes import ProjectIndex, bound_call
from auditor.analysis.configfields import nested_params
from auditor.analysis.flowfacts import CallHole, CallRecord
from auditor.config.flows import Flows
from auditor.facts import CallSite, Message, Param, Segment

EXPAND_DEPTH = 6


def part_of(api, path: str) -> str:
    if api is None:
        return "other"
    for part, names in (("cap", api.cap), ("model", api.model), ("stop", api.stop), ("samples", api.samples),
                        ("sampling", api.sampling), ("cache", api.cache_control), ("structured", api.structured_params)):
        if path in names or any(path.startswith(n + ".") for n in names):
            return part
    if path == api.stream_param:
        return "stream"
    return "other"


def label(qualname: str, module: str) -> str:
    short = qualname[len(module) + 1 :] if module and qualname.startswith(module + ".") else qualname.rsplit(".", 1)[-1]
    return f"{short.split('@', 1)[0]}()"  # name@line: an earlier definition of a name defined twice (summaries.py)


class Deriver:
    def __init__(self, project, index: ProjectIndex, providers, flows: Flows):
        self.project = project
        self.ix = index
        self.providers = providers
        self.max_depth = flows.limit("max-depth", 6)
        self.per_call = flows.limit("max-derived-per-call", 16)
        self.max_total = flows.limit("max-derived", 20000)
        self.sites: dict[str, CallSite] = {s.id: s for f in project.facts for s in f.call_sites}
        self.memo: dict[tuple[str, str | None], list[CallSite]] = {}
        self.counts: dict[tuple[str, str], int] = {}
        for s in self.sites.values():
            qual = s.qualname
            n = int(s.id.rsplit("#", 1)[-1]) if s.id.rsplit("#", 1)[-1].isdigit() else 0
            self.counts[(s.path, qual)] = max(self.counts.get((s.path, qual), 0), n)
        self.total = 0
        self.templates_made: dict[str, CallSite] = {}
        self.recursive: set[str] = set()  # functions that call themselves (directly or through others): a search
        # a call the catalog or policy `call-sites:` already makes a call site is not derived again
        # (a notebook's lines count per cell: two cells can hold a call at the same line and column)
        self.direct_at = {(s.path, s.cell, s.span.line, s.span.column) for s in self.sites.values()}

    # ------------------------------------------------------------ entry
    def run(self) -> tuple[list[CallSite], list[CallSite]]:
        """(concrete derived sites, abstract sites they stand on)."""
        for site in list(self.sites.values()):
            site.prompt.messages = self.expand_messages(site.prompt.messages, site.path, 0)
        called = self.called()
        concrete: list[CallSite] = []
        for f in self.project.facts:
            flows = f.extra.get("flows")
            if flows is None:
                continue
            doubles = {tuple(x) for x in f.extra.get("double_calls") or ()}
            for rec in flows.calls:
                if not rec.bound or (rec.caller != "<module>" and (self.ix.canonical(rec.caller) or rec.caller) in called):
                    continue
                if (rec.path, rec.cell, rec.span.line, rec.span.column) in self.direct_at:
                    continue
                if (rec.span.line, rec.span.column) in doubles:
                    continue  # a call on a test double sends nothing (analysis/testdoubles.py)
                made = 0
                for fq, rcls in self.ix.targets(rec.callee):  # self.m() in an uncalled method: any class below
                    for t in self.templates(fq, rcls, 1, ()):
                        if made >= self.per_call or self.total >= self.max_total:
                            break
                        if f.extra.get("sends_nothing") and self._builds_only(t) and (rec.span.line, rec.span.column) not in {
                                tuple(x) for x in f.extra.get("handed_calls") or ()}:
                            continue  # a test builds the model to look at it (analysis/testmodules.py)
                        concrete.append(self.bind(t, rec, fq, f))
                        made += 1
        abstract_ids: set[str] = set()
        for d in concrete:
            abstract_ids.update(d.extra["derived"]["line"][1:])
        inner = {i for d in concrete for i in d.extra["derived"]["line"][1:]}
        for s in self.sites.values():  # framework sites (llm.invoke) stand on the chat model's constructor
            if s.extra.get("derived") and s.id not in inner:
                abstract_ids.update(s.extra["derived"]["line"][1:])
        abstract = [self.sites.get(i) or self.templates_made[i] for i in sorted(abstract_ids) if i in self.sites or i in self.templates_made]
        return concrete, abstract

    def _builds_only(self, t: CallSite) -> bool:
        api = self.providers.api(t.api) if self.providers is not None else None
        return api is not None and bool(api.constructor) and not t.extra.get("invoke")

    def called(self) -> set[str]:
        out: set[str] = set()
        for f in self.project.facts:
            flows = f.extra.get("flows")
            for rec in flows.calls if flows is not None else ():
                for fq, _ in self.ix.targets(rec.callee):
                    out.add(fq)
        return out

    # ------------------------------------------------------------ summaries composed
    def templates(self, fq: str, rcls: str | None, depth: int, stack: tuple) -> list[CallSite]:
        """The requests function ``fq`` sends (for receiver class ``rcls``), in terms of its parameters."""
        key = (fq, rcls)
        if key in self.memo:
            return self.memo[key]
        if key in stack or depth > self.max_depth:
            return []
        found = self.ix.functions.get(fq)
        if found is None:
            return []
        summary, facts = found
        out: list[CallSite] = [self.sites[sid] for sid in summary.sites if sid in self.sites]
        flows = facts.extra.get("flows")
        for i in summary.calls:
            rec = flows.calls[i] if flows is not None and i < len(flows.calls) else None
            if rec is None or not rec.bound or (rec.path, rec.cell, rec.span.line, rec.span.column) in self.direct_at:
                continue
            for cfq, crcls in self.ix.targets(rec.callee, rcls if rec.callee.kind in ("self", "super") else None):
                if (cfq, crcls) in stack + (key,) and not rec.retry:
                    self.recursive.add(cfq)  # dfs() calls dfs(): each call's next requests wait for the answers so far
                for t in self.templates(cfq, crcls, depth + 1, stack + (key,)):
                    if len(out) >= self.per_call * 4 or self.total >= self.max_total:
                        break
                    d = self.bind(t, rec, cfq, facts)
                    self.templates_made[d.id] = d
                    out.append(d)
        self.memo[key] = out
        return out

    # ------------------------------------------------------------ one derived site
    def bind(self, t: CallSite, rec: CallRecord, callee_fq: str, caller_facts) -> CallSite:
        self.total += 1
        summary, callee_facts = self.ix.functions[callee_fq]
        b = bind_args(summary, rec, bound_method=bound_call(rec.callee, summary))
        api = self.providers.api(t.api) if self.providers is not None else None
        derived = t.extra.get("derived") or {}
        owner = dict(derived.get("owner") or {"*": t.id})
        qual = rec.caller[len(caller_facts.module) + 1 :] if caller_facts.module and rec.caller.startswith(caller_facts.module + ".") else rec.caller
        n = self.counts.get((rec.path, qual), 0) + 1
        self.counts[(rec.path, qual)] = n
        d = CallSite(
            id=f"{rec.path}::{qual}#{n}", path=rec.path, span=rec.span, provider=t.provider, api=t.api, method=label(callee_fq, callee_facts.module)[:-2],
            cell=rec.cell, qualname=qual, insertion=rec.insertion, loop=t.loop, is_async=t.is_async, streaming=t.streaming,
            source=rec.source, result_name=rec.result_name,
        )
        # what the wrapper does with the response, its history and its agent loop is the wrapper's (LA601, LA602, LA605 stay there)
        d.extra = {k: v for k, v in t.extra.items() if k not in ("derived", "pending", "parses", "returns_text", "history", "agent_loop")}
        d.unknown = list(t.unknown)
        # values: forwarded parameters take what the caller passes
        for path, p in t.params.items():
            state, v, by_caller = bind_value(p.value, b)
            if by_caller:
                owner[part_of(api, path)] = d.id
            if state == "keep":
                d.params[path] = p
            elif state == "set" and v is not None:
                found = b.get(p.value.param)
                arg = found[1] if found and found[0] == "arg" else None
                d.params[path] = Param(path, v, arg_span=getattr(arg, "span", None) or p.arg_span if by_caller else p.arg_span, direct=False)
                if by_caller:
                    d.extra.setdefault("forward", {})[path] = p.value.param
            elif state == "unknown":
                d.unknown.append(path)
            elif state == "missing" and by_caller:
                d.extra.setdefault("forward", {})[path] = p.value.param
        state, v, by_caller = bind_value(t.model, b)
        d.model = t.model if state == "keep" else v if state == "set" else None
        if state == "unknown":
            from auditor.facts import Value

            d.model = Value("unknown")
        if by_caller:
            owner["model"] = d.id
        spread = t.extra.get("spread")
        if spread and b.get(spread) is not None:
            for k, a in b.extras.items():
                if a.value is not None and not (a.value.is_literal and a.value.value is None):
                    d.params[k] = Param(k, a.value, arg_span=a.span, direct=False)
                owner[part_of(api, k)] = d.id
                nested_params(d, api, k, a)  # config=GenerateContentConfig(temperature=0): its fields, or unknown
                if api is not None and k in api.model and a.value is not None and (d.model is None or d.model.kind == "unknown"):
                    d.model = a.value  # create(**kwargs) called as wrapper(model="gpt-4", ...): the caller names the model
                    owner["model"] = d.id
            if not b.extras_unknown and "" in d.unknown:
                d.unknown.remove("")
                d.extra["spread_known"] = spread  # the keywords that reach **kwargs are all known
                for part in ("cap", "stop", "samples", "sampling", "structured", "cache"):
                    owner[part] = d.id  # the caller can pass any of them through **kwargs
            d.extra.pop("spread", None)
        forward = d.extra.get("forward") or {}
        cap = next((forward[c] for c in (api.cap if api is not None else []) if c in forward), None)
        if cap:
            d.extra["forward_cap"] = cap  # the caller sets the cap through this parameter of the wrapper
        elif d.extra.get("spread_known"):
            d.extra["forward_cap"] = "*"  # ... or passes the API's own cap through **kwargs
        # prompt
        d.prompt.messages, contributed = bind_messages(
            t.prompt.messages, b, t.path, callee_facts.path, lambda segs: self.prepare(segs, rec.path), lambda msgs: self.prepare_messages(msgs, rec.path),
            lambda hole: self.built_messages(hole, rec.path),
        )
        if contributed:
            owner["prompt"] = d.id
        inner_data = t.loop is not None and t.extra.get("loop_kind", "data") in ("data", "graded")
        if rec.loop is not None and not (inner_data and rec.loop_kind in ("data", "graded")):
            # the caller's loop, unless both loops are over data: then the innermost loop is the cause (one
            # finding there), the caller's loop only runs it again; a caller's retry or chain loop still rules
            d.loop = rec.loop
            d.extra["loop_kind"] = rec.loop_kind
            d.extra["loop_bound"] = rec.loop_bound
            owner["loop"] = d.id
        if rec.every_choice:
            d.extra["every_choice"] = True  # the caller reads every sample of the response the wrapper returns (LA105)
        if rec.validated:
            d.extra["validated_retry"] = True  # the caller parses the returned answer in a retry loop that asks again
        if callee_fq in self.recursive:
            d.extra["recursive"] = label(callee_fq, callee_facts.module)  # kept by the callers' sites (d.extra is copied)
        d.extra["in_function"] = rec.caller != "<module>"
        d.extra["function"] = qual.rsplit(".", 1)[-1] if rec.caller != "<module>" else None
        hop = {"label": label(callee_fq, callee_facts.module), "path": t.path, "line": t.span.line, "column": t.span.column, "cell": t.cell}
        d.extra["derived"] = {
            "chain": [hop] + list(derived.get("chain") or []),
            "owner": owner,
            "line": [d.id] + list(derived.get("line") or [t.id]),
            "inner": derived.get("inner") or t.id,
            "method": derived.get("method") or t.method,  # what the SDK call is
        }
        return d

    # ------------------------------------------------------------ text the caller passes, prompt helpers
    def prepare(self, segments: list[Segment], path: str) -> list[Segment]:
        """Text the caller wrote in ``path``, ready to go into another file's request."""
        segs = pin(self.project.resolve_segments(segments, None), path)
        return self.expand(segs, path, 0)

    def prepare_messages(self, messages: list[Message], path: str) -> list[Message]:
        """A messages list the caller wrote in ``path``: helpers that build messages filled, then text readied."""
        for m in messages:
            self.project.resolve_segments(m.segments, None)
        msgs = self.expand_messages([Message(m.role, self.project.resolve_segments(m.segments, None)) for m in messages], path, 0)
        return [Message(m.role, self.prepare(m.segments, path)) for m in msgs]

    def built_messages(self, hole, path: str) -> list[Message] | None:
        """The messages list a helper call passed to a wrapper returns (``get_completion(build_prompt(x))``)."""
        msgs = self.returned(hole, path, 0, want="messages")
        return None if msgs is None else [Message(m.role, self.prepare(m.segments, path)) for m in msgs]

    def expand_messages(self, messages: list[Message], path: str, depth: int) -> list[Message]:
        out: list[Message] = []
        for m in messages:
            if m.segments and isinstance(m.segments[0], CallHole) and len(m.segments) == 1 + m.segments[0].extras:
                msgs = self.returned(m.segments[0], path, depth, want="messages")
                if msgs is not None:
                    out.extend(msgs)  # type: ignore[arg-type]
                    continue
            out.append(Message(m.role, self.expand(m.segments, path, depth)))
        return out

    def expand(self, segments: list[Segment], path: str, depth: int) -> list[Segment]:
        """CallHoles filled with what the callee returns for these arguments."""
        if depth > EXPAND_DEPTH or not any(isinstance(s, CallHole) for s in segments):
            return segments
        out: list[Segment] = []
        skip = 0
        for seg in segments:
            if skip:
                skip -= 1
                continue
            text = self.returned(seg, path, depth, want="text") if isinstance(seg, CallHole) else None
            if text is None:
                out.append(seg)
                continue
            out.extend(text)  # type: ignore[arg-type]
            skip = seg.extras  # the argument renders the hole stood in for are inside the text now
        return out

    def returned(self, hole: CallHole, path: str, depth: int, want: str) -> list | None:
        """What the function ``hole`` calls returns with its arguments bound: text segments
        (``want="text"``) or messages (``want="messages"``); None when it is not known."""
        if hole.callee is None or depth > EXPAND_DEPTH:
            return None
        targets = self.ix.targets(hole.callee)
        if len(targets) != 1:
            return None
        found = self.ix.functions.get(targets[0][0])
        if found is None or found[0].returns is None:
            return None
        summary = found[0]
        path = hole.path or path  # where the call (and its arguments) is written
        rec = CallRecord(hole.callee, path, hole.span, args=hole.args, kwargs=hole.kwargs, bound=True)  # type: ignore[arg-type]
        b = bind_args(summary, rec, bound_method=bound_call(hole.callee, summary))
        r = summary.returns
        prep = lambda segs: self.prepare(segs, path)  # noqa: E731
        if r.call is not None:  # return helper(x): the helper's result, its arguments bound to ours
            inner = CallHole("hole", expr=r.call.source, span=r.call.span, callee=r.call.callee, args=r.call.args, kwargs=r.call.kwargs)
            got = self.returned(inner, summary.path, depth + 1, want)
            if got is None:
                return None
            if want == "messages":
                bound, _ = bind_messages(got, b, summary.path, summary.path, prep)
                return bound
            segs, _ = bind_segments(got, b, summary.path, summary.path, prep)
            return self.expand(segs, path, depth + 1)
        if want == "messages":
            if r.messages is None and r.message is None:
                return None
            msgs = copy.deepcopy(r.messages if r.messages is not None else [r.message])
            for m in msgs:
                pin(m.segments, summary.path)
            bound, _ = bind_messages(msgs, b, summary.path, summary.path, prep)
            return [Message(m.role, self.expand(m.segments, path, depth + 1)) for m in bound]
        source = r.text if r.text is not None else r.message.segments if r.message is not None else None
        if source is None:
            return None
        segs, _ = bind_segments(pin(copy.deepcopy(source), summary.path), b, summary.path, summary.path, prep)
        return self.expand(self.project.resolve_segments(segs, None), path, depth + 1)
