"""Requests a test can never send: calls in a test that is always skipped, and calls of a client
method the same test replaced by a mock.

- ``@pytest.mark.skip(reason=...)`` / ``@unittest.skip(...)`` (or a bare ``@skip`` imported from
  unittest) on a test function or class: the body never runs, so its calls send nothing (a
  conditional ``skipif`` may run, and keeps its calls).
- ``client.chat.completions.create = MagicMock(return_value=...)`` (``Mock``, ``AsyncMock``,
  ``create_autospec``) earlier in the same test function: a later ``client.chat.completions.create(...)``
  there calls the mock.

Only in test modules (``analysis/testmodules.py``'s paths): nothing is billed and nothing fails at
runtime, so no rule should judge such a call's model, cap or prompt.
"""

from __future__ import annotations

import ast
from functools import lru_cache

from auditor.analysis.modindex import dotted_name
from auditor.analysis.testmodules import is_test_path

_in_tests = lru_cache(maxsize=256)(is_test_path)  # asked once per function definition

MOCKS = frozenset({"Mock", "MagicMock", "AsyncMock", "NonCallableMock", "create_autospec"})


def _always_skipped(decorator: ast.AST) -> bool:
    f = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = dotted_name(f)
    return name in ("pytest.mark.skip", "mark.skip", "unittest.skip", "skip")


def skipped_lines(node: ast.AST, path: str) -> tuple[int, int] | None:
    """The lines of a test function or class that is always skipped, else None."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) or not _in_tests(path):
        return None
    if any(_always_skipped(d) for d in node.decorator_list):
        return node.lineno, getattr(node, "end_lineno", None) or node.lineno
    return None


def mocked_methods(node: ast.AST, path: str) -> list[tuple[str, int, int]]:
    """``(target, line, end)`` for each ``a.b.create = MagicMock(...)`` in a test function's body:
    a call of ``a.b.create`` after ``line`` and up to the function's last line ``end`` calls the mock."""
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or not _in_tests(path):
        return []
    end = getattr(node, "end_lineno", None) or node.lineno
    out = []
    for stmt in ast.walk(node):
        if isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            maker = dotted_name(stmt.value.func)
            if maker is None or maker.rsplit(".", 1)[-1] not in MOCKS:
                continue
            for t in stmt.targets:
                name = dotted_name(t) if isinstance(t, ast.Attribute) else None
                if name is not None:
                    out.append((name, stmt.lineno, end))
    return out


def calls_a_mock(call: ast.Call, mocked: list[tuple[str, int, int]]) -> bool:
    """Is ``call`` a call of a method that a mock replaced earlier in its test?"""
    if not mocked:
        return False
    name = dotted_name(call.func)
    return name is not None and any(name == t and a < call.lineno <= b for t, a, b in mocked)


class Unsent:
    """What a module's test functions can never send, gathered as the call-site walk meets them."""

    def __init__(self, path: str):
        self.path = path
        self.skipped: list[tuple[int, int]] = []
        self.mocked: list[tuple[str, int, int]] = []

    def add(self, node: ast.AST) -> None:
        if not _in_tests(self.path):
            return
        lines = skipped_lines(node, self.path)
        if lines is not None:
            self.skipped.append(lines)
        self.mocked.extend(mocked_methods(node, self.path))

    def covers(self, call: ast.Call) -> bool:
        return any(a <= call.lineno <= b for a, b in self.skipped) or calls_a_mock(call, self.mocked)
