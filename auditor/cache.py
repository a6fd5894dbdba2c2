"""Per-file result cache: phase-1 facts keyed on content hash + settings hash + tool version.

One file per project root in ``$LLM_AUDIT_CACHE_DIR`` (default ``.llm_audit_cache/`` beside
the policy, with its own ``.gitignore``). Entries are pickled for speed and signed with
HMAC-SHA256 under a per-user key kept outside the project (``~/.cache/llm-audit/cache.key``),
so a cache folder committed to a repository, copied from another machine, truncated or
tampered with is never unpickled: it is ignored and rewritten. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import secrets
import tempfile
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.writes import atomic_write

MAGIC = b"LLMAUDIT-CACHE-1\n"


def _user_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-audit"


def _key() -> bytes:
    path = _user_dir() / "cache.key"
    try:
        data = path.read_bytes()
        if len(data) >= 32:
            return data
    except OSError:
        pass
    key = secrets.token_bytes(32)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        return path.read_bytes()
    except OSError:
        return key  # unwritable home: the cache works for this process only


def sign(payload: bytes) -> str:
    """HMAC-SHA256 of ``payload`` under the per-user key (hex), as the facts cache is signed."""
    return hmac.new(_key(), payload, hashlib.sha256).hexdigest()


def signed(payload: bytes, signature: object) -> bool:
    return isinstance(signature, str) and hmac.compare_digest(signature, sign(payload))


def code_digest() -> str:
    """Identifies this installation's code, so a changed checkout never reuses old results."""
    h = hashlib.sha256(__version__.encode())
    pkg = Path(__file__).resolve().parent
    for p in sorted(pkg.rglob("*.py")):
        try:
            st = p.stat()
        except OSError:
            continue
        h.update(f"{p.relative_to(pkg)}:{st.st_size}:{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def cache_dir(root: Path) -> Path:
    env = os.environ.get("LLM_AUDIT_CACHE_DIR")
    return Path(env) if env else root / ".llm_audit_cache"


def _ensure_dir(d: Path) -> None:
    if not d.exists():
        d.mkdir(parents=True, exist_ok=True)
        (d / ".gitignore").write_text("# created by llm-audit\n*\n", encoding="utf-8")


def scratch_dir(root: Path) -> Path | None:
    """A folder of ours for temporary files (fixes are written there, then moved into place),
    cleared of files a killed run left; None when it cannot be made."""
    from auditor.writes import clean_stale

    d = cache_dir(root) / "tmp"
    try:
        _ensure_dir(cache_dir(root))
        d.mkdir(exist_ok=True)
    except OSError:
        return None
    clean_stale(d)
    return d


class FactsCache:
    """{relative path: (content sha256, facts)} for one root and one settings digest."""

    def __init__(self, root: Path, settings_digest: str, enabled: bool = True, kind: str = "facts"):
        self.enabled = enabled
        self.dir = cache_dir(root)
        name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
        self.path = self.dir / f"{kind}-{name}.bin"
        self.header = f"{code_digest()}|{settings_digest}".encode()
        self.entries: dict[str, tuple[str, Any]] = {}
        self.dirty = False
        self.hits = 0
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            blob = self.path.read_bytes()
        except OSError:
            return
        try:
            if not blob.startswith(MAGIC):
                return
            sig, payload = blob[len(MAGIC) : len(MAGIC) + 32], blob[len(MAGIC) + 32 :]
            if not hmac.compare_digest(sig, hmac.new(_key(), payload, hashlib.sha256).digest()):
                return  # foreign or corrupt: never unpickle it
            header, entries = pickle.loads(payload)
            if header == self.header and isinstance(entries, dict):
                self.entries = entries
        except Exception:  # noqa: BLE001 - a bad cache is ignored and rewritten
            self.entries = {}

    def get(self, rel: str, digest: str) -> Any | None:
        if not self.enabled:
            return None
        hit = self.entries.get(rel)
        if hit is not None and hit[0] == digest:
            self.hits += 1
            return hit[1]
        return None

    def put(self, rel: str, digest: str, facts: Any) -> None:
        if self.enabled:
            self.entries[rel] = (digest, facts)
            self.dirty = True

    def prune(self, keep: set[str]) -> None:
        for rel in list(self.entries):
            if rel not in keep:
                del self.entries[rel]
                self.dirty = True

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            payload = pickle.dumps((self.header, self.entries), protocol=pickle.HIGHEST_PROTOCOL)
            sig = hmac.new(_key(), payload, hashlib.sha256).digest()
            _ensure_dir(self.dir)
            atomic_write(self.path, MAGIC + sig + payload)
        except OSError:
            pass  # a read-only tree still gets its results
