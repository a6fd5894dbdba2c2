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
    """The language the notebook declares (``language_info.name``, else the kernelspec's language), or ""."""
    meta = nb.get("metadata") or {}
    info = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    spec = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    lang = info.get("name") or spec.get("language") or ""
    return str(lang).strip().lower()


# Kernels whose code cells are not Python: such a notebook is skipped (with a note). Any other
# kernel name (conda envs, "Python 3 (ipykernel)", pyspark, synapse_pyspark, xpython, ...) or no
# metadata at all: the notebook is analysed when its code cells parse as Python.
NON_PYTHON_LANGUAGES = {
    "r", "julia", "scala", "java", "kotlin", "groovy", "javascript", "typescript", "c#", "csharp", ".net (c#)",
    "f#", "fsharp", ".net (f#)", "powershell", ".net (powershell)", "c", "c++", "c++11", "c++14", "c++17", "cpp",
    "go", "rust", "ruby", "haskell", "ocaml", "elixir", "erlang", "clojure", "lua", "perl", "php", "swift",
    "matlab", "octave", "sas", "stata", "wolfram language", "mathematica", "maxima", "sql", "bash", "sh",
    "zsh", "shell", "sparql", "prolog", "fortran", "nim", "zig", "dart", "deno", "coffeescript", "racket",
    "scheme", "common lisp", "gap",
}


def non_python_language(nb: dict) -> str | None:
    """The declared language when it is a known non-Python one, else None."""
    lang = notebook_language(nb)
    if not lang or "python" in lang or lang in ("ipython", "ipython3", "pyspark", "sage", "sagemath", "xonsh", "mojo"):
        return None
    return lang if lang in NON_PYTHON_LANGUAGES else None


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
