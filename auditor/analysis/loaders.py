"""Clients and models made by a loader in another module: ``from .models import load_llm;
llm = load_llm(); llm.invoke(...)``, ``model, tok = load_model(path)`` then ``model.generate(...)``,
``client = get_client()`` returning ``OpenAI()``.

Phase 1 (per module, cached with the file's summary): :func:`client_returns` records which
catalogued client type each module-level function returns, whole or as element *i* of a returned
tuple (the resolver's own ``_returns_type`` / ``type_of``). The module that calls the loader
records its call site as pending on a ref ``<module>.<function>()`` (or ``...()[i]``)
(:func:`loader_ref`); the project phase (:func:`returned_type`) follows the function's module,
through re-exports, and keeps the site only when the loader returns a client of a type the
method path fits. A loader whose return is unknown leaves the call as it was (the distinctive
method path alone decides).
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)
MAX_HOPS = 8


def client_returns(r) -> dict[str, dict[str, str]]:
    """``{function: {"": type}}`` or ``{function: {"0": type, ...}}`` for the module-level functions
    of the module that return a catalogued client or model (whole, or inside a returned tuple)."""
    out: dict[str, dict[str, str]] = {}
    for name, fn in r.functions.items():
        if not isinstance(fn, _FUNC):
            continue
        fs = r.scope_of.get(fn)
        if fs is None or not (fs.returns or fn.returns is not None):
            continue
        found: dict[str, str] = {}
        whole = r._returns_type(fn, 0)
        if whole is not None:
            found[""] = whole[0]
        for value in fs.returns if whole is None else ():
            if isinstance(value, ast.Tuple):
                for i, elt in enumerate(value.elts):
                    if str(i) not in found and not isinstance(elt, ast.Starred):
                        t = r.type_of(elt, fs, 1)
                        if t is not None:
                            found[str(i)] = t[0]
        if found:
            out[name] = found
    return out


def _made_by_call(r, name: ast.Name, scope: Scope) -> tuple[ast.Call, int | None] | None:
    """The call whose result ``name`` holds here: ``llm = load_llm()`` / ``model, tok = load_model()``."""
    b = r.binding(name.id, scope, getattr(name, "lineno", 1 << 30))
    if b is None or b[0] != "assign":
        return None
    value = b[1]
    if id(value) in r.unpacked:
        call, i = r.unpacked[id(value)]
        return call, i
    if isinstance(value, ast.Await):
        value = value.value
    if isinstance(value, ast.Call):
        return value, None
    return None


def loader_ref(r, root: ast.AST, scope: Scope, sdk_roots: set[str]) -> str | None:
    """``<module>.<function>()`` (``...()[i]``) when ``root`` holds what a function imported from another
    module returns (a name assigned the call's result, or unpacked from it)."""
    if not isinstance(root, ast.Name):
        return None
    made = _made_by_call(r, root, scope)
    if made is None:
        return None
    call, i = made
    if not isinstance(call.func, (ast.Name, ast.Attribute)):
        return None
    qn = r.qualname(call.func, _scope_of_call(r, root, scope))
    if not qn or qn.split(".")[0] in sdk_roots or "." not in qn:
        return None
    if r.module and qn.startswith(r.module + "."):
        return None  # a function of this module: the resolver's own factories already answered
    return f"{qn}()" + (f"[{i}]" if i is not None else "")


def _scope_of_call(r, root: ast.Name, scope: Scope) -> Scope:
    b = r.binding(root.id, scope, getattr(root, "lineno", 1 << 30))
    return b[2] if b is not None else scope


def returned_type(project, ref: str) -> str | None:
    """The client type ``mod.func()`` / ``mod.func()[i]`` returns, from the loader module's facts."""
    qual, _, index = ref.partition("()")
    index = index.strip("[]")
    mod, _, name = qual.rpartition(".")
    for _ in range(MAX_HOPS):
        facts = project.module_facts(mod)
        if facts is None:
            return None
        returns = (facts.extra.get("client_returns") or {}).get(name)
        if returns is not None:
            return returns.get(index)
        target = (facts.extra.get("imports") or {}).get(name)
        if not target:
            return None
        mod, _, name = target.rpartition(".")
    return None
