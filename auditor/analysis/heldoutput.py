"""Structured output set on the framework object that holds a model (LA601's ``structured`` fact).

A model handed to an agent or a chain - ``BrowserAgent(llm=ChatOpenAI(...), controller=
Controller(output_model=Results))`` (browser_use), ``Agent(model=..., output_type=Report)``
(openai-agents, pydantic-ai), ``Agent(model=..., response_model=X)`` (agno), ``LlmAgent(...,
output_schema=X)`` (Google ADK), CrewAI ``output_pydantic=`` - answers through that object, and
the object asks the model for JSON of the schema it was given: the final result a parse reads is
structured by the framework, not free text. Read from the call that holds the model (a keyword of
it, or of a call given to it directly or through a name bound to that call).
"""

from __future__ import annotations

import ast

from auditor.analysis.modindex import ModuleIndex
from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope

# keywords through which agent frameworks take the schema of their final result
OUTPUT_SCHEMA_KEYWORDS = frozenset({
    "output_model", "output_type", "result_type", "response_model", "output_schema", "output_pydantic", "output_json",
})


def structured_by_holder(call: ast.Call, walk: ModuleIndex, r: Resolver, scope: Scope) -> bool:
    """Whether the call that ``call`` is an argument of (in the same statement) is given an output schema."""
    found = walk.leaf(call.lineno)
    if found is None:
        return False
    holder = next((n for n in ast.walk(found[0]) if isinstance(n, ast.Call) and n is not call and _holds(n, call)), None)
    if holder is None:
        return False
    return _schema_given(holder, r, scope, call.lineno, 0)


def _holds(outer: ast.Call, call: ast.Call) -> bool:
    return any(a is call for a in outer.args) or any(k.value is call for k in outer.keywords)


def _schema_given(c: ast.Call, r: Resolver, scope: Scope, line: int, depth: int) -> bool:
    if any(k.arg in OUTPUT_SCHEMA_KEYWORDS for k in c.keywords):
        return True
    if depth:
        return False
    for v in list(c.args) + [k.value for k in c.keywords]:
        if isinstance(v, ast.Name):
            b = r.binding(v.id, scope, line)
            v = b[1] if b is not None and b[0] == "assign" and isinstance(b[1], ast.Call) else v  # type: ignore[assignment]
        if isinstance(v, ast.Call) and _schema_given(v, r, scope, line, depth + 1):
            return True  # controller=Controller(output_model=Results)
    return False
