"""A validated retry (LA606): the answer is parsed in a ``try`` of a retry loop whose handler asks
again, so a reply cut at the cap fails the parse and is asked for again, not used as if complete::

    for attempt in range(max_retries):
        try:
            text = await make_call(messages, max_tokens=1000)
            return parse_and_validate_response(text)
        except Exception as e:
            messages.append({"role": "user", "content": f"Your previous response resulted in an error: {e}"})

The parse is a call whose name matches ``validated-retry.parse-calls`` of rules/answers.yaml
(``json.loads``, ``model_validate_json``, a ``parse_and_validate`` helper) with the answer as an
argument (the name the call's result is bound to, or a name bound from that in the loop). Not a
validated retry: a loop over data (its handler skips the item: the loop must be a retry loop, kind
``retry`` of :meth:`auditor.analysis.loops.LoopFacts.loop_kind`), a handler that returns or breaks
(a fallback value: the cut answer is lost, not asked again), a parse outside a ``try``, and a
retry by recursion (``return await amend(...)`` from the handler: unbounded, the same cap again).
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache

from auditor.analysis.modindex import LOOPS, SCOPES, call_name
from auditor.config.catalog import load_catalog


@lru_cache(maxsize=1)
def _parse_calls() -> re.Pattern[str]:
    data = load_catalog().answers.get("validated-retry") or {}
    return re.compile(str(data.get("parse-calls") or r"loads|validat|literal_eval|parse"), re.I)


def validated_retry(call: ast.Call, loop: ast.AST | None, result: str | None, kind: str | None) -> bool:
    """Is the answer of ``call`` (bound to ``result``) parsed in a ``try`` of the retry ``loop``
    whose handlers neither return nor break?"""
    if loop is None or kind != "retry" or not result:
        return False
    body = _own(getattr(loop, "body", None) or [])
    names = _bound_from(body, {result})
    pattern = _parse_calls()
    for t in body:
        if not isinstance(t, ast.Try) or not t.handlers or (t.end_lineno or t.lineno) < call.lineno:
            continue
        if any(isinstance(n, (ast.Return, ast.Break)) for h in t.handlers for n in _own(h.body)):
            continue  # a fallback: the answer is dropped, not asked for again
        for n in _own(t.body):
            if isinstance(n, ast.Call) and n is not call and pattern.search(call_name(n)) and any(
                _reads(a, names) for a in list(n.args) + [k.value for k in n.keywords]
            ):
                return True
    return False


def _own(stmts: list[ast.stmt]) -> list[ast.AST]:
    """The nodes of ``stmts``, not entering nested loops or definitions (their ``try`` is theirs)."""
    out: list[ast.AST] = []
    stack: list[ast.AST] = list(reversed(stmts))
    while stack:
        n = stack.pop()
        out.append(n)
        if isinstance(n, LOOPS + SCOPES):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(n))))
    return out


def _bound_from(nodes: list[ast.AST], names: set[str]) -> set[str]:
    """``names`` and the names assigned from them in ``nodes`` (``text = resp.choices[0].message.content``)."""
    names = set(names)
    assigns = [n for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None]
    for _ in range(3):
        grown = False
        for a in assigns:
            if _reads(a.value, names):
                for t in a.targets if isinstance(a, ast.Assign) else [a.target]:
                    if isinstance(t, ast.Name) and t.id not in names:
                        names.add(t.id)
                        grown = True
        if not grown:
            break
    return names


def _reads(expr: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))
