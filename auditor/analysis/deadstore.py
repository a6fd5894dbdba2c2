"""Dead constructions: ``llm = ChatOpenAI(...)`` rebound by the very next statement of the same block
(``llm = ChatAnthropic(...)``) without reading ``llm``. The first object is made and dropped: a
construction sends nothing, so neither its missing cap nor its model is a finding. Only an adjacent plain
rebinding counts: a notebook's menu of alternatives (``### gpt4o`` / ``llm = ChatOpenAI(...)`` /
``experiment_prefix = ...`` / ``### Fireworks`` / ``llm = ChatFireworks(...)``), each with its own
settings between them, is the reader's choice of which section to run, and a read in between
(``backup = llm``) or ``llm = llm.with_retry()`` keeps the construction alive."""

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
    """True when ``stmt`` (``name = Call(...)``) sits in a block of ``parent`` whose next statement is a
    plain rebinding of ``name``."""
    if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
            and isinstance(stmt.value, ast.Call)):
        return False
    name = stmt.targets[0].id
    for field in _BLOCKS:
        block = getattr(parent, field, None)
        if not isinstance(block, list) or not any(s is stmt for s in block):
            continue
        i = next(k for k, s in enumerate(block) if s is stmt)
        return i + 1 < len(block) and _rebinds(block[i + 1], name)
    return False
