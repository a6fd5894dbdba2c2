"""Indexes that keep the usage facts linear in the module's size (:mod:`auditor.analysis.usage`).

Each call site asks questions of the function around it: which names its response flows into,
which parses read them, whether the function returns them, whether a list it sends grows there,
whether a cache marker is present. Answered by walking the function for every site, a module
with thousands of module-level calls (a generated script, a 3,000-cell notebook) costs
sites x statements: the audit counted 4.17 M ``ast.walk`` calls for 400 cells. So each function
(and each loop) is indexed once, on first use, and every site's question is a lookup:

* :class:`FunctionIndex`: name -> names it flows into (not through another request: the names a
  request is sent do not flow into its answer), call -> names its result is assigned
  to, parses and ``return`` values by the names (and calls) they read, lists by the names they
  grow, and whether a cache marker appears anywhere in the function;
* :class:`LoopIndex`: the names a loop grows and its assignments by the names they read;
* :class:`LineOwners`: the innermost ``def`` around a line, by table lookup.
"""

from __future__ import annotations

import ast
import bisect
from collections import deque
from typing import Any

_FLOW_NODES = (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)


def refs(expr: ast.AST) -> tuple[set[str], set[int]]:
    """The names an expression reads and the ids of the calls inside it (one walk)."""
    names: set[str] = set()
    calls: set[int] = set()
    for n in ast.walk(expr):
        if isinstance(n, ast.Name):
            names.add(n.id)
        elif isinstance(n, ast.Call):
            calls.add(id(n))
    return names, calls


def _spine(expr: ast.AST) -> ast.AST:
    """The call an expression reads its value from: ``(await c.create(...)).choices[0].message.content`` -> the call."""
    while isinstance(expr, (ast.Await, ast.Attribute, ast.Subscript)):
        expr = expr.value
    return expr


def _add(index: dict, key: Any, value: Any) -> None:
    index.setdefault(key, []).append(value)


class FunctionIndex:
    """What the call sites of one function (or the module's top level) ask, computed once."""

    def __init__(self, module: Any, func: ast.AST | None):
        from auditor.analysis.loops import grown_names
        from auditor.analysis.parses import ENVELOPE, STRUCTURED_PATH, _flows
        from auditor.analysis.usage import _marks_cache

        body = module.nodes(func)
        scope = module.scope(func)
        source_of = module.r.source_of
        self.edges: dict[str, set[str]] = {}  # name -> names assigned from an expression reading it
        self.call_targets: dict[int, list[str]] = {}  # id(call) -> names assigned from it
        self.parsers: list[tuple[ast.Call, str]] = []  # (parse call, label), in body order
        self.parsers_by_name: dict[str, list[int]] = {}
        self.parsers_by_call: dict[int, list[int]] = {}
        self.return_names: set[str] = set()
        self.return_calls: set[int] = set()
        self.marks_cache = False
        self.grows: dict[str, list[ast.AST]] = {}
        envelopes: set[str] = set()  # body = response["body"].read().decode("utf-8"): names holding the provider's JSON envelope
        for n in body:
            if isinstance(n, _FLOW_NODES):
                for value, targets in _flows(n):
                    if value is None or not targets:
                        continue
                    if STRUCTURED_PATH.search(source_of(value)):
                        continue  # tool-call arguments are JSON by design: what is derived from them is not model text
                    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("read", "decode") and ENVELOPE.search(source_of(value)):
                        envelopes.update(targets)  # the raw body, not yet parsed: json.loads of it reads the envelope
                    names, calls = refs(value)
                    if id(_spine(value)) in getattr(module, "requests", ()):
                        names = set()  # extract = create(messages=[... info ...]): extract holds the new answer, not info's text
                    for name in names:
                        self.edges.setdefault(name, set()).update(targets)
                    for c in calls:
                        self.call_targets.setdefault(c, []).extend(targets)
            if isinstance(n, ast.Call):
                parsed = module.parser_of(n, scope)
                # json.loads(response["body"].read()) decodes the provider's envelope, not the model's text
                if (
                    parsed is not None and parsed[1] is not None and not STRUCTURED_PATH.search(source_of(parsed[1]))
                    and not ENVELOPE.search(source_of(parsed[1])) and not (isinstance(parsed[1], ast.Name) and parsed[1].id in envelopes)
                ):
                    i = len(self.parsers)
                    self.parsers.append((n, parsed[0]))
                    names, calls = refs(parsed[1])
                    for name in names:
                        _add(self.parsers_by_name, name, i)
                    for c in calls:
                        _add(self.parsers_by_call, c, i)
            elif isinstance(n, ast.Return) and n.value is not None and not STRUCTURED_PATH.search(source_of(n.value)):
                names, calls = refs(n.value)
                self.return_names |= names
                self.return_calls |= calls
            if not self.marks_cache and _marks_cache(n):
                self.marks_cache = True
            if isinstance(n, (ast.Call, ast.AugAssign, ast.Assign)):
                for name in grown_names(n):
                    _add(self.grows, name, n)

    def tainted(self, result_name: str | None, call: ast.Call) -> set[str]:
        """Names holding the call's response: its result name, names assigned from the call
        itself, and everything assigned from those, transitively."""
        seen: set[str] = {result_name} if result_name else set()
        seen.update(self.call_targets.get(id(call), ()))
        todo = deque(seen)
        while todo:
            for target in self.edges.get(todo.popleft(), ()):
                if target not in seen:
                    seen.add(target)
                    todo.append(target)
        return seen

    def parses_of(self, tainted: set[str], call: ast.Call) -> list[tuple[ast.Call, str]]:
        """Parse calls (other than ``call``) whose text argument reads a tainted name or ``call``."""
        hits = set(self.parsers_by_call.get(id(call), ()))
        for name in tainted:
            hits.update(self.parsers_by_name.get(name, ()))
        return [self.parsers[i] for i in sorted(hits) if self.parsers[i][0] is not call]

    def returns(self, tainted: set[str], call: ast.Call) -> bool:
        return bool(tainted & self.return_names) or id(call) in self.return_calls


def _reads_name(expr: ast.AST, name: str) -> bool:
    return any(isinstance(x, ast.Name) and x.id == name for x in ast.walk(expr))


class LoopIndex:
    """Names a loop grows, and its assignments by what their values read."""

    def __init__(self, loop: ast.AST):
        from auditor.analysis.loops import grown_names

        self.grown: set[str] = set()
        self.assigns_by_name: dict[str, list[set[str]]] = {}  # name read -> [target names]
        self.assigns_by_call: dict[int, list[set[str]]] = {}
        self.rebound: set[str] = set()  # names a plain assignment in the loop binds afresh (`parts = []`)
        for n in ast.walk(loop):
            if isinstance(n, (ast.Call, ast.AugAssign, ast.Assign)):
                self.grown.update(grown_names(n))
            if isinstance(n, ast.Assign):
                self.rebound.update(t.id for t in n.targets if isinstance(t, ast.Name) and not _reads_name(n.value, t.id))
                # `x = ...`, and the object an attribute or item is stored into (`params.instruction = answer`)
                targets = {t.id for t in n.targets if isinstance(t, ast.Name)} | {
                    r for t in n.targets if isinstance(t, (ast.Attribute, ast.Subscript)) for r in [_root(t)] if r}
                if not targets:
                    continue
                names, calls = refs(n.value)
                for name in names:
                    _add(self.assigns_by_name, name, targets)
                for c in calls:
                    _add(self.assigns_by_call, c, targets)

    def views_of_grown(self) -> set[str]:
        """Names the loop assigns from a list that grows in it and lives across passes (an archive built
        before the loop: ``prev = "\\n\\n".join(archive)``; not ``parts = []`` rebuilt every pass)."""
        kept = self.grown - self.rebound
        return {t for g in kept for targets in self.assigns_by_name.get(g, []) for t in targets} - kept

    def assigns_from(self, name: str, call: ast.Call) -> list[set[str]]:
        return self.assigns_by_name.get(name, []) + self.assigns_by_call.get(id(call), [])


class LineOwners:
    """The innermost def whose lines (decorators included) contain a line."""

    def __init__(self, units: list[tuple[int, int, ast.AST]]):
        self.units = sorted(units, key=lambda u: (u[0], -u[1]))
        last = max((u[1] for u in units), default=0)
        self.by_line: list[int] = [-1] * (last + 2)
        for i, (start, end, _node) in enumerate(self.units):  # outer defs first: inner ones overwrite
            self.by_line[start : end + 1] = [i] * (end - start + 1)

    def owner(self, line: int) -> ast.AST | None:
        if not 0 <= line < len(self.by_line):
            return None
        i = self.by_line[line]
        return self.units[i][2] if i >= 0 else None


class Ranges:
    """Is a line inside one of a set of line ranges? (bisect over the merged ranges)."""

    def __init__(self, ranges: list[tuple[int, int]]):
        merged: list[list[int]] = []
        for a, b in sorted(ranges):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def __contains__(self, line: int) -> bool:
        i = bisect.bisect_right(self.starts, line) - 1
        return i >= 0 and line <= self.ends[i]


def _root(node: ast.AST) -> str | None:
    """The name at the root of ``a.b[c].d`` (None for a call's result or a literal)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None
