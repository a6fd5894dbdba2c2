"""Writing files: atomic replacement of a file's bytes (fixes, caches, baselines, lock files, reports).

Fixed source files go through :func:`write_fixed`, which keeps what the file was: its mode,
owner and group, and its inode when other names share it (hard links) or when it belongs to
another user (a replacement would be owned by us). Otherwise it is replaced atomically, from a
temporary file in a scratch folder of ours on the same filesystem (never in the user's tree);
where there is none, the temporary file sits beside the target under a name that the next write
of that file removes if a kill left it behind.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
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


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if mode is not None:
            os.chmod(tmp, mode)
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
