"""Text a function of the same module returns, read where a phase-1 text sink receives its result.

``prompt = self._prepare_prompt(data)`` then ``Runner.run(agent, prompt)``: the text handed to the
framework is what ``_prepare_prompt`` returns (its ``return`` expressions, with its own ``+=``
augments and DataFrame renders), so a text sink (:mod:`auditor.analysis.textsinks`) reads it there.
Only functions and methods defined in this module are followed (by name, or ``self.m()`` on the
method's own class), a few calls deep; the callee's parameters stay holes.
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope
from auditor.facts import Segment

MAX_HOPS = 3


def local_callee(resolver, call: ast.Call, scope: Scope) -> tuple[ast.AST, Scope] | None:
    """The definition (and its scope) of a call to a function or method of this module."""
    f = call.func
    fn = None
    if isinstance(f, ast.Name):
        b = resolver.binding(f.id, scope, getattr(call, "lineno", 1 << 30))
        if b is not None and b[0] == "assign" and isinstance(b[1], (ast.FunctionDef, ast.AsyncFunctionDef)):
            fn = b[1]
    elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and scope.cls is not None and f.value.id == scope.self_name:
        entries = scope.cls.assigns.get(f.attr) or []
        defs = [v for _, v in entries if isinstance(v, (ast.FunctionDef, ast.AsyncFunctionDef))]
        fn = defs[-1] if defs else None
    if fn is None:
        return None
    fscope = resolver.scope_of.get(fn)
    return (fn, fscope) if fscope is not None else None


def call_of(resolver, expr: ast.AST, scope: Scope) -> tuple[ast.Call, Scope] | None:
    """``helper(x)``, ``await helper(x)``, or a name assigned once from one of those."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Name):
        b = resolver.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is None or b[0] != "assign" or not isinstance(b[1], ast.expr) or expr.id in b[2].mutated:
            return None
        expr, scope = b[1], b[2]
        if isinstance(expr, ast.Await):
            expr = expr.value
    return (expr, scope) if isinstance(expr, ast.Call) else None


def returned_text(prompts, expr: ast.AST, scope: Scope, segs: list[Segment], hops: int = 0) -> list[Segment]:
    """``segs`` (the text of ``expr``), or, when that is only a hole standing for a call of a local
    function, the text that function returns (a return rendering a DataFrame first)."""
    if hops >= MAX_HOPS or any(s.kind in ("static", "ref") or type(s).__name__ == "DataHole" for s in segs):
        return segs
    found = call_of(prompts.r, expr, scope)
    if found is None:
        return segs
    target = local_callee(prompts.r, found[0], found[1])
    if target is None:
        return segs
    fn, fscope = target
    best: list[Segment] | None = None
    for value in fscope.returns:
        got = returned_text(prompts, value, fscope, prompts.segments(value, fscope), hops + 1)
        if any(type(s).__name__ == "DataHole" for s in got):
            return got
        if best is None and any(s.kind in ("static", "ref") for s in got):
            best = got
    return best if best is not None else segs
