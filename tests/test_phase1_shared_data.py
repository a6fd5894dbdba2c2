"""Phase 1's per-module fast paths give what the slow ones gave: the line split without the regex
when a text holds no carriage return, and the call-site finder's catalog lookups built once per
providers object and shared by every module's finder."""

from __future__ import annotations

import ast
import re

import pytest

from auditor.analysis.finderdata import finder_data
from auditor.sources.lines import split_lines

_BREAK = re.compile(r"\r\n|\r|\n")


def _regex_split(text: str) -> list[str]:
    lines = _BREAK.split(text)
    if lines[-1] == "":
        lines.pop()
    return lines


@pytest.mark.parametrize("text", [
    "", "\n", "\n\n", "x = 1", "x = 1\n", "a = 1\n\nb = 2\n\n",
    "a = 1\n# \x0c form feed\nb = 'x\u2028y'\n",  # tokenizer-ordinary characters stay inside their line
    "a = 1\r\nb = 2\rc = 3\n",  # carriage returns: the regex path
    "a = 1\r", "\r\n\r\n",
])
def test_split_lines_fast_path_is_the_regex_split(text):
    assert split_lines(text) == _regex_split(text)


def test_split_lines_numbers_lines_as_ast_does_without_carriage_returns():
    text = "import os\n\x0c\ndef f():\n    return os.environ['MODEL']  # \x85\n\nMODEL = f()\n"
    lines = split_lines(text)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.Assign)):
            assert lines[node.lineno - 1].lstrip().startswith(("def f", "MODEL"))


def test_finder_data_is_built_once_per_providers_and_read_only(project):
    from auditor.config.catalog import load_catalog

    providers = load_catalog().providers()
    data = finder_data(providers)
    assert finder_data(providers) is data
    assert "create" in data.last_names and "partial" in data.makers and "openai" in data.sdk_roots
    with pytest.raises(AttributeError):
        data.last_names.add("send")  # type: ignore[attr-defined]  # shared by every module's finder: frozen


FILES = {
    # a method reference called through another name: found by the instance names the shared data builds
    "app/ask.py": (
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "create = client.chat.completions.create\n"
        "def ask(q):\n"
        "    return create(model='gpt-4o', messages=[{'role': 'user', 'content': q}])\n"
    ),
    # the same in a second module: its finder reads the same shared data
    "app/summarise.py": (
        "from functools import partial\n"
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "summarise = partial(client.chat.completions.create, model='gpt-4o')\n"
        "def run(text):\n"
        "    return summarise(messages=[{'role': 'user', 'content': 'Summarise: ' + text}])\n"
    ),
    # a look-alike: a local `create` that is no client method sends nothing
    "app/store.py": (
        "import sqlite3\n"
        "def create(name):\n"
        "    return sqlite3.connect(name)\n"
        "def open_db():\n"
        "    return create('app.db')\n"
    ),
}


def test_sites_in_several_modules_with_the_shared_finder_data(project):
    result = project(FILES)
    sites = {f.path: [s.api for s in f.call_sites] for f in result.facts}
    assert len(sites["app/ask.py"]) == 1 and len(sites["app/summarise.py"]) == 1
    assert not sites.get("app/store.py")
    assert "app/store.py" not in {f.path for f in result.findings}
