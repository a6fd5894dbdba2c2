"""Unified diffs that ``git apply`` and ``patch -p1`` accept.

Each file's diff starts with ``--- a/PATH`` / ``+++ b/PATH`` headers (paths relative to the
current folder when the file is under it, as Ruff prints them), every line ends with a
newline, and a last line without one is followed by ``\\ No newline at end of file`` - so
diffs of several files can be concatenated and applied in one go. Notebooks are diffed as
the ``.ipynb`` text that ``fix`` would write, so the patch changes exactly those bytes.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

NO_NEWLINE = "\\ No newline at end of file\n"


def display_name(root: Path, rel: str) -> str:
    """``rel`` (relative to the run root) as a path relative to the current folder."""
    absolute = Path(rel) if Path(rel).is_absolute() else root / rel
    try:
        return Path(os.path.abspath(absolute)).relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return absolute.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except (ValueError, OSError):
            return Path(rel).as_posix()


_ESCAPES = {"\a": "\\a", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\v": "\\v", "\f": "\\f", "\r": "\\r", '"': '\\"', "\\": "\\\\"}


def patch_path(path: str) -> str:
    """``path`` as git writes it in a patch header: C-quoted when it holds a control character
    (a file name with a newline would split the header), a quote, a backslash or bytes that are
    not UTF-8 (surrogate-escaped; each in octal), so the header is one line of valid UTF-8 that
    ``git apply`` and ``patch`` read back as the file's real name."""
    if not any(c in _ESCAPES or ord(c) < 0x20 or ord(c) == 0x7F or 0xDC80 <= ord(c) <= 0xDCFF for c in path):
        return path
    out = []
    for c in path:
        o = ord(c)
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif 0xDC80 <= o <= 0xDCFF:  # os.fsdecode's escape of one undecodable byte
            out.append(f"\\{o - 0xDC00:03o}")
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\{o:03o}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def unified(name: str, old: str, new: str, context: int = 3) -> str:
    """The diff from ``old`` to ``new`` for the file ``name``; empty when equal."""
    if old == new:
        return ""
    a, b = _lines(old), _lines(new)
    out: list[str] = []
    for line in difflib.unified_diff(a, b, fromfile=patch_path(f"a/{name}"), tofile=patch_path(f"b/{name}"), n=context):
        if line.startswith(("---", "+++")):
            out.append(line.rstrip("\n") + "\n")
        elif line.endswith("\n"):
            out.append(line)
        else:  # the file's last line, without a newline
            out.append(line + "\n" + NO_NEWLINE)
    return "".join(out)


def _lines(text: str) -> list[str]:
    """Lines split where git splits them (``\\n`` only; ``\\r`` stays part of the line)."""
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines
