"""Edits land exactly: Python's line model, one file reached through several paths, real counts."""

from __future__ import annotations

import ast
import json
import os

import pytest

from conftest import cli, run_engine
from auditor.findings import Edit
from auditor.fix.edits import apply_edits, changes
from auditor.sources.lines import count_breaks, line_starts, split_lines, split_lines_keepends

CALL = "client.chat.completions.create(model='o3', messages=[{'role': 'user', 'content': q}], max_tokens=100)"
HEAD = "from openai import OpenAI\nclient = OpenAI()\n"


def _json(r):
    assert "Traceback" not in r.stderr, r.stderr
    return json.loads(r.stdout)


@pytest.mark.parametrize("odd", ["\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029", "\x0b"])
def test_line_model_matches_python_tokenizer(odd):
    text = f"a = 1\n# {odd} comment\nb = 'x{odd}y'\r\nc = 3\rd = 4\n"
    tree = ast.parse(text)
    lines = split_lines(text)
    assert len(lines) == 5 == count_breaks(text)
    for stmt in tree.body:  # every statement is where ast says it is
        assert lines[stmt.lineno - 1].startswith(stmt.targets[0].id)
    assert "".join(split_lines_keepends(text)) == text
    assert len(text.splitlines()) > 5  # what str.splitlines would have got wrong


def test_apply_edits_on_cr_only_and_crlf_text():
    text = "a = 1\rb = max_tokens\rc = 3\r"
    out, used = apply_edits(text, [Edit(2, 5, 2, 15, "max_completion_tokens")])
    assert out == "a = 1\rb = max_completion_tokens\rc = 3\r" and len(used) == 1
    text = "a = 1\r\nb = max_tokens\r\n"
    assert apply_edits(text, [Edit(2, 5, 2, 15, "n")])[0] == "a = 1\r\nb = n\r\n"
    assert line_starts("x\r\ny\rz\n") == [0, 3, 5, 7]


def test_an_edit_that_rewrites_the_same_text_is_no_change():
    text = "x = f(max_tokens=1)\n"
    assert not changes(text, [Edit(1, 7, 1, 17, "max_tokens")])
    assert changes(text, [Edit(1, 7, 1, 17, "max_completion_tokens")])


@pytest.mark.parametrize("odd", ["\x0c", "\x1c", "\x85", "\u2028"])
def test_findings_and_fixes_after_unicode_line_separators(tmp_path, odd):
    """A form feed or a Unicode line separator before the call: the finding is on Python's line
    and the safe LA103 rename lands on the keyword, nowhere else."""
    src = HEAD + f"NOTE = 'a{odd}b'  # {odd}\n\x0c\ndef ask(q):\n    \"\"\"Ask{odd}once.\"\"\"\n    return {CALL}\n"
    p = tmp_path / "app.py"
    p.write_bytes(src.encode())
    (tmp_path / ".git").mkdir()
    data = _json(cli("check", ".", "--select", "LA103", "--output-format", "json", "--no-cache", cwd=tmp_path))
    assert [(f["code"], f["line"]) for f in data] == [("LA103", 7)]
    r = cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert "Fixed 1 finding" in r.stdout + r.stderr, r.stdout + r.stderr
    assert p.read_bytes().decode() == src.replace("max_tokens=100", "max_completion_tokens=100")


def test_cr_only_file_fixed_in_place_once(tmp_path):
    src = (HEAD + f"def ask(q):\n    return {CALL}\n").replace("\n", "\r")
    p = tmp_path / "app.py"
    p.write_bytes(src.encode())
    (tmp_path / ".git").mkdir()
    r = cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert "Fixed 1 finding." in r.stdout + r.stderr, r.stdout + r.stderr
    assert p.read_bytes().decode() == src.replace("max_tokens=100", "max_completion_tokens=100")
    assert b"\n" not in p.read_bytes()


def test_in_tree_symlink_alias_is_analysed_reported_and_fixed_once(tmp_path):
    src = HEAD + f"def ask(q):\n    return {CALL}\n"
    (tmp_path / "app.py").write_text(src)
    (tmp_path / "pkg").mkdir()
    os.symlink(tmp_path / "app.py", tmp_path / "alias.py")
    os.symlink("../app.py", tmp_path / "pkg" / "again.py")
    (tmp_path / ".git").mkdir()
    data = _json(cli("check", ".", "--select", "LA103", "--output-format", "json", "--no-cache", cwd=tmp_path))
    assert [f["path"] for f in data] == ["app.py"]
    r = cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert "Fixed 1 finding." in r.stdout + r.stderr, r.stdout + r.stderr
    fixed = (tmp_path / "app.py").read_text()
    assert fixed == src.replace("max_tokens=100", "max_completion_tokens=100")
    assert os.path.islink(tmp_path / "alias.py") and os.path.islink(tmp_path / "pkg" / "again.py")
    # naming the alias explicitly reports the real file
    data = _json(cli("check", "alias.py", "--output-format", "json", "--no-cache", cwd=tmp_path))
    assert all(f["path"] == "app.py" for f in data)


def test_hard_links_are_one_file_and_stay_linked(tmp_path):
    src = HEAD + f"def ask(q):\n    return {CALL}\n"
    (tmp_path / "a.py").write_text(src)
    os.link(tmp_path / "a.py", tmp_path / "b.py")
    (tmp_path / ".git").mkdir()
    data = _json(cli("check", ".", "--select", "LA103", "--output-format", "json", "--no-cache", cwd=tmp_path))
    assert [f["path"] for f in data] == ["a.py"]
    r = cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert "Fixed 1 finding." in r.stdout + r.stderr
    st_a, st_b = os.stat(tmp_path / "a.py"), os.stat(tmp_path / "b.py")
    assert st_a.st_ino == st_b.st_ino and st_a.st_nlink == 2
    assert (tmp_path / "b.py").read_text().count("max_completion_tokens=100") == 1


def test_a_file_changed_after_analysis_is_not_edited(tmp_path):
    from auditor.fix.apply import FixReport, fix_file

    src = HEAD + f"def ask(q):\n    return {CALL}\n"
    (tmp_path / "app.py").write_text(src)
    (tmp_path / ".git").mkdir()
    result = run_engine(tmp_path, select=["LA103"])
    findings = [f for f in result.findings if f.code == "LA103"]
    assert findings
    (tmp_path / "app.py").write_text("# a line added meanwhile\n" + src)
    report = FixReport()
    assert not fix_file(tmp_path, "app.py", "python", findings, True, report, result.digests["app.py"])
    assert "changed since" in report.dropped[0][1]
    assert (tmp_path / "app.py").read_text() == "# a line added meanwhile\n" + src


def test_bom_file_edit_on_the_first_line(tmp_path):
    src = "import litellm; litellm.completion(model='o3', messages=[], max_tokens=5)\n"
    p = tmp_path / "app.py"
    p.write_bytes(b"\xef\xbb\xbf" + src.encode())
    (tmp_path / ".git").mkdir()
    cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert p.read_bytes() == b"\xef\xbb\xbf" + src.replace("max_tokens", "max_completion_tokens").encode()
