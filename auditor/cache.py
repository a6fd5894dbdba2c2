"""Per-file result cache: phase-1 facts keyed on content hash + settings hash + tool version.

One file per project root in ``$LLM_AUDIT_CACHE_DIR`` (default ``.llm_audit_cache/`` in the
project root, with its own ``.gitignore``), signed with HMAC-SHA256 under a per-user key kept
outside the project (``~/.cache/llm-audit/cache.key``), so a cache folder committed to a
repository, copied from another machine, truncated or tampered with is never unpickled: it is
ignored and rewritten. Writes are atomic.

It is also the project index of explicit-file runs (pre-commit), so loading it is cheap: one
read, one signature check, and one unpickling of the index, in which each file's facts are
still packed bytes, in two parts: the *core* (call sites, prompt constants, findings,
suppressions, usage facts), unpacked when the file's facts are used, and the *summary*
(constants, texts, imports: what other modules look up), unpacked only when another module
refers to it (:meth:`FactsCache.summary`). A run that changes a few entries (pre-commit, an
edit) writes only those, to a signed journal beside the main file (:mod:`auditor.cache_delta`).
A file the pre-scan skipped is just its name. An
entry also records the file's size, mtime, ctime and inode when it was read: a file whose
``stat`` still says the same, and that was already older than :data:`RACY_NS` then, is not
read again (git's "racy" rule: a change within the timestamp granularity is never missed).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.cache_delta import Journal
from auditor.writes import atomic_write
from auditor.reads import read_bytes

MAGIC = b"LLMAUDIT-CACHE-2\n"
RACY_NS = 2_000_000_000  # a file changed less than 2 s before it was read is always re-read
# FileFacts.extra keys that are summary (looked up by other modules), not core
SUMMARY_EXTRA = ("imports", "client_names", "summaries", "star_imports", "client_returns")


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
        import tempfile

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
    found: list[tuple[list[str], int, int]] = []

    def walk(folder: str, rel: str) -> None:  # os.scandir, no Path per file: ~2% of a pre-commit run
        try:
            with os.scandir(folder) as it:
                listed = list(it)
        except OSError:
            return
        for e in listed:
            try:
                if e.is_dir():
                    walk(e.path, f"{rel}{e.name}/")
                elif e.name.endswith(".py"):
                    st = e.stat()
                    found.append(((rel + e.name).split("/"), st.st_size, st.st_mtime_ns))
            except OSError:
                continue

    walk(os.path.dirname(os.path.realpath(__file__)), "")
    for parts, size, mtime in sorted(found):
        h.update(f"{'/'.join(parts)}:{size}:{mtime}".encode())
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


def stat_sig(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


UNBOUND = b"unbound"  # the core of a skipped file that is only *unbound* (never a pickle: those start with 0x80)
_UNBOUND_EXTRA = {"skipped": True, "unbound": True}


def _pack(facts: Any) -> tuple[bytes | None, bytes | None]:
    """(core, summary) pickles of one file's facts; (None, None) for a bare skipped file."""
    summary_extra = {k: facts.extra[k] for k in SUMMARY_EXTRA if k in facts.extra}
    has_summary = bool(facts.constants or facts.texts or summary_extra)
    bare = not (facts.call_sites or facts.prompt_constants or facts.findings or facts.suppressions.lines or facts.suppressions.file)
    if bare and not has_summary and set(facts.extra) <= {"skipped"}:
        return None, None
    if bare and not has_summary and facts.extra == _UNBOUND_EXTRA:
        return UNBOUND, None  # a fifth of the SDK corpus: built, not unpickled, on load
    core = copy.copy(facts)
    core.constants, core.texts = {}, {}
    core.extra = {k: v for k, v in facts.extra.items() if k not in SUMMARY_EXTRA}
    if has_summary:
        core.extra["packed_summary"] = True
    summary = pickle.dumps((facts.constants, facts.texts, summary_extra), protocol=pickle.HIGHEST_PROTOCOL) if has_summary else None
    return pickle.dumps(core, protocol=pickle.HIGHEST_PROTOCOL), summary


class FactsCache:
    """{relative path: entry} for one root; an entry is (content sha256, settings digest, stat
    signature, time read, kind, module, core pickle, summary pickle)."""

    def __init__(self, root: Path, settings_digest: str = "", enabled: bool = True):
        self.enabled = enabled
        self.dir = cache_dir(root)
        name = hashlib.sha256(os.fsencode(root.resolve())).hexdigest()[:16]
        self.path = self.dir / f"facts-{name}.bin"
        self.delta_path = self.dir / f"delta-{name}.bin"  # the changes since the main file (cache_delta.py)
        self.header = f"{code_digest()}|{settings_digest}".encode()
        self.entries: dict[str, tuple] = {}
        self.meta: dict[str, Any] = {}  # other per-project results (the project walk: config/scope.py)
        self.dirty = False
        self.hits = 0
        self.journal = Journal()
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            blob = read_bytes(self.path)
        except OSError:
            return
        try:
            if not blob.startswith(MAGIC):
                return
            sig, payload = blob[len(MAGIC) : len(MAGIC) + 32], blob[len(MAGIC) + 32 :]
            if not hmac.compare_digest(sig, hmac.new(_key(), payload, hashlib.sha256).digest()):
                return  # foreign or corrupt: never unpickle it
            header, entries, meta = pickle.loads(payload)
            if header == self.header and isinstance(entries, dict) and isinstance(meta, dict):
                self.entries, self.meta = entries, meta
                self.journal.based_on(sig, len(blob))
        except Exception:  # noqa: BLE001 - a bad cache is ignored and rewritten
            self.entries, self.meta = {}, {}
            return
        if self.journal.base is not None:
            self.journal.load(self.delta_path, _key(), self.entries, self.meta)

    def known_digest(self, rel: str, st: os.stat_result) -> str | None:
        """The content digest recorded for ``rel`` if its file provably did not change since
        (same stat signature, and not changed just before it was read), else None."""
        e = self.entries.get(rel) if self.enabled else None
        if e is None or e[2] != stat_sig(st) or st.st_mtime_ns > e[3] - RACY_NS:
            return None
        return e[0]

    def get(self, rel: str, digest: str, settings: str = "") -> Any | None:
        if not self.enabled:
            return None
        e = self.entries.get(rel)
        if e is None or e[0] != digest or e[1] != settings:
            return None
        self.hits += 1
        if e[6] is None or e[6] == UNBOUND:
            from auditor.facts import FileFacts

            facts = FileFacts(path=rel, module=e[5], kind=e[4])
            facts.extra.update(_UNBOUND_EXTRA if e[6] is not None else {"skipped": True})
            return facts
        return pickle.loads(e[6])

    def summary(self, facts: Any) -> bool:
        """Unpack the summary part of cached ``facts`` into it; False if it has none here."""
        if not facts.extra.pop("packed_summary", False):
            return False
        e = self.entries.get(facts.path)
        if e is None or e[7] is None:
            return False
        constants, texts, extra = pickle.loads(e[7])
        facts.constants.update(constants)
        facts.texts.update(texts)
        facts.extra.update(extra)
        return True

    def put(self, rel: str, digest: str, facts: Any, settings: str = "", st: os.stat_result | None = None, read_ns: int = 0) -> None:
        if self.enabled:
            core, summary = _pack(facts)
            self.entries[rel] = (digest, settings, stat_sig(st) if st is not None else None, read_ns, facts.kind, facts.module, core, summary)
            self.dirty = True
            self.journal.changed(rel)

    def put_stat(self, rel: str, st: os.stat_result, read_ns: int) -> None:
        """The file's bytes are the cached ones, its ``stat`` changed (touched, checked out
        again): record the new signature so the next run need not read it."""
        e = self.entries.get(rel)
        if self.enabled and e is not None and e[2] != stat_sig(st):
            self.entries[rel] = (e[0], e[1], stat_sig(st), read_ns, *e[4:])
            self.dirty = True
            self.journal.changed(rel)

    def set_meta(self, key: str, value: Any) -> None:
        if self.enabled:
            self.meta[key] = value
            self.dirty = True
            self.journal.meta_changed(key)

    def prune(self, keep: set[str]) -> None:
        for rel in list(self.entries):
            if rel not in keep:
                del self.entries[rel]
                self.dirty = True
                self.journal.removed(rel)

    def save(self) -> None:
        if not (self.enabled and self.dirty):
            return
        try:
            if self.journal.save(self.delta_path, _key(), self.entries, self.meta):
                self.dirty = False  # a few files changed: only they were written
                return
            payload = pickle.dumps((self.header, self.entries, self.meta), protocol=pickle.HIGHEST_PROTOCOL)
            sig = hmac.new(_key(), payload, hashlib.sha256).digest()
            _ensure_dir(self.dir)
            atomic_write(self.path, MAGIC + sig + payload)
            self.journal.rebased(self.delta_path, sig, len(MAGIC) + 32 + len(payload))
            self.dirty = False
        except OSError:
            pass  # a read-only tree still gets its results
