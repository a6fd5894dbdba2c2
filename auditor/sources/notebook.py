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
        nb = json.loads(data.decode("utf-8-sig"))  # a BOM some editors add is not an error
    except UnicodeDecodeError:
        return None, file_error(path, "notebook is not UTF-8 encoded")
    except json.JSONDecodeError as e:
        return None, file_error(path, f"broken notebook JSON: {e.msg}", e.lineno, e.colno)
    except RecursionError:
        return None, file_error(path, "broken notebook: JSON nested too deeply to read")
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, file_error(path, "broken notebook: no 'cells' list (not nbformat 4)")
    for i, cell in enumerate(code_cells(nb)):
        src = cell.get("source", "")
        if not (isinstance(src, str) or (isinstance(src, list) and all(isinstance(s, str) for s in src))):
            return None, file_error(path, f"broken notebook: the source of code cell {i + 1} is not text", cell=i)
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

    Only those cells' ``source`` values change, byte for byte everything else stays
    (:mod:`auditor.sources.nbsplice`). Should the splice not load back to exactly the intended
    notebook, the notebook is re-serialised as nbformat writes it (valid, but not byte-exact)."""
    from auditor.sources.nbsplice import ScanError, splice_sources

    bom = b"\xef\xbb\xbf" if original.startswith(b"\xef\xbb\xbf") else b""
    text = original[len(bom) :].decode("utf-8")
    try:
        spliced = splice_sources(text, new_sources)
        if _same_but_sources(text, spliced, new_sources):
            return bom + spliced.encode("utf-8")
    except (ScanError, ValueError, RecursionError):
        pass
    nb = json.loads(text)
    cells = code_cells(nb)
    for i, src in new_sources.items():
        cell = cells[i]
        if isinstance(cell.get("source"), list):
            cell["source"] = [line for line in re.split(r"(?<=\n)", src) if line]
        else:
            cell["source"] = src
    indent = _detect_indent(original)
    out = json.dumps(nb, indent=indent, ensure_ascii=False)
    out = re.sub("[\ud800-\udfff]", lambda m: f"\\u{ord(m.group(0)):04x}", out)  # JSON escapes, as they were
    return bom + (out + "\n").encode("utf-8")


def _detect_indent(data: bytes) -> int:
    m = re.search(rb"\n( +)\"", data)
    return len(m.group(1)) if m else 1


def _same_but_sources(old: str, new: str, sources: dict[int, str]) -> bool:
    """``new`` loads to ``old``'s notebook with exactly those code cells' sources replaced."""
    def load(t: str) -> dict:
        return json.loads(t, parse_constant=lambda c: ("constant", c))  # NaN == NaN here

    a, b = load(old), load(new)
    ca, cb = code_cells(a), code_cells(b)
    if len(ca) != len(cb):
        return False
    for i, src in sources.items():
        if cell_source(cb[i]) != src or isinstance(ca[i].get("source"), list) != isinstance(cb[i].get("source"), list):
            return False
        ca[i]["source"] = cb[i]["source"] = src
    return a == b
