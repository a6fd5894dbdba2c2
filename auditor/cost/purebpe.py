"""Exact token counts without building tiktoken's encoder, for runs that count little text.

Building ``tiktoken.Encoding`` costs ~0.3-0.5 CPU-s per cold run (its Rust ``CoreBPE`` copies 200k
ranks into a hash map, after the ranks themselves are unmarshalled), while a typical repository's
prompts hold 20-150k characters. Here the same byte-pair encoding runs in Python over a table of the
verified ranks in a form that needs no unpacking: ``llm-audit-<name>.bpe`` beside the ranks' fast
form (:mod:`auditor.cost.rankcache`), written from the ranks tiktoken was built from (same
``expected_hash``), signed with the per-user key. It holds the token bytes ordered by rank, their
offsets, and an open-addressing hash table (crc32, linear probing) from token bytes to rank, read
as ``memoryview`` casts: opening it is one read and one HMAC.

A count is tiktoken's ``encode_ordinary``: its own pre-tokenisation pattern (``pat_str`` from
``tiktoken_ext.openai_public``) run by the ``regex`` package (tiktoken's dependency; the pattern
is written for it), then per piece one rank lookup, and for a piece that is no token the merge
loop of tiktoken's ``_byte_pair_merge`` (lowest-ranked adjacent pair first, leftmost on ties).
:func:`count` declines (None) - the caller then uses tiktoken - for text whose characters a
different Unicode table could class differently (unassigned in this Python's ``unicodedata``,
or outside the BMP and the emoji planes), for pieces longer than :data:`MAX_PIECE` bytes (the
merge loop is quadratic), and once :data:`BUDGET_CHARS` characters were counted here in this
process: past that, building the encoder pays.
"""

from __future__ import annotations

import struct
import sys
import threading
import types
import unicodedata
from array import array
from pathlib import Path
from zlib import crc32

MAGIC = b"LLMAUDIT-BPE-1-" + sys.byteorder.encode("ascii")[:1] + b"\n"
MAX_PIECE = 128  # bytes; longer pieces (base64, hashes) go to tiktoken
BUDGET_CHARS = 400_000  # characters counted here per process before the encoder is built instead
_HEAD = struct.Struct("<II")  # number of tokens, number of hash slots (a power of two)


def table_path(name: str, folder: Path) -> Path:
    return folder / f"llm-audit-{name}.bpe"


def build_table(ranks: dict[bytes, int]) -> bytes:
    """The table for ``ranks`` (ranks 0..n-1, each once)."""
    n = len(ranks)
    toks: list[bytes] = [b""] * n
    for tok, r in ranks.items():
        toks[r] = tok
    if any(not t for t in toks):
        raise ValueError("ranks are not 0..n-1")
    offsets = array("I", [0])
    total = 0
    for t in toks:
        total += len(t)
        offsets.append(total)
    size = 1 << max(4, (n * 5 // 2).bit_length())
    mask = size - 1
    slots = array("I", bytes(4 * size))
    for r, t in enumerate(toks):
        i = crc32(t) & mask
        while slots[i]:
            i = (i + 1) & mask
        slots[i] = r + 1
    return _HEAD.pack(n, size) + offsets.tobytes() + slots.tobytes() + b"".join(toks)


def store_table(name: str, expected_hash: str, ranks: dict[bytes, int], folder: Path) -> bool:
    """Write the table of ``ranks`` (decoded from the rank file with ``expected_hash``)."""
    from auditor.cache import sign
    from auditor.writes import atomic_write

    try:
        head = MAGIC + expected_hash.encode("ascii")
        payload = build_table(ranks)
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(table_path(name, folder), head + sign(head + payload).encode("ascii") + payload)
        return True
    except (OSError, ValueError):
        return False


class Table:
    """The ranks of one encoding, looked up in place."""

    def __init__(self, payload: bytes) -> None:
        n, size = _HEAD.unpack_from(payload)
        view = memoryview(payload)
        at = _HEAD.size
        self.offsets = view[at : at + 4 * (n + 1)].cast("I")
        at += 4 * (n + 1)
        self.slots = view[at : at + 4 * size].cast("I")
        at += 4 * size
        self.blob = payload[at:]
        self.mask = size - 1
        if len(self.offsets) != n + 1 or len(self.slots) != size or size & self.mask or self.offsets[n] != len(self.blob):
            raise ValueError("malformed table")

    def rank(self, piece: bytes) -> int | None:
        slots, offsets, blob, mask = self.slots, self.offsets, self.blob, self.mask
        i = crc32(piece) & mask
        while True:
            r = slots[i]
            if not r:
                return None
            r -= 1
            if blob[offsets[r] : offsets[r + 1]] == piece:
                return r
            i = (i + 1) & mask


def load_table(name: str, expected_hash: str, folder: Path) -> Table | None:
    """The signed table of ``name`` in ``folder`` decoded from the expected rank file, or None."""
    try:
        blob = table_path(name, folder).read_bytes()
    except OSError:
        return None
    from auditor.cost.rankcache import verified_payload

    payload = verified_payload(blob, MAGIC, expected_hash)
    if payload is None or len(payload) < _HEAD.size:
        return None
    try:
        return Table(payload)
    except (ValueError, TypeError, struct.error):
        return None


_INF = 1 << 32


def merge_count(table: Table, piece: bytes) -> int:
    """Tokens of ``piece`` (no single token) by tiktoken's ``_byte_pair_merge``."""
    rank = table.rank
    n = len(piece)
    bounds = list(range(n + 1))  # start of each part, then the end
    ranks = [rank(piece[i : i + 2]) for i in range(n - 1)]
    ranks = [_INF if r is None else r for r in ranks]
    while len(bounds) > 2:
        best = min(ranks)
        if best == _INF:
            break
        i = ranks.index(best)  # leftmost of the lowest
        del bounds[i + 1]
        del ranks[i]
        # parts i-1 and i now end at new boundaries: their merged ranks change
        if i + 2 < len(bounds):
            r = rank(piece[bounds[i] : bounds[i + 2]])
            ranks[i] = _INF if r is None else r
        if i > 0:
            r = rank(piece[bounds[i - 1] : bounds[i + 1]])
            ranks[i - 1] = _INF if r is None else r
    return len(bounds) - 1


def _stable(ch: str) -> bool:
    """Whether every Unicode table classes ``ch`` alike (assigned here; BMP or emoji planes)."""
    o = ord(ch)
    if 0xD800 <= o <= 0xDFFF:
        return False
    if o > 0xFFFF and not 0x1F000 <= o <= 0x1FAFF:
        return False
    return unicodedata.category(ch) != "Cn"


class Counter:
    """Counts of one encoding: tiktoken's pattern over the table."""

    def __init__(self, pat_str: str, table: Table) -> None:
        import regex

        self.findall = regex.compile(pat_str).findall
        self.table = table
        self.memo: dict[str, int] = {}  # piece -> tokens, this process
        self.checked: dict[str, bool] = {}  # non-ASCII character -> _stable

    def count(self, text: str) -> int | None:
        if not text.isascii():
            checked = self.checked
            for ch in set(text):
                ok = checked.get(ch)
                if ok is None:
                    ok = checked[ch] = ch.isascii() or _stable(ch)
                if not ok:
                    return None
        memo, rank, table = self.memo, self.table.rank, self.table
        total = 0
        for piece in self.findall(text):
            c = memo.get(piece)
            if c is None:
                b = piece.encode("utf-8")
                if len(b) == 1 or rank(b) is not None:
                    c = 1
                elif len(b) > MAX_PIECE:
                    return None
                else:
                    c = merge_count(table, b)
                memo[piece] = c
            total += c
        return total


_lock = threading.Lock()
_counters: dict[tuple[str, str], Counter | None] = {}  # (encoding, table folder) -> counter
_spent = [0]


def pattern(name: str) -> str:
    """tiktoken's own ``pat_str`` for ``name`` (its constructor, run without loading any ranks)."""
    from tiktoken_ext import openai_public

    ctor = openai_public.ENCODING_CONSTRUCTORS[name]
    isolated = types.FunctionType(ctor.__code__, {**ctor.__globals__, "load_tiktoken_bpe": lambda *a, **k: {}}, ctor.__name__)
    return isolated()["pat_str"]


def counter(name: str, expected_hash: str, folder: Path | None) -> Counter | None:
    """The counter of ``name`` if its table is in ``folder`` (loaded once per process)."""
    key = (name, str(folder))
    if key in _counters:
        return _counters[key]
    with _lock:
        if key not in _counters:
            made = None
            if folder is not None:
                try:
                    table = load_table(name, expected_hash, folder)
                    made = Counter(pattern(name), table) if table is not None else None
                except Exception:  # noqa: BLE001 - no table, no regex, a changed tiktoken: tiktoken counts
                    made = None
            _counters[key] = made
        return _counters[key]


def count(name: str, expected_hash: str, folder: Path | None, text: str) -> int | None:
    """tiktoken's ``len(encode_ordinary(text))`` for ``name``, or None where tiktoken must count."""
    if _spent[0] + len(text) > BUDGET_CHARS:
        return None
    c = counter(name, expected_hash, folder)
    if c is None:
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: tiktoken's own repair before encoding
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    n = c.count(text)
    if n is not None:
        _spent[0] += len(text)
    return n
