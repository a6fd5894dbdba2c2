"""Jupyter notebooks: read the JSON, the code cells' sources with magics neutralised, and write cells back.

IPython magics (``%matplotlib``, ``%%time``), shell escapes (``!pip install``, ``x = !ls``)
and help syntax (``df?``) are replaced by ``pass`` at the same indentation, so line numbers
never shift. The cells are analysed as one module by
:mod:`auditor.analysis.notebook`.
"""

from __future__ import annotations

import json
import re

from auditor.findings import Finding
from auditor.sources.python import file_error

_MAGIC = re.compile(r"^(\s*)(%|!|\?)")
_ASSIGN_MAGIC = re.compile(r"^(\s*)[\w.\[\], ]+=\s*[!%]")
_HELP = re.compile(r"^(\s*)[\w.]+\?{1,2}\s*$")
# IPython automagic: a line magic written without "%" ("pip install x", "cd data"); only lines
# that are not Python on their own count
_AUTOMAGIC = re.compile(
    r"^(\s*)(?:pip|pip3|uv|conda|mamba|cd|ls|ll|pwd|mkdir|rmdir|rm|cp|mv|cat|less|env|set_env|load_ext|reload_ext|unload_ext|"
    r"matplotlib|pylab|time|timeit|prun|who|whos|reset|run|alias|autoreload|config|bookmark|dhist|history|sx|system|"
    r"pinfo|psearch|store|writefile|load|capture|precision|xmode|colors|notebook)\b(?![.(\[=,:])(?:\s+\S.*)?$"
)
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
    """Replace magics, shell escapes and automagic lines by ``pass`` lines, keeping the line count.

    A cell that is valid Python as written is left alone (a "% ..." or "pip install" line inside
    a triple-quoted string is text, not a magic); when replacing every magic-looking line breaks
    the cell, a line that sits inside a string is put back."""
    out = _neutralise(source)
    if out == source or _parses(source):
        return source
    original = source.split("\n")
    changed = [i for i, (a, b) in enumerate(zip(original, out.split("\n"))) if a != b]
    inside = _string_lines(out)
    if any(i + 1 in inside for i in changed):  # a "magic" line inside a multi-line string is text
        trial = out.split("\n")
        for i in changed:
            if i + 1 in inside:
                trial[i] = original[i]
        out = "\n".join(trial)
        changed = [i for i in changed if i + 1 not in inside]
    if _parses(out):
        return out
    for i in changed:
        trial = out.split("\n")
        trial[i] = original[i]
        candidate = "\n".join(trial)
        if _parses(candidate):
            return candidate
    return out


def _string_lines(text: str) -> set[int]:
    """1-based lines that lie inside a multi-line string (after its first line)."""
    import io
    import tokenize

    lines: set[int] = set()
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                lines.update(range(tok.start[0] + 1, tok.end[0] + 1))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return lines


def _parses(text: str) -> bool:
    import ast

    try:
        ast.parse(text)
        return True
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return False


def _neutralise(source: str) -> str:
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
        elif _AUTOMAGIC.match(line) and not _parses(line.strip()):
            out.append(_AUTOMAGIC.match(line).group(1) + "pass")  # type: ignore[union-attr]
            cont = line.rstrip().endswith("\\")
        else:
            out.append(line)
    return "\n".join(out)


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
