"""The client type of an unannotated function parameter, read from the calls of that function in
the same module: ``def generate_tags(query, model): model.generate(...)`` called as
``generate_tags(q, model)`` after ``model = T5ForConditionalGeneration.from_pretrained(...)``.

Notebooks and scripts pass their model or client to small helpers without annotations; the
helper's call is the generation call site. Only plain functions called by name in the module are
followed (not methods, not calls from other modules), and a parameter is typed only from what a
caller passes for it (positionally or by keyword), resolved with the resolver's own ``type_of``.
"""

from __future__ import annotations

import ast

from auditor.analysis.nodeindex import node_index, scope_in
from auditor.analysis.scopes import Scope

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)
MAX_CALLERS = 20  # calls of one helper looked at


def _calls_by_name(r) -> dict[str, list[tuple[ast.Call, Scope]]]:
    """Calls ``name(...)`` of the module by the called name, each with the scope it is in (memoised)."""
    idx = getattr(r, "_calls_by_name", None)
    if idx is not None:
        return idx
    idx = {}
    scopes: dict[int, Scope] = {}
    for call, own in node_index(r).with_owner(ast.Call):  # the calls and the def around each, from the module's one walk
        if isinstance(call.func, ast.Name):
            scope = scopes.get(id(own))
            if scope is None:
                scope = scopes[id(own)] = scope_in(r, own)
            idx.setdefault(call.func.id, []).append((call, scope))
    r._calls_by_name = idx
    return idx


def _passed(call: ast.Call, fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, bound: bool = False) -> ast.expr | None:
    """What ``call`` passes for the parameter ``name`` of ``fn`` (None: nothing, or a * spread before it);
    ``bound``: ``fn`` is a method called on ``self`` (its first parameter is not passed)."""
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    positional = [a.arg for a in fn.args.posonlyargs + fn.args.args][1 if bound else 0 :]
    if name not in positional:
        return None
    i = positional.index(name)
    for j, a in enumerate(call.args):
        if isinstance(a, ast.Starred):
            return None
        if j == i:
            return a
    return None


def param_type_from_callers(r, arg: ast.arg, scope: Scope, depth: int):
    """(type, maker call, scope) of parameter ``arg`` of the function ``scope`` from its callers, or None."""
    fn = scope.node
    if scope.kind != "function" or not isinstance(fn, _FUNC) or scope.cls is not None:
        return None
    calls = _calls_by_name(r).get(fn.name, [])
    for call, caller in calls[:MAX_CALLERS]:
        b = r.binding(fn.name, caller, call.lineno)
        if b is None or b[0] != "assign" or b[1] is not fn:
            continue
        value = _passed(call, fn, arg.arg)
        if value is None:
            continue
        t = r.type_of(value, caller, depth + 1)
        if t:
            return t
    return None


def typed_by_callers(r, base: ast.AST, scope: Scope) -> bool:
    """Is ``base`` a parameter whose type can only have come from the callers (no annotation, no default)?
    Such a type is one guess among the callers' values: a method it lacks does not rule the call out."""
    while isinstance(base, ast.Attribute):  # client.chat (a sub-resource of the guessed client)
        base = base.value
    b = _param_binding(r, base, scope)
    return b is not None and getattr(b[1], "annotation", None) is None and base.id not in b[2].defaults


def _param_binding(r, base: ast.AST, scope: Scope):
    """The resolver's binding of the name ``base`` when it is a parameter of its function, else None."""
    if not isinstance(base, ast.Name):
        return None
    b = r.binding(base.id, scope, getattr(base, "lineno", 1 << 30))
    return b if b is not None and b[0] == "param" else None


def maker_from_callers(r, call: ast.Call, scope: Scope):
    """(construction call, scope) of the client ``call`` is made on when that client is a parameter
    of the enclosing function (annotated or not) and the function's callers in the module pass a
    client constructed there: ``def get_response(client: OpenAI, q): client.chat.completions.create(...)``
    called as ``get_response(parallel_client, q)`` after ``parallel_client = OpenAI(base_url=...)``.
    Which endpoint serves the call is the construction's (``base_url=``), not the annotation's."""
    base = call.func
    while isinstance(base, ast.Attribute):
        if isinstance(base.value, ast.Name) and scope.cls is not None and base.value.id == scope.self_name:
            return _maker_of_self_attr(r, scope.cls, base.attr)  # self.client.chat.completions.create(...)
        base = base.value
    b = _param_binding(r, base, scope)
    if b is None:
        return None
    t = param_type_from_callers(r, b[1], b[2], 0)
    return (t[1], t[2]) if t and t[1] is not None else None


def _maker_of_self_attr(r, cls: Scope, attr: str):
    """``self.client = client`` in ``__init__(self, client: OpenAI)`` and ``QASystem(client=web_client)``
    in the module after ``web_client = OpenAI(base_url=...)``: that construction."""
    values = cls.self_attrs.get(attr) or []
    if len(values) != 1 or not isinstance(values[0][1], ast.Name):
        return None
    init = next((n for n in getattr(cls.node, "body", []) if isinstance(n, _FUNC) and n.name == "__init__"), None)
    name = values[0][1].id
    if init is None or name not in [a.arg for a in init.args.args + init.args.kwonlyargs]:
        return None
    for made, caller in _calls_by_name(r).get(cls.name, [])[:MAX_CALLERS]:
        value = _passed(made, init, name, bound=True)
        t = r.type_of(value, caller, 1) if value is not None else None
        if t and t[1] is not None:
            return (t[1], t[2])
    return None
