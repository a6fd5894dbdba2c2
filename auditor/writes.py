"""Writing files: atomic replacement of a file's bytes (fixes, caches, baselines, lock files,
reports), and output files (``-o FILE``) written the way a normal program writes them.

* An existing **regular file** is replaced atomically: the new content goes to a temporary
  file beside it, which takes the old file's mode (and owner and group where allowed) and
  is renamed over it, so a reader never sees half a report. A symlink is followed (its
  target is replaced, the link stays), and a file with several hard links is written in
  place so every link sees the new content.
* A **new file** is created with mode ``0o666`` less the umask, like ``>`` in a shell
  (missing parent folders are created).
* Anything else - a device (``/dev/null``), a FIFO, a socket, ``/dev/stdout`` or
  ``/dev/fd/N`` - is opened and written directly; the process's own stdout and stderr are
  written through Python's streams, so ``-o /dev/stdout`` behaves like printing.

Fixed source files go through :func:`write_fixed`, which keeps what the file was: its mode,
owner and group, and its inode when other names share it (hard links) or when it belongs to
another user (a replacement would be owned by us). Otherwise it is replaced atomically, from a
temporary file in a scratch folder of ours on the same filesystem (never in the user's tree);
where there is none, the temporary file sits beside the target under a name that the next write
of that file removes if a kill left it behind. Text we write goes through :func:`clean_text`:
surrogate-escaped file names and lone surrogates become escapes, so every output is UTF-8.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
import sys
import time
from pathlib import Path


STALE_SECONDS = 60  # a temporary file older than this was left by a killed run


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str, json: bool = False) -> str:
    """``text`` with every lone surrogate written as an escape, so it encodes as valid UTF-8.

    A file name that is not UTF-8 reaches us surrogate-escaped (``caf\\udce9.py`` for the byte
    0xE9) and shows as ``caf\\xe9.py``; a lone surrogate from a literal (``"\\ud800"``) shows as
    ``\\ud800``. In JSON text (``json=True``; surrogates can only sit inside its strings) the
    backslash is doubled, so the document stays valid JSON and decodes to that same escape."""
    if text.isascii() or not _SURROGATE.search(text):
        return text
    slash = "\\\\" if json else "\\"

    def escape(m: re.Match) -> str:
        c = ord(m.group(0))
        return f"{slash}x{c - 0xDC00:02x}" if 0xDC80 <= c <= 0xDCFF else f"{slash}u{c:04x}"

    return _SURROGATE.sub(escape, text)


def encode_text(text: str, json: bool = False) -> bytes:
    """UTF-8 bytes of ``text`` for a file we write (see :func:`clean_text`)."""
    return clean_text(text, json).encode("utf-8")


class OutputError(Exception):
    """The output could not be written; ``str()`` is the message for the user."""


def _own_stream(path: Path):
    """sys.stdout / sys.stderr when ``path`` is the same open file as fd 1 / fd 2."""
    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            if os.path.samestat(os.stat(path), os.fstat(fd)):
                return stream
        except (OSError, ValueError):
            continue
    return None


def _is_special(path: Path) -> bool:
    """Paths that name an open file or a device, never to be replaced by a rename."""
    text = os.path.abspath(path)
    return text.startswith(("/dev/", "/proc/"))


def write_output(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (``-`` is standard output). Raises :class:`OutputError`."""
    if str(path) == "-":
        _to_stream(sys.stdout, data)
        return
    path = Path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        stream = _own_stream(path) if st is not None else None
        if stream is not None:
            _to_stream(stream, data)
        elif st is not None and (not stat.S_ISREG(st.st_mode) or _is_special(path)):
            with open(path, "wb") as fh:  # device, pipe, socket: write, never replace
                fh.write(data)
        elif st is not None and st.st_nlink > 1:
            with open(path, "r+b") as fh:  # hard links: same inode, every name sees it
                fh.write(data)
                fh.truncate()
        else:
            target = Path(os.path.realpath(path)) if st is not None else path
            replace_file(target, data, st)
    except OSError as e:
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None


def _to_stream(stream, data: bytes) -> None:
    stream.flush()
    buf = getattr(stream, "buffer", None)
    if buf is not None:
        buf.write(data)
        buf.flush()
    else:  # a text stream without a buffer (tests capture output this way)
        stream.write(data.decode("utf-8", errors="replace"))
        stream.flush()


def writable_in_place(path: Path) -> bool:
    """May a file the tool owns in the user's tree (the lock, the starter policy) be written at
    ``path``: nothing there yet, or a regular file inside ``path``'s folder - not a FIFO (it
    would block the run), a device, or a symlink out of the tree (a planted link would have us
    overwrite whatever it points at)."""
    if not path.exists() and not path.is_symlink():
        return True
    try:
        real = path.resolve(strict=True)
        real.relative_to(path.parent.resolve())
    except (OSError, RuntimeError, ValueError):
        return False
    return real.is_file()


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Atomically replace ``path``'s bytes, keeping an existing file's mode (or giving it
    ``mode``; a new file gets ``0o666`` less the umask). Something that is not a regular file
    (a device, a FIFO) is written, never replaced. Raises OSError."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    if st is not None and (not stat.S_ISREG(st.st_mode) or _is_special(path)):
        with open(path, "wb") as fh:
            fh.write(data)
        return
    replace_file(Path(os.path.realpath(path)) if st is not None else path, data, old=st, mode=mode)


def replace_file(path: Path, data: bytes, old: os.stat_result | None = None, mode: int | None = None) -> None:
    """Atomically put ``data`` at ``path``: a temporary sibling, then a rename.

    The temporary file is created with ``0o666`` so the kernel applies the umask (a new
    file gets the mode a shell redirection would give it); ``mode``, or an existing file's
    mode, owner and group (``old``), are given to it before the rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        tmp = path.parent / f".{path.name[:120]}.{secrets.token_hex(4)}.tmp"  # 255-byte names stay creatable
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise OSError(f"cannot create a temporary file beside {path}")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
        if mode is not None:
            os.chmod(tmp, mode)
            if hasattr(os, "chown") and (old.st_uid, old.st_gid) != (os.getuid(), os.getgid()):
                try:
                    os.chown(tmp, old.st_uid, old.st_gid)
                except OSError:
                    pass  # not allowed: the file becomes ours, as with any editor's save
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _sibling_prefix(path: Path) -> str:
    return f".{path.name[:120]}.llm-audit-"  # a 255-byte name plus ours would be too long


def clean_stale(folder: Path, prefix: str = "") -> None:
    """Remove temporary files of ours (``*.llm-audit-*.tmp``) older than a minute from ``folder``."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    now = time.time()
    for e in entries:
        if e.name.startswith(prefix) and ".llm-audit-" in e.name and e.name.endswith(".tmp"):
            try:
                if e.is_file(follow_symlinks=False) and now - e.stat(follow_symlinks=False).st_mtime > STALE_SECONDS:
                    os.unlink(e.path)
            except OSError:
                pass


def write_fixed(path: Path, data: bytes, scratch: Path | None = None) -> None:
    """Write a fixed file's new bytes. ``path`` is the file itself (symlinks already resolved)."""
    st = os.stat(path)
    if st.st_nlink > 1 or (hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
        _in_place(path, data)
        return
    folder = path.parent
    if scratch is not None:
        try:
            if os.stat(scratch).st_dev == st.st_dev:
                folder = scratch
        except OSError:
            pass
    if folder == path.parent:
        clean_stale(folder, _sibling_prefix(path))
    tmp = folder / f"{_sibling_prefix(path)}{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if hasattr(os, "fchown") and st.st_gid != os.stat(tmp).st_gid:
                try:
                    os.fchown(fh.fileno(), -1, st.st_gid)
                except OSError:  # not ours to give that group: keep the inode instead
                    raise _KeepInode() from None
            os.fchmod(fh.fileno(), st.st_mode & 0o7777)
        os.replace(tmp, path)
    except _KeepInode:
        _unlink(tmp)
        _in_place(path, data)
    except BaseException:
        _unlink(tmp)
        raise


class _KeepInode(Exception):
    pass


def _unlink(p: Path) -> None:
    try:
        os.unlink(p)
    except OSError:
        pass


def _in_place(path: Path, data: bytes) -> None:
    """Overwrite the file's bytes through its own inode (links, owner, group and mode stay)."""
    fd = os.open(path, os.O_WRONLY)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)
