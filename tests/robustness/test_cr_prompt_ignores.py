"""``--add-ignore`` on prompt files keeps every byte it does not add, whatever the line breaks:
a CR-only (old Mac) or CRLF file gets the same comment as its LF twin, with its own break, at
the line the analysis counted."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from conftest import cli  # noqa: E402

LF = "---\nmodel: gpt-3.5-turbo-0301\ntemperature: 0.2\n---\nYou are a helpful assistant. Please analyze the following data carefully and provide insights.\n"
COMMENT = "# llm-audit: ignore[LA101,LA402]"


def _findings(root: Path) -> dict[str, list[tuple[str, int]]]:
    r = cli("check", ".", "--no-cache", "--output-format", "json", cwd=root)
    assert r.returncode in (0, 1), r.stderr
    out: dict[str, list[tuple[str, int]]] = {}
    for f in json.loads(r.stdout):
        out.setdefault(f["path"], []).append((f["code"], f["line"]))
    return out


@pytest.mark.parametrize("nl", ["\r", "\r\n", "\n"], ids=["cr", "crlf", "lf"])
def test_add_ignore_on_a_prompt_file_keeps_its_line_breaks(tmp_path, nl):
    (tmp_path / ".git").mkdir()
    (tmp_path / "prompts").mkdir()
    path = tmp_path / "prompts" / "assist.prompt.md"
    original = LF.replace("\n", nl).encode()
    path.write_bytes(original)
    before = _findings(tmp_path)["prompts/assist.prompt.md"]
    assert ("LA402", 2) in before and ("LA101", 2) in before
    r = cli("check", ".", "--no-cache", "--add-ignore", cwd=tmp_path)
    assert "Traceback" not in r.stderr and "Added or extended 1 suppression comment" in r.stdout + r.stderr, r.stdout + r.stderr
    after = path.read_bytes()
    assert after == LF.replace("---\n", "---\n" + COMMENT + "\n", 1).replace("\n", nl).encode()
    assert after.replace((COMMENT + nl).encode(), b"", 1) == original  # every other byte as it was
    left = _findings(tmp_path).get("prompts/assist.prompt.md", [])
    # only the body's filler is left (a comment there would be prompt text), one line down
    assert left and {c for c, _ in left} == {"LA201"} and {line for _, line in left} == {6}
    again = cli("check", ".", "--no-cache", "--add-ignore", cwd=tmp_path)
    assert "Traceback" not in again.stderr and path.read_bytes() == after  # a second run is a no-op


def test_add_ignore_on_mixed_line_breaks_splits_where_the_analysis_does(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "prompts").mkdir()
    path = tmp_path / "prompts" / "mixed.prompt.md"
    original = b"---\r\nmodel: gpt-3.5-turbo-0301\rtemperature: 0.2\n---\rBe brief.\n"
    path.write_bytes(original)
    codes = _findings(tmp_path)["prompts/mixed.prompt.md"]
    assert ("LA402", 2) in codes
    cli("check", ".", "--no-cache", "--add-ignore", cwd=tmp_path)
    # the comment ends with the break of the line it is put above
    assert path.read_bytes() == b"---\r\n" + COMMENT.encode() + b"\rmodel: gpt-3.5-turbo-0301\rtemperature: 0.2\n---\rBe brief.\n"
    assert "prompts/mixed.prompt.md" not in _findings(tmp_path)
