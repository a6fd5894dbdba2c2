"""Where a multi-sample request object goes (LA105): the callees a configured client is handed to.

``multi_llm = OpenAI(n=4, best_of=4)`` configures every later generation to return four samples.
Whether the extra samples are waste depends on who consumes the object: LangChain's
``HypotheticalDocumentEmbedder.from_llm(multi_llm, ...)`` embeds every generation and averages
them (HyDE), so the samples are the design; ``multi_llm.invoke(...)`` reads the first one. This
module lists, for one scope and one bound name, the dotted names of the calls that receive the name
as an argument; the check compares them with the rule's ``sample-consumers`` parameter. Only the
scope that binds the name is read; nothing is imported or executed.
"""

from __future__ import annotations

import ast

from auditor.analysis.modindex import dotted_name

SAMPLE_PARAMS = ("n", "best_of", "candidate_count", "num_return_sequences")


def handed_to(scope: ast.AST, name: str) -> list[str]:
    """The dotted callee names of the calls in ``scope`` that take ``name`` as a positional or
    keyword argument, in source order (``HypotheticalDocumentEmbedder.from_llm``)."""
    out: list[str] = []
    for node in ast.walk(scope):
        if not isinstance(node, ast.Call):
            continue
        args = list(node.args) + [k.value for k in node.keywords]
        if any(isinstance(a, ast.Name) and a.id == name for a in args):
            callee = dotted_name(node.func)
            if callee and callee not in out:
                out.append(callee)
    return out


def consumed_by(callees: list[str], consumers: list[str]) -> str | None:
    """The first callee that is (or ends with) one of ``consumers``: a consumer that uses every
    sample. ``from_llm`` alone never matches: the consumer's class must be named."""
    for callee in callees:
        for consumer in consumers:
            if callee == consumer or callee.endswith("." + consumer):
                return callee
    return None


