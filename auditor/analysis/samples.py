"""Are a response's extra samples used? (LA105)

``n=5`` multiplies the output bill; it is waste when the code reads only ``response.choices[0]``,
and a design (voting, reranking, a tournament of plans) when the code reads every choice:
iterates them, maps them, counts them or hands the list on; a batch's per-prompt results whose
samples are read (``[[x.text for x in o.outputs] for o in llm.generate(...)]``) and a local
``generate()``'s sequences cut into groups of the sample count (``ret[i:i + num_samples]``) too. Only the function that holds the
call is read, with its result name (``response = client.chat.completions.create(...)``) or the
call itself (``client.chat.completions.create(...).choices``); a wrapper's caller that passes ``n=`` and
reads every sample of the response the wrapper returns (``responses = completion_with_backoff(n=n)``,
``for r in responses.choices``) is read at the caller (:func:`asks_and_reads_samples`).
"""

from __future__ import annotations

import ast

from auditor.analysis.sampleuse import SAMPLE_PARAMS

# where each SDK keeps the samples of one response
CHOICE_ATTRS = {"choices", "candidates", "generations", "outputs"}


def every_choice_used(scope: ast.AST, call: ast.Call, result_name: str | None, reads: tuple[set[int], set[str]] | None = None) -> bool:
    """The response's list of samples is used beyond a fixed index (``choices[0]``). ``reads`` is
    :func:`open_choice_reads` of ``scope``, computed once for all the calls of a function."""
    call_ids, names = open_choice_reads(scope) if reads is None else reads
    return id(call) in call_ids or bool(result_name and result_name in names)


def asks_and_reads_samples(scope: ast.AST, call: ast.Call, result_name: str | None) -> bool:
    """A call (of a wrapper that returns the response: ``completion_with_backoff(model=..., n=n)``) that
    passes a samples keyword and whose result's samples ``scope`` all reads (``for r in responses.choices``)."""
    return any(k.arg in SAMPLE_PARAMS for k in call.keywords) and every_choice_used(scope, call, result_name)


def request_result(call: ast.Call, nodes) -> str | None:
    """The name the request's answer is bound to when ``call`` builds its parameters inline
    (``outs = llm.generate(prompts, SamplingParams(n=k))``: ``outs``), else None."""
    if nodes is None:
        return None
    node, up = call, nodes.parent_of(call)
    if isinstance(up, ast.keyword):
        node, up = up, nodes.parent_of(up)
    if not isinstance(up, ast.Call) or node is up.func:
        return None
    target = nodes.parent_of(up)
    if isinstance(target, ast.Await):
        target = nodes.parent_of(target)
    if isinstance(target, ast.Assign) and len(target.targets) == 1 and isinstance(target.targets[0], ast.Name):
        return target.targets[0].id
    return None


def open_choice_reads(scope: ast.AST, nodes=None) -> tuple[set[int], set[str]]:
    """What ``scope`` reads the samples of beyond a fixed index: (ids of calls, names) whose
    ``.choices`` (...) is iterated, mapped, counted or handed on. One walk per function, however
    many calls it holds (a dispatch of thousands of cases is not walked once per case); read from the
    module's node index (``nodes``) when given."""
    if nodes is not None and nodes.position(scope) is not None:
        below = lambda kind: [nodes.nodes[i] for i in nodes.below(scope, kind)]  # noqa: E731
        parent_of = nodes.parent_of
    else:
        parents: dict[int, ast.AST] = {}
        every = list(ast.walk(scope))
        for node in every:
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
        below = lambda kind: [n for n in every if isinstance(n, kind)]  # noqa: E731
        parent_of = lambda n: parents.get(id(n))  # noqa: E731
    call_ids: set[int] = set()
    names: set[str] = set()
    for node in below(ast.Attribute):
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
    for node in below(ast.Subscript):  # sequences of a local generate() cut into groups: ret[i:i + num_samples]
        if isinstance(node.slice, ast.Slice) and isinstance(node.value, ast.Name):
            names.add(node.value.id)
    if names:  # a batch's results, each holding its samples: [[x.text for x in o.outputs] for o in vllm_outputs]
        loops = [(n.target, n.iter) for n in below(ast.comprehension)] + [(n.target, n.iter) for n in below(ast.For)]
        names |= {it.id for t, it in loops if isinstance(t, ast.Name) and t.id in names and isinstance(it, ast.Name)}
    return call_ids, names
