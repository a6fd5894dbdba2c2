"""Truncated answers used as if complete (LA606): the phase-1 facts of one call site.

``truncation`` records how the function holding the call uses the answer's *text* (the response's
``.content`` / ``.text`` / ``.output_text`` ..., followed through assignments): parsed (the LA601
parses of :mod:`auditor.analysis.parses`), returned, or stored (assigned to an attribute or an
item, appended, written to a file), and whether the function looks at why generation stopped
(``finish_reason``, ``stop_reason``, ``stopReason``, ``incomplete_details``, ``done_reason``...).
Returning the whole response object leaves that check to the caller and is not a use.
"""

from __future__ import annotations

import ast
import bisect
import re

from auditor.analysis.parses import _flows
from auditor.facts import CallSite, Use

# where a response keeps its text
TEXT_ACCESS = re.compile(
    r"\.(?:content|text|output_text|generated_text|completion|message)\b|\[\s*[\"'](?:content|text|generated_text|output_text|completion|message)[\"']\s*\]"
)
# a look at why generation stopped
STOP_CHECK = re.compile(
    r"finish_reason|stop_reason|stopReason|finishReason|incomplete_details|done_reason|\bis_truncated\b|\btruncated\b|MAX_TOKENS|[\"']incomplete[\"']"
)
_STORE_METHODS = {"append", "extend", "write", "writelines", "add", "put", "insert", "update", "set", "save"}


def _contains(expr: ast.AST, node: ast.AST) -> bool:
    if not _covers(expr, node):  # a node lies within the lines of what holds it
        return False
    return any(n is node for n in ast.walk(expr))


def _covers(outer: ast.AST, inner: ast.AST) -> bool:
    try:
        return outer.lineno <= inner.lineno and inner.end_lineno <= outer.end_lineno  # type: ignore[attr-defined,operator]
    except (AttributeError, TypeError):  # no positions (a synthesised node): look
        return True


FOLLOWING = 40  # module-level code (a script, a notebook): the statements after the call that may use it


def _following(tree: ast.Module, call: ast.Call, walked: dict[int, list[ast.AST]]) -> list[ast.AST]:
    """The nodes of the top-level statement holding ``call`` and the next :data:`FOLLOWING`
    statements: a module with hundreds of calls is not walked whole for each of them (and each
    statement is walked once, in ``walked``, for the calls whose windows it is in)."""
    body = tree.body
    i = _holding(body, lambda st: st.lineno, lambda st: st.end_lineno or st.lineno, call.lineno) or 0
    out: list[ast.AST] = []
    for st in body[i : i + 1 + FOLLOWING]:
        if id(st) not in walked:
            walked[id(st)] = list(ast.walk(st))
        out.extend(walked[id(st)])
    return out


CROWDED = 16  # LLM calls in one function above which each call's answer is followed near the call only


def _inner_block(st: ast.stmt, line: int) -> list[ast.stmt] | None:
    """The statement list inside ``st`` that holds ``line`` (a ``match`` of thousands of cases
    is bisected, not scanned)."""
    if isinstance(st, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return None
    cases = getattr(st, "cases", None)  # in line order, each with a body
    if cases:
        j = _holding(cases, lambda c: c.body[0].lineno, lambda c: _last(c.body), line)
        return None if j is None else cases[j].body
    blocks = [getattr(st, name, None) or [] for name in ("body", "orelse", "finalbody")] + [h.body for h in getattr(st, "handlers", None) or []]
    return next((b for b in blocks if b and b[0].lineno <= line <= _last(b)), None)


def _last(block: list[ast.stmt]) -> int:
    return block[-1].end_lineno or block[-1].lineno


def _holding(items: list, first, last, line: int) -> int | None:
    """The index of the item of ``items`` (in line order) whose lines hold ``line``, by bisection."""
    i = bisect.bisect_right(items, line, key=first) - 1
    return i if i >= 0 and line <= last(items[i]) else None


def _neighbourhood(func: ast.AST, call: ast.Call) -> list[ast.AST]:
    """The nodes of the innermost statement holding ``call`` and, at that level and at each level
    around it, the :data:`FOLLOWING` statements after the one holding it: where the answer of a
    call in a function of thousands of calls (a generated dispatch) is used, found without walking
    the whole function once per call (the ``case`` a call is in, then what follows the ``match``)."""
    line = call.lineno
    holding: list[ast.AST] = []
    after: list[ast.AST] = []
    block: list[ast.stmt] = list(getattr(func, "body", None) or [])
    while block:
        i = _holding(block, lambda st: st.lineno, lambda st: st.end_lineno or st.lineno, line)
        if i is None:
            break
        st = block[i]
        after.extend(n for later in block[i + 1 : i + 1 + FOLLOWING] for n in ast.walk(later))
        inner = _inner_block(st, line)
        if inner is None:
            holding = list(ast.walk(st))
            break
        block = inner
    return holding + after


class TruncationFacts:
    def truncation(self, site: CallSite, call: ast.Call, func: ast.AST | None, parses: list[Use]) -> dict | None:
        """{"checked": bool, "uses": [{"kind", "use"}]} for the answer's text in the call's function
        (dicts and dataclasses, so a notebook's line remapping reaches the spans)."""
        if func is None or isinstance(func, ast.Lambda):
            nodes = _following(self.tree, call, self._walked)
            checked = any(STOP_CHECK.search(self.r.source_of(n)) for n in nodes if isinstance(n, (ast.If, ast.Assert, ast.Compare)))
        else:
            nodes = _neighbourhood(func, call) if id(func) in self.crowded else self.nodes(func)
            if id(func) not in self._stop_checked:  # the same for every call of the function
                self._stop_checked[id(func)] = bool(STOP_CHECK.search(self.r.source_of(func)))
            checked = self._stop_checked[id(func)]
        response = {site.result_name} if site.result_name else set()
        text: set[str] = set()
        flows = [n for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith))]
        for _ in range(4):
            changed = False
            for n in flows:
                for value, targets in _flows(n):
                    if value is None:
                        continue
                    reads = self._reads_text(value, response, call)
                    is_text = self._names_in(value, text) or reads
                    is_response = not is_text and (self._names_in(value, response) or _contains(value, call))
                    for name in targets:
                        bucket = text if is_text else response if is_response else None
                        if bucket is not None and name not in bucket:
                            bucket.add(name)
                            changed = True
            if not changed:
                break

        def texty(expr: ast.AST | None) -> bool:
            return expr is not None and (self._names_in(expr, text) or self._reads_text(expr, response, call))

        rebound = _rebound(site.result_name, flows, call, lambda v: self._names_in(v, response | text), func if func is not None else self.tree)
        uses: list[dict] = [{"kind": "parsed", "use": u} for u in parses]
        for n in nodes:
            if rebound is not None and getattr(n, "lineno", 0) > rebound:
                continue  # the response name holds a later request's answer from there on (`response = client...create(...)` again)
            u = None
            if isinstance(n, ast.Return) and texty(n.value):
                u = ("returned", self.use(n))
            elif isinstance(n, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
                targets = n.targets if isinstance(n, ast.Assign) else [n.target]
                if any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in targets) and texty(n.value):
                    u = ("stored", self.use(n))
            elif (
                isinstance(n, ast.Call) and n is not call and isinstance(n.func, ast.Attribute) and n.func.attr in _STORE_METHODS
                and any(texty(a) for a in list(n.args) + [k.value for k in n.keywords])
            ):
                u = ("stored", self.use(n))
            if u is not None and u[1] is not None:
                uses.append({"kind": u[0], "use": u[1]})
        if not uses:
            return None
        return {"checked": checked, "uses": uses}

    def _reads_text(self, expr: ast.AST, response: set[str], call: ast.Call) -> bool:
        """``expr`` reads the text of the response (a name bound to it, or the call itself):
        ``resp.choices[0].message.content``, ``create(...).content[0].text``."""
        src = self.r.source_of(expr)
        if _contains(expr, call):
            return bool(TEXT_ACCESS.search(src.replace(self.r.source_of(call), "")))
        return bool(response) and not response.isdisjoint(self._text_bases(expr))

    def _text_bases(self, expr: ast.AST) -> frozenset[str]:
        """The names whose text ``expr`` reads (``resp`` of ``resp.choices[0].message.content``),
        once per expression: module-level calls share the statements after them."""
        key = id(expr)
        if key not in self._text_read:
            bases = set()
            for n in _unmeasured(expr):
                if isinstance(n, (ast.Attribute, ast.Subscript)):
                    base = n.value
                    while isinstance(base, (ast.Attribute, ast.Subscript, ast.Call)):
                        base = base.func if isinstance(base, ast.Call) else base.value
                    if isinstance(base, ast.Name) and base.id not in bases and TEXT_ACCESS.search(self.r.source_of(n)):
                        bases.add(base.id)
            self._text_read[key] = frozenset(bases)
        return self._text_read[key]

    def _names_in(self, expr: ast.AST, names: set[str]) -> bool:
        if not names:
            return False
        key = id(expr)
        if key not in self._names_of:
            self._names_of[key] = frozenset(n.id for n in _unmeasured(expr) if isinstance(n, ast.Name))
        return not names.isdisjoint(self._names_of[key])


def _rebound(name: str | None, flows: list[ast.AST], call: ast.Call, reads, root: ast.AST) -> int | None:
    """The first line after ``call`` where ``name`` (the response) is bound to something that
    neither is this call nor reads its answer - another request's response (a demo that reuses
    ``response`` for each of its calls, a notebook's later cells) - in a statement that follows
    the call's own in one block: ``r = create_a()`` in an ``if`` and ``r = create_b()`` in its
    ``else`` are two answers of one use, not one answer replaced."""
    if not name:
        return None
    end = call.end_lineno or call.lineno
    found = [
        n for n in flows
        if n.lineno > end and isinstance(n, (ast.Assign, ast.AnnAssign))
        and any(value is not None and name in targets and not _contains(value, call) and not reads(value) for value, targets in _flows(n))
    ]
    lines = [n.lineno for n in found if _follows(n, call, root)]
    return min(lines) if lines else None


def _follows(stmt: ast.AST, call: ast.Call, root: ast.AST) -> bool:
    """Is ``stmt`` in a block where an earlier statement holds ``call``?"""
    for n in ast.walk(root):
        blocks = [getattr(n, f, None) for f in ("body", "orelse", "finalbody")] + [h.body for h in getattr(n, "handlers", None) or []]
        blocks += [c.body for c in getattr(n, "cases", None) or []]
        for block in blocks:
            if isinstance(block, list) and any(st is stmt for st in block):
                i = next(j for j, st in enumerate(block) if st is stmt)
                return any(st.lineno <= call.lineno <= (st.end_lineno or st.lineno) for st in block[:i])
    return False


def _unmeasured(expr: ast.AST):
    """The nodes of ``expr`` outside ``len(...)``: the length of an answer is a measurement (a
    latency test's output size), the same whether or not the text was cut, so it is not a use of the text."""
    stack = [expr]
    while stack:
        n = stack.pop()
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "len":
            continue
        yield n
        stack.extend(ast.iter_child_nodes(n))
