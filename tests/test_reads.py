"""auditor.reads.read_bytes: a regular file's bytes whatever its size (one read of its size, then
EOF), and an OSError - never a hang - for a FIFO or a device reached through a symlink."""

from __future__ import annotations

import os
import sys

import pytest

from auditor.reads import read_bytes, read_text


@pytest.mark.parametrize("size", [0, 1, 4095, 65536, 3 * (1 << 20) + 7])
def test_a_regular_file_is_read_whole(tmp_path, size):
    data = bytes((i * 7 + 3) % 256 for i in range(size))
    p = tmp_path / "f.py"
    p.write_bytes(data)
    assert read_bytes(p) == data
    assert read_bytes(str(p)) == data


def test_text_is_decoded_with_universal_newlines(tmp_path):
    p = tmp_path / "a.py"
    p.write_bytes("x = 'é'\r\ny = 2\r".encode())
    assert read_text(p) == "x = 'é'\ny = 2\n" == p.read_text(encoding="utf-8")


@pytest.mark.skipif(not hasattr(os, "mkfifo") or sys.platform.startswith("win"), reason="FIFOs")
def test_a_fifo_or_a_device_is_an_error_not_a_hang(tmp_path):
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    with pytest.raises(OSError):
        read_bytes(fifo)
    link = tmp_path / "zero.py"
    link.symlink_to("/dev/zero")
    with pytest.raises(OSError):
        read_bytes(link)
    with pytest.raises(OSError):
        read_bytes(tmp_path)  # a folder
    with pytest.raises(OSError):
        read_bytes(tmp_path / "missing.py")
