"""Every input is reportable: odd file names, lone surrogates, symlink loops, bad configuration
files, newer Python syntax, code CPython rejects."""

from __future__ import annotations

import json
import os
import sys

import pytest

from conftest import cli, write_tree

BAD_NAME = os.fsdecode(b"caf\xe9.py")  # not UTF-8: reaches Python surrogate-escaped
PROMPT = 'SYSTEM_PROMPT = "Please analyze the following data carefully and provide insights."\n'


@pytest.fixture
def odd_tree(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / BAD_NAME).write_text("import litellm\n" + PROMPT + "litellm.completion(model='gpt-4o', messages=[{'role': 'system', 'content': SYSTEM_PROMPT}])\n")
    write_tree(tmp_path, {"sur.py": "import litellm\nNOTE_PROMPT = '\\ud800 Please analyze the following data carefully'\nlitellm.completion(model='gpt-4o', messages=[{'role': 'user', 'content': '\\ud800' + NOTE_PROMPT}])\n"})
    return tmp_path


def _utf8(data: bytes) -> str:
    return data.decode("utf-8")  # raises on invalid UTF-8


@pytest.mark.parametrize("fmt", ["full", "concise", "json", "jsonl", "sarif", "github", "gitlab", "junit"])
def test_every_output_format_is_valid_utf8(odd_tree, fmt):
    r = cli("check", ".", "--no-cache", "--output-format", fmt, "-o", "out.txt", cwd=odd_tree)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    text = _utf8((odd_tree / "out.txt").read_bytes())
    assert "caf\\xe9.py" in text.replace("\\\\", "\\")
    if fmt in ("json", "sarif", "gitlab"):
        json.loads(text)
    if fmt == "json":
        paths = {f["path"] for f in json.loads(text)}
        assert paths == {"caf\\xe9.py", "sur.py"}


def test_stdout_report_lock_and_baseline_with_odd_names(odd_tree):
    for args in (["check", ".", "--no-cache", "--output-format", "json"], ["report", ".", "--format", "json"], ["report", ".", "--format", "html"], ["report", "."]):
        r = cli(*args, cwd=odd_tree)
        assert r.returncode in (0, 1) and "Traceback" not in r.stderr, (args, r.stderr)
        if "json" in args:
            json.loads(r.stdout)
    r = cli("lock", cwd=odd_tree)
    assert r.returncode == 0, r.stderr
    _utf8((odd_tree / "llm-audit.lock").read_bytes())
    r = cli("lock", "--check", cwd=odd_tree)
    assert r.returncode == 0 and "up to date" in r.stdout + r.stderr
    r = cli("baseline", "-o", "base.json", cwd=odd_tree)
    assert r.returncode == 0, r.stderr
    _utf8((odd_tree / "base.json").read_bytes())
    r = cli("check", ".", "--baseline", "base.json", cwd=odd_tree)
    assert r.returncode == 0 and "All checks passed" in r.stdout, r.stdout + r.stderr


def test_lone_surrogate_literals_count_and_lock(tmp_path):
    from auditor.cost.tokens import count_tokens

    assert count_tokens("a \ud800 b").tokens > 0
    write_tree(tmp_path, {"sur.py": "import litellm\nP_PROMPT = 'x\\udfff y'\nlitellm.completion(model='gpt-4o', messages=[{'role': 'user', 'content': P_PROMPT}])\n"})
    (tmp_path / ".git").mkdir()
    assert cli("lock", cwd=tmp_path).returncode == 0
    assert cli("lock", "--check", cwd=tmp_path).returncode == 0


def test_fix_and_add_ignore_on_a_non_utf8_file_name(odd_tree):
    r = cli("fix", ".", "--no-cache", "--select", "LA201", cwd=odd_tree)
    assert "Traceback" not in r.stderr and "No findings remain" in r.stdout + r.stderr, r.stdout + r.stderr
    assert 'SYSTEM_PROMPT = "Analyze this data' in (odd_tree / BAD_NAME).read_text()
    assert "NOTE_PROMPT = '\\ud800 " in (odd_tree / "sur.py").read_text()  # the escape kept, the filler after it fixed
    r = cli("check", ".", "--no-cache", "--add-ignore", cwd=odd_tree)
    assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr


def test_symlink_loops_are_skipped_with_a_note(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"ok.py": "import litellm\nlitellm.completion(model='gpt-6.1-sol', messages=[])\n"})
    os.symlink("b.py", tmp_path / "a.py")
    os.symlink("a.py", tmp_path / "b.py")
    os.symlink("self.py", tmp_path / "self.py")
    os.symlink(".", tmp_path / "here")
    (tmp_path / "sub").mkdir()
    os.symlink("..", tmp_path / "sub" / "up")
    r = cli("check", ".", "--no-cache", "--select", "LA101", "--output-format", "json", cwd=tmp_path)  # LA402 would depend on the date
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert {f["path"] for f in json.loads(r.stdout)} == {"ok.py"}
    assert "a.py: symlink loop, skipped" in r.stderr and "self.py: symlink loop, skipped" in r.stderr
    r = cli("check", "a.py", cwd=tmp_path)  # named explicitly: an error, as a missing path is
    assert r.returncode == 2 and "a.py: a symlink loop" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("name", ["pyproject.toml", ".llm-audit.yaml"])
@pytest.mark.parametrize("command", [["check", "."], ["fix", "."], ["report", "."], ["rule", "LA101"], ["models"], ["lock"], ["baseline", "-o", "b.json"]])
def test_non_utf8_configuration_is_exit_2_with_file_and_position(tmp_path, name, command):
    body = b'[tool.llm-audit]\nfail-on = "caf\xe9"\n' if name == "pyproject.toml" else b'fail-on: error\nprompt-names: ["caf\xe9"]\n'
    (tmp_path / name).write_bytes(body)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"app.py": "import litellm\n"})
    r = cli(*command, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert f"{name}:2:" in r.stderr and "not UTF-8" in r.stderr


def test_init_ignores_an_unreadable_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    r = cli("init", "--stdout", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr


# ---------------------------------------------------------------- one grammar
NEWER = """
from openai import OpenAI
client = OpenAI()
type Messages = list[dict[str, str]]
class Box[T]:
    pass
def ask[T](q: T, d: dict) -> str:
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": f"{d["k"]}: {q}"}]).choices[0].message.content
"""


def test_pep695_and_pep701_files_are_analysed(project):
    result = project({"new.py": NEWER}, select=["LA000", "LA101"])
    assert [(f.code, f.line, f.column) for f in result.findings] == [("LA101", 8, 12)]
    site = result.project.call_sites()[0]
    assert site.qualname == "ask" and [s.kind for s in site.prompt.messages[0].segments][:2] == ["hole", "static"]


def test_rewrite_keeps_every_position():
    from auditor.sources.grammar import downlevel

    text = 'def f[T, *Ts](x):\n    return f"{x["a"]!r:>{w}}"\ntype A[K] = dict[K, int]\n'
    new, seen = downlevel(text)
    assert seen and new is not None and len(new) == len(text) and new.count("\n") == text.count("\n")
    assert new == "def f" + " " * 8 + "(x):\n    return f\"{x['a']!r:>{w}}\"\nA" + " " * 9 + "= dict[K, int]\n"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="only an older interpreter needs the fallback")
def test_syntax_beyond_the_rewrite_is_info_not_an_error(project):
    result = project({"deep.py": 'from openai import OpenAI\nx = f"{f"{f"{1}"}"}"\n', "broken.py": "import openai\ndef f(:\n"}, select=["LA000"])
    by_path = {f.path: f for f in result.findings}
    assert by_path["deep.py"].severity == "info" and "needs Python 3.12+" in by_path["deep.py"].message
    assert by_path["broken.py"].severity == "error"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="valid syntax on Python 3.12+: nothing to report")
def test_backslash_or_comment_in_an_f_string_expression_is_info(project):
    """PEP 701 lets f-string expressions hold backslashes and comments (a real prompt builder:
    ``f\"\"\"{'\\n\\n'.join(tools)}\"\"\"``); an older interpreter cannot read it, which is not the user's error.
    A backslash in a string nested in the expression is rewritten at the same length and the file is
    analysed (sources/grammar.py); a comment there cannot be, and is info."""
    code = (
        "from openai import OpenAI\nfrom textwrap import dedent\n\n"
        "def tools_prompt(tools):\n    return dedent(f\"\"\"\n    Available Tools:\n    {'\\n\\n'.join(tools)}\n    \"\"\")\n"
    )
    comment = 'from openai import OpenAI\nx = f"{1 + 2  # three\n}"\n'
    result = project({"service.py": code, "comment.py": comment}, select=["LA000"])
    assert sorted((f.path, f.severity) for f in result.findings) == [("comment.py", "info")]
    assert all("needs Python 3.12+" in f.message for f in result.findings)


def test_what_cpython_rejects_is_la000(project):
    result = project({
        "dup.py": "import litellm\nlitellm.completion(model='gpt-4o', model='gpt-4o-mini', messages=[])\n",
        "ret.py": "import litellm\nreturn litellm.completion(model='gpt-4o', messages=[])\n",
    }, select=["LA000", "LA101"])
    assert sorted((f.path, f.code, f.line) for f in result.findings) == [("dup.py", "LA000", 2), ("ret.py", "LA000", 2)]
    assert "keyword argument repeated" in next(f.message for f in result.findings if f.path == "dup.py")


def test_notebook_cells_compile_as_ipython_runs_them(project):
    from conftest import notebook

    nb = notebook(
        "from __future__ import annotations\nimport litellm\n",
        "from __future__ import annotations\nr = await litellm.acompletion(model='gpt-4o', messages=[])\n",
        "litellm.completion(model='gpt-4o', model='o3', messages=[])\n",
    )
    result = project({"nb.ipynb": nb}, select=["LA000", "LA101"])
    assert sorted((f.code, f.cell) for f in result.findings) == [("LA000", 2), ("LA101", 1)]


def test_a_plain_syntax_error_is_not_tokenized_for_type_parameters(monkeypatch):
    """Only a text that could hold type parameters is tokenized for them (pure-Python tokenize, the
    largest cost of a notebook with a broken cell); the verdicts stay those of the full rewrite."""
    from auditor.sources import grammar

    real = grammar._type_params
    calls = []
    monkeypatch.setattr(grammar, "_type_params", lambda text: calls.append(text) or real(text))
    assert grammar.downlevel("import openai\ndef f(:\n    return x[0]\ntyped = 1\n") == (None, False)
    assert grammar.downlevel("docker run -p 6379:6379 redis/redis-stack:latest\n") == (None, False)
    assert calls == []
    new, seen = grammar.downlevel("def f[T](x):\n    return x\n")
    assert seen and new == "def f   (x):\n    return x\n" and len(calls) == 1
    new, seen = grammar.downlevel("x = 1; type  Alias = int\n")  # after a `;`, two spaces
    assert seen and new == "x = 1; Alias       = int\n" and len(calls) == 2
