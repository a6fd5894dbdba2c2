"""Replaying an unchanged ``check`` run: the run record, and the fast path that writes it back.

A ``check`` run on the real command line (the console script, ``python -m auditor``) with the
cache on records, once it has written its report, everything its output depended on:

* the *key*: tool version, Python (version and executable), the arguments, the working
  directory, the whole environment, today's date, the user id, which streams are terminals;
* every path the run read, listed or probed, with its ``stat`` signature (size, mtime_ns,
  ctime_ns, inode; absent paths as absent). Nothing is taken from a list kept by hand: an audit
  hook (:func:`sys.addaudithook`) sees every ``open`` (``open()``, ``os.open``, ``io.open_code``)
  and every folder listed (``os.scandir``/``os.listdir``, so ``os.walk``, ``glob``, ``iterdir``),
  and ``os.stat``/``os.lstat`` are wrapped for the run (``Path.exists``/``is_file``,
  ``os.path.isdir``... all call them). A listed folder records each of its entries too (a
  cached walk sees a file only through ``DirEntry.stat``). Every module the process imported
  (its file) and every file of this package are recorded as well: new code is a new run;
* the bytes written to standard output and standard error, and the exit code.

Paths inside the record folder and the facts cache (``$LLM_AUDIT_CACHE_DIR`` or a
``.llm_audit_cache`` folder; signed, and never changing an output) are not recorded; the user
cache (YAML memos, token ranks) is, like any input. POSIX only (elsewhere a stat of a path may
not go through ``os.stat``).

The record is signed with the facts cache's per-user key and written to
``$LLM_AUDIT_CACHE_DIR`` (else ``~/.cache/llm-audit/replay``), one per (working directory,
arguments). It is not written when the run did anything a replay would not redo or could not
see: a write outside the cache folders, a subprocess, a socket, a ``chdir``, output it could not
capture exactly; nor when any recorded path changed less than 2 s before the end of the run
(:data:`auditor.cache.RACY_NS`, git's racy rule: a change within the timestamp granularity is
never missed). A run given a file that changed that recently (pre-commit's
just-edited file) neither looks for a record nor records (:func:`_fresh_path`).

The next such run (:func:`at_entry`, called before click or the engine are imported) reads the
record, checks its signature and key, ``stat``s every recorded path, and when everything is
equal writes the stored bytes and exits with the stored code. Anything different, unreadable or
odd: the normal run. Never for ``fix``, ``--fix``, ``--diff``, ``--add-ignore``, ``-o``,
``--no-cache``, standard input, ``--show-*``, the server, or any other command.
"""

from __future__ import annotations

import os
import sys

MAGIC = b"LLMAUDIT-REPLAY-1\n"
RACY_NS = 2_000_000_000  # as auditor.cache.RACY_NS
MAX_RECORDS = 64  # per record folder: pre-commit's file lists change each commit; the oldest go
_DENY = frozenset(
    {"--fix", "--diff", "--add-ignore", "-o", "--output", "--no-cache", "-", "--", "--stdin-filename", "--show-settings",
     "--show-files", "-h", "--help", "--version", "-V"}
)
_DENY_PREFIX = ("--output=", "--stdin-filename=", "--fix=", "--diff=", "--add-ignore=", "--no-cache=")
_TAINT = frozenset({"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.fork", "os.forkpty",
                    "socket.connect", "socket.bind", "os.chdir", "os.chroot", "pty.spawn", "os.startfile"})
_state: dict = {}


def eligible(argv: list[str]) -> bool:
    """Whether ``llm-audit ARGV`` is a ``check`` a record may stand for (decided on the words alone)."""
    if len(argv) < 1 or argv[0] != "check":
        return False
    for t in argv[1:]:
        if t in _DENY or t.startswith(_DENY_PREFIX):
            return False
        if t.startswith("-") and not t.startswith("--") and len(t) > 2 and not t.startswith("-j"):
            return False  # bundled short flags (-qo FILE): not worth parsing
    return True


def _disabled() -> bool:
    return bool(os.environ.get("LLM_AUDIT_NO_REPLAY"))


def _user_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "llm-audit")


def _record_dir() -> str:
    return os.environ.get("LLM_AUDIT_CACHE_DIR") or os.path.join(_user_dir(), "replay")


def _tty(fd: int) -> object:
    try:
        if os.isatty(fd):
            return os.get_terminal_size(fd)[:]
    except OSError:
        pass
    return False


def _debug(reason: str) -> None:
    if os.environ.get("LLM_AUDIT_DEBUG"):
        sys.__stderr__.write(f"llm-audit: replay: {reason}\n")


def _key(argv: list[str]) -> bytes:
    from datetime import date

    from auditor import __version__

    parts = (
        __version__, sys.version, sys.executable, tuple(sys.argv[:1]), tuple(argv), os.getcwd(), sorted(os.environ.items()),
        date.today().isoformat(), getattr(os, "getuid", lambda: -1)(), os.linesep, _tty(0), _tty(1), _tty(2),
    )
    return repr(parts).encode("utf-8", "surrogatepass")


def _record_path(argv: list[str]) -> str:
    import hashlib

    name = hashlib.sha256(repr((os.getcwd(), tuple(argv))).encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return os.path.join(_record_dir(), name + ".replay")


def sig(path: str) -> tuple[int, int, int, int] | None:
    """(size, mtime_ns, ctime_ns, inode) of ``path`` (symlinks followed); None when absent or not stat-able."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def lsig(path: str) -> tuple[int, int, int, int] | None:
    """What an ``lstat`` alone can tell a run (``os.path.realpath``, ``islink``): the kind and
    inode of ``path`` itself, and a symlink's own size and mtime (its target); None when absent."""
    try:
        st = os.lstat(path)
    except (OSError, ValueError):
        return None
    link = (st.st_mode & 0o170000) == 0o120000
    return (st.st_mode & 0o170000, st.st_ino, st.st_size if link else 0, st.st_mtime_ns if link else 0)


# ---------------------------------------------------------------- replay
def try_replay(argv: list[str]) -> tuple[bytes, bytes, int] | None:
    """The stored (stdout, stderr, exit code) when the record for ``argv`` stands; else None."""
    import hashlib
    import hmac
    import marshal

    try:
        with open(os.path.join(_user_dir(), "cache.key"), "rb") as fh:
            secret = fh.read()
        if len(secret) < 32:
            return None
        with open(_record_path(argv), "rb") as fh:
            data = fh.read()
        if not data.startswith(MAGIC):
            return None
        signature, payload = data[len(MAGIC):len(MAGIC) + 32], data[len(MAGIC) + 32:]
        if not hmac.compare_digest(signature, hmac.new(secret, payload, hashlib.sha256).digest()):
            return None
        stored_key, paths, out, err, code = marshal.loads(payload)
        key = _key(argv)
        if stored_key != key:
            at = next((i for i, (a, b) in enumerate(zip(stored_key, key)) if a != b), min(len(key), len(stored_key)))
            return _debug(f"the arguments, environment, date or version differ: {key[max(0, at - 60):at + 60]!r}")
        for path, weak, expected in paths:
            if (lsig(path) if weak else sig(path)) != expected:
                return _debug(f"{path} changed")
        if not (isinstance(out, bytes) and isinstance(err, bytes) and isinstance(code, int)):
            return None
        return out, err, code
    except Exception:  # noqa: BLE001 - any doubt: the normal run
        return None


def command_line() -> bool:
    """Whether this process is the real command line (the console script, ``python -m auditor``)."""
    main = sys.modules.get("__main__")
    script = os.path.basename(getattr(main, "__file__", "") or "")
    module = getattr(getattr(main, "__spec__", None), "name", None)
    return script.startswith("llm-audit") or module == "auditor.__main__" or module == "auditor"


def at_entry() -> None:
    """On the real command line: replay a standing record and exit, or start recording this run."""
    if os.name != "posix" or not command_line():
        return
    argv = sys.argv[1:]
    if _disabled() or not eligible(argv):
        return
    if _fresh_path(argv):  # no record can stand for it (one is never written within 2 s of a change it read)
        return _debug("not recording: a path given changed less than 2 s ago (nor replaying: no record of it could stand)")
    found = try_replay(argv)
    if found is not None:
        out, err, code = found
        try:
            for fd, data in ((1, out), (2, err)):
                while data:
                    data = data[os.write(fd, data):]
        except OSError:
            os._exit(code)  # a reader that went away: the rest is dropped, the exit code stays (render/output.py)
        os._exit(code)
    start_recording(argv)


def _fresh_path(argv: list[str]) -> bool:
    """Whether a file named on the command line changed within :data:`RACY_NS` of now: the run
    reads it, so :func:`_store` would refuse the record anyway (pre-commit's just-edited file),
    and recording would only cost the run its ``stat`` wrapper, audit hook and final walk."""
    import time

    fresh = time.time_ns() - RACY_NS
    for t in argv[1:]:
        if t.startswith("-"):
            continue
        try:
            st = os.stat(t)
        except (OSError, ValueError):
            continue
        if (st.st_mode & 0o170000) == 0o100000 and (st.st_mtime_ns >= fresh or st.st_ctime_ns >= fresh):
            return True
    return False


# ---------------------------------------------------------------- recording
class _TeeBuffer:
    def __init__(self, raw, text, sink: list[bytes]) -> None:
        self._raw, self._text, self._sink = raw, text, sink

    def write(self, data) -> int:
        self._text.flush()  # text written before reaches the stream first, as it is recorded
        self._sink.append(bytes(data))
        return self._raw.write(data)

    def __getattr__(self, name: str):
        return getattr(self._raw, name)


class _Tee:
    """A text stream that writes through to ``stream`` and keeps the bytes it would produce."""

    def __init__(self, stream) -> None:
        self._stream = stream
        self.sink: list[bytes] = []
        self.buffer = _TeeBuffer(stream.buffer, stream, self.sink)

    def write(self, text: str) -> int:
        try:
            self.sink.append(text.encode(self._stream.encoding, self._stream.errors))
        except (UnicodeError, LookupError):
            _state["taint"] = "output not encodable"
        return self._stream.write(text)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def _fspath(p: object) -> str | None:
    try:
        p = os.fspath(p)  # type: ignore[arg-type]
    except TypeError:
        return None  # a file descriptor
    if isinstance(p, bytes):
        p = os.fsdecode(p)
    return os.path.abspath(p) if isinstance(p, str) and "\0" not in p else None


def _hook(event: str, args: tuple) -> None:
    if event == "open":
        path = _fspath(args[0])
        if path is None:
            return
        mode, flags = args[1], args[2]
        writes = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))
        if writes and not _ours(path):
            _state["writes"].add(path)
        _state["paths"].add(path)
    elif event in ("os.scandir", "os.listdir"):
        path = _fspath(args[0] if args[0] is not None else ".")
        if path is not None:
            _state["dirs"].add(path)
    elif event in _TAINT:
        _state["taint"] = event


def _ours(path: str) -> bool:
    """A path of our own caches (whose contents never change an output, only its speed)."""
    if path == _state["key_file"] or f"{os.sep}.llm_audit_cache{os.sep}" in path or path.endswith(f"{os.sep}.llm_audit_cache"):
        return True
    code = _state.get("code_file")  # and its temporary sibling while it is written (writes.replace_file)
    if code and (path == code or (os.path.dirname(path) == os.path.dirname(code) and os.path.basename(path).startswith(f".{os.path.basename(code)}."))):
        return True
    return any(path == d or path.startswith(d + os.sep) for d in _state["ours"])


def start_recording(argv: list[str]) -> None:
    """Watch this run's reads and probes, and capture its output (see the module docstring)."""
    import time

    _state.update(argv=argv, paths=set(), lpaths=set(), dirs=set(), writes=set(), taint=None, start=time.time_ns(), key=_key(argv))
    # the run records and the facts cache (signed); the user cache (YAML memos, token ranks) is recorded like any input
    _state["ours"] = [os.path.abspath(d) for d in {_record_dir(), os.environ.get("LLM_AUDIT_CACHE_DIR") or _record_dir()}]
    _state["key_file"] = os.path.abspath(os.path.join(_user_dir(), "cache.key"))
    from auditor import codecache

    _state["code_file"] = os.path.abspath(codecache.path())  # compiled dataclass methods and regexes: speed only
    real_stat, real_lstat = os.stat, os.lstat

    def stat(path, *a, **kw):
        p = _fspath(path)
        if p is not None:
            _state["paths"].add(p)
        return real_stat(path, *a, **kw)

    def lstat(path, *a, **kw):
        p = _fspath(path)
        if p is not None:
            _state["lpaths"].add(p)
        return real_lstat(path, *a, **kw)

    _state["real_stat"], _state["real_lstat"] = real_stat, real_lstat
    os.stat, os.lstat = stat, lstat  # type: ignore[assignment]
    try:
        sys.stdout, sys.stderr = _Tee(sys.stdout), _Tee(sys.stderr)  # type: ignore[assignment]
    except AttributeError:  # no real streams (pythonw, closed fds): nothing to record
        _state["taint"] = "no output streams"
    sys.addaudithook(_hook)
    _state["recording"] = True


def finish(code: int) -> None:
    """The run ended with ``code`` after writing its report: store the record, if it may stand."""
    if not _state.get("recording"):
        return
    _state["recording"] = False
    try:
        _store(code)
    except Exception as e:  # noqa: BLE001 - a record is an optimisation: never fail a run over it
        _debug(f"not recorded: {e!r}")


def _without_stats(err: bytes) -> bytes:
    """Standard error with LLM_AUDIT_STATS's line as a replay has it: every file known from
    the cache, none parsed (what an unchanged warm run prints), ``ms=0 replayed=1``."""
    if not os.environ.get("LLM_AUDIT_STATS"):
        return err
    out = []
    for line in err.splitlines(keepends=True):
        if line.startswith(b"llm-audit: files="):
            n = line[len(b"llm-audit: files="):].split(b" ", 1)[0].decode("ascii", "replace")
            line = f"llm-audit: files={n} parsed=0 skipped=0 cached={n} ms=0 replayed=1\n".encode()
        out.append(line)
    return b"".join(out)


def _store(code: int) -> None:
    import hashlib
    import marshal

    real_stat, os.lstat = _state["real_stat"], _state["real_lstat"]
    os.stat = real_stat  # type: ignore[assignment]
    if _state["taint"] or not isinstance(sys.stdout, _Tee) or not isinstance(sys.stderr, _Tee):
        return _debug(f"not recorded: {_state['taint'] or 'output not captured'}")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    for w in _state["writes"]:  # only a scratch file of the temp folder, gone again (tempfile's writability probe)
        if sig(w) is not None or os.path.dirname(w) != os.path.abspath(__import__("tempfile").gettempdir()):
            return _debug(f"not recorded: wrote {w}")
    fresh = _state["start"] - RACY_NS
    for p in _state["paths"]:  # the files read: where a change (pre-commit's edited file) is, cheaply first
        s = None if _ours(p) else sig(p)
        if s is not None and (s[1] >= fresh or s[2] >= fresh):
            return _debug(f"not recorded: {p} changed while (or just before) the run read it")
    paths = set(_state["paths"])
    for d in _state["dirs"]:
        paths.add(d)
        try:
            with os.scandir(d) as it:
                paths.update(os.path.join(d, e.name) for e in it)
        except OSError:
            pass
    pkg = os.path.dirname(os.path.abspath(__file__))
    for folder, _, names in os.walk(pkg):
        paths.add(folder)
        paths.update(os.path.join(folder, n) for n in names if not n.endswith(".pyc"))
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if isinstance(f, str):
            paths.add(os.path.abspath(f))
    recorded = []
    for p in sorted(paths):
        if _ours(p):
            continue
        s = sig(p)
        if s is not None and (s[1] >= fresh or s[2] >= fresh):
            return _debug(f"not recorded: {p} changed while (or just before) the run read it")
        recorded.append((p, False, s))
    for p in sorted(_state["lpaths"] - paths):
        if not _ours(p):
            recorded.append((p, True, lsig(p)))
    out, err = b"".join(sys.stdout.sink), _without_stats(b"".join(sys.stderr.sink))
    payload = marshal.dumps((_state["key"], recorded, out, err, int(code)))
    import hmac

    from auditor.cache import _key as secret

    data = MAGIC + hmac.new(secret(), payload, hashlib.sha256).digest() + payload
    from auditor.writes import atomic_write

    target = _record_path(_state["argv"])
    os.makedirs(os.path.dirname(target), exist_ok=True)
    atomic_write(__import__("pathlib").Path(target), data)
    _prune(os.path.dirname(target), keep=target)


def _prune(folder: str, keep: str) -> None:
    """At most :data:`MAX_RECORDS` records in ``folder``: the least recently written go."""
    try:
        with os.scandir(folder) as it:
            others = [(e.stat().st_mtime_ns, e.path) for e in it if e.name.endswith(".replay") and e.is_file() and e.path != keep]
    except OSError:
        return
    for _, path in sorted(others)[: max(0, len(others) + 1 - MAX_RECORDS)]:
        try:
            os.unlink(path)
        except OSError:
            pass
