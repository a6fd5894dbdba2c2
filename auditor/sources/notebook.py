"""Jupyter notebooks: code cells analysed as one Python module, located as (cell, line).

IPython magics (``%matplotlib``, ``%%time``), shell escapes (``!pip install``, ``x = !ls``)
and help syntax (``df?``) are replaced by ``pass`` at the same indentation, so line numbers
never shift. Cells are joined so a client made in cell 1 is known in cell 3; a cell that
does not parse is reported (LA000 with its cell) and blanked, and the rest is analysed.
"""

from __future__ import annotations

import bisect
import dataclasses
import json
import re
from typing import Any

from auditor.facts import FileFacts, Insertion, Segment, Suppressions
from auditor.findings import Edit, Finding, Span
from auditor.sources.python import SourceOptions, analyse_tree, file_error, parse_python, scan_suppressions

_MAGIC = re.compile(r"^(\s*)(%|!|\?)")
_ASSIGN_MAGIC = re.compile(r"^(\s*)[\w.\[\], ]+=\s*[!%]")
_HELP = re.compile(r"^(\s*)[\w.]+\?{1,2}\s*$")
PASSTHROUGH_CELL_MAGICS = {"time", "timeit", "capture", "prun", "debug"}


def read_notebook(data: bytes, path: str) -> tuple[dict | None, Finding | None]:
    try:
        nb = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        return None, file_error(path, "notebook is not UTF-8 encoded")
    except json.JSONDecodeError as e:
        return None, file_error(path, f"broken notebook JSON: {e.msg}", e.lineno, e.colno)
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, file_error(path, "broken notebook: no 'cells' list (not nbformat 4)")
    return nb, None


def code_cells(nb: dict) -> list[dict]:
    return [c for c in nb["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]


def cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_language(nb: dict) -> str:
    meta = nb.get("metadata") or {}
    lang = (meta.get("kernelspec") or {}).get("language") or (meta.get("language_info") or {}).get("name") or "python"
    return str(lang).lower()


def neutralise(source: str) -> str:
    """Replace magics and shell escapes by ``pass`` lines, keeping the line count."""
    lines = source.split("\n")
    if lines and lines[0].lstrip().startswith("%%"):
        magic = lines[0].lstrip()[2:].split()[0] if lines[0].lstrip()[2:].split() else ""
        if magic in PASSTHROUGH_CELL_MAGICS:
            lines[0] = "pass"
        else:
            return "\n".join("" for _ in lines)  # %%bash, %%sql, ...: not Python
    out = []
    cont = False
    for line in lines:
        if cont:
            out.append("")
            cont = line.rstrip().endswith("\\")
            continue
        m = _MAGIC.match(line) or _HELP.match(line)
        if m:
            out.append(m.group(1) + "pass")
            cont = line.rstrip().endswith("\\")
        elif _ASSIGN_MAGIC.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(indent + "pass")
        else:
            out.append(line)
    return "\n".join(out)


def analyse_notebook(data: bytes, path: str, module: str, opts: SourceOptions) -> FileFacts:
    facts = FileFacts(path=path, module=module, kind="notebook")
    nb, err = read_notebook(data, path)
    if err is not None:
        facts.findings.append(err)
        return facts
    assert nb is not None
    if not notebook_language(nb).startswith("python"):
        return facts
    cells = [neutralise(cell_source(c)) for c in code_cells(nb)]
    starts: list[int] = []  # 1-based first line of each cell in the joined text
    line = 1
    for text in cells:
        starts.append(line)
        line += text.count("\n") + 1
    joined = "\n".join(cells)
    tree, err = parse_python(joined, path)
    if err is not None:
        # find the broken cells, report each, blank them, and analyse the rest
        fixed = []
        for i, text in enumerate(cells):
            _, cerr = parse_python(text, path, cell=i)
            if cerr is not None:
                facts.findings.append(cerr)
                fixed.append("\n".join("" for _ in text.split("\n")))
            else:
                fixed.append(text)
        joined = "\n".join(fixed)
        tree, err = parse_python(joined, path)
        if err is not None:  # cells that only fail together
            _remap(err, starts)
            facts.findings.append(err)
            return facts
    assert tree is not None
    for i, text in enumerate(cells):
        scan_suppressions(text, cell=i, into=facts.suppressions)
    analyse_tree(tree, joined, facts, opts)
    _remap(facts, starts)
    return facts


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
        for v in obj.values():
            _remap(v, starts, seen)
    elif isinstance(obj, list):
        for v in obj:
            _remap(v, starts, seen)
    return None


def write_cells(original: bytes, new_sources: dict[int, str]) -> bytes:
    """The notebook with code cells (by index among code cells) given new sources.

    Only those cells' ``source`` change; everything else round-trips through json as
    nbformat writes it (1-space indent, ensure_ascii=False, trailing newline)."""
    nb = json.loads(original.decode("utf-8"))
    cells = code_cells(nb)
    for i, text in new_sources.items():
        cell = cells[i]
        if isinstance(cell.get("source"), list):
            cell["source"] = text.splitlines(keepends=True)
        else:
            cell["source"] = text
    indent = _detect_indent(original)
    out = json.dumps(nb, indent=indent, ensure_ascii=False)
    return (out + "\n").encode("utf-8")


def _detect_indent(data: bytes) -> int:
    m = re.search(rb"\n( +)\"", data)
    return len(m.group(1)) if m else 1
