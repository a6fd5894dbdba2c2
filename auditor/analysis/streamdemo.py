"""Agents run only to show streaming: openai-agents ``Runner.run_streamed(agent, "What is a black hole?")``
on a fixed question, the events printed as they arrive.

An agent's instructions are a text sink's prompt (:mod:`auditor.analysis.textsinks`), not a call site, so
the streaming request that sends them is not visible on the text itself. When every run of the agent in
its module is ``run_streamed`` with a fixed input (a string literal, or a name only ever bound to one),
the agent exists to demonstrate streaming - "You ALWAYS write long responses" is what the demo needs
to have something to stream - and the text is marked :attr:`PromptConstant.streamed`. One other run
(``Runner.run(agent, ...)``, ``run_sync``), an input from a parameter or a user, or the agent handed on
anywhere else (a handoff list, a tool, a return) keeps it the author's prompt.
"""

from __future__ import annotations

import ast

_RUNS = {"run", "run_sync", "run_streamed"}


def streamed_demo_calls(tree: ast.Module) -> set[int]:
    """ids of the calls whose value is assigned to a name used only as ``Runner.run_streamed(name, <fixed input>)``."""
    assigned: dict[str, list[ast.AST]] = {}  # name -> the values assigned to it
    runs: dict[str, list[tuple[str, ast.AST | None]]] = {}  # agent name -> (method, input)
    in_run: set[int] = set()  # ids of the Name nodes that are a run's agent argument
    loads: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    assigned.setdefault(t.id, []).append(node.value)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RUNS:
            agent = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in ("agent", "starting_agent")), None)
            if isinstance(agent, ast.Name):
                given = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "input"), None)
                runs.setdefault(agent.id, []).append((node.func.attr, given))
                in_run.add(id(agent))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads[node.id] = loads.get(node.id, 0) + (0 if id(node) in in_run else 1)
    out: set[int] = set()
    for name, uses in runs.items():
        values = assigned.get(name) or []
        if len(values) != 1 or not isinstance(values[0], ast.Call) or loads.get(name, 0):
            continue  # rebound, not built here, or used elsewhere (a handoff, a tool, a return)
        if all(method == "run_streamed" and _fixed(given, assigned) for method, given in uses):
            out.add(id(values[0]))
    return out


def _fixed(node: ast.AST | None, assigned: dict[str, list[ast.AST]]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.Name):
        values = assigned.get(node.id) or []
        return bool(values) and all(isinstance(v, ast.Constant) and isinstance(v.value, str) for v in values)
    return False
