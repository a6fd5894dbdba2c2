"""Two loop shapes of LA503 read from the loop's own code: an evaluation (loop kind ``graded``) and
the map step of a map-reduce (loop kind ``chunks``).

- **graded**: each pass compares what the answer gave with a value of the item that does not come
  from the answer (``parsed == q["answer"]``, ``gt_total == extracted.total``), or hands the answer to
  a scoring function (``s = score_fn(content, row)``, ``grade(answer, gold)``), or the request is a
  judge's (the loop calls ``judge_row(row)`` / ``grade_answer(...)``), or the items pair a reference
  with something else (``zip(references, generated)``): a benchmark or an eval over a dataset. Each item must stay its own request (grouping items changes what is measured), but
  the run can usually wait: the Batch API fits, "group several items" does not.
- **reduced**: the answers the loop collects are, after the loop and in the same function, read into
  one more request (``joined = "\\n".join(summaries)``, then ``create(messages=[... joined ...])``): the
  passes are the parts of one answer the function is waiting for (a map-reduce summary), not items
  to put off or to group.
- **a tally of the object's own state** (loop kind ``tally``): a method loops over its object's own
  attributes (``zip(self.ans, self.data, self.status)``: the lines of the board a search is at), asks
  about each part and counts the answers into the value it returns (``count[res] += 1`` ... ``return
  count``): a value function the running code waits for to choose its next step, not batch work.
  A loop over a parameter or loaded data stays data.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.modindex import call_name

# what sends the reduce step's request: an SDK or framework method, or the same function as the loop's
ASKS = re.compile(r"^(?:a?create|a?invoke|a?generate\w*|generate_content|a?complete|a?chat|a?run|predict|a?call|converse|query)$")
_EQ = (ast.Eq, ast.NotEq)
# a function that scores an answer (``score_fn(content, row)``, ``grade_answer``, ``compute_reward``), or a
# request that is a judge's (``judge_row(row)``, ``evaluate_response(...)``): names of an eval, not of data work
SCORER = re.compile(r"^(?:score|grade|judge|evaluate|eval|reward|rate|compute_(?:score|reward|metric|accuracy)|check_answer|is_correct|exact_match)(?:_\w*)?$", re.IGNORECASE)
JUDGE = re.compile(r"^(?:judge|grade|evaluate|eval|score)(?:_\w*)?$", re.IGNORECASE)
_GOLD = re.compile(r"(?:^|_)(?:golden|gold|expected|ground_?truths?|references?|labels?|answers?|targets?)(?:_\w+)?$", re.IGNORECASE)


def compares_answer(loop: ast.AST, call: ast.Call, result: str | None) -> bool:
    """The loop body compares a value taken from the call's answer with one that is not, or scores the
    answer, or the request is a judge's, or the items pair a reference with another list."""
    if JUDGE.match(call_name(call)) or _pairs_references(loop):
        return True
    derived = _derived(loop, call, result)
    if not derived:
        return False
    for n in body_nodes(loop):
        if isinstance(n, ast.Call) and n is not call and SCORER.match(call_name(n)) and any(_reads(a) & derived for a in list(n.args) + [k.value for k in n.keywords]):
            return True  # s = score_fn(content, row): the answer is scored
    for n in body_nodes(loop):
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and isinstance(n.ops[0], _EQ):
            sides = [n.left, n.comparators[0]]
            reads = [_reads(s) for s in sides]
            if any(r & derived for r in reads) and any(r and not (r & derived) for r in reads):
                return True
    return False


def _pairs_references(loop: ast.AST) -> bool:
    """``for ref, gen in zip(references, generated)`` (through ``tqdm``/``enumerate``): each item pairs
    a reference answer with what is judged against it."""
    gens = getattr(loop, "generators", None)
    it = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else gens[0].iter if gens else None
    while isinstance(it, ast.Call) and call_name(it) in ("tqdm", "enumerate", "list") and it.args:
        it = it.args[0]
    if not (isinstance(it, ast.Call) and call_name(it) == "zip" and len(it.args) >= 2):
        return False
    return any(isinstance(a, ast.Name) and _GOLD.search(a.id) for a in it.args)


def reduced_after(loop: ast.AST, owner: ast.AST | None, call: ast.Call, result: str | None) -> bool:
    """The answers collected in the loop reach one more request after it, in the same function."""
    if owner is None:
        return False
    derived = _derived(loop, call, result)
    filled = {d for n in body_nodes(loop) for d in _grown(n, derived)}
    if not filled:
        return False
    end = getattr(loop, "end_lineno", None) or getattr(loop, "lineno", 0)
    after = sorted((n for n in ast.walk(owner) if isinstance(n, ast.stmt) and getattr(n, "lineno", 0) > end), key=lambda n: n.lineno)
    names = set(filled)
    own = call_name(call)
    for stmt in after:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Call) and (ASKS.match(call_name(n) or "") or call_name(n) == own):
                args = list(n.args) + [k.value for k in n.keywords]
                if any(_reads(a) & names for a in args):
                    return True
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None and _reads(stmt.value) & names:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names |= {x.id for t in targets for x in ast.walk(t) if isinstance(x, ast.Name)}
    return False


def _derived(loop: ast.AST, call: ast.Call, result: str | None) -> set[str]:
    """The call's result name and the names assigned, in the loop body, from what reads it."""
    names = {result} if result else set()
    for n in body_nodes(loop):
        if isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and getattr(n, "value", None) is not None:
            if n.value is call or (names and _reads(n.value) & names):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                names |= {x.id for t in targets for x in ast.walk(t) if isinstance(x, ast.Name)}
    return names


def _grown(n: ast.AST, derived: set[str]) -> list[str]:
    """``answers.append(x)`` / ``answers += [x]`` where ``x`` reads the answer."""
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and isinstance(n.func.value, ast.Name) and n.func.attr in ("append", "extend"):
        if any(_reads(a) & derived for a in n.args):
            return [n.func.value.id]
    if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Name) and _reads(n.value) & derived:
        return [n.target.id]
    return []


def body_nodes(loop: ast.AST) -> list[ast.AST]:
    """The loop body's nodes in source order (a comprehension's element)."""
    body = getattr(loop, "body", None)
    if isinstance(body, list):
        nodes = [n for stmt in body for n in ast.walk(stmt)]
    else:
        nodes = [n for part in ("elt", "key", "value") if getattr(loop, part, None) is not None for n in ast.walk(getattr(loop, part))]
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def _reads(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def tallies_own_state(loop: ast.AST, owner: ast.AST | None, call: ast.Call) -> bool:
    """A method's loop over its object's attributes that counts the answers into the value it returns."""
    if not isinstance(owner, (ast.FunctionDef, ast.AsyncFunctionDef)) or not owner.args.args or owner.args.args[0].arg != "self":
        return False
    it = loop.iter if isinstance(loop, (ast.For, ast.AsyncFor)) else None
    while isinstance(it, ast.Call) and call_name(it) in ("zip", "enumerate", "sorted", "list", "reversed") and it.args:
        parts = list(it.args)
        it = parts[0] if len(parts) == 1 else ast.Tuple(elts=parts)
    parts = it.elts if isinstance(it, ast.Tuple) else [it]
    if not parts or not all(isinstance(p, ast.Attribute) and _root(p) == "self" for p in parts):
        return False
    derived: set[str] = set()
    for n in body_nodes(loop):
        if isinstance(n, ast.Assign) and (any(x is call for x in ast.walk(n.value)) or _reads(n.value) & derived):
            derived |= {x.id for t in n.targets for x in ast.walk(t) if isinstance(x, ast.Name)}
    tallies = {n.target.value.id for n in body_nodes(loop) if isinstance(n, ast.AugAssign) and isinstance(n.target, ast.Subscript)
               and isinstance(n.target.value, ast.Name) and _reads(n.target.slice) & derived}
    returned = {n.value.id for n in ast.walk(owner) if isinstance(n, ast.Return) and isinstance(n.value, ast.Name)}
    return bool(tallies & returned)


def _root(expr: ast.AST) -> str:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return expr.id if isinstance(expr, ast.Name) else ""
