"""Frames typed by how a function uses a value, for :class:`auditor.analysis.frames.FrameInference`.

Two kinds of evidence besides where a value comes from:

* an ``isinstance(x, pd.DataFrame)`` test: in the body of that ``if``, ``x`` is a frame (the
  tool wrapper ``if isinstance(result, DataFrame): return result.to_string()``) - provenance;
* an attribute only a frame (or Series) has, read on the name in the same function
  (rules/flows.yaml ``frames.usage``: ``if m is not None and not m.empty:``) - evidence ``usage``.

And one render through a container: ``json.dumps({"transactions": df.to_dict("records"), ...})``
serialises every row of the frame a dict or list display holds (:func:`container_render`).

Each is computed once per function and kept on the inference object.
"""

from __future__ import annotations

import ast
import functools
import re

from auditor.analysis.scopes import Scope
from auditor.config.flows import load_flows
from auditor.analysis.nodeindex import node_index
from auditor.analysis.rawhttp import module_text


def narrowed(frames, expr: ast.Name, scope: Scope) -> bool:
    """``expr`` is read in the body of ``if isinstance(<that name>, DataFrame):`` of its function."""
    key = ("isinstance", id(scope.node))
    found = frames._usage.get(key)
    if found is None:
        found = []
        if scope.kind == "function" and _module_has(frames, "isinstance", ("isinstance(",)) and _module_has(frames, "frame-word", ("DataFrame", "LazyFrame")):
            for node in _nodes_below(frames, scope.node, ast.If):
                t = node.test if isinstance(node, ast.If) else None
                if isinstance(t, ast.Call) and isinstance(t.func, ast.Name) and t.func.id == "isinstance" and len(t.args) == 2 and isinstance(t.args[0], ast.Name):
                    kinds = t.args[1].elts if isinstance(t.args[1], ast.Tuple) else [t.args[1]]
                    if node.body and kinds and all(frames._is_frame_annotation(k, scope) for k in kinds):
                        found.append((t.args[0].id, node.body[0].lineno, getattr(node.body[-1], "end_lineno", None) or node.body[-1].lineno))
        frames._usage[key] = found
    line = getattr(expr, "lineno", 0)
    return any(name == expr.id and lo <= line <= hi for name, lo, hi in found)


def used_as_frame(frames, scope: Scope) -> set[str]:
    """Names of this function on which an attribute only a frame has is read (``frames.usage``)."""
    key = id(scope.node)
    found = frames._usage.get(key)
    if found is None:
        found = set()
        usage = load_flows().frame_usage
        if scope.kind == "function" and usage and _module_has(frames, "usage", tuple(f".{u}" for u in usage)):
            for node in _nodes_below(frames, scope.node, ast.Attribute):
                if isinstance(node, ast.Attribute) and node.attr in usage and isinstance(node.value, ast.Name):
                    found.add(node.value.id)
        frames._usage[key] = found
    return found


def container_render(frames, expr: ast.AST, scope: Scope, depth: int = 0):
    """The whole-frame render a dict or list display holds, serialised with it (``json.dumps(payload)``
    with ``payload = {"rows": df.to_dict("records") if df is not None else None}``), or None."""
    if depth > 4:
        return None
    if isinstance(expr, ast.Name):
        b = frames.r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is None or b[0] != "assign" or not isinstance(b[1], (ast.Dict, ast.List, ast.Tuple)) or expr.id in b[2].mutated:
            return None
        expr, scope = b[1], b[2]
    values = expr.values if isinstance(expr, ast.Dict) else expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else []
    for v in values:
        for item in (v.body, v.orelse) if isinstance(v, ast.IfExp) else (v,):
            if (isinstance(item, ast.Call) and isinstance(item.func, ast.Attribute)) or isinstance(item, ast.Name):
                fr = frames.render(item, scope, depth + 1)  # a name: {"rows": records} after records = df.to_dict(...)
                if fr is not None and fr.mode == "whole" and fr.method != "format":
                    fr.at = fr.at or item  # reported where the rows are taken out of the frame
                    return fr
            elif isinstance(item, (ast.Dict, ast.List, ast.Tuple)):
                fr = container_render(frames, item, scope, depth + 1)
                if fr is not None:
                    return fr
    return None


def earlier_binding(resolver, expr: ast.Name, scope: Scope):
    """The binding ``expr`` reads; for a name read in the value of its own assignment
    (``df = df[df.region == r]``, ``frame = frame.dropna()``), the assignment before that one."""
    line = getattr(expr, "lineno", 1 << 30)
    b = resolver.binding(expr.id, scope, line)
    if b is None or b[0] != "assign" or not isinstance(b[1], ast.expr) or b[2] is not scope:
        return b
    what = b[1]
    lo, hi = getattr(what, "lineno", 0), getattr(what, "end_lineno", 0) or 0
    if not (lo <= line <= hi) or not any(n is expr for n in ast.walk(what)):
        return b
    entries = scope.assigns.get(expr.id) or []
    own = next((ln for ln, v in entries if v is what), None)
    before = [v for ln, v in entries if own is not None and ln < own]
    if before:
        return "assign", before[-1], scope
    if own is None:
        return b
    if expr.id in scope.params:
        return "param", scope.params[expr.id], scope  # def clean(df): df = df.dropna()
    return resolver.binding(expr.id, scope.parent, line) if scope.parent is not None else None


def placeholder_state(frames, name: str, scope: Scope, depth: int) -> str | None:
    """A name read where its last binding is ``None`` (``transactions_df = None``, the "nothing
    uploaded" state) that the same scope also binds to a frame (``transactions_df =
    pd.DataFrame(rows)`` in a branch): a method or field read on it sees the frame, so it is that
    frame's state; None when no other binding is one."""
    if depth > 4:
        return None
    for _, value in scope.assigns.get(name) or []:
        if isinstance(value, ast.expr) and not (isinstance(value, ast.Constant) and value.value is None):
            st = frames.state(value, scope, depth + 1)
            if st is not None:
                return st
    return None


def _module_has(frames, key: str, needles: tuple[str, ...]) -> bool:
    """Whether the module's text holds any of ``needles`` (once per module: most hold none; one
    search for all of them, not one pass over the text per needle)."""
    memo = frames._usage.setdefault("module-has", {})
    if key not in memo:
        memo[key] = _needles(needles).search(module_text(frames.r)) is not None
    return memo[key]


@functools.lru_cache(maxsize=64)
def _needles(needles: tuple[str, ...]) -> re.Pattern:
    return re.compile("|".join(map(re.escape, sorted(needles, key=len, reverse=True))))


def _nodes_below(frames, node: ast.AST, t: type) -> list[ast.AST]:
    """The nodes of type ``t`` in ``node`` (the module's node index; a walk for a node not of the module)."""
    found = node_index(frames.r).below(node, t)
    if found is None:
        return [n for n in ast.walk(node) if type(n) is t]
    nodes = node_index(frames.r).nodes
    return [nodes[i] for i in found]
