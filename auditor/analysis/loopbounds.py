"""Is a loop around a generation call bounded, and what does it iterate (LA503, LA602)?

* a *bounded* loop runs a number of times the code fixes: ``while i < max_iterations`` (an ordering
  comparison in the condition), ``for turn in range(MAX_TURNS)``, ``for q in ["...", "..."]`` or
  over a name bound to such a literal list. A message list that grows in it is bounded too: not an
  unbounded history (LA602);
* a *fixed* list is a literal list or dict (or a name bound to one) of at most ``FIXED_ITEMS`` items: four
  demo questions, three models to compare; its items may be names bound to literals (``[titan, llama3]``),
  and ``xs[:1]`` (literal ends) keeps one item. Calls over it are a handful of variants, not a batch of
  data (LA503);
* an *agent* loop appends tool results (``function_call_output``, ``role: "tool"``, ``tool_result``)
  to the request of one task without reading new user input: its items must stay paired, so it is
  not a conversation history to truncate (its risk, an unbounded loop, is another rule's).
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.scopes import Scope

FIXED_ITEMS = 10
TOOLISH = re.compile(r"function_call_output|\.function_calls\b|tool_call|tool_result|tool_use|[\"']role[\"']\s*:\s*[\"']tool[\"']|\brole\s*=\s*[\"']tool[\"']|ToolMessage|FunctionMessage|\.output\b|call_id")
USER_INPUT = re.compile(r"\binput\(|chat_input\(|\.ask\(|await\s+cl\.|receive|recv\(|readline\(")


def literal_items(expr: ast.AST, r, scope: Scope, line: int) -> int | None:
    """How many items a literal list/tuple has (directly, through a name, or ``enumerate``/``zip`` of one)."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("enumerate", "zip", "list", "tuple", "reversed", "sorted") and expr.args:
        return literal_items(expr.args[0], r, scope, line)
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr in ("items", "keys", "values") and not expr.args:
        d = expr.func.value  # MODELS.items() with MODELS a dict literal: a handful of variants
        if isinstance(d, ast.Name):
            b = r.binding(d.id, scope, line)
            if b and b[0] == "assign" and isinstance(b[1], ast.Dict) and d.id not in b[2].mutated and all(_constantish(v) for v in b[1].values):
                return len(b[1].keys)
        return None
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, line)
        if b and b[0] == "assign" and isinstance(b[1], (ast.List, ast.Tuple)) and expr.id not in b[2].mutated:
            expr = b[1]  # type: ignore[assignment]
        else:
            return None
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id == "range" and len(expr.args) == 1:
        n = expr.args[0]  # range(len(reviews)): the indices of the list
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len" and len(n.args) == 1:
            return literal_items(n.args[0], r, scope, line)
        return None
    if isinstance(expr, ast.Subscript) and isinstance(expr.slice, ast.Slice):
        return _few_sliced(expr.slice)  # json_list[:1], EXAMPLES[:3]: the first few items of a dataset, shown as a demo
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)) and not any(isinstance(e, ast.Starred) for e in expr.elts):
        if all(_constantish(e) or _constant_name(e, r, scope, line) for e in expr.elts):
            return len(expr.elts)
    return None


def _few_sliced(s: ast.Slice) -> int | None:
    """1 when ``xs[a:b]`` (literal int ends, ``a`` may be absent) keeps one item: a loop over it runs one
    request, nothing to batch or group. Else None: ``xs[:n]``, ``xs[start:]`` keep an unknown number,
    and ``moments[:3]`` in a request handler is three real items (grouping them fits)."""
    lower = 0 if s.lower is None else s.lower.value if isinstance(s.lower, ast.Constant) and type(s.lower.value) is int else None
    upper = s.upper.value if isinstance(s.upper, ast.Constant) and type(s.upper.value) is int else None
    if lower is None or upper is None or s.step is not None or lower < 0 or upper <= lower:
        return None
    return 1 if upper - lower == 1 else None


def _constant_name(e: ast.AST, r, scope: Scope, line: int) -> bool:
    """A name bound (and never changed) to a literal: ``[titan, llama3, mistral]`` with ``titan = "amazon.titan-..."``,
    ``[review_1, review_2]`` with each review a string written in the code, also through another name
    (``review_1 = prod_review`` with ``prod_review`` a string written in the code)."""
    for _ in range(3):  # review_1 = prod_review, prod_review = """...""": a name for a name for a literal
        if not isinstance(e, ast.Name):
            return False
        b = r.binding(e.id, scope, line)
        if not (b and b[0] == "assign" and isinstance(b[1], ast.AST)) or e.id in b[2].mutated:
            return False
        e = b[1]
        if _constantish(e):
            return True
        scope = b[2]
        line = getattr(e, "lineno", line)
    return False


def numeric_settings(expr: ast.AST, r, scope: Scope, line: int) -> bool:
    """A literal list of numbers (``for top_k in [1, 3, 5, 7]``, ``for t in (0.0, 0.7)``): the values
    of one setting compared, never an eval set of items to batch, whatever the body grades."""
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name) and expr.func.id in ("enumerate", "list", "tuple", "sorted", "reversed") and expr.args:
        expr = expr.args[0]
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, line)
        if not (b and b[0] == "assign" and isinstance(b[1], ast.AST)) or expr.id in b[2].mutated:
            return False
        expr = b[1]  # type: ignore[assignment]
    if not isinstance(expr, (ast.List, ast.Tuple, ast.Set)) or not expr.elts:
        return False
    return all(isinstance(e, ast.Constant) and isinstance(e.value, (int, float)) and not isinstance(e.value, bool) for e in expr.elts)


# keywords of a query or search call that cap how many results it returns (Weaviate, vector stores, search APIs)
RESULT_LIMITS = ("limit", "top_k", "k", "n_results", "num_results", "max_results", "size")


def limited_results(expr: ast.AST, r, scope: Scope, line: int) -> int | None:
    """The iterable is the results of a query capped by a small literal ``limit=`` (``response.objects``
    of ``response = products.query.near_text(query=..., limit=3)``): how many at most, else None."""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        expr = expr.value
    if isinstance(expr, ast.Name):
        b = r.binding(expr.id, scope, line)
        if not (b and b[0] == "assign" and isinstance(b[1], ast.Call)):
            return None
        expr = b[1]  # type: ignore[assignment]
    if not isinstance(expr, ast.Call):
        return None
    for kw in expr.keywords:
        if kw.arg in RESULT_LIMITS and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, int) and not isinstance(kw.value.value, bool):
            return kw.value.value
    return None


def _constantish(e: ast.AST) -> bool:
    if isinstance(e, (ast.Constant, ast.JoinedStr)):
        return True
    if isinstance(e, (ast.Tuple, ast.List)):
        return all(_constantish(x) for x in e.elts)
    if isinstance(e, ast.Dict):
        return all(_constantish(v) for v in e.values)
    return False


def bounded(loop: ast.AST, r, scope: Scope) -> bool:
    """The loop runs a number of times the code itself fixes (see the module docstring)."""
    if isinstance(loop, ast.While):
        return _orders(loop.test)
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        it = loop.iter
        if isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range":
            return True
        return literal_items(it, r, scope, getattr(loop, "lineno", 1 << 30)) is not None
    return False


def _orders(test: ast.AST) -> bool:
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_orders(v) for v in test.values)
    return isinstance(test, ast.Compare) and any(isinstance(op, (ast.Lt, ast.LtE, ast.Gt, ast.GtE)) for op in test.ops)


def agent_loop(loop: ast.AST, grows: list[ast.AST], source_of) -> bool:
    """The list grows with tool results, and nothing in the loop reads new user input."""
    if not any(TOOLISH.search(source_of(g)) for g in grows):
        return False
    return not USER_INPUT.search(source_of(loop))
