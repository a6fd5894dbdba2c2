"""Phrase-search results kept between runs, by digest of (search, catalog entries, text): a warm
run whose prompts did not change finds its phrases here and compiles no phrase regex at all
(each costs ~1-5 ms to compile: the verb slots are long alternations).

The engine hands in the memo stored in the facts cache (:func:`begin`, from ``cache.meta``,
which is signed and dropped when the tool's code or the catalog changes) and stores it back
when this run added to it (:func:`changed`, :func:`snapshot`). Outside a run with a cache
(``--no-cache``, library use, tests) nothing is looked up or recorded. A result is plain data
(numbers and strings), never a regex match.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

MAX_ENTRIES = 20_000  # beyond this, only the results this run used are kept

_memo: dict[str, Any] = {}
_used: set[str] = set()
_state = {"active": False, "new": 0}
_digests: dict[int, tuple[tuple, str]] = {}  # id(entries) -> (entries, digest): the entries kept alive


def begin(stored: object) -> None:
    """Start a run with the memo an earlier run stored (None or anything malformed: empty)."""
    _memo.clear()
    _used.clear()
    if isinstance(stored, dict):
        _memo.update(stored)
    _state.update(active=True, new=0)


def end() -> None:
    """Stop memoising (the run is over); the results stay until the next :func:`begin`."""
    _state["active"] = False


def changed() -> bool:
    return bool(_state["new"])


def snapshot() -> dict[str, Any]:
    """What to store: everything, or (past :data:`MAX_ENTRIES`) what this run used."""
    if len(_memo) <= MAX_ENTRIES:
        return dict(_memo)
    return {k: v for k, v in _memo.items() if k in _used}


def entries_digest(entries: tuple) -> str:
    """Identifies a tuple of catalog entries by everything a search reads from them."""
    hit = _digests.get(id(entries))
    if hit is not None and hit[0] is entries:
        return hit[1]
    h = hashlib.sha1()
    for e in entries:
        h.update(repr((e.phrase, e.rewrite, e.context, e.pattern.expr, e.pattern.slots, e.delimiter, e.why)).encode("utf-8", "surrogatepass"))
    digest = h.hexdigest()
    if len(_digests) > 256:
        _digests.clear()
    _digests[id(entries)] = (entries, digest)
    return digest


def memoised(kind: str, text: str, entries: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()``'s result for this search, text and entries; from the memo when a run is on
    and an earlier one stored it, else computed (and recorded when a run is on). The result
    must be plain data (tuples, numbers, strings, None)."""
    if not _state["active"]:
        return compute()
    h = hashlib.sha1(f"{kind}\x00{entries_digest(entries)}\x00".encode())
    h.update(text.encode("utf-8", "surrogatepass"))
    key = h.hexdigest()
    _used.add(key)
    if key in _memo:
        return _memo[key]
    value = compute()
    _memo[key] = value
    _state["new"] += 1
    return value
