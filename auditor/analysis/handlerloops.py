"""Loops over the items of one request to a handler (the ``handler`` loop kind of LA503).

``def lambda_handler(event, context): for sample in event: ... converse(...)`` - an AWS Lambda (a
reward function of a reinforcement fine-tuning job, an API behind a gateway) answers the caller
that invoked it, within its timeout: the items of the event are scored while that caller waits, so
a batch API whose results arrive within 24 hours does not apply. The loop counts when it runs over
the handler's ``event`` (directly, or through a name bound to it or to a subscript of it).
"""

from __future__ import annotations

import ast

from auditor.analysis.resolve import Resolver
from auditor.analysis.scopes import Scope

HANDLER_NAMES = {"lambda_handler", "handler"}


def handler_items(it: ast.AST, owner: ast.AST | None, r: Resolver, scope: Scope, line: int) -> bool:
    """The loop's iterable is the ``event`` of a Lambda-style handler ``(event, context)``."""
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    params = [a.arg for a in owner.args.args]
    if owner.name not in HANDLER_NAMES and params[:2] != ["event", "context"]:
        return False
    if not params or params[0] != "event":
        return False
    while isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id in ("enumerate", "list", "tqdm") and it.args:
        it = it.args[0]
    for _ in range(3):
        base = it.value if isinstance(it, ast.Subscript) else it
        if isinstance(base, ast.Name) and base.id == "event":
            return True
        if not isinstance(base, ast.Name):
            return False
        it = r.assigned(base.id, scope, line)
        if it is None:
            return False
    return False
