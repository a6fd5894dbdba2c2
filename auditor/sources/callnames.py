"""Whether a file the pre-scan skipped calls a name, read from its bytes.

A module with no SDK import and no prompt constant is not parsed in phase 1, yet it may call a
project wrapper (``from app.llm import ask; ask("...")``), a method a mixin implements
(``self.submit_prompt(p)``), or define a class on a project base. Phase 2 of the dataflow
(:mod:`auditor.analysis.reach`) reads such a file only when its bytes name something that
reaches a generation request: ``name(`` for a function or method, the bare name for a class.

Substring tests (``bytes.__contains__``, a fast C search) rather than a regex: over-approximate
on purpose - a name in a comment, a string or a longer identifier costs at most one parse of
the file, a name missed would lose a flow.
"""

from __future__ import annotations


def names_in(data: bytes, calls: frozenset[str], words: frozenset[str] = frozenset()) -> bool:
    """``data`` holds ``name(`` for a name in ``calls``, or a name in ``words``."""
    for n in calls:
        if (n + "(").encode() in data:
            return True
    return any(w.encode() in data for w in words)


def found_names(data: bytes, calls: frozenset[str] | set[str], words: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Which of ``calls`` (as ``name(``) and ``words`` (prefixed ``w:`` in the answer) ``data`` holds."""
    out = {n for n in calls if (n + "(").encode() in data}
    out.update("w:" + w for w in words if w.encode() in data)
    return out
