"""The memo of exact token counts, by (encoding, sha1 of the text), kept between runs in the
cache folder (signed like the facts cache): a warm run whose prompts did not change never loads an
encoding (~0.3 s each). :func:`auditor.cost.tokens.count_tokens` reads and fills it; the engine
loads and saves it (:func:`load_memo`, :func:`save_memo`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from auditor.reads import read_text

_memo: dict[str, int] = {}
_memo_new = [0]


def lookup(key: str) -> int | None:
    """The memoised count under ``key`` (``encoding:sha1``), if any."""
    return _memo.get(key)


def record(key: str, tokens: int) -> None:
    """Memoise a count this run made (saved by :func:`save_memo`)."""
    _memo[key] = tokens
    _memo_new[0] += 1


def _memo_payload(counts: dict[str, int]) -> bytes:
    return json.dumps(counts, sort_keys=True, separators=(",", ":")).encode("utf-8")


def load_memo(path: Path) -> None:
    """Merge exact counts saved by an earlier run. The file is signed like the facts cache
    (HMAC under the per-user key, :func:`auditor.cache.sign`): an unsigned, foreign or edited
    memo would change token counts, findings and costs, so it is ignored (and rewritten)."""
    from auditor.cache import signed

    try:
        data = json.loads(read_text(path, encoding="utf-8"))
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
        import tempfile

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
