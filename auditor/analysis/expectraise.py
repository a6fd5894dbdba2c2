"""Calls a test expects to fail: the body of ``with pytest.raises(...)`` / ``with self.assertRaises(...)``
(``assertRaisesRegex``, ``pytest.raises`` with ``match=``). A request written there is the input of a negative
test (a deliberately bad model id, a missing parameter): it is no call site whose model, cap or prompt the
rules should judge."""

from __future__ import annotations

import ast

EXPECT_RAISES = frozenset({"raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp", "failUnlessRaises"})


def expects_raise(node: ast.AST) -> bool:
    """True for a ``with`` statement whose context manager asserts that its body raises."""
    if not isinstance(node, (ast.With, ast.AsyncWith)):
        return False
    for item in node.items:
        call = item.context_expr
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            continue
        f = call.func
        if f.attr in EXPECT_RAISES and (f.attr != "raises" or (isinstance(f.value, ast.Name) and f.value.id == "pytest")):
            return True
    return False


def raise_body_lines(node: ast.With | ast.AsyncWith) -> tuple[int, int]:
    """The first and last line of the statements inside such a ``with``."""
    body = node.body
    return body[0].lineno, max(getattr(s, "end_lineno", s.lineno) or s.lineno for s in body)
