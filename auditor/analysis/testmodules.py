"""Test modules that never ask a model anything: a chat model built there only to check its
attributes (``assert hasattr(llm, "temperature")``, ``provider.llm.openai_api_base == URL``, a
constructor expected to raise) sends no request, so it is not a call site (no LA101 cap, no LA402
retirement: nothing is billed and nothing fails at runtime).

A module is such a test module when its path says it is a test (``tests/``, ``test_*.py``,
``*_test.py``, ``conftest.py``) and its text holds no call of a method that sends a request
(``invoke``, ``stream``, ``generate``, ``create``, ``run``, ``kickoff``...). Only constructor call
sites (chat models, LLM classes) are dropped there, and only those not handed on: a model passed to
another call (``LangchainLLMWrapper(llm)``, ``Metric(llm=llm)``), returned by a fixture or combined
(``prompt | llm``) may be asked by the code it goes to. A direct ``client.chat.completions.create``
in a test is a request wherever it is."""

from __future__ import annotations

import ast
import re

TEST_PATH = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)test_[^/]*\.(?:py|ipynb)$|_test\.py$|(?:^|/)conftest\.py$")
ASKS = re.compile(
    r"\.(?:a?invoke|a?stream|a?batch|batch_as_completed|a?generate|a?generate_prompt|predict|predict_messages|a?complete|"
    r"a?chat|stream_chat|a?call|a?run|run_sync|run_stream|kickoff|a?create|generate_content|converse|invoke_model|"
    r"initiate_chat|a?query|a?predict|a?apply)\s*\(|\bRunner\.|\w\(\s*\[?\s*(?:HumanMessage|SystemMessage)\b"
)


def sends_nothing(path: str, text: str) -> bool:
    """A test module (by its path) in which no call can send a request."""
    return TEST_PATH.search(path.replace("\\", "/")) is not None and ASKS.search(text) is None


def handed_on(tree: ast.AST, call: ast.Call, name: str | None, parents: dict | None = None) -> bool:
    """The constructed model goes to other code: the call is an argument, a returned or combined value,
    or the name it is assigned to is used so (anything but reading its attributes or checking it)."""
    if parents is None:
        parents = parent_map(tree)

    def goes_on(node: ast.AST) -> bool:
        p = parents.get(id(node))
        if isinstance(p, ast.Call) and node is not p.func:
            f = p.func
            fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            return fname not in _LOOKS
        if isinstance(p, ast.keyword):
            return goes_on(p)
        return isinstance(p, (ast.Return, ast.Yield, ast.BinOp, ast.Await))

    if goes_on(call):
        return True
    if not name:
        return False
    return any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Load) and goes_on(n) for n in ast.walk(tree))


_LOOKS = {"hasattr", "getattr", "setattr", "isinstance", "type", "str", "repr", "print", "id", "vars", "dir",
          "assertEqual", "assertIsInstance", "assertIsNotNone", "assertTrue", "assertIn"}


def parent_map(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}


def handed_calls(tree: ast.AST) -> list[tuple[int, int]]:
    """(line, column) of every call whose result goes on to other code, or is assigned to a name that
    does (what phase 2 asks of a project factory's call in a test module)."""
    parents = parent_map(tree)
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Call):
            p = parents.get(id(n))
            name = p.targets[0].id if isinstance(p, ast.Assign) and len(p.targets) == 1 and isinstance(p.targets[0], ast.Name) else None
            if handed_on(tree, n, name, parents):
                out.append((n.lineno, n.col_offset + 1))
    return out
