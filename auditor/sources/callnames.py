"""Whether a file the pre-scan skipped calls a name, read from its bytes.

A module with no SDK import and no prompt constant is not parsed in phase 1, yet it may call a
project wrapper (``from app.llm import ask; ask("...")``), a method a mixin implements
(``self.submit_prompt(p)``), or define a class on a project base. Phase 2 of the dataflow
(:mod:`auditor.analysis.reach`) reads such a file only when its bytes name something that
reaches a generation request: ``name(`` for a function or method, the bare name for a class.

A name counts only where it is not the tail of a longer identifier (``acompletion(`` does not
call ``completion``, ``APIRouter`` does not name ``Router``), and a class name only where it is
not the head of one either (``BaseLLMHTTPHandler`` does not name ``BaseLLM``): the dataflow
matches calls by their last name and classes by their whole name, so a file whose bytes hold a
name only inside longer identifiers has no flow to it. Measured on the SDK benchmark corpus:
229 of 720 unbound files were read again for a flow with plain substring tests, 82 with these.
Otherwise over-approximate on purpose (a name in a comment or a string counts; a byte outside
ASCII letters, digits and ``_`` is a boundary): a name let through costs one parse of the file,
a name missed would lose a flow. The search is ``bytes.find`` (a fast C search); the neighbours
of a hit are looked at only when the name is there at all.
"""

from __future__ import annotations

_IDENT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")


def _spelt(data: bytes, needle: bytes, whole: bool) -> bool:
    """``needle`` in ``data`` not preceded by an identifier byte (and, when ``whole``, not followed by one)."""
    i = data.find(needle)
    n = len(needle)
    while i >= 0:
        if (i == 0 or data[i - 1] not in _IDENT) and (not whole or i + n >= len(data) or data[i + n] not in _IDENT):
            return True
        i = data.find(needle, i + 1)
    return False


def calls_name(data: bytes, name: str) -> bool:
    """``data`` holds ``name(`` with ``name`` not the tail of a longer identifier (``x.name(`` counts)."""
    return _spelt(data, (name + "(").encode(), False)


def names_word(data: bytes, word: str) -> bool:
    """``data`` holds ``word`` as a whole identifier (``Base`` in ``class A(mod.Base):``, not in ``BaseX``)."""
    return _spelt(data, word.encode(), True)


def names_in(data: bytes, calls: frozenset[str], words: frozenset[str] = frozenset()) -> bool:
    """``data`` calls a name in ``calls`` (``name(``), or names a word in ``words``."""
    return any(calls_name(data, n) for n in calls) or any(names_word(data, w) for w in words)


def found_names(data: bytes, calls: frozenset[str] | set[str], words: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Which of ``calls`` (as ``name(``) and ``words`` (prefixed ``w:`` in the answer) ``data`` holds."""
    out = {n for n in calls if calls_name(data, n)}
    out.update("w:" + w for w in words if names_word(data, w))
    return out
