"""AG2 system messages set before each reply: ``UpdateSystemMessage(...)`` (``UPDATE_SYSTEM_MESSAGE``).

An AG2 agent given ``update_agent_state_before_reply=[UpdateSystemMessage(f)]`` sends, with every
reply, the system message ``f(agent, messages)`` returns (or the template string given instead of
``f``). The apps written this way keep one system message per agent in a dict and return
``system_messages[agent.name]`` plus some context, so each of the dict's texts is a system prompt:

* ``UpdateSystemMessage("You are ... {context}")``: the template is prompt text (its fields holes);
* ``UpdateSystemMessage(update_system_message_func)``: every text of a dict the function indexes
  (``system_messages[agent.name]``, the dict in the module or an enclosing function) and the static
  text the function returns are prompt text, judged where written, like a text sink
  (:mod:`auditor.analysis.textsinks`).

The callables are ``system-message-updaters`` in rules/flows.yaml ``llm-configs``.
"""

from __future__ import annotations

import ast

from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.rawhttp import module_text
from auditor.analysis.scopes import Scope
from auditor.analysis.templates import fill_template
from auditor.analysis.textsinks import _add
from auditor.config.catalog import load_catalog
from auditor.facts import FileFacts, Message, Segment


def system_message_updaters(resolver, prompts, facts: FileFacts, walk: ModuleIndex) -> None:
    data = load_catalog().flows.get("llm-configs") or {}
    names = [str(n) for n in data.get("system-message-updaters") or []]
    roots = tuple(str(r) for r in data.get("roots") or [])
    if not names or not roots or not any(qn.split(".")[0] in roots for qn in resolver.imports.values()):
        return
    known = [pc.span for pc in facts.prompt_constants]
    text = module_text(resolver)
    for line in find_lines(text, [f"{n}(" for n in names]):
        for call in walk.calls_at(line):
            qn = resolver.qualname(call.func, _scope(resolver, walk, call)) or ""
            if qn.rsplit(".", 1)[-1] not in names or qn.split(".")[0] not in roots or not call.args:
                continue
            scope = _scope(resolver, walk, call)
            tail = qn.rsplit(".", 1)[-1]
            arg = call.args[0]
            fn = _function(resolver, arg, scope)
            if fn is None:
                segs = fill_template(prompts.content_segments(arg, scope), "format", {"*": Segment("hole", expr="", hole_kind="unknown")})
                _add(facts, resolver, call, scope, (f"{tail}()", arg), [Message("system", segs)], known)
                continue
            fscope = resolver.scope_of.get(fn, scope)
            for i, (value, vscope) in enumerate(_indexed_texts(resolver, fn, fscope)):
                _add(facts, resolver, call, vscope, (f"{tail}({fn.name})[{i}]", value), [Message("system", prompts.content_segments(value, vscope))], known)
            for ret in _returns(fn):
                segs = [s for s in prompts.segments(ret, fscope)]
                _add(facts, resolver, call, fscope, (f"{tail}({fn.name})", ret), [Message("system", segs)], known)


def _scope(resolver, walk: ModuleIndex, call: ast.Call) -> Scope:
    info = walk.calls.get(id(call))
    return (resolver.scope_of.get(info.func) if info is not None and info.func is not None else None) or resolver.module_scope


def _function(resolver, arg: ast.AST, scope: Scope):
    """The function a name passed here refers to: defined in this module (nested defs too), the
    nearest definition before the call."""
    if not isinstance(arg, ast.Name):
        return None
    best = None
    for node in ast.walk(resolver.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == arg.id and node.lineno <= arg.lineno:
            if best is None or node.lineno > best.lineno:
                best = node
    return best


def _indexed_texts(resolver, fn, fscope: Scope):
    """The string values of each dict display ``fn`` indexes with a key it computes (``d[agent.name]``)."""
    seen: set[int] = set()
    for node in ast.walk(fn):
        if not (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)) or isinstance(node.slice, ast.Constant):
            continue
        d, dscope = resolver.follow(node.value, fscope)
        if not isinstance(d, ast.Dict) or id(d) in seen:
            continue
        seen.add(id(d))
        values = [v for k, v in zip(d.keys, d.values) if k is not None]
        if values and all(_stringish(v) for v in values):
            for v in values:
                yield v, dscope


def _stringish(node: ast.AST) -> bool:
    return (isinstance(node, ast.Constant) and isinstance(node.value, str)) or isinstance(node, ast.JoinedStr)


def _returns(fn):
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            yield node.value
