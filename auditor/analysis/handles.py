"""Create methods handed to retry and backoff helpers: the call of the handle is the call site.

Two shapes real code writes (DocsGPT, eval harnesses, tutorials):

* **a helper of the module that calls its parameter**: ``def _create_with_tool_fallback(self, create,
  params): return create(**params)`` called as ``self._create_with_tool_fallback(self.client.chat.completions.create,
  params)``: each ``create(...)`` in the helper is the generation call, with the API of the method the
  module's callers pass for that parameter (plain functions called by name, methods called on ``self`` in
  the class; the helper's own arguments are the request's);
* **a helper outside the module** (``retry(client.chat.completions.create, **kw)``,
  ``with_backoff(client.messages.create, model=..., messages=...)``): the helper's call is the site, its
  other arguments bound to the method's, as for ``functools.partial``. It counts only when the call passes
  the API's model or prompt argument, or spreads ``**kwargs``: ``wrap(client.chat.completions.create)``
  (instrumentation) and ``print(client.messages.create)`` stay silent.
"""

from __future__ import annotations

import ast
import functools
import re

from auditor.analysis.nodeindex import node_index, scope_in
from auditor.analysis.paramcallers import _passed
from auditor.analysis.scopes import Scope
from auditor.analysis.rawhttp import module_text

_FUNC = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPED = (*_FUNC, ast.ClassDef)  # lambdas share the scope around them
MAX_CALLERS = 20


def _positional(fn, is_method: bool) -> list[str]:
    names = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    return names[1:] if is_method else names


def _callers(r, fn, scope: Scope) -> list[tuple[ast.Call, Scope]]:
    """Calls of ``fn`` in the module: ``fn(...)`` by name, or ``self.fn(...)`` in its class."""
    memo = r.__dict__.setdefault("_handle_callers", {})
    key = id(fn)
    if key in memo:
        return memo[key]
    found: list[tuple[ast.Call, Scope]] = []
    fs = r.scope_of.get(fn)
    cls = fs.cls if fs is not None else None
    owner = cls.node if cls is not None and fs is not None and fs.parent is cls else r.tree
    nodes = node_index(r)
    for call, own in nodes.with_owner(ast.Call):  # the module's one walk, in source order
        if len(found) >= MAX_CALLERS:
            break
        f = call.func
        if owner is r.tree:
            if isinstance(f, ast.Name) and f.id == fn.name:
                s = scope_in(r, own, _SCOPED)
                b = r.binding(f.id, s, call.lineno)
                if b is not None and b[0] == "assign" and b[1] is fn:
                    found.append((call, s))
        elif isinstance(f, ast.Attribute) and f.attr == fn.name and isinstance(f.value, ast.Name) and nodes.contains(owner, call):
            s = scope_in(r, own, _SCOPED)
            if f.value.id == s.self_name:
                found.append((call, s))
    found.sort(key=lambda c: (c[0].lineno, c[0].col_offset))  # the first caller in the source decides
    memo[key] = found
    return found


def handed_in(matcher, call: ast.Call, func: ast.Name, scope: Scope):
    """``create(**params)`` where ``create`` is a parameter the module's callers pass a create method for."""
    b = matcher.r.binding(func.id, scope, getattr(func, "lineno", 1 << 30))
    if b is None or b[0] != "param":
        return None
    fs = b[2]
    fn = fs.node
    if fs.kind != "function" or not isinstance(fn, _FUNC):
        return None
    is_method = fs.cls is not None and fs.parent is fs.cls and fs.self_name is not None
    for caller, cscope in _callers(matcher.r, fn, fs):
        value = _passed(caller, fn, func.id, is_method)
        if not isinstance(value, ast.Attribute) or value.attr not in matcher.last_names:
            continue
        found = matcher.match_as(value, call, cscope)
        if found is not None:
            return found
    return None


def handed_out(matcher, call: ast.Call, scope: Scope) -> ast.Call | None:
    """``retry(client.chat.completions.create, **kw)`` with ``retry`` not a function of this module: the
    generation request it stands for (a call of the method with the helper's other arguments)."""
    target = call.args[0]
    if matcher.r._local_function(call.func, scope) is not None:
        return None  # a helper of this module: its call of the parameter is the site (handed_in)
    fake = ast.Call(func=target, args=list(call.args[1:]), keywords=list(call.keywords))
    ast.copy_location(fake, call)
    found = matcher._match(fake, scope)
    if found is None:
        return None
    api = found[0]
    wanted = set(api.model) | {p for p in api.prompt.values() if "." not in p}
    if any(kw.arg is None or kw.arg in wanted for kw in call.keywords):
        return fake
    return None


@functools.lru_cache(maxsize=16)
def _reference_pattern(last_names: frozenset[str]) -> re.Pattern:
    """``.create,`` / ``.create)``: a method reference handed on (built once per catalog, not per module)."""
    return re.compile(r"\.(?:%s)\s*[,)]" % "|".join(map(re.escape, sorted(last_names))))


def handle_params(r, last_names: set[str]) -> set[str]:
    """Parameter names of the module's functions that callers pass a method reference ending in a
    generation call's last name (``self._retry(self.client.chat.completions.create, ...)`` -> ``create``
    or ``fn``): calls of them carry no catalogued last name, so the hot-line filter must know them."""
    if not last_names or not _reference_pattern(frozenset(last_names)).search(module_text(r)):
        return set()
    names: set[str] = set()
    nodes = node_index(r)
    first_def = None
    for node in nodes.of_type(ast.Call):
        refs = [(i, a) for i, a in enumerate(node.args) if isinstance(a, ast.Attribute) and a.attr in last_names]
        refs += [(kw.arg, kw.value) for kw in node.keywords if kw.arg and isinstance(kw.value, ast.Attribute) and kw.value.attr in last_names]
        if not refs:
            continue
        f = node.func
        fn = None
        if isinstance(f, ast.Name) and isinstance(r.functions.get(f.id), _FUNC):
            fn, is_method = r.functions[f.id], False
        elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
            if first_def is None:
                first_def = _first_defs(nodes)
            fn = first_def.get(f.attr)
            is_method = True
        if fn is None:
            continue
        positional = _positional(fn, is_method)
        for where, _ in refs:
            if isinstance(where, int):
                if where < len(positional):
                    names.add(positional[where])
            else:
                names.add(where)
    return names


def _first_defs(nodes) -> dict:
    """name -> the def ``ast.walk`` meets first (breadth first: the shallowest; at one depth, the first in the source)."""
    defs = nodes.of_type(*_FUNC)
    depth = {id(d): sum(1 for _ in _ancestors(nodes, d)) for d in defs}
    out: dict = {}
    for d in sorted(defs, key=lambda d: depth[id(d)]):
        out.setdefault(d.name, d)
    return out


def _ancestors(nodes, node):
    p = nodes.parent_of(node)
    while p is not None:
        yield p
        p = nodes.parent_of(p)
