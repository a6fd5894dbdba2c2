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
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from pathlib import Path


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
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
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
