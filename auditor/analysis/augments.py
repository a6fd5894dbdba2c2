"""Text built up with ``+=``: ``PROMPT = ""`` then ``PROMPT += f"..."`` (under ``if``s or not).

The resolver records, per scope, the ``+=`` statements of a name whose only mutations they are
(:attr:`auditor.analysis.scopes.Scope.augments`). A read of the name sees its binding followed by
every ``+=`` written after that binding and before the read, in order; one under an ``if`` is
counted as sent (its text is what the author wrote for the prompt, and the tokens an upper bound).
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import Scope


def augments_before(owner: Scope, name: str, bound: ast.AST, reader: Scope, line: int) -> list[ast.expr] | None:
    """The values ``+=``-ed to ``name`` in ``owner`` after its binding ``bound`` and before the read
    on ``line`` (in ``reader``); None when the name is mutated otherwise."""
    adds = owner.augments.get(name)
    if not adds:
        return None
    start = next((ln for ln, v in owner.assigns.get(name, []) if v is bound), None)
    if start is None:
        return None
    later = [ln for ln, _ in owner.assigns.get(name, []) if ln > start]
    stop = min(later) if later else 1 << 30  # the next rebinding ends this value
    if reader is owner:
        stop = min(stop, line)
    return [v for ln, v in adds if start < ln < stop]
