"""Compiled code kept between runs of the command line: dataclass methods and regular expressions.

Every run made the same few hundred objects from the same texts again: creating a dataclass
writes the source of its ``__init__``, ``__repr__``, ``__eq__`` (``__setattr__``/``__hash__``
when frozen) and compiles it with ``exec``; a regular expression is parsed and translated into
the regex engine's code by :mod:`re`'s pure-Python compiler. For a ``check`` that was ~0.04 and
~0.05 CPU-s of every run. :func:`install` keeps the results:

* dataclasses: the :mod:`dataclasses` module gets an ``exec`` of its own (a module global,
  found before the builtin) that compiles each text once, the way ``exec`` compiles it (no
  ``__future__`` flags inherited, file name ``<string>``), and runs the code in the globals and
  namespace dataclasses gives;
* regular expressions (CPython 3.11-3.12, whose ``re._compiler.compile`` this follows): the
  engine code of each (pattern, flags) is kept, and a pattern is made from it by
  ``_sre.compile`` (which validates the code) exactly as ``re`` makes it; patterns with
  ``re.DEBUG`` and anything else go to ``re`` itself.

:func:`save` writes them at the end of the run when it made a new one; the next run loads
them. The file (``~/.cache/llm-audit/compiled-code-<python cache tag>.bin``) holds code, so it
is signed like the facts cache (HMAC-SHA256 under the per-user key, :mod:`auditor.cache`) and
keyed by the interpreter's bytecode magic number; anything unsigned, foreign, truncated or of
another Python is ignored and rewritten. Only the real command line installs it (not a program
that imports the package, nor the tests' in-process runs).
"""

from __future__ import annotations

import builtins
import os
import sys

MAGIC = b"LLMAUDIT-CODE-4\n"
MAX_ENTRIES = 2000  # dataclass methods kept; past it, a save keeps only those this run used
MAX_REGEX_BYTES = 4 << 20  # the regexes' engine code kept (some are built from a project's data); past it, as above
_state: dict = {}


def _path() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    tag = sys.implementation.cache_tag or "python"
    return os.path.join(base, "llm-audit", f"compiled-code-{tag}.bin")


def path() -> str:
    """Where the code is kept (the replay counts it as one of its own caches: auditor/replay.py)."""
    return _state.get("path") or _path()


def _bytecode_magic() -> bytes:
    loaded = sys.modules.get("_frozen_importlib_external")  # always there; importlib.util costs ~5 ms to import
    magic = getattr(loaded, "MAGIC_NUMBER", None)
    if not isinstance(magic, bytes):
        from importlib.util import MAGIC_NUMBER as magic
    import _sre

    return magic + str(getattr(_sre, "MAGIC", 0)).encode() + b"\n"  # ... and the regex engine's code format


def _load(file: str) -> tuple[dict, dict]:
    import hashlib
    import hmac
    import marshal

    try:
        with open(os.path.join(os.path.dirname(file), "cache.key"), "rb") as fh:
            secret = fh.read()
        if len(secret) < 32:
            return {}, {}
        with open(file, "rb") as fh:
            data = fh.read()
    except OSError:
        return {}, {}
    head = MAGIC + _bytecode_magic()
    if not data.startswith(head):
        return {}, {}
    signature, payload = data[len(head) : len(head) + 32], data[len(head) + 32 :]
    if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
        return {}, {}  # foreign or corrupt: never loaded
    try:
        codes, regexes = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}, {}
    if not (isinstance(codes, dict) and isinstance(regexes, dict)):
        return {}, {}
    code_type = type(_load.__code__)
    return {k: v for k, v in codes.items() if isinstance(k, str) and type(v) is code_type}, regexes


def install() -> None:
    """From now on dataclass methods and regular expressions are compiled once per installation."""
    import dataclasses

    if _state or getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:
        return
    file = _path()
    codes, regexes = _load(file)
    used: dict[str, object] = {}
    _state.update(path=file, codes=codes, used=used, regexes=regexes, used_re={}, new=0)
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
    if sys.implementation.name == "cpython" and sys.version_info[:2] in ((3, 11), (3, 12)):
        _install_re(regexes, _state["used_re"])
    import atexit

    atexit.register(save)  # commands that end normally; check and fix save before their fast exit (cli/fastexit.py)


def _install_re(memo: dict, used: dict) -> None:
    import _sre
    from array import array
    from re import _compiler, _parser

    if array("I").itemsize != 4 or _sre.CODESIZE != 4:  # the engine's code words, as bytes
        return
    real = _compiler.compile
    debug = _compiler.SRE_FLAG_DEBUG

    def compile_(p, flags=0):
        if type(p) not in (str, bytes) or type(flags) is not int or flags & debug:
            return real(p, flags)
        key = (p, flags)
        hit = memo.get(key)
        if not _valid(hit):
            parsed = _parser.parse(p, flags)
            groupindex = dict(parsed.state.groupdict)
            indexgroup = [None] * parsed.state.groups
            for name, i in groupindex.items():
                indexgroup[i] = name
            code = array("I", _compiler._code(parsed, flags)).tobytes()  # kept as bytes: small, and quick to load
            hit = (int(flags | parsed.state.flags), code, int(parsed.state.groups - 1), groupindex, tuple(indexgroup))
            memo[key] = hit
            _state["new"] += 1
        words = array("I")
        words.frombytes(hit[1])
        try:
            made = _sre.compile(p, hit[0], words.tolist(), hit[2], hit[3], hit[4])
        except Exception:  # noqa: BLE001 - code the engine refuses: forget it, let re compile the pattern
            memo.pop(key, None)
            return real(p, flags)
        used[key] = hit
        return made

    _compiler.compile = compile_


def _valid(hit: object) -> bool:
    return (
        type(hit) is tuple and len(hit) == 5 and type(hit[0]) is int and type(hit[1]) is bytes and len(hit[1]) % 4 == 0
        and type(hit[2]) is int and type(hit[3]) is dict and type(hit[4]) is tuple
    )


def save() -> None:
    """Write the code when this run made something the file did not hold (never fails a run)."""
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
        regexes = _state["regexes"] if sum(len(h[1]) for h in _state["regexes"].values()) <= MAX_REGEX_BYTES else _state["used_re"]
        if os.environ.get("LLM_AUDIT_DEBUG"):
            sys.__stderr__.write(f"llm-audit: compiled code saved: {len(codes)} methods, {len(regexes)} regexes\n")
        payload = marshal.dumps((dict(codes), dict(regexes)))
        file = Path(_state["path"])
        secret = _key()  # made when missing, beside this file
        file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(file, MAGIC + _bytecode_magic() + hmac.new(secret, payload, hashlib.sha256).digest() + payload)
    except Exception as e:  # noqa: BLE001 - only speed is at stake
        if os.environ.get("LLM_AUDIT_DEBUG"):
            sys.__stderr__.write(f"llm-audit: compiled code not saved: {e!r}\n")
