"""Phase-1 facts about how call sites and clients are used (LA502, LA503, LA601, LA602, LA604).

:func:`collect_usage` runs once per parsed module (and notebook) after the call-site finder.
One iterative walk (deep code must not exhaust the stack) records, for every call, its
enclosing function and loops; then each call site's surroundings are read:

* ``parses``       where the response text is fed to ``json.loads`` / ``ast.literal_eval`` /
                   ``re.search`` ... in the same function (LA601); ``returns_text`` when the
                   function returns it, so a caller's parse can be matched across files;
* ``cache_marked`` a ``cache_control`` / ``cachePoint`` marker in the request (LA502);
* ``cache_fix``    where an unsafe fix can add one (Anthropic ``system=``, Bedrock ``system=[...]``);
* ``loop_kind``    ``data`` / ``retry`` / ``dependent`` / ``fixed`` / ``while`` for a call in a loop (LA503);
* ``history``      a messages list that grows in a loop and is sent whole (LA602).

File-level facts go into ``facts.extra``: ``defs`` (function and method names), ``call_refs``
(name -> [line, in_loop] of every call by name or attribute, the light call graph),
``parsed_results`` (functions whose results are parsed here) and ``clients`` (client
constructions, LA604). Everything stored is plain data (spans, strings, the small
dataclasses below), so facts stay picklable for the cache and the process pool.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from auditor.callsites import CallSite, FileFacts
from auditor.catalog import Providers
from auditor.findings import Span
from auditor.resolve import Resolver, Scope, span_of

LOOPS = (ast.For, ast.AsyncFor, ast.While)
COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)

# parsers of free text: qualified name -> (label, index of the text argument, its keyword)
PARSERS: dict[str, tuple[int, str]] = {
    "json.loads": (0, "s"),
    "orjson.loads": (0, "__obj"),
    "ujson.loads": (0, "obj"),
    "simplejson.loads": (0, "s"),
    "json5.loads": (0, "s"),
    "json_repair.loads": (0, "json_str"),
    "json_repair.repair_json": (0, "json_str"),
    "ast.literal_eval": (0, "node_or_string"),
    "yaml.safe_load": (0, "stream"),
    "yaml.load": (0, "stream"),
    "re.search": (1, "string"),
    "re.match": (1, "string"),
    "re.fullmatch": (1, "string"),
    "re.findall": (1, "string"),
    "re.finditer": (1, "string"),
}
REGEX_METHODS = {"search", "match", "fullmatch", "findall", "finditer"}
VALIDATE_METHODS = {"model_validate_json", "parse_raw"}  # pydantic: JSON text -> model
# response paths that are structured by design (tool calls carry JSON arguments)
STRUCTURED_PATH = re.compile(r"tool_calls|function_call|\.arguments\b|tool_use|\.parsed\b|\.input\b|output_parsed|model_dump|to_json|\.json\(\)|to_dict")
RETRY_NAME = re.compile(r"^_*(attempt|attempts|retry|retries|tries|try_|n_try|trial)s?_*\w*$", re.I)
TRUNCATORS = re.compile(r"summar|trim|truncat|compact|prune|window|shorten|condense|compress|limit", re.I)
CACHE_KEYS = ("cache_control", "cachePoint")


@dataclass
class Use:
    """Where something happens. ``cell`` is filled in for notebooks (spans become cell-relative)."""

    span: Span
    text: str = ""
    cell: int | None = None


@dataclass
class ClientUse:
    """A client construction (``OpenAI(...)``) and the keyword arguments it passes (LA604)."""

    type: str
    maker: str
    span: Span
    keywords: list[str] = field(default_factory=list)
    star: bool = False  # **kwargs: the keywords are not all known
    cell: int | None = None


@dataclass
class HistoryUse:
    """A messages list that grows and is sent whole (LA602)."""

    name: str
    grow: Use
    loop_line: int | None  # the loop it grows in (None: grows once per call of a method)
    span: Span | None = None  # where it is sent
    cell: int | None = None


@dataclass
class _CallInfo:
    func: ast.AST | None  # enclosing function (None: module level)
    loops: tuple[ast.AST, ...]  # enclosing loops inside that function, outermost first


class _Walk:
    """One pass over the module: enclosing function and loops of every call, names, defs."""

    def __init__(self, tree: ast.Module):
        self.calls: dict[int, _CallInfo] = {}
        self.call_nodes: list[ast.Call] = []
        self.body: dict[int, list[ast.AST]] = {}  # id(function or tree) -> its own nodes
        self.funcs: dict[int, ast.AST] = {}
        self.defs: set[str] = set()
        self.classes: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        self.run(tree)

    def run(self, tree: ast.Module) -> None:
        stack: list[tuple[ast.AST, ast.AST | None, tuple[ast.AST, ...], ast.ClassDef | None]] = [(tree, None, (), None)]
        while stack:
            node, func, loops, cls = stack.pop()
            owner = func if func is not None else tree
            self.body.setdefault(id(owner), []).append(node)
            if isinstance(node, ast.Call):
                self.calls[id(node)] = _CallInfo(func, loops)
                self.call_nodes.append(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                if not isinstance(node, ast.Lambda):
                    self.defs.add(node.name)
                    for d in node.decorator_list:
                        stack.append((d, func, loops, cls))
                    if cls is not None:
                        self.classes[id(node)] = cls
                self.funcs[id(node)] = node
                self.body.setdefault(id(node), [])
                inner = node.body if isinstance(node.body, list) else [node.body]
                for child in reversed(inner):
                    stack.append((child, node, (), None))
                for d in getattr(node.args, "defaults", []) + [x for x in getattr(node.args, "kw_defaults", []) if x is not None]:
                    stack.append((d, func, loops, cls))
                continue
            if isinstance(node, ast.ClassDef):
                for child in reversed(node.body + node.decorator_list + node.bases):
                    stack.append((child, func, loops, node))
                continue
            if isinstance(node, LOOPS):
                head = [node.iter, node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else [node.test]
                inner_loops = loops + (node,)
                for child in reversed(node.orelse):
                    stack.append((child, func, loops, cls))
                for child in reversed(node.body):
                    stack.append((child, func, inner_loops, cls))
                for child in head:
                    stack.append((child, func, loops, cls))
                continue
            if isinstance(node, COMPS):
                gens = node.generators
                inner_loops = loops + (node,)
                parts = [x for x in (getattr(node, "elt", None), getattr(node, "key", None), getattr(node, "value", None)) if x is not None]
                for g in gens:
                    parts.extend([g.target, *g.ifs])
                parts.extend(g.iter for g in gens[1:])
                for child in parts:
                    stack.append((child, func, inner_loops, cls))
                stack.append((gens[0].iter, func, loops, cls))
                continue
            for child in ast.iter_child_nodes(node):
                stack.append((child, func, loops, cls))


# ---------------------------------------------------------------- entry point
def collect_usage(tree: ast.Module, resolver: Resolver, facts: FileFacts, providers: Providers, lines: list[str]) -> None:
    """Record the usage facts of one module into ``facts`` (see the module docstring)."""
    walk = _Walk(tree)
    facts.extra["defs"] = sorted(walk.defs)
    refs: dict[str, list[list[int]]] = {}
    for call in walk.call_nodes:
        f = call.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if name:
            refs.setdefault(name, []).append([call.lineno, 1 if walk.calls[id(call)].loops else 0])
    facts.extra["call_refs"] = refs
    ctx = _Module(tree, resolver, walk, lines, providers)
    facts.extra["clients"] = ctx.clients()
    facts.extra["parsed_results"] = ctx.parsed_results()
    if not facts.call_sites:
        return
    by_pos: dict[tuple[int, int], ast.Call] = {}
    site_lines = {s.span.line for s in facts.call_sites}
    for call in walk.call_nodes:
        if call.lineno in site_lines:
            sp = span_of(call, lines)
            if sp is not None:
                by_pos.setdefault((sp.line, sp.column), call)
    for site in facts.call_sites:
        call = by_pos.get((site.span.line, site.span.column))
        if call is not None:
            ctx.site_facts(site, call)


class _Module:
    def __init__(self, tree: ast.Module, resolver: Resolver, walk: _Walk, lines: list[str], providers: Providers):
        self.tree = tree
        self.r = resolver
        self.walk = walk
        self.lines = lines
        self.p = providers

    # ------------------------------------------------------------ helpers
    def scope(self, func: ast.AST | None) -> Scope:
        if func is None:
            return self.r.module_scope
        return self.r.scope_of.get(func) or self.r.module_scope

    def nodes(self, func: ast.AST | None) -> list[ast.AST]:
        return self.walk.body.get(id(func if func is not None else self.tree), [])

    def use(self, node: ast.AST, text: str = "") -> Use | None:
        sp = span_of(node, self.lines)
        return Use(sp, text or _short(self.r.source_of(node))) if sp else None

    # ------------------------------------------------------------ LA604: clients
    def clients(self) -> list[ClientUse]:
        makers = {m for m in self.p.maker_to_type if not m.startswith("<")}
        lasts = {m.rsplit(".", 1)[-1] for m in makers}
        out: list[ClientUse] = []
        for call in self.walk.call_nodes:
            f = call.func
            last = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
            if last not in lasts:
                continue
            info = self.walk.calls[id(call)]
            qn = self.r.qualname(f, self.scope(info.func)) or ""
            if qn not in makers:
                continue
            t = self.r.type_of(call, self.scope(info.func))
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

    # ------------------------------------------------------------ LA601: parses
    def parser_of(self, call: ast.Call, scope: Scope) -> tuple[str, ast.AST | None] | None:
        """(label, text argument) when ``call`` parses free text; else None."""
        f = call.func
        if isinstance(f, ast.Attribute) and f.attr in VALIDATE_METHODS:
            return f"{_short(self.r.source_of(f), 40)}", _arg(call, 0, "json_data" if f.attr == "model_validate_json" else "b")
        if not isinstance(f, (ast.Name, ast.Attribute)):
            return None
        last = f.id if isinstance(f, ast.Name) else f.attr
        if last not in {q.rsplit(".", 1)[-1] for q in PARSERS} | {"repair_json"}:
            return None
        qn = self.r.qualname(f, scope) or ""
        if qn in PARSERS:
            idx, kw = PARSERS[qn]
            return qn, _arg(call, idx, kw)
        if isinstance(f, ast.Attribute) and f.attr in REGEX_METHODS and isinstance(f.value, ast.Name):
            b = self.r.binding(f.value.id, scope, call.lineno)
            if b and b[0] == "assign" and isinstance(b[1], ast.Call):
                if (self.r.qualname(b[1].func, b[2]) or "") == "re.compile":  # type: ignore[arg-type]
                    return f"{f.value.id}.{f.attr}", _arg(call, 0, "string")
        return None

    def parsed_results(self) -> dict[str, list[Use]]:
        """Names of functions whose returned text is parsed here: ``json.loads(ask(q))``,
        ``answer = llm.ask(q); json.loads(answer)``."""
        out: dict[str, list[Use]] = {}
        for call in self.walk.call_nodes:
            f = call.func
            last = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if last not in {q.rsplit(".", 1)[-1] for q in PARSERS} | REGEX_METHODS | VALIDATE_METHODS | {"repair_json"}:
                continue
            info = self.walk.calls[id(call)]
            scope = self.scope(info.func)
            parsed = self.parser_of(call, scope)
            if parsed is None or parsed[1] is None:
                continue
            label, arg = parsed
            if STRUCTURED_PATH.search(self.r.source_of(arg)):
                continue
            names: set[str] = set()
            for n in ast.walk(arg):
                if isinstance(n, ast.Call):
                    names.add(_call_name(n))
                elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load):
                    b = self.r.binding(n.id, scope, call.lineno)
                    if b and b[0] == "assign" and isinstance(b[1], ast.AST):
                        v = b[1].value if isinstance(b[1], ast.Await) else b[1]
                        if isinstance(v, ast.Call):
                            names.add(_call_name(v))
            u = self.use(call, label)
            for name in names - {""}:
                if u is not None:
                    out.setdefault(name, []).append(u)
        return out

    def parse_uses(self, site: CallSite, call: ast.Call, func: ast.AST | None) -> tuple[list[Use], bool]:
        body = self.nodes(func)
        scope = self.scope(func)
        tainted: set[str] = {site.result_name} if site.result_name else set()
        flows = [n for n in body if isinstance(n, (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith))]
        for _ in range(4):
            changed = False
            for n in flows:
                for value, targets in _flows(n):
                    if value is not None and _mentions(value, tainted, call):
                        for name in targets:
                            if name not in tainted:
                                tainted.add(name)
                                changed = True
            if not changed:
                break
        uses: list[Use] = []
        for n in body:
            if not isinstance(n, ast.Call) or n is call:
                continue
            parsed = self.parser_of(n, scope)
            if parsed is None or parsed[1] is None:
                continue
            label, arg = parsed
            if _mentions(arg, tainted, call) and not STRUCTURED_PATH.search(self.r.source_of(arg)):
                u = self.use(n, label)
                if u is not None:
                    uses.append(u)
        returns = any(isinstance(n, ast.Return) and n.value is not None and _mentions(n.value, tainted, call) and not STRUCTURED_PATH.search(self.r.source_of(n.value)) for n in body)
        if func is None or isinstance(func, ast.Lambda):
            returns = False
        return uses, returns

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
        nodes = [n for root in roots for n in ast.walk(root)] + self.nodes(func)
        return any(_marks_cache(n) for n in nodes)

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

    # ------------------------------------------------------------ LA602: growing histories
    def history(self, site: CallSite, call: ast.Call, func: ast.AST | None, loops: tuple[ast.AST, ...]) -> HistoryUse | None:
        api = self.p.api(site.api)
        if api is None:
            return None
        arg_names = [p for role, p in api.prompt.items() if role in ("messages", "contents", "input") and "." not in p]
        whole: list[str] = []
        for kw in call.keywords:
            if kw.arg in arg_names:
                whole.extend(_whole_names(kw.value, self.r, self.scope(func), call.lineno))
        if not whole:
            return None
        body = self.nodes(func)
        for name in whole:
            grows = [n for n in body if isinstance(n, (ast.Call, ast.AugAssign, ast.Assign)) and _grows(n, name)]
            if not grows or self._truncated(name, func):
                continue
            if name.startswith("self."):
                loop = next((lp for lp in loops if any(_inside(g, lp) for g in grows)), None)
                g = grows[0]
            else:
                # it must grow inside a loop that also sends it, and be created before that loop
                pair = next(((lp, g) for lp in loops for g in grows if _inside(g, lp)), None)
                if pair is None:
                    continue
                loop, g = pair
                b = self.r.binding(name, self.scope(func), getattr(loop, "lineno", 0))
                if b is None:
                    continue
                if b[0] == "assign" and isinstance(b[1], ast.AST) and _inside(b[1], loop):  # type: ignore[arg-type]
                    continue  # rebuilt on every iteration
            u = self.use(g)
            if u is not None:
                return HistoryUse(name, u, getattr(loop, "lineno", None) if loop is not None else None, site.span)
        return None

    def _truncated(self, name: str, func: ast.AST | None) -> bool:
        """Any sign the list is bounded: slicing, del, pop, clear, len() checks, summarising."""
        places: list[ast.AST] = list(self.nodes(func))
        if name.startswith("self.") and func is not None and id(func) in self.walk.classes:
            cls = self.walk.classes[id(func)]
            places = [n for n in ast.walk(cls)]
        for n in places:
            if isinstance(n, ast.Subscript) and _is_name(n.value, name) and isinstance(n.slice, ast.Slice):
                return True
            if isinstance(n, ast.Delete) and any(isinstance(t, ast.Subscript) and _is_name(t.value, name) for t in n.targets):
                return True
            if isinstance(n, ast.Call):
                f = n.func
                if isinstance(f, ast.Attribute) and _is_name(f.value, name) and f.attr in ("pop", "clear", "remove", "popleft"):
                    return True
                if isinstance(f, ast.Name) and f.id == "len" and n.args and _is_name(n.args[0], name):
                    return True
                cname = _call_name(n)
                if cname and TRUNCATORS.search(cname) and any(_is_name(a, name) for a in list(n.args) + [k.value for k in n.keywords]):
                    return True
                if isinstance(f, ast.Name) and f.id == "deque" and any(k.arg == "maxlen" for k in n.keywords):
                    return True
            if isinstance(n, ast.Assign) and any(_is_name(t, name) for t in n.targets) and isinstance(n.value, ast.Call):
                # history = summarise(history) / trim(history, 20) / select(...): bounded by a helper
                if any(_is_name(x, name) for x in ast.walk(n.value)):
                    return True
        return False

    # ------------------------------------------------------------ LA503: what kind of loop
    def loop_kind(self, site: CallSite, call: ast.Call, loops: tuple[ast.AST, ...], history: HistoryUse | None) -> str:
        loop = loops[-1]
        if isinstance(loop, ast.While):
            return "while"
        if isinstance(loop, (ast.For, ast.AsyncFor)):
            target, it = loop.target, loop.iter
            if _breaks(loop):
                return "retry"  # stops at the first good answer: a retry or a search, not a batch
        else:
            gen = loop.generators[0]  # type: ignore[attr-defined]
            target, it = gen.target, gen.iter
        if isinstance(target, ast.Name) and RETRY_NAME.match(target.id):
            return "retry"
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
            consts = [a.value for a in it.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
            if len(consts) == len(it.args) and consts and max(consts) <= 5:
                return "retry"
        if isinstance(it, (ast.List, ast.Tuple, ast.Set)) and len(it.elts) <= 5 and all(isinstance(e, ast.Constant) for e in it.elts):
            return "fixed"  # for model in ["gpt-4o", "gpt-4o-mini"]: a comparison, not data
        if self._feeds_back(site, call, loop):
            return "dependent"
        return "data"

    def _feeds_back(self, site: CallSite, call: ast.Call, loop: ast.AST) -> bool:
        """Each request builds on earlier ones: the call reads a list that grows in the loop
        (a conversation), or a name assigned from its own response (a chain)."""
        exprs = [kw.value for kw in call.keywords] + list(call.args)
        read = {d for e in exprs for n in ast.walk(e) for d in [_dotted(n)] if d}
        for n in ast.walk(loop):
            if isinstance(n, (ast.Call, ast.AugAssign, ast.Assign)) and any(_grows(n, name) for name in read):
                return True
        if site.result_name:
            if site.result_name in read:
                return True
            for n in ast.walk(loop):
                if isinstance(n, ast.Assign) and _mentions(n.value, {site.result_name}, call):
                    if any(isinstance(t, ast.Name) and t.id in read for t in n.targets):
                        return True
        return False

    # ------------------------------------------------------------ per call site
    def site_facts(self, site: CallSite, call: ast.Call) -> None:
        info = self.walk.calls.get(id(call))
        if info is None:
            return
        func, loops = info.func, info.loops
        scope = self.scope(func)
        uses, returns = self.parse_uses(site, call, func)
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


# ---------------------------------------------------------------- small AST helpers
def _point(span: Span) -> Span:
    """The empty span at the end of ``span`` (a Span, so notebook remapping moves it too)."""
    return Span(span.end_line, span.end_column, span.end_line, span.end_column)


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 3] + "..."


def _arg(call: ast.Call, index: int, keyword: str) -> ast.AST | None:
    if len(call.args) > index and not isinstance(call.args[index], ast.Starred):
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""


def _mentions(expr: ast.AST, names: set[str], call: ast.Call) -> bool:
    for n in ast.walk(expr):
        if n is call:
            return True
        if isinstance(n, ast.Name) and n.id in names:
            return True
    return False


def _flows(n: ast.AST) -> list[tuple[ast.AST | None, list[str]]]:
    """(value, names it flows into) for an assignment-like statement."""
    if isinstance(n, ast.Assign):
        return [(n.value, [x for t in n.targets for x in _target_names(t)])]
    if isinstance(n, (ast.AnnAssign, ast.NamedExpr)):
        return [(n.value, _target_names(n.target))]
    if isinstance(n, (ast.For, ast.AsyncFor)):
        return [(n.iter, _target_names(n.target))]
    if isinstance(n, (ast.With, ast.AsyncWith)):
        return [(i.context_expr, _target_names(i.optional_vars) if i.optional_vars is not None else []) for i in n.items]
    return []


def _target_names(t: ast.AST) -> list[str]:
    if isinstance(t, ast.Name):
        return [t.id]
    if isinstance(t, (ast.Tuple, ast.List)):
        return [x for e in t.elts for x in _target_names(e)]
    if isinstance(t, ast.Starred):
        return _target_names(t.value)
    return []


def _dotted(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id == "self":
        return f"self.{expr.attr}"
    return None


def _is_name(expr: ast.AST, name: str) -> bool:
    return _dotted(expr) == name


def _whole_names(expr: ast.AST, r: Resolver, scope: Scope, line: int, depth: int = 0) -> list[str]:
    """Lists an argument sends whole: ``msgs``, ``[system, *history]``, ``system + history``."""
    if depth > 4:
        return []
    d = _dotted(expr)
    if d is not None:
        out = [d]
        if isinstance(expr, ast.Name):
            b = r.binding(expr.id, scope, line)
            if b and b[0] == "assign" and isinstance(b[1], (ast.List, ast.BinOp)):
                out += _whole_names(b[1], r, b[2], line, depth + 1)  # type: ignore[arg-type]
        return out
    if isinstance(expr, (ast.List, ast.Tuple)):
        return [x for e in expr.elts if isinstance(e, ast.Starred) for x in _whole_names(e.value, r, scope, line, depth + 1)]
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return _whole_names(expr.left, r, scope, line, depth + 1) + _whole_names(expr.right, r, scope, line, depth + 1)
    return []


def _grows(n: ast.AST, name: str) -> bool:
    """``h.append(x)``, ``h.extend(xs)``, ``h += [...]``, ``h = h + [...]``, ``h = [*h, x]``."""
    if isinstance(n, ast.AugAssign):
        return isinstance(n.op, ast.Add) and _is_name(n.target, name)
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        return n.func.attr in ("append", "extend", "insert") and _is_name(n.func.value, name)
    if isinstance(n, ast.Assign) and any(_is_name(t, name) for t in n.targets):
        v = n.value
        if isinstance(v, ast.BinOp) and isinstance(v.op, ast.Add):
            return _is_name(v.left, name) or _is_name(v.right, name)
        if isinstance(v, ast.List):
            return any(isinstance(e, ast.Starred) and _is_name(e.value, name) for e in v.elts)
    return False


def _marks_cache(n: ast.AST) -> bool:
    if isinstance(n, ast.Dict):
        return any(isinstance(k, ast.Constant) and k.value in CACHE_KEYS for k in n.keys)
    if isinstance(n, ast.keyword):
        return n.arg in CACHE_KEYS
    return False


def _inside(node: ast.AST, outer: ast.AST) -> bool:
    line = getattr(node, "lineno", None)
    if line is None:
        return False
    start, end = getattr(outer, "lineno", 0), getattr(outer, "end_lineno", 0) or 0
    if not (start <= line <= end):
        return False
    if line == start and getattr(node, "col_offset", 0) < getattr(outer, "col_offset", 0):
        return False
    return True


def _breaks(loop: ast.AST) -> bool:
    """A ``break`` or ``return`` in the loop body itself (not in a nested loop or def)."""
    stack = list(getattr(loop, "body", []))
    while stack:
        n = stack.pop()
        if isinstance(n, (ast.Break, ast.Return)):
            return True
        if isinstance(n, LOOPS + SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(n))
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
