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


def every_choice_used(scope: ast.AST, call: ast.Call, result_name: str | None, reads: tuple[set[int], set[str]] | None = None) -> bool:
    """The response's list of samples is used beyond a fixed index (``choices[0]``). ``reads`` is
    :func:`open_choice_reads` of ``scope``, computed once for all the calls of a function."""
    call_ids, names = open_choice_reads(scope) if reads is None else reads
    return id(call) in call_ids or bool(result_name and result_name in names)


def open_choice_reads(scope: ast.AST, nodes=None) -> tuple[set[int], set[str]]:
    """What ``scope`` reads the samples of beyond a fixed index: (ids of calls, names) whose
    ``.choices`` (...) is iterated, mapped, counted or handed on. One walk per function, however
    many calls it holds (a dispatch of thousands of cases is not walked once per case); read from the
    module's node index (``nodes``) when given."""
    if nodes is not None and nodes.position(scope) is not None:
        attrs = [nodes.nodes[i] for i in nodes.below(scope, ast.Attribute)]
        parent_of = nodes.parent_of
    else:
        parents: dict[int, ast.AST] = {}
        for node in ast.walk(scope):
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
        attrs = [n for n in ast.walk(scope) if isinstance(n, ast.Attribute)]
        parent_of = lambda n: parents.get(id(n))  # noqa: E731
    call_ids: set[int] = set()
    names: set[str] = set()
    for node in attrs:
        if node.attr not in CHOICE_ATTRS:
            continue
        parent = parent_of(node)
        if isinstance(parent, ast.Subscript) and parent.value is node and isinstance(parent.slice, ast.Constant):
            continue  # choices[0]: one sample read
        base = node.value
        if isinstance(base, ast.Call):
            call_ids.add(id(base))
        elif isinstance(base, ast.Name):
            names.add(base.id)
    return call_ids, names
