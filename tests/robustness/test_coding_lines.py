"""PEP 263 coding declarations CPython rejects are one clear LA000 (never a crash, never
analysed as if they were fine); declarations CPython accepts still decode as before."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import cli, run_engine  # noqa: E402

BODY = b'import openai\nclient = openai.OpenAI()\nclient.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])\n'
BAD = {
    "unknown.py": (b"# -*- coding: nonsense -*-\n", "unknown encoding: nonsense"),
    "rot13.py": (b"# -*- coding: rot13 -*-\n", "'rot13' is not a text encoding"),
    "zlib.py": (b"# coding: zlib_codec\n", "'zlib_codec' is not a text encoding"),
    "hexvim.py": (b"#!/usr/bin/env python\n# vim: set fileencoding=hex :\n", "'hex' is not a text encoding"),
    "utf16.py": (b"# coding: utf-16\n", "not ASCII-compatible"),
    "bom.py": (b"\xef\xbb\xbf# coding: latin-1\n", "byte order mark"),
}
GOOD = {
    "latin.py": b"# -*- coding: latin-1 -*-\nNOTE = 'caf\xe9'\n",
    "cp1252.py": b"# vim: set fileencoding=cp1252 :\nNOTE = '\x93quoted\x94'\n",
    "utf8.py": b"# coding: utf-8\nNOTE = 'caf\xc3\xa9'\n",
    "plain.py": b"# no encoding is declared (coding - not a cookie)\n",
}


@pytest.fixture
def tree(tmp_path):
    (tmp_path / ".git").mkdir()
    for name, (head, _) in BAD.items():
        (tmp_path / name).write_bytes(head + BODY)
    for name, head in GOOD.items():
        (tmp_path / name).write_bytes(head + BODY)
    return tmp_path


def test_cpython_rejects_exactly_the_bad_declarations(tree):
    for name in BAD:
        with pytest.raises(SyntaxError):
            compile((tree / name).read_bytes(), name, "exec")
    for name in GOOD:
        compile((tree / name).read_bytes(), name, "exec")


def test_a_bad_coding_line_is_one_la000_naming_the_problem(tree):
    result = run_engine(tree, select=["LA000", "LA101"])
    by_path: dict[str, list] = {}
    for f in result.findings:
        by_path.setdefault(f.path, []).append(f)
    for name, (head, why) in BAD.items():
        (only,) = by_path[name]
        assert only.code == "LA000" and "coding declaration" in only.message and why in only.message, (name, only.message)
        assert only.line == (2 if head.startswith(b"#!") else 1)
    for name in GOOD:
        assert [f.code for f in by_path[name]] == ["LA101"], (name, by_path.get(name))


def test_every_command_survives_bad_coding_lines(tree):
    for args in (["check", "."], ["check", ".", "--output-format", "sarif"], ["fix", "--unsafe-fixes", "."], ["check", ".", "--add-ignore"], ["report", "."], ["lock"], ["baseline", "-o", "b.json"]):
        r = cli(*args, cwd=tree)
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, (args, r.stderr)
    for name, (head, _) in BAD.items():
        assert (tree / name).read_bytes() == head + BODY, name  # never fixed or annotated
    assert b"_tokens=1024" in (tree / "latin.py").read_bytes() and (tree / "latin.py").read_bytes().startswith(GOOD["latin.py"])
