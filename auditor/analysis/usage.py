"""Phase-1 facts about how call sites and clients are used (LA502, LA503, LA601, LA602, LA604).

:func:`collect_usage` runs once per parsed module (and notebook) after the call-site finder.
It indexes the module by statements and walks expressions only where something needs them
(iteratively: deep code must not exhaust the stack); each call site's function is walked to
record enclosing loops, and its surroundings are read:

* ``parses``       where the response text is fed to ``json.loads`` / ``ast.literal_eval`` /
                   ``re.search`` ... in the same function (LA601); ``returns_text`` when the
                   function returns it, so a caller's parse can be matched across files;
* ``cache_marked`` a ``cache_control`` / ``cachePoint`` marker in the request (LA502);
* ``cache_fix``    where an unsafe fix can add one (Anthropic ``system=``, Bedrock ``system=[...]``);
* ``loop_kind``    ``data`` / ``graded`` / ``retry`` / ``dependent`` / ``fixed`` / ``while`` / ``timed`` / ``repeat`` / ``chunks`` / ``handler`` / ``hits`` / ``record`` / ``tally`` for a call in a loop (LA503);
* ``history``      a messages list that grows in a loop and is sent whole (LA602);
* ``agent_loop``   the unbounded tool-calling ``while`` loop around the call (LA605, analysis/agentloops.py);
* ``truncation``   how the answer's text is parsed, returned or stored, and whether the function
                   checks why generation stopped (LA606, analysis/truncation.py);
* ``images``       image parts of the request, their detail and whether they are files read whole
                   with no resize (LA303, analysis/vision.py).
* ``every_choice`` the response's samples are all read, so ``n > 1`` is meant (LA105).

File-level facts go into ``facts.extra``: ``defs`` (function and method names), ``call_refs``
(name -> [number of calls, first line called in a loop or 0], the light call graph), ``bounds``
(iteration-bound keywords such as ``max_iterations=None`` written in calls, LA605),
``parsed_results`` (functions whose results are parsed here) and ``clients`` (client
constructions, LA604). Everything stored is plain data (spans, strings, the small
dataclasses below), so facts stay picklable for the cache and the process pool.
"""

from __future__ import annotations

import ast
import os
from collections import Counter

from auditor.analysis.agentloops import AgentLoopFacts
from auditor.analysis.heldoutput import structured_by_holder
from auditor.analysis.loops import LoopFacts
from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.parses import ParseFacts, short
from auditor.analysis.resolve import Resolver
from auditor.analysis.sampleuse import SAMPLE_PARAMS, handed_to
from auditor.analysis.samples import every_choice_used, open_choice_reads, request_result
from auditor.analysis.testmodules import Handoffs, drop_fake_requests, exercises_fake_model, inputs_only, sends_nothing
from auditor.analysis.scopes import Scope, span_of
from auditor.analysis.truncation import CROWDED, TruncationFacts
from auditor.analysis.retryparse import validated_retry
from auditor.analysis.vision import VisionFacts
from auditor.analysis.usage_index import FunctionIndex, LoopIndex
from auditor.config.catalog import Providers
from auditor.facts import CallSite, ClientUse, FileFacts, Use
from auditor.findings import Span

CACHE_KEYS = ("cache_control", "cachePoint")


# ---------------------------------------------------------------- entry point
def collect_usage(tree: ast.Module, resolver: Resolver, facts: FileFacts, providers: Providers, lines: list[str], walk: ModuleIndex | None = None) -> None:
    """Record the usage facts of one module into ``facts`` (see the module docstring).

    These facts only add findings; a failure here must not cost the file its call sites
    (which an exception escaping phase 1 would), so it is recorded and the file goes on."""
    try:
        _collect(tree, resolver, facts, providers, lines, walk)
    except Exception as e:
        if os.environ.get("LLM_AUDIT_DEBUG"):
            raise
        facts.extra["usage_error"] = f"{e.__class__.__name__}: {e}"


def _collect(tree: ast.Module, resolver: Resolver, facts: FileFacts, providers: Providers, lines: list[str], walk: ModuleIndex | None) -> None:
    walk = walk or ModuleIndex(tree, lines)
    text = "\n".join(lines)
    facts.extra["defs"] = sorted(walk.defs)
    facts.extra["call_refs"] = walk.call_refs(text)
    ctx = _Module(tree, resolver, walk, lines, providers, text)
    facts.extra["clients"] = ctx.clients()
    facts.extra["parsed_results"] = ctx.parsed_results()
    facts.extra["bounds"] = ctx.bounds()
    found = [(site, next((c for c in walk.calls_at(site.span.line) if _at(c, site, lines)), None)) for site in facts.call_sites]
    per_func = Counter(id(info.func) for _, call in found if call is not None and (info := walk.calls.get(id(call))) is not None)
    ctx.crowded = {key for key, n in per_func.items() if n > CROWDED}
    ctx.requests = {id(call) for _, call in found if call is not None}  # a new request's answer is not the text it was sent (usage_index)
    for site, call in found:
        if call is not None:
            ctx.site_facts(site, call)
    if inputs_only(facts.path, text):  # a unit test's texts and bounds are handed to code under test (checks/textsites.py)
        facts.extra["inputs_only"] = True
    if sends_nothing(facts.path, text):  # models built in a test only to look at them (analysis/testmodules.py)
        facts.extra["sends_nothing"] = True
        handoffs = Handoffs(tree)
        facts.extra["handed_calls"] = handoffs.calls()  # a factory's model that goes on may be asked (derive.py)
        calls = {id(site): call for site, call in found}
        facts.call_sites = [s for s in facts.call_sites if not _constructor(providers, s)
                            or (calls.get(id(s)) is not None and handoffs.handed_on(calls[id(s)], s.result_name))]
    elif exercises_fake_model(facts.path, text):  # requests to a fake model (analysis/testmodules.py)
        drop_fake_requests(facts)


def _constructor(providers: Providers, site: CallSite) -> bool:
    api = providers.api(site.api)
    return api is not None and bool(api.constructor) and not site.extra.get("invoke")


def _at(call: ast.Call, site: CallSite, lines: list[str]) -> bool:
    sp = span_of(call, lines)
    return sp is not None and (sp.line, sp.column) == (site.span.line, site.span.column)


class _Module(ParseFacts, LoopFacts, AgentLoopFacts, TruncationFacts, VisionFacts):
    def __init__(self, tree: ast.Module, resolver: Resolver, walk: ModuleIndex, lines: list[str], providers: Providers, text: str):
        self.tree = tree
        self.text = text
        self.r = resolver
        self.walk = walk
        self.lines = lines
        self.p = providers
        self._functions: dict[int, FunctionIndex] = {}  # id(def or tree) -> its index, built on first use
        self._loop_index: dict[int, LoopIndex] = {}
        self._loop_bound: dict[int, frozenset[str]] = {}  # id(loop) -> names it binds (loops.loop_bound_names)
        self._marked: dict[int, bool] = {}  # id(expression root) -> holds a cache marker
        self._bounded: dict[tuple[int, str], bool] = {}  # (id(def), list name) -> _truncated
        self._choice_reads: dict[int, tuple[set[int], set[str]]] = {}  # id(def or tree) -> open_choice_reads
        self._image_nodes: dict[int, list[ast.AST]] = {}  # id(def or tree) -> what may be an image part (vision.py)
        self._stop_checked: dict[int, bool] = {}  # id(def) -> it looks at why generation stopped (truncation.py)
        self.crowded: set[int] = set()  # id(def) of functions with more than truncation.CROWDED calls
        self._walked: dict[int, list[ast.AST]] = {}  # id(top-level statement) -> its nodes (truncation.py)
        self._names_of: dict[int, frozenset[str]] = {}  # id(expression) -> the names in it (truncation.py)
        self._text_read: dict[int, frozenset[str]] = {}  # id(expression) -> names whose text it reads (truncation.py)

    # ------------------------------------------------------------ helpers
    def index(self, func: ast.AST | None) -> FunctionIndex:
        key = id(func if func is not None else self.tree)
        if key not in self._functions:
            self._functions[key] = FunctionIndex(self, func)
        return self._functions[key]

    def scope(self, func: ast.AST | None) -> Scope:
        if func is None:
            return self.r.module_scope
        return self.r.scope_of.get(func) or self.r.module_scope

    def nodes(self, func: ast.AST | None) -> list[ast.AST]:
        return self.walk.nodes(func)

    def candidate_calls(self, names: set[str]) -> list[ast.Call]:
        """Calls on the lines where ``name(`` occurs for one of ``names`` (a cheap filter before walking)."""
        present = sorted(names & self.walk.called)
        if not present:
            return []
        return [c for line in find_lines(self.text, [n + "(" for n in present]) for c, _ in self.walk.leaf_calls(line)]

    def use(self, node: ast.AST, text: str = "") -> Use | None:
        sp = span_of(node, self.lines)
        return Use(sp, text or short(self.r.source_of(node))) if sp else None

    # ------------------------------------------------------------ LA604: clients
    def clients(self) -> list[ClientUse]:
        makers = {m for m in self.p.maker_to_type if not m.startswith("<")}
        lasts = {m.rsplit(".", 1)[-1] for m in makers}
        out: list[ClientUse] = []
        for call in self.candidate_calls(lasts):
            f = call.func
            last = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if last not in lasts:
                continue
            scope = self.scope(self.walk.owner_of(call.lineno))
            qn = self.r.qualname(f, scope) or ""
            if qn not in makers:
                continue
            t = self.r.type_of(call, scope)
            if t is None:
                continue
            sp = span_of(call, self.lines)
            if sp is None:
                continue
            kws: list[str] = []
            star = bool(any(isinstance(a, ast.Starred) for a in call.args))
            for kw in call.keywords:
                if kw.arg is None:
                    star = True
                    continue
                kws.append(kw.arg)
                inner = kw.value
                if isinstance(inner, ast.Dict):
                    kws.extend(f"{kw.arg}.{k.value}" for k in inner.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
                elif isinstance(inner, ast.Call):
                    kws.extend(f"{kw.arg}.{k.arg}" for k in inner.keywords if k.arg)
            out.append(ClientUse(t[0], qn, sp, kws, star))
        return out


    # ------------------------------------------------------------ LA502: cache markers and fixes
    def cache_marked(self, call: ast.Call, func: ast.AST | None) -> bool:
        """A cache_control / cachePoint marker in the request: in the call, its function, the
        bindings of the names it passes, or same-module helpers it calls to build them."""
        scope = self.scope(func)
        roots: list[ast.AST] = [call]
        for n in ast.walk(call):
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                b = self.r.binding(n.id, scope, call.lineno)
                if b and b[0] == "assign" and isinstance(b[1], ast.AST):
                    roots.append(b[1])  # type: ignore[arg-type]
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
                b = self.r.binding(n.func.id, scope, call.lineno)
                if b and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
                    roots.append(b[1])  # type: ignore[arg-type]
        if self.index(func).marks_cache:
            return True
        for root in roots:
            if id(root) not in self._marked:  # a binding shared by many calls is walked once
                self._marked[id(root)] = any(_marks_cache(n) for n in ast.walk(root))
            if self._marked[id(root)]:
                return True
        return False

    def cache_fix(self, site: CallSite, call: ast.Call, scope: Scope) -> dict | None:
        api = self.p.api(site.api)
        if api is None:
            return None
        value = next((k.value for k in call.keywords if k.arg == "system"), None)
        if value is None:
            return None
        if "system.cache_control" in api.cache_control:
            if isinstance(value, ast.List):
                last = value.elts[-1] if value.elts else None
                if isinstance(last, ast.Dict) and last.keys and all(k is not None for k in last.keys) and any(
                    isinstance(k, ast.Constant) and k.value == "text" for k in last.keys
                ):
                    end = span_of(last.values[-1], self.lines)
                    if end is not None:
                        return {"kind": "anthropic-block", "at": _point(end)}
                return None
            if _texty_expr(value, self.r, scope):
                sp = span_of(value, self.lines)
                if sp is not None:
                    return {"kind": "anthropic-system", "span": sp, "source": self.r.source_of(value)}
            return None
        if "system.cachePoint" in api.cache_control and isinstance(value, ast.List) and value.elts:
            end = span_of(value.elts[-1], self.lines)
            if end is not None and not any(isinstance(e, ast.Starred) for e in value.elts):
                return {"kind": "bedrock-system", "at": _point(end)}
        return None


    # ------------------------------------------------------------ per call site
    def site_facts(self, site: CallSite, call: ast.Call) -> None:
        info = self.walk.calls.get(id(call))
        if info is None:
            return
        func, loops = info.func, info.loops
        scope = self.scope(func)
        uses, returns = self.parse_uses(site, call, func)
        if uses and not site.extra.get("structured") and structured_by_holder(call, self.walk, self.r, scope):
            site.extra["structured"] = True  # the agent holding the model was given an output schema
        site.extra["parses"] = uses
        site.extra["returns_text"] = returns
        site.extra["cache_marked"] = self.cache_marked(call, func)
        fix = self.cache_fix(site, call, scope)
        if fix is not None:
            site.extra["cache_fix"] = fix
        history = self.history(site, call, func, loops)
        if history is not None:
            site.extra["history"] = history
        if loops:
            site.extra["loop_kind"] = self.loop_kind(site, call, loops, history)
            site.extra["loop_bound"] = self.bound_names(loops)  # holes the loop cannot change keep the cached prefix (LA501)
            agent = self.agent_loop(site, call, loops)
            if agent is not None:
                site.extra["agent_loop"] = agent
        truncation = self.truncation(site, call, func, uses)
        if truncation is not None and loops and validated_retry(call, loops[-1], site.result_name, site.extra.get("loop_kind")):
            truncation["validated"] = True  # parsed in a retry loop that asks again: a cut answer is asked for again
        if truncation is not None:
            site.extra["truncation"] = truncation
        images = self.images(site, call, func)
        if images:
            site.extra["images"] = images
        dispatch = _dispatch(func, call)
        if dispatch is not None:
            site.extra["dispatch"] = dispatch
        where = func if func is not None else self.tree
        if id(where) not in self._choice_reads:
            self._choice_reads[id(where)] = open_choice_reads(where, self.r.__dict__.get("_node_index"))
        result = site.result_name or request_result(call, self.r.__dict__.get("_node_index"))  # SamplingParams(n=) inside generate()
        if every_choice_used(where, call, result, self._choice_reads[id(where)]):
            site.extra["every_choice"] = True  # n > 1 on purpose (LA105)
        if site.result_name and any(p.rsplit(".", 1)[-1] in SAMPLE_PARAMS for p in site.params):
            site.extra["handed_to"] = handed_to(where, site.result_name)  # who consumes the samples (LA105)


# ---------------------------------------------------------------- small AST helpers
_BRANCHES = (ast.If,) + ((ast.Match,) if hasattr(ast, "Match") else ())


def _dispatch(func: ast.AST | None, call: ast.Call) -> int | None:
    """The line of the outermost branching statement (if/elif/else, match) of the
    function that holds the call: calls on its branches are one dispatch (root-cause grouping)."""
    if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    line = call.lineno
    stmts: list[ast.stmt] = list(func.body)
    while stmts:
        nxt: list[ast.stmt] = []
        for st in stmts:
            if not (st.lineno <= line <= (st.end_lineno or st.lineno)):
                continue
            if isinstance(st, _BRANCHES):
                return st.lineno
            if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return None
            for name in ("body", "orelse", "finalbody"):
                nxt.extend(getattr(st, name, None) or [])
            for h in getattr(st, "handlers", None) or []:
                nxt.extend(h.body)
        stmts = nxt
    return None


def _point(span: Span) -> Span:
    """The empty span at the end of ``span`` (a Span, so notebook remapping moves it too)."""
    return Span(span.end_line, span.end_column, span.end_line, span.end_column)


def _marks_cache(n: ast.AST) -> bool:
    if isinstance(n, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in CACHE_KEYS for k in n.keys)
    if isinstance(n, ast.keyword):
        return n.arg in CACHE_KEYS
    return False


def _texty_expr(expr: ast.AST, r: Resolver, scope: Scope) -> bool:
    """Could this be a plain string (so wrapping it in a text block keeps its meaning)?"""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str)
    if isinstance(expr, (ast.JoinedStr, ast.BinOp)):
        return True
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr in ("format", "strip", "join", "substitute", "safe_substitute", "render")
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is None:
            return False
        if b[0] == "import":
            return True  # checked in phase 2: the prompt text must resolve to static text
        if b[0] == "assign" and isinstance(b[1], ast.AST):
            return False if isinstance(b[1], ast.Name) else _texty_expr(b[1], r, b[2])  # type: ignore[arg-type]
        return False
    if isinstance(expr, ast.Attribute):
        return True  # settings.SYSTEM_PROMPT / prompts.POLICY: checked in phase 2
    return False
