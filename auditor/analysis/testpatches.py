"""Requests a test patches away: the method that would send is replaced for the test, nothing is sent.

In a test module (``analysis/testmodules.py``'s paths) a test decorated with, or running inside, a
patch of a client class's sending method::

    @patch.object(OpenAI, "achat", mock_achat)          # unittest.mock; also mock.patch.object
    def test_filter():
        llm = OpenAI(model="gpt-4o-mini")                 # built for the mocked chat
        QA(df).batch_filter(dontknow_filter, llm=llm)

    with patch("openai.resources.chat.completions.Completions.create", fake):
        client.chat.completions.create(model="gpt-4o", ...)

    mocker.patch.object(ChatOpenAI, "invoke", return_value=...)   # pytest-mock, monkeypatch.setattr

covers exactly the patched method of exactly that class: its calls there (``llm.achat(...)`` on an
instance built in the scope, ``OpenAI(...).achat(...)``, ``client.chat.completions.create`` when
``Completions.create`` is patched) and the constructions of that class there, which are built only to
be handed the patched method (a construction whose object also calls another sending method in the
scope - ``llm.complete(...)`` under a patch of ``achat`` - stays a call site). No model is billed and
none can be retired there, so they are no call sites (direct or derived). A test that patches
something else (another class, a helper method, ``__init__``) reports as before, and so does every
call outside the patch's scope.
"""

from __future__ import annotations

import ast

from auditor.analysis.scopes import span_of
from auditor.analysis.testdoubles import SENDS
from auditor.analysis.testmodules import is_test_path

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def patched_call_positions(tree: ast.Module, path: str, lines: list[str]) -> list[tuple[int, int]]:
    """(line, column) of the calls and constructions a test's patch covers (see the module docstring)."""
    if not is_test_path(path) or not any(("patch" in ln or "setattr" in ln) for ln in lines):
        return []
    out: list[tuple[int, int]] = []
    for nodes, targets in _scopes(tree):
        for call in _covered(nodes, targets):
            sp = span_of(call, lines)
            if sp is not None:
                out.append((sp.line, sp.column))
    return out


def _target(call: ast.AST) -> tuple[str, str] | None:
    """(class name, method) a patch call replaces: ``patch.object(Cls, "m", ...)``,
    ``patch("pkg.mod.Cls.m", ...)``, ``mocker.patch.object(...)``, ``monkeypatch.setattr(Cls, "m", ...)``."""
    if not isinstance(call, ast.Call):
        return None
    f = call.func
    last = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
    if last not in ("object", "patch", "setattr"):
        return None  # cheap test first: most calls are no patch
    name = ast.unparse(f)
    tail = name.rsplit(".", 2)
    args = call.args
    if name.endswith("patch.object") or (tail[-1] == "setattr" and "monkeypatch" in name):
        if len(args) >= 2 and isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
            cls = ast.unparse(args[0]).rsplit(".", 1)[-1]
            return (cls, args[1].value) if cls[:1].isupper() else None
        if tail[-1] != "setattr":
            return None
    elif not (tail[-1] == "patch" and (len(tail) == 1 or tail[-2] in ("mock", "mocker", "unittest"))):
        return None
    if args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
        parts = args[0].value.split(".")
        if len(parts) >= 2 and parts[-2][:1].isupper() and parts[-1].isidentifier():
            return parts[-2], parts[-1]
    return None


def _scopes(tree: ast.Module):
    """(statements covered, patched (class, method) targets) for every patch in the module."""
    for node in ast.walk(tree):
        if isinstance(node, _SCOPES):
            targets = {t for t in map(_target, node.decorator_list) if t}
            if targets:
                yield [node], targets
        if isinstance(node, (ast.With, ast.AsyncWith)):
            targets = {t for t in (_target(i.context_expr) for i in node.items) if t}
            if targets:
                yield node.body, targets
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            yield from _statement_patch(node, tree)


def _enclosing(tree: ast.Module, stmt: ast.stmt):
    """The innermost function around ``stmt``."""
    best = None
    for d in ast.walk(tree):
        if isinstance(d, _DEFS) and d.lineno <= stmt.lineno <= (d.end_lineno or d.lineno) and (best is None or d.lineno > best.lineno):
            best = d
    return best


def _statement_patch(stmt: ast.Expr, tree: ast.Module):
    """``mocker.patch.object(...)`` / ``monkeypatch.setattr(...)`` / ``patch(...).start()`` as a statement: the
    rest of its function."""
    value = stmt.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "start":
        value = value.func.value  # patch.object(...).start()
    t = _target(value)
    if not t:
        return
    node = _enclosing(tree, stmt)
    if node is None:
        return
    after = [s for s in ast.walk(node) if isinstance(s, ast.stmt) and s.lineno > stmt.lineno and not isinstance(s, _DEFS)]
    yield _top(after), {t}


def _top(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """The outermost of the statements (walking them then visits each node once)."""
    inner = {id(c) for s in stmts for c in ast.walk(s) if c is not s}
    return [s for s in stmts if id(s) not in inner]


def _calls(nodes: list[ast.AST]):
    for n in nodes:
        for c in ast.walk(n):
            if isinstance(c, ast.Call):
                yield c


def _builds(expr: ast.AST, cls: str) -> bool:
    if isinstance(expr, ast.Await):
        expr = expr.value
    if not isinstance(expr, ast.Call):
        return False
    f = expr.func
    return (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "") == cls


def _covered(nodes: list[ast.AST], targets: set[tuple[str, str]]):
    calls = list(_calls(nodes))
    for cls, method in targets:
        bound: set[str] = set()
        for n in nodes:
            for a in ast.walk(n):
                if isinstance(a, ast.Assign) and len(a.targets) == 1 and isinstance(a.targets[0], ast.Name) \
                        and _builds(a.value, cls):
                    bound.add(a.targets[0].id)
        other_sends = False
        for c in calls:
            f = c.func
            if not isinstance(f, ast.Attribute):
                continue
            recv = f.value
            on_instance = (isinstance(recv, ast.Name) and recv.id in bound) or _builds(recv, cls)
            if f.attr == method and (on_instance or _last_attr(recv) == cls.lower().removeprefix("async")):
                yield c
            elif on_instance and f.attr in SENDS:
                other_sends = True
        if method in SENDS and not other_sends:
            yield from (c for c in calls if _builds(c, cls))


def _last_attr(expr: ast.AST) -> str:
    """``completions`` of ``client.chat.completions`` (the resource a ``Completions.create`` patch replaces)."""
    return expr.attr.lower() if isinstance(expr, ast.Attribute) else ""
