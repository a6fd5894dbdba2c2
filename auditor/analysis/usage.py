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
* ``loop_kind``    ``data`` / ``retry`` / ``dependent`` / ``fixed`` / ``while`` for a call in a loop (LA503);
* ``history``      a messages list that grows in a loop and is sent whole (LA602).

File-level facts go into ``facts.extra``: ``defs`` (function and method names), ``call_refs``
(name -> [number of calls, first line called in a loop or 0], the light call graph),
``parsed_results`` (functions whose results are parsed here) and ``clients`` (client
constructions, LA604). Everything stored is plain data (spans, strings, the small
dataclasses below), so facts stay picklable for the cache and the process pool.
"""

from __future__ import annotations

import ast
import bisect
import keyword
import os
import re
from collections import Counter
from dataclasses import dataclass, field

from auditor.facts import CallSite, FileFacts
from auditor.config.catalog import Providers
from auditor.findings import Span
from auditor.analysis.resolve import Resolver, Scope, span_of
from auditor.analysis.usage_index import FunctionIndex, LineOwners, LoopIndex, Ranges

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
PARSER_NAMES = {q.rsplit(".", 1)[-1] for q in PARSERS} | VALIDATE_METHODS
# response paths that are structured by design (tool calls carry JSON arguments)
STRUCTURED_PATH = re.compile(r"tool_calls|function_call|\.arguments\b|tool_use|\.parsed\b|\.input\b|output_parsed|model_dump|to_json|\.json\(\)|to_dict")
RETRY_NAME = re.compile(r"^_*(attempt|attempts|retry|retries|tries|try_|n_try|trial)s?_*\w*$", re.IGNORECASE)
TRUNCATORS = re.compile(r"summar|trim|truncat|compact|prune|window|shorten|condense|compress|limit", re.IGNORECASE)
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


_STMT_LISTS = ("body", "orelse", "finalbody")
_NAME_BEFORE = re.compile(r"[ \t]*(\w+)")  # matched on the reversed text before a "("
_NOT_REFS = set(keyword.kwlist) | {"print", "len", "str", "int", "float", "list", "dict", "set", "tuple", "isinstance", "super",
                                   "range", "sorted", "getattr", "setattr", "hasattr", "type", "open", "enumerate", "zip", "min", "max"}
_HEADERS = {  # expressions of a compound statement that are evaluated before its body
    ast.For: ("iter", "target"), ast.AsyncFor: ("iter", "target"), ast.While: ("test",), ast.If: ("test",),
    ast.With: ("items",), ast.AsyncWith: ("items",), ast.Try: (), ast.FunctionDef: ("decorator_list", "args", "returns"),
    ast.AsyncFunctionDef: ("decorator_list", "args", "returns"), ast.ClassDef: ("decorator_list", "bases", "keywords"),
}
if hasattr(ast, "Match"):
    _HEADERS[ast.Match] = ("subject",)
if hasattr(ast, "TryStar"):
    _HEADERS[ast.TryStar] = ()


class _Walk:
    """A statement-level index of the module, with expression walks only where needed.

    Walking every expression of every parsed file doubled phase 1, so the module is indexed
    by statements: defs, classes, loop line ranges, and the "leaf" statements (simple
    statements and compound-statement headers) by line. A leaf's expressions are walked
    when a line of it is asked about (a client construction, a parse, a call by name); a
    whole function is walked only when it holds a call site."""

    def __init__(self, tree: ast.Module, lines: list[str]):
        self.tree = tree
        self.lines = lines
        self.defs: set[str] = set()
        self.class_names: set[str] = set()
        self.called: set[str] = set()  # every name written as `name(` (filled by call_refs)
        self.classes: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        self.units: list[tuple[int, int, ast.AST]] = []  # (first line, last line, def) for every def
        self.loops: list[tuple[int, int]] = []  # line ranges of for/while bodies
        self.calls: dict[int, _CallInfo] = {}
        self.body: dict[int, list[ast.AST]] = {}  # id(function or tree) -> its own nodes
        self._leaf_calls: dict[int, list[tuple[ast.Call, bool]]] = {}
        self._by_line: dict[int, list[ast.Call]] = {}
        self._walked: set[int] = set()
        self._owners: LineOwners | None = None
        self._loop_lines: Ranges | None = None
        self._index(tree)

    def _index(self, tree: ast.Module) -> None:
        """Defs, classes and loop ranges; only compound statements are visited."""
        stack: list[tuple[ast.AST, ast.ClassDef | None]] = [(s, None) for s in tree.body if type(s) in _HEADERS]
        while stack:
            node, cls = stack.pop()
            owner_cls = cls
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs.add(node.name)
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                self.units.append((start, node.end_lineno or node.lineno, node))
                if cls is not None:
                    self.classes[id(node)] = cls
                owner_cls = None
            elif isinstance(node, ast.ClassDef):
                self.class_names.add(node.name)
                owner_cls = node
            elif isinstance(node, LOOPS) and node.body:
                self.loops.append((node.body[0].lineno, node.end_lineno or node.lineno))
            for body in _bodies(node):
                stack.extend((b, owner_cls) for b in body if type(b) in _HEADERS)

    # ------------------------------------------------------------ lookups
    def owner_of(self, line: int) -> ast.AST | None:
        """The innermost def whose lines contain ``line`` (None: module level)."""
        if self._owners is None:
            self._owners = LineOwners(self.units)
        return self._owners.owner(line)

    def in_loop(self, line: int) -> bool:
        if self._loop_lines is None:
            self._loop_lines = Ranges(self.loops)
        return line in self._loop_lines

    def leaf(self, line: int) -> tuple[ast.AST, tuple[str, ...] | None] | None:
        """The simple statement (or compound-statement header) that ``line`` belongs to."""
        stmts: list[ast.stmt] = self.tree.body
        while stmts:
            i = bisect.bisect_right(stmts, line, key=_lineno) - 1
            if i < 0:
                return None
            node = stmts[i]
            if (node.end_lineno or node.lineno) < line:
                return None
            header = _HEADERS.get(type(node))
            if header is None:
                return node, None
            inner = next((b for b in _bodies(node) if b and b[0].lineno <= line <= (b[-1].end_lineno or b[-1].lineno)), None)
            if inner is None:
                return node, header
            stmts = inner
        return None

    def leaf_calls(self, line: int) -> list[tuple[ast.Call, bool]]:
        """(call, inside a comprehension) for the calls that start on ``line``."""
        found = self.leaf(line)
        if found is None:
            return []
        node, header = found
        calls = self._leaf_calls.get(id(node))
        if calls is None:
            calls = self._leaf_calls[id(node)] = _calls_in(node, header)
        return [c for c in calls if c[0].lineno == line]

    def calls_at(self, line: int) -> list[ast.Call]:
        """Calls starting on ``line``, with their function and loops recorded (full walk)."""
        self.walk(self.owner_of(line))
        return self._by_line.get(line, [])

    def nodes(self, func: ast.AST | None) -> list[ast.AST]:
        self.walk(func)
        return self.body.get(id(func if func is not None else self.tree), [])

    # ------------------------------------------------------------ the full walk of one function
    def walk(self, func: ast.AST | None) -> None:
        owner = func if func is not None else self.tree
        if id(owner) in self._walked:
            return
        self._walked.add(id(owner))
        body = self.body.setdefault(id(owner), [])
        start = owner.body if isinstance(owner, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef)) else []
        stack: list[tuple[ast.AST, tuple[ast.AST, ...]]] = [(s, ()) for s in reversed(start)]
        while stack:
            node, loops = stack.pop()
            body.append(node)
            if isinstance(node, ast.Call):
                self.calls[id(node)] = _CallInfo(func, loops)
                self._by_line.setdefault(node.lineno, []).append(node)
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                args = node.args
                for d in node.decorator_list + args.defaults + [x for x in args.kw_defaults if x is not None]:
                    stack.append((d, loops))
                continue  # its body is its own unit
            if isinstance(node, ast.ClassDef):
                for child in reversed(node.body + node.decorator_list + node.bases):
                    stack.append((child, loops))
                continue
            if isinstance(node, LOOPS):
                head = [node.iter, node.target] if isinstance(node, (ast.For, ast.AsyncFor)) else [node.test]
                inner = loops + (node,)
                stack.extend((child, loops) for child in reversed(node.orelse))
                stack.extend((child, inner) for child in reversed(node.body))
                stack.extend((child, loops) for child in head)
                continue
            if isinstance(node, COMPS):
                gens = node.generators
                inner = loops + (node,)
                parts = [x for x in (getattr(node, "elt", None), getattr(node, "key", None), getattr(node, "value", None)) if x is not None]
                for g in gens:
                    parts.extend([g.target, *g.ifs])
                parts.extend(g.iter for g in gens[1:])
                stack.extend((child, inner) for child in parts)
                stack.append((gens[0].iter, loops))
                continue
            stack.extend((child, loops) for child in ast.iter_child_nodes(node))

    # ------------------------------------------------------------ the light call graph
    def call_refs(self, text: str) -> dict[str, list[int]]:
        """name -> [number of calls, first line called in a loop or 0], for calls by name or
        attribute. Counted from the text (C-speed); only loop bodies are scanned per match."""
        counts = Counter(_call_names(text))
        self.called = set(counts)
        for name in _NOT_REFS & self.called:
            del counts[name]
        for name in self.defs | self.class_names:  # the `def name(` / `class Name(` lines
            if counts.get(name):
                counts[name] -= 1
        refs: dict[str, list[int]] = {name: [n, 0] for name, n in counts.items() if n > 0}
        for a, b in _merged(self.loops):
            chunk = "\n".join(self.lines[a - 1 : b])
            for name in set(_call_names(chunk)):
                ref = refs.get(name)
                if ref is not None and not ref[1]:
                    ref[1] = a + chunk.count("\n", 0, max(chunk.find(name + "("), 0))
        for line in _find_lines(text, ["for "]):
            if self.in_loop(line) or self.lines[line - 1].lstrip().startswith(("for ", "async for ", "#")):
                continue
            for call, in_comp in self.leaf_calls(line):  # a comprehension on this line?
                ref = refs.get(_call_name(call))
                if in_comp and ref is not None and not ref[1]:
                    ref[1] = line
        return refs


def _call_names(text: str) -> list[str]:
    """Every identifier written right before a ``(`` (calls, and def/class lines).

    ``str.find`` over the parentheses plus a match on the few characters before each is
    about 8x faster than one regex over the whole text."""
    out: list[str] = []
    find, match = text.find, _NAME_BEFORE.match
    pos = find("(")
    while pos >= 0:
        m = match(text[max(0, pos - 64) : pos][::-1])
        if m:
            name = m.group(1)[::-1]
            if not name[0].isdigit():
                out.append(name)
        pos = find("(", pos + 1)
    return out


def _lineno(node: ast.AST) -> int:
    return node.lineno  # type: ignore[attr-defined]


def _bodies(node: ast.AST) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement, in source order."""
    out = [node.body] if isinstance(getattr(node, "body", None), list) else []  # type: ignore[attr-defined]
    out += [h.body for h in getattr(node, "handlers", None) or []]
    out += [c.body for c in getattr(node, "cases", None) or []]
    out += [getattr(node, name) for name in ("orelse", "finalbody") if getattr(node, name, None)]
    return out


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _find_lines(text: str, needles: list[str]) -> list[int]:
    """Lines where one of ``needles`` occurs after a non-word character (str.find, not regex)."""
    positions: list[int] = []
    for needle in needles:
        pos = text.find(needle)
        while pos >= 0:
            if pos == 0 or not (text[pos - 1].isalnum() or text[pos - 1] == "_"):
                positions.append(pos)
            pos = text.find(needle, pos + 1)
    lines: list[int] = []
    line, last = 1, 0
    for pos in sorted(positions):
        line += text.count("\n", last, pos)
        last = pos
        if not lines or lines[-1] != line:
            lines.append(line)
    return lines


def _calls_in(stmt: ast.AST, header: tuple[str, ...] | None) -> list[tuple[ast.Call, bool]]:
    """The calls in a leaf statement (for a compound statement: in its header only)."""
    if header is None:
        roots = [(stmt, False)]
    else:
        roots = []
        for name in header:
            value = getattr(stmt, name, None)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, ast.AST):
                    roots.append((v, False))
    out: list[tuple[ast.Call, bool]] = []
    stack = roots
    while stack:
        node, comp = stack.pop()
        if isinstance(node, ast.Call):
            out.append((node, comp))
        inner = comp or isinstance(node, COMPS)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


# ---------------------------------------------------------------- entry point
def collect_usage(tree: ast.Module, resolver: Resolver, facts: FileFacts, providers: Providers, lines: list[str]) -> None:
    """Record the usage facts of one module into ``facts`` (see the module docstring).

    These facts only add findings; a failure here must not cost the file its call sites
    (which an exception escaping phase 1 would), so it is recorded and the file goes on."""
    try:
        _collect(tree, resolver, facts, providers, lines)
    except Exception as e:
        if os.environ.get("LLM_AUDIT_DEBUG"):
            raise
        facts.extra["usage_error"] = f"{e.__class__.__name__}: {e}"


def _collect(tree: ast.Module, resolver: Resolver, facts: FileFacts, providers: Providers, lines: list[str]) -> None:
    walk = _Walk(tree, lines)
    text = "\n".join(lines)
    facts.extra["defs"] = sorted(walk.defs)
    facts.extra["call_refs"] = walk.call_refs(text)
    ctx = _Module(tree, resolver, walk, lines, providers, text)
    facts.extra["clients"] = ctx.clients()
    facts.extra["parsed_results"] = ctx.parsed_results()
    for site in facts.call_sites:
        call = next((c for c in walk.calls_at(site.span.line) if _at(c, site, lines)), None)
        if call is not None:
            ctx.site_facts(site, call)


def _at(call: ast.Call, site: CallSite, lines: list[str]) -> bool:
    sp = span_of(call, lines)
    return sp is not None and (sp.line, sp.column) == (site.span.line, site.span.column)


class _Module:
    def __init__(self, tree: ast.Module, resolver: Resolver, walk: _Walk, lines: list[str], providers: Providers, text: str):
        self.tree = tree
        self.text = text
        self.r = resolver
        self.walk = walk
        self.lines = lines
        self.p = providers
        self._functions: dict[int, FunctionIndex] = {}  # id(def or tree) -> its index, built on first use
        self._loop_index: dict[int, LoopIndex] = {}
        self._marked: dict[int, bool] = {}  # id(expression root) -> holds a cache marker
        self._bounded: dict[tuple[int, str], bool] = {}  # (id(def), list name) -> _truncated

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
        return [c for line in _find_lines(self.text, [n + "(" for n in present]) for c, _ in self.walk.leaf_calls(line)]

    def use(self, node: ast.AST, text: str = "") -> Use | None:
        sp = span_of(node, self.lines)
        return Use(sp, text or _short(self.r.source_of(node))) if sp else None

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

    # ------------------------------------------------------------ LA601: parses
    def parser_of(self, call: ast.Call, scope: Scope) -> tuple[str, ast.AST | None] | None:
        """(label, text argument) when ``call`` parses free text; else None."""
        f = call.func
        if isinstance(f, ast.Attribute) and f.attr in VALIDATE_METHODS:
            return f"{_short(self.r.source_of(f), 40)}", _arg(call, 0, "json_data" if f.attr == "model_validate_json" else "b")
        if not isinstance(f, (ast.Name, ast.Attribute)):
            return None
        last = f.id if isinstance(f, ast.Name) else f.attr
        if last not in PARSER_NAMES:
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
        for call in self.candidate_calls(PARSER_NAMES):
            if _call_name(call) not in PARSER_NAMES:
                continue
            scope = self.scope(self.walk.owner_of(call.lineno))
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
        index = self.index(func)  # one pass over the function serves all its call sites
        tainted = index.tainted(site.result_name, call)
        uses: list[Use] = []
        for n, label in index.parses_of(tainted, call):
            u = self.use(n, label)
            if u is not None:
                uses.append(u)
        returns = index.returns(tainted, call)
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
        index = self.index(func)
        for name in whole:
            grows = index.grows.get(name, [])
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
        key = (id(func), name)
        if key not in self._bounded:
            self._bounded[key] = self._truncated_in(name, func)
        return self._bounded[key]

    def _truncated_in(self, name: str, func: ast.AST | None) -> bool:
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
        if id(loop) not in self._loop_index:  # indexed once for all the calls in the loop
            self._loop_index[id(loop)] = LoopIndex(loop)
        index = self._loop_index[id(loop)]
        if read & index.grown:
            return True
        if site.result_name:
            if site.result_name in read:
                return True
            if any(targets & read for targets in index.assigns_from(site.result_name, call)):
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


def _grown_names(n: ast.AST) -> list[str]:
    """Every ``name`` for which ``_grows(n, name)`` holds, in one look at ``n``."""
    if isinstance(n, ast.AugAssign):
        d = _dotted(n.target)
        return [d] if d and isinstance(n.op, ast.Add) else []
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
        d = _dotted(n.func.value)
        return [d] if d and n.func.attr in ("append", "extend", "insert") else []
    if isinstance(n, ast.Assign):
        return [d for t in n.targets for d in [_dotted(t)] if d and _grows(n, d)]
    return []


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
    return not (line == start and getattr(node, "col_offset", 0) < getattr(outer, "col_offset", 0))


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
