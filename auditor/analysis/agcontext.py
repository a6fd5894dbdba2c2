"""AG2 configurations used as a context manager: ``with llm_config:`` (analysis/agconfig.py's users).

AG2 lets a configuration be entered as a context: every agent constructed in the block without an
``llm_config=`` of its own takes it (``ConversableAgent``'s default ``llm_config=None`` reads the
current configuration; ``UserProxyAgent`` defaults to ``False`` and does not)::

    llm_config = LLMConfig(api_type="openai", model="gpt-4o-mini")
    with llm_config:
        planner = ConversableAgent(name="planner", system_message="...")

Those agents are the configuration's users (its findings' related locations), like agents given
``llm_config=llm_config``. Only ``with`` lines of a module that imports AutoGen/AG2 and has a
configuration site are looked at (found by text, their statements from the module index); the
agent classes are ``context-agents`` in rules/flows.yaml ``llm-configs``.
"""

from __future__ import annotations

import ast

from auditor.analysis.modindex import ModuleIndex, find_lines
from auditor.analysis.rawhttp import module_text
from auditor.analysis.scopes import span_of
from auditor.facts import CallSite


def context_users(resolver, walk: ModuleIndex, facts, sites: list[CallSite], data: dict) -> None:
    agents = {str(a) for a in data.get("context-agents") or []}
    roots = tuple(str(r) for r in data.get("roots") or [])
    if not sites or not agents:
        return
    text = module_text(resolver)
    lines = find_lines(text, ["with "])
    if not lines:
        return
    by_at = {(s.span.line, s.span.column): s for s in sites}
    keyword = str(data.get("agent-keyword", "llm_config"))
    for line in lines:
        found = walk.leaf(line)
        if found is None or not isinstance(found[0], (ast.With, ast.AsyncWith)) or found[0].lineno != line:
            continue
        stmt = found[0]
        owner = walk.owner_of(line)
        scope = (resolver.scope_of.get(owner) if owner is not None else None) or resolver.module_scope
        for item in stmt.items:
            node, _ = resolver.follow(item.context_expr, scope)
            at = span_of(node, resolver.lines)
            site = by_at.get((at.line, at.column)) if at is not None else None
            if site is None:
                continue
            for call in _constructions(stmt.body):
                qn = resolver.qualname(call.func, scope) or ""
                tail = qn.rsplit(".", 1)[-1]
                if tail not in agents or qn.split(".")[0] not in roots or any(k.arg == keyword or k.arg is None for k in call.keywords):
                    continue  # not an AG2 agent, or it is given (or may be given, **kwargs) a configuration of its own
                csp = span_of(call, resolver.lines)
                if csp is not None:
                    users = site.extra.setdefault("users", [])
                    users.append({"path": facts.path, "line": csp.line, "column": csp.column, "label": f"used by {tail}(...) in `with`"})
                    users.sort(key=lambda u: (u["path"], u["line"], u["column"]))


def _constructions(body: list[ast.stmt]):
    """The calls of a ``with`` block, not those of functions or classes defined in it (they run later)."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(reversed(list(ast.iter_child_nodes(node))))
