"""Notebook fixes change only the edited cells' source strings: every other byte stays."""

from __future__ import annotations

import json

import pytest

from conftest import cli
from auditor.sources.nbsplice import splice_sources
from auditor.sources.notebook import write_cells

CALL = "r = client.chat.completions.create(model='o3', messages=[{'role': 'user', 'content': 'h\u00e9llo \u2588'}], max_tokens=100)\n"


def _nb(source_as_string: bool = False) -> dict:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# Tokens \u2588\u2588 caf\u00e9 a/b\n", "more"]},
        {"cell_type": "code", "execution_count": 1, "metadata": {"scrolled": True}, "outputs": [
            {"name": "stdout", "output_type": "stream", "text": ["\u2588\u2588\u2588 50%\n", "path/to/x\n"]}],
         "source": ["from openai import OpenAI\n", "client = OpenAI()"]},
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
         "source": ["# caf\u00e9 \u2588\n", CALL, "print(r)"]},
    ]
    if source_as_string:
        cells[2]["source"] = "".join(cells[2]["source"])
    return {"cells": cells, "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "lr": "FLOAT"}, "nbformat": 4, "nbformat_minor": 5}


def _styles() -> dict[str, str]:
    nb, as_string = _nb(), _nb(source_as_string=True)
    out = {
        "nbformat": json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
        "ascii-escapes": json.dumps(nb, indent=1, ensure_ascii=True) + "\n",
        "crlf": (json.dumps(nb, indent=2, ensure_ascii=True) + "\n").replace("\n", "\r\n"),
        "tabs": json.dumps(nb, indent="\t", ensure_ascii=False),
        "minified": json.dumps(nb, separators=(",", ":"), ensure_ascii=True),
        "spaced-minified": json.dumps(nb, ensure_ascii=False),
        "no-final-newline": json.dumps(nb, indent=4, ensure_ascii=False),
        "string-source": json.dumps(as_string, indent=1, ensure_ascii=True) + "\n",
        "upper-hex": json.dumps(nb, indent=1, ensure_ascii=True).replace("\\u2588", "\\u2588".upper().replace("\\U", "\\u")).replace("\\u00e9", "\\u00E9"),
        "escaped-slashes": json.dumps(nb, indent=1, ensure_ascii=False).replace("a/b", "a\\/b").replace("path/to", "path\\/to"),
    }
    # number spellings json.dumps would rewrite (1e-05): written by hand
    return {k: v.replace('"FLOAT"', "1.0e-5").replace('"scrolled": true', '"scrolled": true, "w": 1.50') for k, v in out.items()}


STYLES = _styles()


@pytest.mark.parametrize("style", sorted(STYLES))
def test_write_cells_changes_only_the_edited_source(style):
    text = STYLES[style]
    old_src = "".join(json.loads(text)["cells"][2]["source"])
    new_src = old_src.replace("max_tokens=100", "max_completion_tokens=100")
    out = write_cells(text.encode("utf-8"), {1: new_src}).decode("utf-8")
    assert out == text.replace("max_tokens=100", "max_completion_tokens=100")
    assert "".join(json.loads(out)["cells"][2]["source"]) == new_src


@pytest.mark.parametrize("style", ["nbformat", "crlf", "minified", "tabs"])
def test_lines_added_and_removed_keep_the_list_layout(style):
    text = STYLES[style]
    cells = json.loads(text)["cells"]
    new_src = "import os\n# caf\u00e9 \u2588\n" + CALL  # a line added, the last removed
    out = splice_sources(text, {1: new_src})
    loaded = json.loads(out)
    assert "".join(loaded["cells"][2]["source"]) == new_src
    assert loaded["cells"][:2] == cells[:2]
    # untouched lines keep their bytes; the layout of the list is the file's own
    head, tail = text.split('"source"')[0], text.rsplit('"print(r)"', 1)[1]
    assert out.startswith(head) and out.endswith(tail)


def test_empty_source_list_gets_the_file_layout():
    nb = _nb()
    nb["cells"][2]["source"] = []
    text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
    out = splice_sources(text, {1: "x = 1\ny = 2\n"})
    assert json.loads(out)["cells"][2]["source"] == ["x = 1\n", "y = 2\n"]
    assert '"source": [\n    "x = 1\\n",\n    "y = 2\\n"\n   ]' in out


def test_lone_surrogate_in_a_new_source_is_escaped():
    text = STYLES["nbformat"]
    out = write_cells(text.encode(), {1: "x = '\ud800'\n"})
    assert json.loads(out)["cells"][2]["source"] == ["x = '\ud800'\n"]


@pytest.mark.parametrize("style", ["ascii-escapes", "crlf", "minified", "no-final-newline", "string-source", "escaped-slashes"])
def test_fix_command_is_byte_exact(tmp_path, style):
    text = STYLES[style]
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes(text.encode("utf-8"))
    (tmp_path / ".git").mkdir()
    r = cli("fix", ".", "--select", "LA103", "--no-cache", cwd=tmp_path)
    assert "Fixed 1 finding." in r.stdout + r.stderr, r.stdout + r.stderr
    assert nb.read_bytes().decode("utf-8") == text.replace("max_tokens=100", "max_completion_tokens=100")


@pytest.mark.parametrize("style", ["ascii-escapes", "crlf", "minified", "string-source"])
def test_add_ignore_is_byte_exact(tmp_path, style):
    text = STYLES[style]
    nb = tmp_path / "nb.ipynb"
    nb.write_bytes(text.encode("utf-8"))
    (tmp_path / ".git").mkdir()
    r = cli("check", ".", "--select", "LA103", "--add-ignore", "--no-cache", cwd=tmp_path)
    assert "Traceback" not in r.stderr and r.returncode == 0, r.stderr
    escaped = json.dumps(CALL, ensure_ascii="\\u2588" in text.lower())[1:-1].replace("/", "\\/" if "\\/" in text else "/")
    if "\\u2588".upper().replace("\\U", "\\u") in text:
        escaped = escaped.replace("\\u2588", "\\u2588".upper().replace("\\U", "\\u"))
    assert escaped in text
    expected = text.replace(escaped, escaped.replace("max_tokens=100)\\n", "max_tokens=100)  # llm-audit: ignore[LA103]\\n"))
    assert expected != text
    assert nb.read_bytes().decode("utf-8") == expected
