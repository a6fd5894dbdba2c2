"""A fast form of the BPE ranks, kept in the user cache dir, for the cold start of token counting.

tiktoken reads its rank files as text (200k base64 lines for ``o200k_base``: ~0.3 s to decode on
the benchmark machine). The ranks, once decoded from a file whose sha256 is tiktoken's own
``expected_hash``, are kept as one ``marshal`` blob (read back ~3x faster) beside the rank files
tiktoken reads: ``llm-audit-<name>.ranks`` in the first cache directory of
:func:`auditor.cost.encodings._cache_dirs` (``$TIKTOKEN_CACHE_DIR`` when set, else
``~/.cache/llm-audit/tiktoken``); none when tiktoken's cache is turned off (``TIKTOKEN_CACHE_DIR=""``).

The file is ``MAGIC``, the expected_hash of the rank file it was decoded from, an HMAC-SHA256
(hex) of the rest under the per-user cache key (:func:`auditor.cache.sign`), then the blob. It is
used only when the recorded hash is the one tiktoken expects for that encoding and the HMAC
verifies (a truncated, tampered or foreign file is never unmarshalled, and is rewritten), and
the ranks it holds have the shape of rank tables (bytes keys, ranks up to ``n-1``).
"""

from __future__ import annotations

import marshal
from pathlib import Path

MAGIC = b"LLMAUDIT-RANKS-2\n"


def rank_path(name: str, folder: Path) -> Path:
    return folder / f"llm-audit-{name}.ranks"


def load_ranks(name: str, expected_hash: str, folder: Path) -> dict[bytes, int] | None:
    """The verified ranks of ``name`` kept in ``folder``, or None (no file, or one that does not verify)."""
    try:
        blob = rank_path(name, folder).read_bytes()
    except OSError:
        return None
    payload = verified_payload(blob, MAGIC, expected_hash)
    if payload is None:
        return None
    try:
        ranks = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    if not isinstance(ranks, dict) or not ranks or max(ranks.values()) != len(ranks) - 1 or type(next(iter(ranks))) is not bytes:
        return None
    return ranks


def verified_payload(blob: bytes, magic: bytes, expected_hash: str) -> bytes | None:
    """The payload of a file ``magic + expected_hash + HMAC + payload`` (this file's layout, and
    cost/purebpe.py's table), or None if it is from another rank file or does not verify."""
    from auditor.cache import signed

    head = len(magic) + 64
    if not blob.startswith(magic) or len(blob) < head + 64:
        return None
    try:
        recorded, sig = blob[len(magic) : head].decode("ascii"), blob[head : head + 64].decode("ascii")
    except UnicodeDecodeError:
        return None
    payload = blob[head + 64 :]
    if recorded != expected_hash:
        return None  # decoded from another rank file than the one tiktoken expects
    if not signed(blob[:head] + payload, sig):
        return None  # tampered, truncated, or written under another user's key
    return payload


def store_ranks(name: str, expected_hash: str, ranks: dict[bytes, int], folder: Path) -> bool:
    """Keep ``ranks`` (decoded from the verified rank file) in ``folder`` for the next cold start."""
    from auditor.cache import sign
    from auditor.writes import atomic_write

    try:
        head = MAGIC + expected_hash.encode("ascii")
        payload = marshal.dumps(ranks)
        sig = sign(head + payload).encode("ascii")
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(rank_path(name, folder), head + sig + payload)
        return True
    except (OSError, ValueError):
        return False
