"""Are a response's extra samples used? (LA105)

``n=5`` multiplies the output bill; it is waste when the code reads only ``response.choices[0]``,
and a design (voting, reranking, a tournament of plans) when the code reads every choice:
iterates them, maps them, counts them or hands the list on. Only the function that holds the
call is read, with its result name (``response = client.chat.completions.create(...)``) or the
call itself (``client.chat.completions.create(...).choices``).
"""

from __future__ import annotations

import ast

# where each SDK keeps the samples of one response
CHOICE_ATTRS = {"choices", "candidates", "generations", "outputs"}


def every_choice_used(scope: ast.AST, call: ast.Call, result_name: str | None) -> bool:
    """The response's list of samples is used beyond a fixed index (``choices[0]``)."""
    parents: dict[int, ast.AST] = {}
    for node in ast.walk(scope):
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    for node in ast.walk(scope):
        if not (isinstance(node, ast.Attribute) and node.attr in CHOICE_ATTRS):
            continue
        base = node.value
        if not (base is call or (result_name and isinstance(base, ast.Name) and base.id == result_name)):
            continue
        parent = parents.get(id(node))
        if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.slice, ast.Constant):
            continue  # choices[0]: one sample read
        return True
    return False
