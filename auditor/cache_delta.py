"""The facts cache's journal: the entries a run changed, written beside the main file instead of
rewriting it whole.

A pre-commit run changes one file's entry of thousands; rewriting the main file (8 MB on the SDK
benchmark corpus: pickling, signing and writing it) cost more than the run's checks. The journal
holds the entries, removals and ``meta`` keys changed since the main file was written, and names
that file by its signature: it is applied on load only on top of that exact main file, signed
with the same per-user key (HMAC-SHA256, see :mod:`auditor.cache`), so a foreign, stale or
tampered journal is ignored, never unpickled. Each save rewrites the journal whole (what it held
plus this run's changes); once it outgrows :data:`MAX_SHARE` of the main file, the main file is
rewritten with everything and the journal removed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
from pathlib import Path
from typing import Any

from auditor.writes import atomic_write

MAGIC = b"LLMAUDIT-DELTA-1\n"
MAX_SHARE = 0.125  # a journal larger than this share of the main file folds into it
MIN_BYTES = 256 * 1024  # ... but a journal this small is always fine


class Journal:
    """What changed since the main file was loaded (or written), and what its journal held."""

    def __init__(self) -> None:
        self.base: bytes | None = None  # the main file's signature, once it was read and trusted
        self.base_size = 0
        self.entries: set[str] = set()
        self.gone: set[str] = set()
        self.meta: set[str] = set()

    def based_on(self, signature: bytes, size: int) -> None:
        self.base, self.base_size = signature, size

    def changed(self, rel: str) -> None:
        self.entries.add(rel)
        self.gone.discard(rel)

    def removed(self, rel: str) -> None:
        self.entries.discard(rel)
        self.gone.add(rel)

    def meta_changed(self, key: str) -> None:
        self.meta.add(key)

    def load(self, path: Path, key: bytes, entries: dict[str, tuple], meta: dict[str, Any]) -> None:
        """Apply the journal at ``path`` to the main file's ``entries`` and ``meta`` (in place)
        when it was written on top of this main file under this key; else leave them."""
        try:
            with open(path, "rb") as fh:
                blob = fh.read()
        except OSError:
            return
        if not blob.startswith(MAGIC) or len(blob) < len(MAGIC) + 64:
            return
        sig, payload = blob[len(MAGIC) : len(MAGIC) + 32], blob[len(MAGIC) + 32 :]
        if not hmac.compare_digest(sig, hmac.new(key, payload, hashlib.sha256).digest()):
            return  # foreign or corrupt: never unpickled
        if not hmac.compare_digest(payload[:32], self.base or b""):
            return  # written on top of another main file
        try:
            changed, gone, new_meta = pickle.loads(payload[32:])
            if not (isinstance(changed, dict) and isinstance(gone, (set, frozenset)) and isinstance(new_meta, dict)):
                return
            if not all(isinstance(e, tuple) and len(e) == 8 for e in changed.values()):
                return
        except Exception:  # noqa: BLE001 - a bad journal is ignored (and replaced on save)
            return
        for rel in gone:
            entries.pop(rel, None)
        entries.update(changed)
        meta.update(new_meta)
        self.entries.update(changed)
        self.gone.update(gone)
        self.meta.update(new_meta)

    def save(self, path: Path, key: bytes, entries: dict[str, tuple], meta: dict[str, Any]) -> bool:
        """Write the journal (everything changed since the main file); False when there is no
        trusted main file to write it on, or it grew too large: then the main file is rewritten."""
        if self.base is None:
            return False
        changed = {rel: entries[rel] for rel in self.entries if rel in entries}
        size = sum(len(e[6] or b"") + len(e[7] or b"") + 200 for e in changed.values())
        if size > max(MIN_BYTES, self.base_size * MAX_SHARE):
            return False
        new_meta = {k: meta[k] for k in self.meta if k in meta}
        body = pickle.dumps((changed, set(self.gone), new_meta), protocol=pickle.HIGHEST_PROTOCOL)
        if len(body) > max(MIN_BYTES, self.base_size * MAX_SHARE):
            return False
        payload = self.base + body
        sig = hmac.new(key, payload, hashlib.sha256).digest()
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, MAGIC + sig + payload)
        return True

    def rebased(self, path: Path, signature: bytes, size: int) -> None:
        """The main file was just rewritten with everything: the journal is empty again."""
        self.base, self.base_size = signature, size
        self.entries, self.gone, self.meta = set(), set(), set()
        try:
            os.unlink(path)
        except OSError:
            pass
