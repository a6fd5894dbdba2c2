"""The names a file the pre-scan skipped calls or derives classes from, read from its bytes.

A module with no SDK import and no prompt constant is not parsed in phase 1, yet it may call a
project wrapper (``from app.llm import ask; ask("...")``), a method a mixin implements
(``self.submit_prompt(p)``), or define a class on a project base. Phase 2 of the dataflow
(:mod:`auditor.analysis.reach`) reads such a file deeply only when it names something that
reaches a generation request; this is what it asks, without reading the file again.

The answer is one string ``" name1 name2 ... "`` (cheap to keep in the cache and to search with
``f" {name} " in calls``): every identifier written right before ``(`` (calls, ``def``s,
``class`` statements) and every name in a ``class`` statement's bases. Builtins and dunders are
left out. Over-approximate on purpose: a name written in a string or a comment costs at most one
deep read of the file, a name left out would lose a flow.
"""

from __future__ import annotations

import builtins
import re

_CALLED = re.compile(rb"([A-Za-z_][A-Za-z0-9_]*)[ \t]*\(")
_BASES = re.compile(rb"^[ \t]*class[ \t]+[A-Za-z_][A-Za-z0-9_]*[ \t]*\(([^)]*)\)", re.M)
_WORD = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_NOISE = frozenset(n.encode() for n in dir(builtins)) | {b"def", b"class", b"if", b"elif", b"while", b"for", b"in", b"and", b"or", b"not", b"return", b"await", b"lambda", b"self", b"cls", b"super"}
MAX_NAMES = 2000  # a generated module with more distinct calls than this is read deeply if in doubt


def called_names(data: bytes) -> str:
    """``" a b c "``: the names ``data`` calls or bases classes on ("" when there are none);
    ``"*"`` when there are too many to list (then any name matches: see :func:`mentions`)."""
    names = set(_CALLED.findall(data))
    for bases in _BASES.findall(data):
        names.update(_WORD.findall(bases))
    names = {n for n in names if n not in _NOISE and not n.startswith(b"__")}
    if not names:
        return ""
    if len(names) > MAX_NAMES:
        return "*"
    return " " + b" ".join(sorted(names)).decode("ascii") + " "


def mentions(calls: str, names: set[str]) -> bool:
    """Whether a file with these ``calls`` (see :func:`called_names`) names one of ``names``."""
    if calls == "*":
        return True
    return any(f" {n} " in calls for n in names)
