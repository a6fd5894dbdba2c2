"""The keyword fields of a request-options object a caller builds and hands on: ``config=GenerateContentConfig(
temperature=0)``, ``generation_config=GenerationConfig(max_output_tokens=512)``, ``options=Options(num_predict=64)`` -
directly or through a name assigned one in the same function (its later attribute
sets, ``config.max_output_tokens = 512``, count as fields too).

A wrapper that forwards ``**kwargs`` to the SDK (``generate_with_backoff(self, **kwargs)``) receives such an
object whole; the derived call site at the caller (analysis/derive.py) reads the cap inside it from these
fields. An object of any other shape stays unknown: its cap may be anywhere.
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope
from auditor.facts import Param

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)


def _options_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call) or node.args or any(kw.arg is None for kw in node.keywords):
        return False
    f = node.func
    name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    return name.endswith("Config") or name.endswith("Options")


def _attribute_sets(scope: Scope, name: str) -> list[tuple[str, ast.expr]] | None:
    """``name.attr = value`` statements in the scope's function (not nested functions); None when ``name``
    is changed another way there (``name.update(...)``, ``setattr``). One walk per scope answers every name."""
    table = scope.__dict__.get("_attribute_sets")
    if table is None:
        table = scope.__dict__["_attribute_sets"] = _sets_by_name(scope.node)
    sets, changed = table
    return None if name in changed else list(sets.get(name, ()))


def _sets_by_name(fn: ast.AST) -> tuple[dict[str, list[tuple[str, ast.expr]]], set[str]]:
    """({name: [(attr, value)]}, names changed another way) for the statements of ``fn``, outside nested defs."""
    sets: dict[str, list[tuple[str, ast.expr]]] = {}
    changed: set[str] = set()
    stack = list(getattr(fn, "body", []))
    while stack:
        node = stack.pop()
        if isinstance(node, (*_FUNC, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                    sets.setdefault(t.value.id, []).append((t.attr, node.value))
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.attr in ("update", "__setattr__"):
                changed.add(f.value.id)
            if isinstance(f, ast.Name) and f.id == "setattr" and node.args and isinstance(node.args[0], ast.Name):
                changed.add(node.args[0].id)
        stack.extend(ast.iter_child_nodes(node))
    return sets, changed


def later_sets(name: ast.Name, scope: Scope) -> list[tuple[str, ast.expr]] | None:
    """Keys written into the options object or dict ``name`` holds after it was built, in its scope:
    ``config.max_output_tokens = 100``, ``params["max_tokens"] = 100``; None when one is not a constant
    key or the object is changed another way (then its content is unknown)."""
    out = _attribute_sets(scope, name.id)
    if out is None:
        return None
    for assign in scope.subscript_sets.get(name.id, []):
        key = assign.targets[0].slice if isinstance(assign.targets[0], ast.Subscript) else None
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        out.append((key.value, assign.value))
    return out


def options_fields(r, expr: ast.AST, scope: Scope, arg_of) -> dict | None:
    """``{field: Arg}`` of an options object, or None when ``expr`` is not one (or not all of it is known)."""
    node, where, later = expr, scope, []
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is None or b[0] != "assign" or expr.id in b[2].mutated:
            return None
        node, where = b[1], b[2]
        sets = _attribute_sets(where, expr.id) if where.kind == "function" else []
        if sets is None:
            return None
        later = sets
    if not _options_call(node):
        return None
    fields = {kw.arg: arg_of(kw.value, where) for kw in node.keywords}  # type: ignore[union-attr]
    for attr, value in later:
        fields[attr] = arg_of(value, where)
    return fields


def nested_params(d, api, key: str, arg) -> None:
    """A keyword that reaches the wrapper's ``**kwargs`` and holds a cap's container (``config``,
    ``inferenceConfig``, ``options``): its fields become the derived site's nested parameters
    (``config.max_output_tokens``); a container whose content is not known makes that part unknown."""
    if api is None or not any(c.startswith(key + ".") for c in api.cap):
        return
    if arg.fields is None:
        if key not in d.unknown:
            d.unknown.append(key)
        return
    for name, field in arg.fields.items():
        v = field.value
        if v is not None and not (v.is_literal and v.value is None):
            d.params[f"{key}.{name}"] = Param(f"{key}.{name}", v, arg_span=field.span, direct=False)
