"""Calls a test makes on a test double: they send nothing.

A test module (``analysis/testmodules.py``'s paths) that defines a class named ``Dummy*``, ``Fake*``,
``Stub*`` or ``Mock*`` imitating a client - its name says so (``DummyOpenAIClient``, ``FakeChatModel``,
``StubTransport``), it defines a method a client sends with (``create``, ``parse``, ``generate``...),
or it subclasses a client class - hands instances of it to the code under test, which records the
parameters instead of sending them::

    dummy = DummyOpenAIClient()
    client = OpenAIClient(config=LLMConfig(), client=dummy)
    await client._create_structured_completion(model="gpt-4.1", max_tokens=64, ...)

A call whose receiver is such an instance, or an object built from one in the same function
(``OpenAIClient(client=dummy)``, ``Wrapper(DummyClient())``), or a pytest fixture's value built so
(a parameter named like a fixture function of the module that returns or yields one), reaches the
double: no model is billed and none can be retired, so it is no call site (direct or derived). Calls
on real clients in the same tests (a smoke test, a manual canary) stay.
"""

from __future__ import annotations

import ast
import re

from auditor.analysis.scopes import span_of
from auditor.analysis.testmodules import is_test_path

DOUBLE_NAME = re.compile(r"^_*(?:Dummy|Fake|Stub|Mock)(?=[A-Z0-9_]|$)")
CLIENTISH = re.compile(r"Client|LLM|Llm|Model|Chat|Completion|Response|Message|Transport|Http|Api|API|Provider|Engine|Session")
SENDS = frozenset({"create", "acreate", "parse", "generate", "agenerate", "generate_content", "invoke", "ainvoke", "chat",
                   "achat", "complete", "acomplete", "stream", "astream", "converse", "invoke_model", "completion", "acompletion"})
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def double_classes(tree: ast.Module) -> set[str]:
    """The module's classes that imitate a client under a test-double name."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and DOUBLE_NAME.match(node.name):
            bases = [ast.unparse(b) for b in node.bases]
            methods = {n.name for n in node.body if isinstance(n, _DEFS)}
            if CLIENTISH.search(node.name) or methods & SENDS or any(CLIENTISH.search(b) for b in bases):
                out.add(node.name)
    return out


def double_call_positions(tree: ast.Module, path: str, lines: list[str]) -> list[tuple[int, int]]:
    """(line, column) of every call made on a test double (see the module docstring)."""
    if not is_test_path(path) or not any(DOUBLE_NAME.match(w) for w in _class_words(lines)):
        return []
    classes = double_classes(tree)
    if not classes:
        return []
    defs = [n for n in ast.walk(tree) if isinstance(n, _DEFS)]
    fixtures = {d.name for d in defs if _returns_double(d, classes)}
    out = []
    for d in defs:
        doubles = {a.arg for a in d.args.args + d.args.kwonlyargs if a.arg in fixtures}
        for node in sorted((n for n in ast.walk(d) if isinstance(n, (ast.Assign, ast.withitem))), key=_line):
            value, target = (node.value, node.targets[0] if len(node.targets) == 1 else None) if isinstance(node, ast.Assign) \
                else (node.context_expr, node.optional_vars)
            if isinstance(target, ast.Name) and _built_on(value, doubles, classes):
                doubles.add(target.id)
        for call in ast.walk(d):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and _on_double(call.func.value, doubles, classes):
                sp = span_of(call, lines)
                if sp is not None:
                    out.append((sp.line, sp.column))
    return out


def _class_words(lines: list[str]):
    for line in lines:
        s = line.lstrip()
        if s.startswith("class "):
            yield s[6:].lstrip()


def _line(node: ast.AST) -> int:
    return getattr(node, "lineno", None) or getattr(node.context_expr, "lineno", 0)  # type: ignore[attr-defined]


def _makes_double(expr: ast.AST, classes: set[str]) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    f = expr.func
    return (f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else "") in classes


def _built_on(expr: ast.AST, doubles: set[str], classes: set[str]) -> bool:
    """A double, or a construction handed one (``OpenAIClient(client=dummy)``)."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if _makes_double(expr, classes):
        return True
    if not isinstance(expr, ast.Call):
        return False
    args = list(expr.args) + [k.value for k in expr.keywords]
    return any((isinstance(a, ast.Name) and a.id in doubles) or _makes_double(a, classes) for a in args)


def _on_double(expr: ast.AST, doubles: set[str], classes: set[str]) -> bool:
    """The receiver chain starts at a double (``dummy.chat.completions``, ``DummyClient().create``,
    ``Wrapper(DummyClient()).complete``)."""
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    return (isinstance(expr, ast.Name) and expr.id in doubles) or _built_on(expr, doubles, classes)


def _returns_double(d: ast.AST, classes: set[str]) -> bool:
    """A function (a pytest fixture) whose returned or yielded value is built on a double."""
    local: set[str] = set()
    for node in sorted((n for n in ast.walk(d) if isinstance(n, ast.Assign)), key=_line):
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and _built_on(node.value, local, classes):
            local.add(node.targets[0].id)
    for node in ast.walk(d):
        if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            v = node.value
            if (isinstance(v, ast.Name) and v.id in local) or _built_on(v, local, classes):
                return True
    return False
