"""Phase 1 of the dataflow: one module's function summaries and call records.

Run after the call-site finder on a parsed module (:func:`collect_flows`), it writes a
:class:`~auditor.analysis.flowfacts.ModuleFlows` into ``facts.extra["flows"]``:

* ``classes``   every class with its bases as this module resolves them (the project's class
                index is built from these in phase 2, for dispatch through subclasses and mixins);
* ``calls``     every call that may reach a project function (:func:`~auditor.analysis.callholes.callee_of`):
                a function by name or module attribute, ``self.m()``, ``super().m()``, a method of
                an instance made here, with its loop and each argument as written
                (:class:`~auditor.analysis.flowfacts.Arg`);
* ``functions`` per function or method: its parameters (defaults as values and, for text, as
                prompt segments), the call sites written in it, its call records, and what it
                returns (text with parameter holes, messages, a DataFrame, another call's result).

The call sites themselves already carry the summary's sinks: values and prompt holes that
come from a parameter of the function around them are tagged with its name (``Value.param``,
``Segment.param``), and ``site.extra["spread"]`` names the ``**kwargs`` parameter a call
spreads. Calls are found from the text first (lines where a candidate name is followed by
``(`` or a candidate receiver by ``.``), so modules without any stay cheap.
"""

from __future__ import annotations

import ast
import os

from auditor.analysis.callholes import _message_like, callee_of, class_qualname, instance_class
from auditor.analysis.flowfacts import Callee, CallRecord, FrameFacts, FunctionSummary, ModuleFlows, ParamInfo, Returns
from auditor.analysis.forwarded import kwargs_sets
from auditor.analysis.retryparse import validated_retry
from auditor.analysis.samples import asks_and_reads_samples
from auditor.analysis.frames import RENDERS
from auditor.analysis.leancalls import find_call, lean_calls
from auditor.analysis.loops import LoopFacts, assigned_name
from auditor.analysis.modindex import LOOPS, ModuleIndex, find_lines
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope, awaited, span_of
from auditor.facts import CallSite, FileFacts, LoopInfo, Param
from auditor.findings import Span
from auditor.analysis.rawhttp import module_text


def collect_flows(tree: ast.Module, resolver: Resolver, finder, facts: FileFacts, deep: bool = False, walk: ModuleIndex | None = None) -> None:
    """Summaries and call records of one module (see the module docstring). Records keep their
    arguments only when ``deep`` (phase 2 asks for that for modules whose calls reach a request)."""
    flows = ModuleFlows(module=resolver.module)
    flows.set_classes(class_index(resolver))
    for name, entries in resolver.module_scope.assigns.items():
        value = entries[-1][1]
        if isinstance(value, ast.Call) and name not in resolver.module_scope.mutated:
            cls = instance_class(resolver, value, resolver.module_scope)
            if cls:
                flows.instances[name] = cls  # llm = LLM(): `from app.llm import llm; llm.ask()`
    text = module_text(resolver)
    walk = walk or ModuleIndex(tree, resolver.lines)
    builder = _Builder(resolver, finder, walk, facts.path, deep)
    sites_by_qual: dict[str, list[CallSite]] = {}
    for site in facts.call_sites:
        sites_by_qual.setdefault(site.qualname, []).append(site)
    seen_edges: set[tuple[str, str, str, str]] = set()
    edges: list[tuple[str, str, str, str]] = []
    if deep:
        for line in find_lines(text, builder.needles(text)):
            for call in walk.calls_at(line):
                scope = builder.scope_at(call, line)
                rec = builder.record(call, scope) if scope is not None else None
                if rec is not None:
                    flows.calls.append(rec)
    else:
        for rec in builder.lean_records(text, sites_by_qual):
            if rec.bound:
                flows.calls.append(rec)
            else:
                short = flows.short
                edge = (short(rec.caller), rec.callee.kind, short(rec.callee.name), short(rec.callee.cls))
                if edge not in seen_edges:
                    seen_edges.add(edge)
                    edges.append(edge)
        flows.set_edges(edges)
    by_caller: dict[str, list[int]] = {}
    for i, rec in enumerate(flows.calls):  # calls with arguments: a function with only lean ones needs no summary
        by_caller.setdefault(rec.caller, []).append(i)
    earlier = _redefined(tree, flows, resolver.module)
    redefined = {key.rsplit("@", 1)[0] for key in earlier.values()}
    for scope in {id(s): s for s in resolver.scope_of.values()}.values():
        if scope.kind != "function":
            continue
        qual = _qual(resolver, scope)
        sites = sites_by_qual.get(scope.qualname, [])
        mine = by_caller.get(qual, [])
        if qual in redefined:  # a name defined twice: only the records and sites of this definition
            lo, hi = scope.node.lineno, getattr(scope.node, "end_lineno", None) or 1 << 30
            mine = [i for i in mine if flows.calls[i].span is not None and lo <= flows.calls[i].span.line <= hi]
            sites = [x for x in sites if x.span is None or lo <= x.span.line <= hi]
        summary = builder.summary(scope, qual, sites, mine)
        if summary is not None:
            flows.functions[earlier.get(id(scope.node), qual)] = summary
    if flows.functions or flows.calls or flows.edges or flows.classes or flows.instances:
        facts.extra["flows"] = flows


def _redefined(tree: ast.Module, flows: ModuleFlows, module: str) -> dict[int, str]:
    """A module-level function defined twice (a notebook's code-graded ``grade_completion`` and,
    cells later, a model-graded one): a module-level call between the two calls the first. Each
    earlier definition is summarised as ``name@line`` and the module-level calls it is in effect
    for are pointed at it. Returns {id(def node): its summary key} for the earlier definitions."""
    defs: dict[str, list[ast.AST]] = {}
    for stmt in tree.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            defs.setdefault(stmt.name, []).append(stmt)
    prefix = f"{module}." if module else ""
    twice = {prefix + n: nodes for n, nodes in defs.items() if len(nodes) > 1}
    if not twice:
        return {}
    out = {id(node): f"{q}@{node.lineno}" for q, nodes in twice.items() for node in nodes[:-1]}
    for rec in flows.calls:
        nodes = twice.get(rec.callee.name) if rec.callee.kind == "func" and rec.caller == "<module>" and rec.span is not None else None
        if nodes:
            before = [n for n in nodes if n.lineno < rec.span.line]
            if before and before[-1] is not nodes[-1]:
                rec.callee = Callee(rec.callee.kind, out[id(before[-1])], rec.callee.cls)
    return out


def collect_module_flows(tree: ast.Module, resolver: Resolver, finder, facts: FileFacts, deep: bool, walk: ModuleIndex | None = None) -> None:
    """:func:`collect_flows`, guarded: flows only add findings, so a failure here is recorded and
    the file keeps its call sites."""
    try:
        collect_flows(tree, resolver, finder, facts, deep, walk)
        facts.extra["flows_deep"] = deep
    except Exception as e:  # noqa: BLE001
        if os.environ.get("LLM_AUDIT_DEBUG"):
            raise
        facts.extra.pop("flows", None)
        facts.extra["flows_error"] = f"{e.__class__.__name__}: {e}"


def index_classes(tree: ast.Module, resolver: Resolver, facts: FileFacts) -> None:
    """The top-level classes of a module read shallowly (no call site): names, bases, methods."""
    local = {s.name for s in tree.body if isinstance(s, ast.ClassDef)}
    classes: dict[str, tuple[tuple[str, ...], str]] = {}
    prefix = f"{resolver.module}." if resolver.module else ""
    for stmt in tree.body:
        if not isinstance(stmt, ast.ClassDef):
            continue
        bases = []
        for b in stmt.bases:
            if isinstance(b, ast.Name) and b.id in local:
                bases.append(prefix + b.id)
                continue
            qn = resolver.qualname(b, resolver.module_scope)
            if qn:
                bases.append(qn)
        methods = sorted(n.name for n in stmt.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
        classes[prefix + stmt.name] = (tuple(bases), " ".join(methods))
    if classes:
        flows = ModuleFlows(module=resolver.module)
        flows.set_classes(classes)
        facts.extra["flows"] = flows


def class_index(resolver: Resolver) -> dict[str, tuple[tuple[str, ...], str]]:
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for scope in {id(s): s for s in resolver.scope_of.values()}.values():
        if scope.kind != "class":
            continue
        parent = scope.parent or resolver.module_scope
        bases = []
        for b in scope.bases:
            qn = resolver.qualname(b, parent)
            if qn:
                bases.append(qn)
        methods = [n for n, entries in scope.assigns.items() if any(isinstance(v, (ast.FunctionDef, ast.AsyncFunctionDef)) for _, v in entries)]
        out[class_qualname(resolver, scope)] = (tuple(bases), " ".join(sorted(methods)))
    return out


def _qual(resolver: Resolver, scope: Scope) -> str:
    return f"{resolver.module}.{scope.qualname}" if resolver.module else scope.qualname


class _Loops(LoopFacts):
    """The loop-kind judgement of :mod:`auditor.analysis.loops`, for a call record's loop."""

    def __init__(self, resolver: Resolver, providers, walk: ModuleIndex):
        self.r = resolver
        self.p = providers
        self.walk = walk  # loop_kind reads the loop's scope and indexes the loop (it raised without them)
        self._loop_index: dict = {}
        self._loop_bound: dict = {}  # id(loop) -> names it binds (loops.loop_bound_names)

    def scope(self, func: ast.AST | None) -> Scope:
        if func is None:
            return self.r.module_scope
        return self.r.scope_of.get(func) or self.r.module_scope


class _Builder:
    def __init__(self, resolver: Resolver, finder, walk: ModuleIndex, path: str, deep: bool):
        self.r = resolver
        self.deep = deep
        self.finder = finder
        self.prompts = finder.prompts
        self.frames = finder.frames
        self.walk = walk
        self.path = path
        self.loops = _Loops(resolver, resolver.providers, walk)
        self._seen: set[int] = set()

    # ------------------------------------------------------------ where to look
    def needles(self, text: str) -> list[str]:
        """``name(`` for functions defined or imported here, ``x.`` for receivers that may be
        project objects (``self``, modules imported from the project, instances made here)."""
        names = set(self.r.functions)
        receivers = {"super()"}
        for name, target in self.r.imports.items():
            root = target.split(".")[0]
            if callee_of(self.r, ast.Name(id=name, lineno=1 << 30, col_offset=0), self.r.module_scope) is not None or root == (self.r.module or "").split(".")[0]:
                names.add(name)
                receivers.add(name)
        for scope in {id(s): s for s in self.r.scope_of.values()}.values():
            if scope.kind == "function" and scope.cls is not None and scope.self_name:
                receivers.add(scope.self_name)
            for table in (scope.assigns, scope.self_attrs):
                for name, entries in table.items():
                    if any(isinstance(v, ast.Call) and isinstance(v.func, (ast.Name, ast.Attribute)) and _called_name(v.func) in names for _, v in entries):
                        receivers.add(name)
        out = [n + "(" for n in sorted(names)] + [r + "." for r in sorted(receivers)]
        return [n for n in out if n.rstrip("(.") in text]

    def scope_at(self, call: ast.Call, line: int) -> Scope | None:
        if id(call) in self._seen:
            return None
        self._seen.add(id(call))
        info = self.walk.calls.get(id(call))
        func_node = info.func if info is not None else self.walk.owner_of(line)
        return self.r.scope_of.get(func_node) if func_node is not None else self.r.module_scope

    def lean_records(self, text: str, sites_by_qual: dict) -> list[CallRecord]:
        """Calls read from the text (:mod:`auditor.analysis.leancalls`): callee and caller only,
        except calls to functions of this module that send a request (directly or through others
        here), which keep their arguments so phase 2 needs no second read for them."""
        found = lean_calls(self.r, self.walk.units, text)
        reach = {q for q, sites in sites_by_qual.items() if sites}
        methods = {q.rsplit(".", 1)[-1] for q in reach if "." in q}
        changed = True
        while changed:
            changed = False
            for _, _, callee, scope in found:
                if scope.kind != "function" or scope.qualname in reach or not _local_hit(callee, scope, reach, methods, self.r):
                    continue
                reach.add(scope.qualname)
                if "." in scope.qualname:
                    methods.add(scope.qualname.rsplit(".", 1)[-1])
                changed = True
        out: list[CallRecord] = []
        for line, end_col, callee, scope in found:
            caller = _qual(self.r, scope) if scope.kind == "function" else "<module>"
            if _local_hit(callee, scope, reach, methods, self.r):
                call = find_call(self.walk.calls_at(line), line, end_col)
                rec = self.record(call, scope) if call is not None else None
                if rec is not None:
                    out.append(rec)
                continue  # not in the AST: text in a string or comment
            out.append(CallRecord(callee=callee, path=self.path, span=Span(line, 1, line, 1), caller=caller))  # lean: who calls what
        return out

    # ------------------------------------------------------------ one call
    def record(self, call: ast.Call, scope: Scope) -> CallRecord | None:
        callee = callee_of(self.r, call.func, scope)
        if callee is None:
            return None
        span = span_of(call, self.r.lines)
        if span is None:
            return None
        caller = _qual(self.r, scope) if scope.kind == "function" else "<module>"
        info = self.walk.calls.get(id(call))
        if info is None:
            self.walk.calls_at(span.line)  # its function's walk gives the loops around it
            info = self.walk.calls.get(id(call))
        loops = info.loops if info is not None else ()
        rec = CallRecord(
            callee=callee, path=self.path, span=span, caller=caller,
            insertion=self.finder._insertion(call), is_async=awaited(self.r.lines, span), source=" ".join(self.r.source_of(call).split())[:400],
        )
        if loops:
            loop = loops[-1]
            it = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else loop.test if isinstance(loop, ast.While) else loop.generators[0].iter  # type: ignore[attr-defined]
            kind = "while" if isinstance(loop, ast.While) else "for" if isinstance(loop, LOOPS) else "comprehension"
            rec.loop = LoopInfo(kind, self.r.source_of(it)[:120], span_of(loop, self.r.lines))
            fake = CallSite(id="", path=self.path, span=span, provider="", api="", method="", result_name=assigned_name(call, loop))
            try:
                rec.loop_kind = self.loops.loop_kind(fake, call, loops, None)
                rec.loop_bound = self.loops.bound_names(loops)
                rec.validated = validated_retry(call, loop, fake.result_name, rec.loop_kind)
            except Exception:  # noqa: BLE001 - a loop we cannot judge counts as a loop over data
                rec.loop_kind = "data"
        if scope.kind == "function" and callee.name.rsplit(".", 1)[-1] == scope.name:  # it calls itself: from an except handler that is a retry
            rec.retry = any(isinstance(h, ast.ExceptHandler) and any(x is call for x in ast.walk(h)) for h in ast.walk(scope.node))
        rec.args, rec.kwargs, rec.star, rec.spread = self.prompts.call_args(call, scope)
        rec.every_choice = asks_and_reads_samples(scope.node, call, self.finder._targets.get(id(call)))
        rec.bound = True
        return rec

    # ------------------------------------------------------------ one function
    def summary(self, scope: Scope, qual: str, sites: list[CallSite], calls: list[int]) -> FunctionSummary | None:
        node = scope.node
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        returns = self.returns(scope)
        is_method = scope.cls is not None and scope.parent is scope.cls
        if not sites and not calls and returns is None and not is_method:
            return None
        if is_method and not sites and not calls and returns is None:
            return None  # a method with nothing to say: dispatch only needs the ones that do
        s = FunctionSummary(qual, node.name, self.path, span_of(node, self.r.lines), cls=class_qualname(self.r, scope.cls) if is_method else "")
        static = any(getattr(d, "id", getattr(d, "attr", "")) == "staticmethod" for d in node.decorator_list)
        s.self_param = scope.self_name if is_method and not static else None
        s.params = self.params(node, scope)
        s.sites = [site.id for site in sites]
        s.calls = calls
        s.returns = returns
        varkw = node.args.kwarg.arg if node.args.kwarg else None
        if varkw:
            for site in sites:
                if _spreads(site.source, varkw):
                    site.extra["spread"] = varkw
                    for key, value in kwargs_sets(node, varkw, site.span.line):  # kwargs.setdefault("max_tokens", 512)
                        site.params.setdefault(key, Param(key, self.r.value_of(value, scope), arg_span=span_of(value, self.r.lines), direct=True))
        return s

    def params(self, node: ast.FunctionDef | ast.AsyncFunctionDef, scope: Scope) -> list[ParamInfo]:
        a = node.args
        out: list[ParamInfo] = []
        positional = a.posonlyargs + a.args
        defaults = dict(zip([p.arg for p in positional[len(positional) - len(a.defaults):]], a.defaults))
        defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None})
        outer = scope.parent or scope
        for p in positional:
            out.append(self._param(p.arg, "posonly" if p in a.posonlyargs else "pos", defaults.get(p.arg), outer))
        if a.vararg:
            out.append(ParamInfo(a.vararg.arg, "varargs"))
        for p in a.kwonlyargs:
            out.append(self._param(p.arg, "kwonly", defaults.get(p.arg), outer))
        if a.kwarg:
            out.append(ParamInfo(a.kwarg.arg, "varkw"))
        return out

    def _param(self, name: str, kind: str, default: ast.expr | None, outer: Scope) -> ParamInfo:
        if default is None:
            return ParamInfo(name, kind)
        info = ParamInfo(name, kind, self.r.value_of(default, outer, origin="param-default"))
        if isinstance(default, (ast.Constant, ast.JoinedStr, ast.BinOp, ast.Name, ast.Attribute)) and not (isinstance(default, ast.Constant) and not isinstance(default.value, str)):
            segs = self.prompts.segments(default, outer)
            if any(seg.kind in ("static", "ref") for seg in segs):
                info.default_segments = segs
        return info

    def returns(self, scope: Scope) -> Returns | None:
        from auditor.analysis.prompts import _is_textual

        first: Returns | None = None  # the first text returned; one that renders a frame wins (`if df is None: return "n/a"`)
        for value in scope.returns:
            # a lean pass keeps what the return statement says by itself (a deep one follows names)
            node, s = (self.prompts._deref(value, scope) if self.deep else None) or (value, scope)
            if first is not None and not (isinstance(value, ast.JoinedStr) or _is_textual(value)):
                continue  # after a text: only a text that renders a frame replaces it
            if isinstance(node, ast.Dict) and _message_like(node):
                return Returns(message=self.prompts._message(node, s, "user"))
            if isinstance(node, (ast.List, ast.Tuple)) and node.elts and all(_message_like(e) for e in node.elts):
                return Returns(messages=self.prompts.messages_of(node, s))
            textual = _is_textual(value) or (isinstance(value, ast.Call) and self.prompts.is_file_text(value, scope)) or (self.deep and (isinstance(value, (ast.Name, ast.Attribute)) or (isinstance(value, ast.Call) and self.prompts.flows_text(value, scope))))
            if isinstance(value, ast.Call) and not _is_textual(value):
                callee = callee_of(self.r, value.func, scope)
                if callee is not None and (self.deep or callee.kind == "func") and not self.prompts.is_file_text(value, scope):
                    rec = self.record_for_return(value, scope, callee)
                    if rec is not None:
                        return Returns(call=rec)
            if not self.deep:
                textual = textual or _returns_render(self.frames, value, scope)
                if textual and not (scope.name.startswith("__") and scope.name.endswith("__")):
                    segs = self.prompts.segments(value, scope)
                    if _prompt_like(segs):
                        if _renders_frame(segs):
                            return Returns(text=segs)
                        first = first or Returns(text=segs)
                continue
            state = self.frames.state(value, scope)
            if state == "whole":
                param = self.r.param_of(value, scope)
                reader, path = self.frames.origin(value, scope)
                return Returns(frame=FrameFacts(state, reader, path, self.frames.columns(value, scope), self.r.source_of(value)[:120], span_of(value, self.r.lines)), frame_param=param)
            if textual:
                segs = self.prompts.segments(value, scope)
                if any(seg.kind != "hole" or seg.param or type(seg).__name__ in ("CallHole", "DataHole") for seg in segs):
                    if _renders_frame(segs):
                        return Returns(text=segs)
                    first = first or Returns(text=segs)
        return first

    def record_for_return(self, call: ast.Call, scope: Scope, callee) -> CallRecord | None:
        span = span_of(call, self.r.lines)
        if span is None:
            return None
        rec = CallRecord(callee=callee, path=self.path, span=span, caller=_qual(self.r, scope), source=" ".join(self.r.source_of(call).split())[:400], bound=True)
        rec.args, rec.kwargs, rec.star, rec.spread = self.prompts.call_args(call, scope)
        return rec


def _local_hit(callee, scope: Scope, reach: set[str], methods: set[str], r: Resolver) -> bool:
    """A call to a function of this module in ``reach`` (by scope qualname), or a ``self.m()``
    whose name is a reaching method here."""
    if callee.kind == "self":
        return callee.name in methods
    prefix = f"{r.module}." if r.module else ""
    return callee.kind == "func" and callee.name.startswith(prefix) and callee.name[len(prefix):] in reach


def _prompt_like(segs) -> bool:
    """Returned text worth keeping from a lean pass (a prompt helper, not ``f"{a}: {b}"`` or a
    short message): a few words of static text, or a file read, a helper call or a DataFrame."""
    static = "".join(s.text for s in segs if s.kind == "static")
    if len(static) >= 24 and len(static.split()) >= 4:
        return True
    return any(s.kind == "ref" or type(s).__name__ in ("CallHole", "DataHole") for s in segs)


def _returns_render(frames, value: ast.AST, scope: Scope) -> bool:
    """``return table`` with ``table = results.to_markdown()``: a name holding a whole frame's
    rendering is returned text even to a lean pass (a step function whose result a caller sends)."""
    if not isinstance(value, ast.Name):
        return False
    b = frames.r.binding(value.id, scope, getattr(value, "lineno", 1 << 30))
    made = b[1] if b is not None and b[0] == "assign" else None
    if not (isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute) and made.func.attr in RENDERS):
        return False  # only `table = <frame>.to_markdown()`-like names: the common `return x` costs one lookup
    fr = frames.render(value, scope)
    return fr is not None and fr.mode == "whole" and fr.method != "format" and fr.evidence == "provenance"


def _renders_frame(segs) -> bool:
    return any(type(s).__name__ == "DataHole" for s in segs)


def _called_name(func: ast.AST) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _spreads(source: str, name: str) -> bool:
    return f"**{name}" in source.replace(" ", "")
