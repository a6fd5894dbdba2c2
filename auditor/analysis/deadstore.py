"""Dead constructions: ``llm = ChatOpenAI(...)`` rebound by a later statement of the same block before
anything reads ``llm`` (``llm = ChatAnthropic(...)`` on the next line). The first object is made and dropped:
a construction sends nothing, so neither its missing cap nor its model is a finding. Only a plain
rebinding counts; any read in between (``x = llm``, ``llm.bind``, a nested function, ``del``, a loop or
branch around the rebinding) keeps the construction alive."""

from __future__ import annotations

import ast

_BLOCKS = ("body", "orelse", "finalbody")


def _mentions(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(node))


def _rebinds(stmt: ast.stmt, name: str) -> bool:
    """``name = <value that does not read name>`` (one plain target)."""
    return (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id == name and not _mentions(stmt.value, name))


def dead_construction(parent: ast.AST, stmt: ast.stmt) -> bool:
    """True when ``stmt`` (``name = Call(...)``) sits in a block of ``parent`` whose next statement that
    mentions ``name`` at all is a plain rebinding of it."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)):
        return False
    name = stmt.targets[0].id
    for field in _BLOCKS:
        block = getattr(parent, field, None)
        if not isinstance(block, list) or not any(s is stmt for s in block):
            continue
        i = next(k for k, s in enumerate(block) if s is stmt)
        for later in block[i + 1:]:
            if _rebinds(later, name):
                return True
            if _mentions(later, name) or isinstance(later, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Global, ast.Nonlocal)):
                return False
        return False
    return False
