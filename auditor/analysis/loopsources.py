"""Where a loop's items come from and what its request reads (LA503 loop kinds, read from code).

- **chained on its own answer** (kind ``dependent``): the request reads a name the loop assigns,
  directly or through other names, from the request's own answer: ``result = llm.invoke(p.format(text=result)).content``,
  ``answer = ask(q); q = follow_up(answer)``, a prompt refined from the feedback on the last answer.
  Each pass needs the previous pass's answer: one chain, not independent items. The answer is read
  through ``.content``/``.text``, subscripts, ``await`` and method calls (``.strip()``) on the call,
  into a plain name: a helper's tuple (``docs, bboxes, state = parse_page(page, state)``) threads state
  that need not be the answer, so unpacking starts no chain. A list the answers are appended to
  (``history.append(reply)``) is derived too: a prompt built from it carries the conversation so far.
- **a few samples** (kind ``fixed``): ``for i in range(n)`` where ``n`` is a literal of at most
  ``FEW_SAMPLES`` written as the enclosing function's parameter default or a constant
  (``def paths(problem, num_paths=3)``): a handful of reasoning paths or variants of one task.
- **the hits of one search** (kind ``hits``): the items are the results of one search call in the
  same function (``results = list(ddgs.text(keywords=query))``, ``app.search(query, ...)``, a
  retriever's documents for one question: ``retriever.get_relevant_documents(query)``, ``retriever.invoke(query)``,
  ``results.data`` of it): summarising each hit is part of answering that query, which a user or an
  agent waits for (a web-search tool), not offline work. So are the documents a graph node reads from
  its state (``documents = state["documents"]``) when a function of the module returns that key
  filled by a search (``return {"documents": retriever.invoke(question)}``): the hits of one question,
  graded while the graph run waits.
- **variants handed in** (kind ``fixed``): the items are a parameter named for variants (prompts,
  templates, models, styles) and every call of the function in the module passes a literal list of at
  most ``FIXED_ITEMS`` items, directly or through a name resolved where the call is
  (``compare_prompts(prompts, expected)`` with ``prompts = ["...", "...", "..."]``); records handed in
  (``generate_daily_action_items(patient_records)``) stay data.
- **the list of one record** (kind ``record``): the items are one cell of a frame (``sql_list =
  row["sql_list"].values[0]``; ``for i in range(len(sql_list))``): the entries of one hand-picked
  record, worked through while someone looks at them, not rows of data. A loop over the column itself
  (``df["sql_list"]``, ``df.itertuples()``) stays data.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.evalloops import body_nodes
from auditor.analysis.loopbounds import FIXED_ITEMS, literal_items
from auditor.analysis.modindex import call_name
from auditor.analysis.nodeindex import node_index

FEW_SAMPLES = 5
# a call that runs one search: a search method, or a query/keywords argument (DDGS().text(keywords=q))
# or a retriever's query for one question (get_relevant_documents(query), retriever.invoke(query)):
# the documents retrieved to answer it
SEARCH_NAME = re.compile(r"search|retrieve|relevant_documents", re.IGNORECASE)
RETRIEVER = re.compile(r"retriever$", re.IGNORECASE)
SEARCH_KEYWORDS = ("keywords", "q", "search_query")  # not query=: a database query's rows are data
# a parameter whose items are variants of one request compared side by side, not records
VARIANTS = re.compile(r"prompt|template|instruction|variant|model|strateg|approach|style|tone|persona", re.IGNORECASE)
WRAPPERS = ("enumerate", "list", "tuple", "tqdm", "iter", "sorted", "reversed")


def chained_on_answer(loop: ast.AST, call: ast.Call) -> bool:
    """The call reads a name the loop derives from the call's own answer (see the module docstring)."""
    body = body_nodes(loop)
    derived: set[str] = set()
    for _ in range(4):  # a fixpoint over the body: names derived from names derived later in source order
        before = len(derived)
        for n in body:
            if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and getattr(n, "value", None) is not None:
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                seed = _spine_holds(n.value, call) and all(isinstance(t, ast.Name) for t in targets)
                if seed or (derived and _reads(n.value) & derived):  # `docs, bboxes, state = parse(page, state)`: which part is the answer is unknown
                    derived |= {x.id for t in targets for x in _names(t)}
            elif derived and (grown := _collects(n, derived)):
                derived.add(grown)  # history.append(answer): a list of the answers so far, which the next prompt may read
        if len(derived) == before:
            break
    if not derived:
        return False
    args = list(call.args) + [k.value for k in call.keywords]
    if isinstance(call.func, ast.Attribute):
        args.append(call.func.value)  # (prompt | llm).invoke(...): the receiver is part of the request
    return any(_reads(a) & derived for a in args)


def _spine_holds(expr: ast.AST, call: ast.Call) -> bool:
    """``expr`` is the call itself or reads its answer: ``.content``, ``[0]``, ``await``, ``.strip()``."""
    while True:
        if expr is call:
            return True
        if isinstance(expr, (ast.Attribute, ast.Subscript, ast.Await)):
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            expr = expr.func.value
        else:
            return False


def few_samples(it: ast.AST, owner: ast.AST | None, r, scope, line: int) -> bool:
    """``range(n)`` with ``n`` a small literal default of the function's parameter or a constant."""
    if not (isinstance(it, ast.Call) and isinstance(it.func, ast.Name) and it.func.id == "range" and len(it.args) == 1):
        return False
    arg = it.args[0]
    if not isinstance(arg, ast.Name):
        return False
    value = _param_default(arg.id, owner)
    if value is None:
        b = r.binding(arg.id, scope, line)
        if b and b[0] == "assign" and isinstance(b[1], ast.Constant):
            value = b[1]
    return isinstance(value, ast.Constant) and type(value.value) is int and 0 < value.value <= FEW_SAMPLES


def _param_default(name: str, owner: ast.AST | None) -> ast.AST | None:
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    a = owner.args
    positional = a.posonlyargs + a.args
    for p, d in zip(positional[len(positional) - len(a.defaults):], a.defaults):
        if p.arg == name:
            return d
    for p, d in zip(a.kwonlyargs, a.kw_defaults):
        if p.arg == name:
            return d
    return None


def search_hits(it: ast.AST, r, scope, line: int) -> bool:
    """The iterable is (a part of) the results of one search call (see the module docstring)."""
    keyed: dict[int, str] = {}  # a name read from ``state["documents"]``: the key it was read with
    for _ in range(5):
        while isinstance(it, ast.Call) and call_name(it) in WRAPPERS and it.args:
            it = it.args[0]
        while isinstance(it, ast.Attribute) or (isinstance(it, ast.Subscript) and isinstance(it.slice, ast.Constant) and isinstance(it.slice.value, str)):
            if isinstance(it, ast.Subscript):
                keyed[id(it.value)] = it.slice.value  # type: ignore[union-attr]
            it = it.value
        if isinstance(it, ast.Call):
            receiver = it.func.value if isinstance(it.func, ast.Attribute) else None
            if receiver is not None and it.func.attr in ("invoke", "ainvoke") and RETRIEVER.search(call_name(receiver) if isinstance(receiver, ast.Call) else ast.unparse(receiver)):
                return True  # self.retriever.invoke(query)
            return bool(SEARCH_NAME.search(call_name(it))) or any(k.arg in SEARCH_KEYWORDS for k in it.keywords)
        if not isinstance(it, ast.Name):
            return False
        key = keyed.get(id(it))
        name, it = it.id, r.assigned(it.id, scope, line)
        if it is None:
            b = r.binding(name, scope, line) if key else None
            return bool(b and b[0] == "param" and _state_hits(key, r))  # documents = state["documents"] of a graph node
    return False


def _state_hits(key: str, r) -> bool:
    """Some function of the module returns ``{key: hits}`` with ``hits`` the results of one search
    (``return {"documents": retriever.invoke(question), ...}``): a graph node's state carries the
    documents retrieved for one question to the node that grades them."""
    memo = r.__dict__.setdefault("_state_hits", {})
    if key in memo:
        return memo[key]
    memo[key] = False  # no recursion through the same key
    funcs, _calls = _defs_and_calls(r)
    for f in funcs:
        fscope = r.scope_of.get(f)
        for n in ast.walk(f):
            if fscope is None or not (isinstance(n, ast.Return) and isinstance(n.value, ast.Dict)):
                continue
            for k, v in zip(n.value.keys, n.value.values):
                if isinstance(k, ast.Constant) and k.value == key and search_hits(v, r, fscope, n.lineno):
                    memo[key] = True
                    return True
    return False


def literal_argument(it: ast.AST, owner: ast.AST | None, r) -> int | None:
    """The loop runs over a parameter that every call of the function in the module fills with a
    short literal list: how many items at most, else None."""
    while isinstance(it, ast.Call) and call_name(it) in ("enumerate", "list", "tuple") and it.args:
        it = it.args[0]
    if not (isinstance(it, ast.Name) and isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef))):
        return None
    names = [p.arg for p in owner.args.posonlyargs + owner.args.args]
    if it.id not in names or not VARIANTS.search(it.id):
        return None  # patient_records of a demo call are still records: only prompts, models, styles compared
    index = names.index(it.id) - (1 if names and names[0] in ("self", "cls") else 0)
    most = None
    funcs, calls = _defs_and_calls(r)
    for n in calls.get(owner.name, ()):
        around = [f for f in funcs if f.lineno <= n.lineno <= (f.end_lineno or f.lineno)]
        scope = r.scope_of.get(around[-1]) if around else r.module_scope  # the call's own function: its names
        if scope is None:
            return None
        arg = next((k.value for k in n.keywords if k.arg == it.id), None)
        if arg is None and 0 <= index < len(n.args) and not any(isinstance(a, ast.Starred) for a in n.args[: index + 1]):
            arg = n.args[index]
        count = literal_items(arg, r, scope, n.lineno) if arg is not None else None
        if count is None or count > FIXED_ITEMS:
            return None  # one call hands in data of unknown size
        most = max(most or 0, count)
    return most


def _defs_and_calls(r) -> tuple[list[ast.AST], dict[str, list[ast.Call]]]:
    """The module's defs (in source order: a def before those nested in it, so the last def around a
    line is the innermost) and its calls by :func:`call_name`, read from the module's node index once
    per resolver (each loop over a variants parameter walked the whole module twice: litellm's
    router.py, four such loops, ~0.05 CPU-s of its phase 1)."""
    memo = r.__dict__.get("_defs_and_calls")
    if memo is None:
        idx = node_index(r)
        calls: dict[str, list[ast.Call]] = {}
        for n in idx.of_type(ast.Call):
            calls.setdefault(call_name(n), []).append(n)
        memo = r.__dict__["_defs_and_calls"] = (idx.of_type(ast.FunctionDef, ast.AsyncFunctionDef), calls)
    return memo


def _collects(n: ast.AST, derived: set[str]) -> str | None:
    """``xs.append(a)`` / ``xs.extend(a)`` / ``xs.insert(i, a)`` with ``a`` reading a derived name: the list ``xs``."""
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.attr in ("append", "extend", "insert"):
        if any(_reads(a) & derived for a in n.args):
            return n.func.value.id
    return None


def _names(target: ast.AST) -> list[ast.Name]:
    """The plain names an assignment binds (``a``, ``a, b``), not ``results[i]`` or ``self.last``."""
    if isinstance(target, ast.Name):
        return [target]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [x for e in target.elts for x in _names(e.value if isinstance(e, ast.Starred) else e)]
    return []


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def one_record_items(it: ast.AST, r, scope, line: int) -> bool:
    """The loop runs over the items of one cell of a frame - ``sql_list = row["sql_list"].values[0]``, then
    ``for i in range(len(sql_list))`` or ``for sql in sql_list`` - the list of one record (the statements
    of one hand-picked question), not rows of data (analysis/frames.py ``one_cell``)."""
    from auditor.analysis.frames import one_cell

    while isinstance(it, ast.Call) and call_name(it) in ("range", "len", "enumerate", "zip", "list", "sorted") and it.args:
        it = it.args[-1] if call_name(it) == "range" else it.args[0]
    if not isinstance(it, ast.Name):
        return one_cell(it)
    value = r.assigned(it.id, scope, line)
    return value is not None and one_cell(value)
