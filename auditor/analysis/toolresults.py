"""DataFrames a function registered as an agent's tool returns (rules/flows.yaml ``tool-results``).

A tool's return value goes back to the model as a tool message: it is the next prompt. AutoGen
``register_function(f, caller=..., executor=...)``, ``@agent.register_for_llm(...)``,
``FunctionTool(f)``, ``AssistantAgent(tools=[f])``, openai-agents ``@function_tool``, LangChain
``@tool``: each names a function defined in this module, or a wrapper call around one
(``register_function(stringify_output(f))``: the function the wrapper returns is the tool).
Every ``return`` of a tool that renders a frame (``df.to_markdown()``, ``f"{df}"``,
``result.to_string()`` under ``isinstance(result, DataFrame)``) becomes a prompt constant holding
only those renders, so LA301/LA302 judge them where they are written; the rest of the returned
text is data the model reads, not instructions, and is not judged as a prompt.
"""

from __future__ import annotations

import ast

from auditor.analysis.localreturns import local_callee
from auditor.analysis.scopes import Scope, call_arg, decorator_name, span_of
from auditor.analysis.templates import DataHole
from auditor.config.flows import load_flows
from auditor.facts import FileFacts, Message, Prompt, PromptConstant
from auditor.analysis.rawhttp import module_text

_FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def tool_result_constants(resolver, prompts, facts: FileFacts) -> None:
    """A prompt constant per frame-rendering ``return`` of each tool function registered here."""
    regs = load_flows().tool_results
    if not regs or not _imports_any(resolver, regs):
        return
    text = module_text(resolver)
    names = {n for reg in regs for n in reg.names if f"{n}(" in text}
    decorated = any(f".{d}(" in text or f"@{d}" in text for reg in regs for d in reg.decorators)
    if not names and not decorated:
        return  # the module registers nothing (most modules that import a framework)
    tools: dict[int, ast.AST] = {}
    for scope in {id(s): s for s in resolver.scope_of.values()}.values() if decorated else ():
        node = scope.node
        if isinstance(node, _FUNCS) and any(_decorates(resolver, d, scope.parent or resolver.module_scope, regs) for d in node.decorator_list):
            tools[id(node)] = node
    for node in ast.walk(resolver.tree) if names else ():
        if not isinstance(node, ast.Call) or _tail(node.func) not in names:
            continue
        scope = _scope_at(resolver, node)
        qn = resolver.qualname(node.func, scope) or ""
        for reg in regs:
            if not _under(qn, reg.roots) or qn.rsplit(".", 1)[-1] not in reg.names:
                continue
            args = [call_arg(node, reg.function)] if reg.function else []
            for spec in reg.lists:
                lst = call_arg(node, [spec])
                if isinstance(lst, (ast.List, ast.Tuple)):
                    args.extend(lst.elts)
            for a in args:
                for fn in _functions_of(resolver, a, scope):
                    tools[id(fn)] = fn
    for fn in tools.values():
        _add_returns(resolver, prompts, facts, fn)


def _add_returns(resolver, prompts, facts: FileFacts, fn: ast.AST) -> None:
    fscope = resolver.scope_of.get(fn)
    if fscope is None:
        return
    for value in fscope.returns:
        holes = [s for s in prompts.segments(value, fscope) if isinstance(s, DataHole) and s.hole_kind == "dataframe"]
        span = span_of(value, resolver.lines)
        if not holes or span is None:
            continue
        name = f"{fn.name}() tool result"  # type: ignore[attr-defined]
        taken = {pc.name for pc in facts.prompt_constants}
        unique, n = name, 1
        while unique in taken:
            n += 1
            unique = f"{name}#{n}"
        facts.prompt_constants.append(PromptConstant(unique, facts.module, facts.path, span, Prompt([Message("user", holes)])))


def _functions_of(resolver, expr: ast.AST | None, scope: Scope, depth: int = 0) -> list[ast.AST]:
    """The function definitions a tool argument stands for: ``f``, or what ``wrap(f)`` returns."""
    if expr is None or depth > 3:
        return []
    if isinstance(expr, ast.Name):
        b = resolver.binding(expr.id, scope, getattr(expr, "lineno", 1 << 30))
        if b is not None and b[0] == "assign" and isinstance(b[1], _FUNCS):
            return [b[1]]
        return []
    if isinstance(expr, ast.Call):
        target = local_callee(resolver, expr, scope)
        if target is None:
            return []
        _, wscope = target
        out: list[ast.AST] = []
        for r in wscope.returns:  # def stringify_output(func): def wrapper(...): ...; return wrapper
            out.extend(_functions_of(resolver, r, wscope, depth + 1))
        return out
    return []


def _decorates(resolver, dec: ast.AST, scope: Scope, regs) -> bool:
    name = decorator_name(dec)
    for reg in regs:
        if name not in reg.decorators:
            continue
        func = dec.func if isinstance(dec, ast.Call) else dec
        if isinstance(func, ast.Attribute) and _imports_any(resolver, [reg]):
            return True  # @assistant.register_for_llm(...): a method of an agent (the module imports the framework)
        if _under(resolver.qualname(func, scope) or "", reg.roots):
            return True  # @function_tool / @tool imported from the framework
    return False


def _imports_any(resolver, regs) -> bool:
    roots = {r for reg in regs for r in reg.roots}
    for qn in resolver.imports.values():
        parts = qn.split(".", 2)
        if parts[0] in roots or ".".join(parts[:2]) in roots:
            return True
    return False


def _under(qn: str, roots) -> bool:
    return any(qn == r or qn.startswith(r + ".") for r in roots)


def _scope_at(resolver, call: ast.Call) -> Scope:
    best = resolver.module_scope
    line = getattr(call, "lineno", 0)
    for node, s in resolver.scope_of.items():
        if s.kind == "function" and node.lineno <= line <= (getattr(node, "end_lineno", 0) or 0):
            if best is resolver.module_scope or node.lineno >= best.node.lineno:
                best = s
    return best


def _tail(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
