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

from functools import lru_cache

_IDENT = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_")
_IDENT_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"  # what `translate(None, _IDENT_BYTES)` deletes


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
    if len(calls) + len(words) >= MANY_NAMES:
        return _found_by_tokens(data, calls, words)
    out = {n for n in calls if calls_name(data, n)}
    out.update("w:" + w for w in words if names_word(data, w))
    return out


# Many names at once (the dataflow's last rounds ask ~250: every function that reaches a request,
# test functions included): one search per name costs names x bytes, so the file is cut into its
# identifiers once instead - every byte outside ASCII letters, digits, ``_`` and ``(`` made a space,
# ``(`` kept after the identifier it follows - and each name looked up in that set. A token
# ``name(`` is exactly a ``name(`` not preceded by an identifier byte, a token ``word`` or
# ``word(`` exactly a whole ``word``: the answers of :func:`calls_name` and :func:`names_word`.
# Names with other characters are searched as before. nb corpus, the 1,143 files of the 262-name
# round: 0.65 -> 0.16 CPU-s; below ~50 names the searches are faster.
MANY_NAMES = 48
_TOKEN_BYTES = bytes(b if b in _IDENT or b == 0x28 else 0x20 for b in range(256))  # 0x28: "("


@lru_cache(maxsize=8192)
def _token(name: str) -> bytes | None:
    """``name`` as a token's bytes, or None when it holds a byte tokens never do (searched then)."""
    b = name.encode("utf-8", "surrogatepass")
    return b if b and not b.translate(None, _IDENT_BYTES) else None


def _found_by_tokens(data: bytes, calls, words) -> set[str]:
    tokens = set(data.translate(_TOKEN_BYTES).replace(b"(", b"( ").split())
    out: set[str] = set()
    for n in calls:
        b = _token(n)
        if b + b"(" in tokens if b is not None else calls_name(data, n):
            out.add(n)
    for w in words:
        b = _token(w)
        if (b in tokens or b + b"(" in tokens) if b is not None else names_word(data, w):
            out.add("w:" + w)
    return out
