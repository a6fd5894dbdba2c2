"""Frames returned by a function of another project module (issue 11: frame provenance across modules).

``data = get_data(path)`` with ``get_data`` imported from ``loader.py``, then
``f"...{data.to_string()}"``: phase 1 cannot type ``data`` (the definition is elsewhere), so the
render becomes a *pending* :class:`~auditor.analysis.templates.DataHole` naming the callee
(``frame_call``), a plain unknown hole to every check. Phase 2 (:meth:`Project.resolve_segments`)
asks the callee's module: the function's own provenance (its ``DataFrame`` return annotation, or
every ``return`` a frame by readers, constructors, frame methods, in that module; see
:meth:`FrameInference._local_return`) decides whole, bounded or no frame. The module is parsed for
that once per run (read only, never executed); a name guess never types the function.
"""

from __future__ import annotations

import ast

from auditor.analysis.localreturns import call_of
from auditor.analysis.scopes import Scope, span_of
from auditor.analysis.templates import DataHole
from auditor.facts import tagged

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def call_render(builder, expr: ast.AST, scope: Scope, span, source: str) -> DataHole | None:
    """``x.to_csv()`` / ``f"{x}"`` where ``x`` (or the receiver itself) is the result of a call to a
    function imported from another project module: a pending render that phase 2 decides."""
    from auditor.analysis.callholes import callee_of
    from auditor.analysis.frames import RENDERS

    r = builder.r
    method, target = "format", expr
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in RENDERS:
        method, target = expr.func.attr, expr.func.value
    if method == "format" and not isinstance(target, ast.Name):
        return None  # f"{helper(x)}" / helper(x) itself: a call hole (text the helper returns), not a frame
    found = call_of(r, target, scope)
    if found is None or not isinstance(found[0].func, (ast.Name, ast.Attribute)):
        return None
    call, cscope = found
    if isinstance(call.func, ast.Name):
        b = r.binding(call.func.id, cscope, getattr(call, "lineno", 1 << 30))
        if b is None or b[0] != "import":
            return None  # a function of this module is typed in phase 1 already
    callee = callee_of(r, call.func, cscope)
    if callee is None or callee.kind != "func":
        return None
    hole = DataHole("hole", expr=source, hole_kind="unknown", span=span, render="pending", method=method,
                    frame=r.source_of(target), target=span_of(target, r.lines), frame_call=callee.name)
    return tagged(hole, None)


def resolve_frame_call(project, seg: DataHole) -> None:
    """Decide a pending render from the function ``seg.frame_call`` names (see the module docstring)."""
    state = _returns(project, seg.frame_call)
    if state in ("whole", "bounded"):
        seg.render = state
        seg.hole_kind = "dataframe"
    seg.frame_call = ""  # decided (or left an unknown hole)


def _returns(project, qualname: str, hops: int = 0) -> str | None:
    memo = project.memo.setdefault("frame-returns", {})
    if qualname in memo:
        return memo[qualname]
    memo[qualname] = None
    mod, _, name = qualname.rpartition(".")
    facts = project.module_facts(mod) if mod else None
    if facts is None or facts.kind != "python" or project.root is None:
        return None
    target = (facts.extra.get("imports") or {}).get(name)
    if target and hops < 4:  # a package re-exporting the function
        memo[qualname] = _returns(project, target, hops + 1)
        return memo[qualname]
    found = _frame_state(project, facts.path, facts.module, name)
    memo[qualname] = found
    return found


def _frame_state(project, rel: str, module: str, name: str) -> str | None:
    from auditor.analysis.frames import FrameInference
    from auditor.analysis.resolve import Resolver
    from auditor.sources.python import decode_source

    try:
        data = (project.root / rel).read_bytes()
        text = decode_source(data)
        tree = ast.parse(text)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None
    fn = next((s for s in tree.body if isinstance(s, _FUNCS) and s.name == name), None)
    if fn is None:
        return None
    resolver = Resolver(tree, module, project.providers, text.splitlines())
    frames = FrameInference(resolver)
    scope = resolver.scope_of.get(fn)
    if fn.returns is not None:
        return "whole" if frames._is_frame_annotation(fn.returns, scope.parent if scope is not None and scope.parent else resolver.module_scope) else None
    return frames._local_return(fn, 0)
