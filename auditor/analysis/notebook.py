"""A notebook's code cells analysed as one Python module, its facts located as (cell, line).

Cells are joined so a client made in cell 1 is known in cell 3; a cell that does not parse is
reported (LA000 with its cell) and blanked, and the rest is analysed. Reading, neutralising
magics and writing cells back are :mod:`auditor.sources.notebook`'s.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from typing import Any

from auditor.analysis.module import analyse_tree
from auditor.facts import FileFacts, Insertion, Segment, Suppressions
from auditor.findings import Edit, Finding, Span
from auditor.sources.lines import count_breaks
from auditor.sources.notebook import cell_source, code_cells, neutralise, non_python_language, notebook_language, read_notebook
from auditor.sources.python import SourceOptions, parse_python, scan_suppressions


_SURROGATE = re.compile("[\ud800-\udfff]")


def analyse_notebook(data: bytes, path: str, module: str, opts: SourceOptions, nb: dict | None = None, deep: bool = False) -> FileFacts:
    """``nb``: the notebook already read from ``data`` (the engine reads it once for the pre-scan)."""
    facts = FileFacts(path=path, module=module, kind="notebook")
    if nb is None:
        nb, err = read_notebook(data, path)
        if err is not None:
            facts.findings.append(err)
            return facts
    assert nb is not None
    foreign = non_python_language(nb)
    if foreign is not None:  # an R, Julia, Scala ... kernel: reported, never silent
        facts.extra.setdefault("notes", []).append(f"{path}: skipped: a {foreign} notebook (its code cells are not Python)")
        return facts
    # a lone surrogate (a "\\ud800" escape in the JSON) cannot be parsed: U+FFFD, same length
    cells = [_SURROGATE.sub("\ufffd", neutralise(cell_source(c))) for c in code_cells(nb)]
    if notebook_language(nb) and "python" not in notebook_language(nb) and not _any_python(cells, path):
        # an unknown kernel language whose cells do not parse as Python: not ours to report as syntax errors
        facts.extra.setdefault("notes", []).append(f"{path}: skipped: kernel language {notebook_language(nb)!r} and no code cell parses as Python")
        return facts
    starts: list[int] = []  # 1-based first line of each cell in the joined text
    line = 1
    for text in cells:
        starts.append(line)
        line += count_breaks(text) + 1
    joined = "\n".join(cells)
    tree, err = parse_python(joined, path, compile_check=False)
    rejected = _compile_cells(tree, cells, starts, path) if tree is not None else []
    if err is not None or rejected:
        # find the broken cells, report each, blank them, and analyse the rest
        fixed = []
        for i, text in enumerate(cells):
            _, cerr = parse_python(text, path, cell=i, top_level_await=True)
            if cerr is not None:
                facts.findings.append(cerr)
                fixed.append("\n" * count_breaks(text))
            else:
                fixed.append(text)
        joined = "\n".join(fixed)
        tree, err = parse_python(joined, path, compile_check=False)
        if err is not None:  # cells that only fail together
            _remap(err, starts)
            facts.findings.append(err)
            return facts
    assert tree is not None
    for i, text in enumerate(cells):
        scan_suppressions(text, cell=i, into=facts.suppressions)
    analyse_tree(tree, joined, facts, opts, deep=deep)
    _remap(facts, starts)
    return facts


def _compile_cells(tree, cells: list[str], starts: list[int], path: str) -> list[int]:
    """Cells CPython's compiler rejects (``f(model=1, model=2)``), each compiled on its own as
    IPython runs it (top-level ``await`` allowed, ``from __future__`` at a cell's top)."""
    import ast

    by_cell: dict[int, list] = {}
    for stmt in tree.body:
        by_cell.setdefault(_locate(stmt.lineno, starts)[0], []).append(stmt)
    bad = []
    for i, body in by_cell.items():
        try:
            compile(ast.Module(body=body, type_ignores=[]), path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
        except SyntaxError:
            bad.append(i)
        except (RecursionError, MemoryError, ValueError):
            pass
    return bad


def _any_python(cells: list[str], path: str) -> bool:
    return any(text.strip() and parse_python(text, path, top_level_await=True)[1] is None for text in cells)


def _locate(line: int, starts: list[int]) -> tuple[int, int]:
    i = bisect.bisect_right(starts, line) - 1
    i = max(i, 0)
    return i, line - starts[i] + 1


def _remap(obj: Any, starts: list[int], seen: set[int] | None = None) -> int | None:
    """Turn joined-text lines into (cell, line) everywhere in a facts tree; returns a cell.

    Objects reachable twice (a constant's segments are shared by ``texts`` and its prompt
    constant) are remapped once: ``seen`` holds the ids already done."""
    if seen is None:
        seen = set()
    if isinstance(obj, (Span, Edit, Insertion, Finding)):
        if id(obj) in seen:
            return getattr(obj, "_cell", None)
        seen.add(id(obj))
    if isinstance(obj, (Span, Edit)):
        c, l0 = _locate(obj.line, starts)
        _, l1 = _locate(obj.end_line, starts)
        obj.line, obj.end_line = l0, l1
        obj._cell = c  # type: ignore[union-attr]  # remembered for shared references
        return c
    if isinstance(obj, Insertion):
        c, obj.line = _locate(obj.line, starts)
        obj._cell = c  # type: ignore[attr-defined]
        return c
    if isinstance(obj, Finding):
        c, l0 = _locate(obj.line, starts)
        _, l1 = _locate(obj.end_line, starts)
        obj.line, obj.end_line = l0, l1
        if obj.cell is None:
            obj.cell = c
        obj._cell = obj.cell  # type: ignore[attr-defined]
        return obj.cell
    if isinstance(obj, Suppressions):
        return None
    cell: int | None = None
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            if f.name == "cell":
                continue
            c = _remap(getattr(obj, f.name), starts, seen)
            if f.name == "span" and c is not None:
                cell = c
        if cell is not None and hasattr(obj, "cell") and (not isinstance(obj, Segment) or obj.path is None):
            obj.cell = cell  # type: ignore[attr-defined]
        return cell
    if isinstance(obj, dict):
        if isinstance(obj.get("line"), int) and "label" in obj and "column" in obj and "cell" not in obj and id(obj) not in seen:
            seen.add(id(obj))  # a related location kept as a dict (an AG2 config's users): its cell and line
            obj["cell"], obj["line"] = _locate(obj["line"], starts)
        for v in obj.values():
            _remap(v, starts, seen)
    elif isinstance(obj, list):
        for v in obj:
            _remap(v, starts, seen)
    return None
