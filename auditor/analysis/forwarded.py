"""A generation call that spreads the enclosing function's own ``**kwargs`` parameter
(``def complete(**kwargs): client.chat.complete(**kwargs)``): its parameters are whatever the
function's callers pass. What the module's calls of that function pass through it is recorded on the
site (``extra["forwarded"]``), so LA101 can tell a wrapper no caller caps from one that is configured
elsewhere (a call that spreads ``**options`` of its own stays unknown)."""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope


def forwarded_kwargs(call: ast.Call, scope: Scope, module_calls: list[ast.Call], cap_names: list[str]) -> dict | None:
    if scope.kind != "function" or not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    fn = scope.node
    var = fn.args.kwarg
    spreads = [kw for kw in call.keywords if kw.arg is None]
    if var is None or len(spreads) != 1 or not (isinstance(spreads[0].value, ast.Name) and spreads[0].value.id == var.arg):
        return None
    if var.arg in scope.mutated or var.arg in scope.subscript_sets or var.arg in scope.assigns:
        return None  # kwargs["max_tokens"] = ..., kwargs.update(...), kwargs = {...}: not just forwarded
    method = scope.cls is not None and scope.parent is scope.cls
    if not method and (scope.parent is None or scope.parent.kind != "module"):
        return None
    tops = {c.split(".")[0] for c in cap_names}
    calls = capped = spread = 0
    for node in module_calls:  # every call of the module (its node index)
        if node is call:
            continue
        f = node.func
        if method:
            if not (isinstance(f, ast.Attribute) and f.attr == fn.name and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls")):
                continue
        elif not (isinstance(f, ast.Name) and f.id == fn.name):
            continue
        calls += 1
        if any(kw.arg is None for kw in node.keywords):
            spread += 1
        elif any(kw.arg in tops for kw in node.keywords):
            capped += 1
    if not calls:
        return None
    return {"function": fn.name, "param": var.arg, "calls": calls, "capped": capped, "spread": spread}


def kwargs_sets(fn: ast.FunctionDef | ast.AsyncFunctionDef, var: str, line: int) -> list[tuple[str, ast.expr]]:
    """Keys the function writes into its own ``**var`` before ``line`` (the call that spreads it):
    ``kwargs.setdefault("max_tokens", 512)`` and ``kwargs["max_tokens"] = 512``, in its own body
    (not in nested functions). A caller that passes the key itself still wins (setdefault)."""
    out: list[tuple[str, ast.expr]] = []
    stack: list[ast.AST] = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) or getattr(node, "lineno", 0) >= line:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault":
            f = node.func
            if isinstance(f.value, ast.Name) and f.value.id == var and len(node.args) == 2 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                out.append((node.args[0].value, node.args[1]))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            t = node.targets[0]
            if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) and t.value.id == var and isinstance(t.slice, ast.Constant) and isinstance(t.slice.value, str):
                out.append((t.slice.value, node.value))
        stack.extend(ast.iter_child_nodes(node))
    return out
