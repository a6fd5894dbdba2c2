"""Output caps set at run time through a LangChain runnable's config: what a configurable chat
model is given per use.

``init_chat_model(configurable_fields=("model", "max_tokens"))`` makes the cap a field each use
fills in: ``configurable_model.with_config({"max_tokens": cfg.max_tokens}).ainvoke(...)`` or
``.with_config(configurable={"max_tokens": 2000})``. The construction then sets no cap of its
own, yet every use that passes the field is capped. :func:`config_cap` says which cap the module's
``with_config(...)`` calls pass for a construction that declares it configurable (``"any"``
declares every field). Only modules whose construction names a cap field are looked at, and only
their ``with_config`` calls (a text test first), so no other module pays for the walk.
"""

from __future__ import annotations

import ast


def declared_cap_fields(call: ast.Call, caps: list[str]) -> list[str]:
    """The cap parameters ``call``'s ``configurable_fields=`` declares (all of ``caps`` for "any")."""
    kw = next((k for k in call.keywords if k.arg == "configurable_fields"), None)
    if kw is None:
        return []
    if isinstance(kw.value, ast.Constant) and kw.value.value == "any":
        return list(caps)
    if not isinstance(kw.value, (ast.Tuple, ast.List, ast.Set)):
        return []
    names = {e.value for e in kw.value.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)}
    return [c for c in caps if c in names]


def _dict_keys(node: ast.AST | None, assigned: dict[str, ast.Dict]) -> set[str]:
    if isinstance(node, ast.Name):
        node = assigned.get(node.id)
    if not isinstance(node, ast.Dict):
        return set()
    keys = {k.value for k in node.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    inner = next((v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant) and k.value == "configurable"), None)
    return keys | _dict_keys(inner, assigned)


def _config_keys(tree: ast.Module) -> set[str]:
    """Keys of the configs handed to ``.with_config(...)`` in the module (a dict literal, a name
    bound to one, or ``configurable={...}``)."""
    assigned: dict[str, ast.Dict] = {}
    calls: list[ast.Call] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    assigned[t.id] = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "with_config":
            calls.append(node)
    keys: set[str] = set()
    for c in calls:
        for a in c.args[:1]:
            keys |= _dict_keys(a, assigned)
        for k in c.keywords:
            if k.arg in ("config", "configurable"):
                keys |= _dict_keys(k.value, assigned)
            elif k.arg:
                keys.add(k.arg)
    return keys


def config_cap(r, call: ast.Call, caps: list[str]) -> str | None:
    """The cap a configurable construction ``call`` gets per use through ``with_config``, if any."""
    declared = declared_cap_fields(call, caps)
    if not declared or not any("with_config" in line for line in r.lines):
        return None
    keys = getattr(r, "_with_config_keys", None)
    if keys is None:
        keys = _config_keys(r.tree)
        r._with_config_keys = keys
    return next((c for c in declared if c in keys), None)
