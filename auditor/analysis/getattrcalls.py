"""A method reached with ``getattr``: ``getattr(client, name).create(...)`` where ``name`` is a constant.

Evaluation harnesses pick the client's resource by name (alpaca_eval's Anthropic decoder:
``getattr(client, client_function_name).create(messages=prompt, **kwargs)`` with
``client_function_name: str = "messages"``). When the name is a literal, a module constant or a
parameter's default, the call is matched as the attribute path it spells
(``client.messages.create``); a name computed at run time leaves the call unmatched, as before.
Only the innermost receiver of the method chain is unfolded, and only for calls whose method name
ends a generation path (the call-site finder asks for nothing else).
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope


def unfold_getattr(resolver, call: ast.Call, scope: Scope) -> ast.Call | None:
    """The same call with ``getattr(x, "attr")`` written as ``x.attr`` in its method chain, or None."""
    func = call.func
    chain: list[ast.Attribute] = []
    node: ast.AST = func
    while isinstance(node, ast.Attribute):
        chain.append(node)
        node = node.value
    if not chain or not _is_getattr(node):
        return None
    assert isinstance(node, ast.Call)
    name = resolver.value_of(node.args[1], scope)
    if name is None or not name.is_literal or not isinstance(name.value, str) or not name.value.isidentifier():
        return None
    inner: ast.expr = ast.copy_location(ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Load()), node)
    for attr in reversed(chain):
        inner = ast.copy_location(ast.Attribute(value=inner, attr=attr.attr, ctx=ast.Load()), attr)
    return ast.copy_location(ast.Call(func=inner, args=call.args, keywords=call.keywords), call)


def _is_getattr(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
        and len(node.args) == 2 and not node.keywords and not any(isinstance(a, ast.Starred) for a in node.args)
    )
