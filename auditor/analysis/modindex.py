"""A statement-level index of one module: defs, classes, loop ranges, and the calls by line.

Walking every expression of every parsed file doubled phase 1, so the module is indexed by
statements; a leaf statement's expressions are walked when a line of it is asked about, and a
whole function only when it holds a call site (iteratively: deep code must not exhaust the stack).
"""

from __future__ import annotations

import ast
import bisect
import keyword
import re
from collections import Counter
from dataclasses import dataclass

from auditor.analysis.nodeindex import LEAVES
from auditor.analysis.usage_index import LineOwners, Ranges


LOOPS = (ast.For, ast.AsyncFor, ast.While)


COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass
class CallInfo:
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


class ModuleIndex:
    """A statement-level index of the module, with expression walks only where needed.

    Walking every expression of every parsed file doubled phase 1, so the module is indexed
    by statements: defs, classes, loop line ranges, and the "leaf" statements (simple
    statements and compound-statement headers) by line. A leaf's expressions are walked
    when a line of it is asked about (a client construction, a parse, a call by name); a
    whole function is walked only when it holds a call site."""

    def __init__(self, tree: ast.Module, lines: list[str], nodes=None):
        self.tree = tree
        self.index = nodes  # the module's NodeIndex (analysis/nodeindex.py), when the caller has one
        self.lines = lines
        self.defs: set[str] = set()
        self.class_names: set[str] = set()
        self.called: set[str] = set()  # every name written as `name(` (filled by call_refs)
        self.classes: dict[int, ast.ClassDef] = {}  # id(method) -> its class
        self.units: list[tuple[int, int, ast.AST]] = []  # (first line, last line, def) for every def
        self.loops: list[tuple[int, int]] = []  # line ranges of for/while bodies
        self.calls: dict[int, CallInfo] = {}
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
            for body in bodies(node):
                stack.extend((b, owner_cls) for b in body if type(b) in _HEADERS)

    # ------------------------------------------------------------ lookups
    def owner_of(self, line: int) -> ast.AST | None:
        """The innermost def whose lines contain ``line`` (None: module level)."""
        if self._owners is None:  # a table, not a scan of every def per question
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
            inner = next((b for b in bodies(node) if b and b[0].lineno <= line <= (b[-1].end_lineno or b[-1].lineno)), None)
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
            calls = self._leaf_calls[id(node)] = _calls_in(node, header, self.index)
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
                self.calls[id(node)] = CallInfo(func, loops)
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
        for line in find_lines(text, ["for "]):
            if self.in_loop(line) or self.lines[line - 1].lstrip().startswith(("for ", "async for ", "#")):
                continue
            for call, in_comp in self.leaf_calls(line):  # a comprehension on this line?
                ref = refs.get(call_name(call))
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


def bodies(node: ast.AST) -> list[list[ast.stmt]]:
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


def find_lines(text: str, needles: list[str]) -> list[int]:
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


def _calls_in(stmt: ast.AST, header: tuple[str, ...] | None, nodes=None) -> list[tuple[ast.Call, bool]]:
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
    if nodes is not None:
        found = _indexed_calls(nodes, [r for r, _ in roots])
        if found is not None:
            return found
    out: list[tuple[ast.Call, bool]] = []
    stack = roots
    while stack:
        node, comp = stack.pop()
        if isinstance(node, ast.Call):
            out.append((node, comp))
        inner = comp or isinstance(node, COMPS)
        stack.extend((child, inner) for child in ast.iter_child_nodes(node))
    return out


def _indexed_calls(nodes, roots: list[ast.AST]) -> list[tuple[ast.Call, bool]] | None:
    """:func:`_calls_in` read from the module's node index, in the order its walk gives (the last root
    first; within a root, a node before its children and later siblings first)."""
    out: list[tuple[ast.Call, bool]] = []
    seq, parent, end = nodes.nodes, nodes.parent, nodes.end
    for root in reversed(roots):
        if type(root) in LEAVES:
            continue  # a name or a constant holds no call
        found = nodes.below(root, ast.Call)
        if found is None:
            return None  # not of this tree: walk it
        if not found:
            continue
        top = nodes.position(root)
        for i in sorted(found, key=lambda i: (-end[i], i)):
            comp, p = False, parent[i]
            while p >= top:
                if isinstance(seq[p], COMPS):
                    comp = True
                    break
                p = parent[p]
            out.append((seq[i], comp))
    return out


def dotted_name(expr: ast.AST) -> str | None:
    """``a.b.c`` of a chain of attributes on a name, else None (a call, a subscript at its root)."""
    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def call_name(call: ast.Call) -> str:
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
