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
# a first line naming the cell's language (Databricks: %sql, %scala, %r, %sh, %md, %fs; a lone "%sql"
# of ipython-sql before its query): the whole cell is in that language, like a %%sql cell magic
_LANGUAGE_MAGIC = re.compile(r"^\s*%(sql|scala|r|sh|md|md-sandbox|fs)(?:\s+(\S.*))?$")


def read_notebook(data: bytes, path: str) -> tuple[dict | None, Finding | None]:
    if not data.strip():  # a committed empty file: Jupyter and VS Code open it as an empty notebook
        empty = file_error(path, "empty notebook file: no cells to analyse")
        empty.severity = "info"
        return None, empty
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


def code_source_bytes(nb: dict) -> bytes:
    """The code cells' sources joined, as bytes (what the pre-scan reads: never the outputs)."""
    return "\n".join(cell_source(c) for c in code_cells(nb)).encode("utf-8", "surrogatepass")


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
    lang = _LANGUAGE_MAGIC.match(lines[0]) if lines else None
    if lang and not (lang.group(2) and _parses(_neutralise("\n".join(lines[1:])))):
        return "\n".join("" for _ in lines)  # %sql / %scala / %md ... cell: not Python
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
