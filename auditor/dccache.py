"""The compiled code of dataclass methods, kept between runs of the command line.

Creating a dataclass writes the source of its ``__init__``, ``__repr__``, ``__eq__`` (and
``__setattr__``/``__hash__`` when frozen) and compiles it with ``exec``: for the ~100
dataclasses a ``check`` imports that was ~0.04 of the ~0.15 CPU-s of its imports, on every run,
for the same few hundred texts. :func:`install` gives the :mod:`dataclasses` module an ``exec``
of its own (a module global, found before the builtin) that compiles each text once and keeps
the code objects; :func:`save` writes them at the end of the run, and the next run loads them.
Nothing else changes: the same text, compiled the way ``exec`` compiles it (no ``__future__``
flags inherited, file name ``<string>``), run in the globals and namespace dataclasses gives.

The file (``~/.cache/llm-audit/dataclass-code-<python cache tag>.bin``) holds code, so it is
signed like the facts cache (HMAC-SHA256 under the per-user key, :mod:`auditor.cache`) and
keyed by the interpreter's bytecode magic number; anything unsigned, foreign, truncated or of
another Python is ignored and rewritten. Only the real command line installs it (not a program
that imports the package, nor the tests' in-process runs).
"""

from __future__ import annotations

import builtins
import os
import sys

MAGIC = b"LLMAUDIT-DCCODE-1\n"
MAX_ENTRIES = 4000  # texts kept; past it, a save keeps only those this run used
_state: dict = {}


def _path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = sys.implementation.cache_tag or "python"
    return os.path.join(base, "llm-audit", f"dataclass-code-{tag}.bin")


def path() -> str:
    """Where the code is kept (the replay counts it as one of its own caches: auditor/replay.py)."""
    return _state.get("path") or _path()


def _bytecode_magic() -> bytes:
    from importlib.util import MAGIC_NUMBER

    return MAGIC_NUMBER


def _load(file: str) -> dict[str, object]:
    import hashlib
    import hmac
    import marshal

    try:
        with open(os.path.join(os.path.dirname(file), "cache.key"), "rb") as fh:
            secret = fh.read()
        if len(secret) < 32:
            return {}
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError:
        return {}
    head = MAGIC + _bytecode_magic()
    if not data.startswith(head):
        return {}
    signature, payload = data[len(head) : len(head) + 32], data[len(head) + 32 :]
    if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
        return {}  # foreign or corrupt: never loaded
    try:
        codes = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(codes, dict):
        return {}
    code_type = type(_load.__code__)
    return {k: v for k, v in codes.items() if isinstance(k, str) and type(v) is code_type}


def install() -> None:
    """From now on dataclasses compile each method text once per installation (see above)."""
    import dataclasses

    if _state or getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return
    file = _path()
    codes = _load(file)
    used: dict[str, object] = {}
    _state.update(path=file, codes=codes, used=used, new=0)
    real = builtins.exec

    def exec_(source, globals=None, locals=None, /):  # the builtin's own signature
        if type(source) is str:
            code = codes.get(source)
            if code is None:
                code = compile(source, "<string>", "exec", dont_inherit=True)
                codes[source] = code
                _state["new"] += 1
            used[source] = code
            source = code
        return real(source, globals, locals)

    dataclasses.exec = exec_  # type: ignore[attr-defined]
    import atexit

    atexit.register(save)  # commands that end normally; check and fix save before their fast exit (cli/fastexit.py)


def save() -> None:
    """Write the code when this run compiled a text the file did not hold (never fails a run)."""
    if not _state.get("new"):
        return
    _state["new"] = 0
    try:
        import hashlib
        import hmac
        import marshal
        from pathlib import Path

        from auditor.cache import _key
        from auditor.writes import atomic_write

        codes = _state["codes"] if len(_state["codes"]) <= MAX_ENTRIES else _state["used"]
        payload = marshal.dumps(dict(codes))
        file = Path(_state["path"])
        secret = _key()  # made when missing, beside this file
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(file, MAGIC + _bytecode_magic() + hmac.new(secret, payload, hashlib.sha256).digest() + payload)
    except Exception as e:  # noqa: BLE001 - only speed is at stake
        if os.environ.get("LLM_AUDIT_DEBUG"):
            sys.__stderr__.write(f"llm-audit: dataclass code not saved: {e!r}\n")
