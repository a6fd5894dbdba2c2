"""Never crash on a user's file; fixes are atomic and keep mode and line endings; no network."""

from __future__ import annotations

import json
import os
import socket
import stat
import sysconfig
from pathlib import Path

import pytest

from conftest import cli, run_engine, write_tree


def test_whole_standard_library_no_traceback(tmp_path):
    stdlib = sysconfig.get_paths()["stdlib"]
    out = tmp_path / "std.json"
    r = cli("check", stdlib, "--no-cache", "--output-format", "json", "-o", str(out), cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr[-2000:]
    assert "Traceback" not in r.stderr
    data = json.loads(out.read_text())
    errors = [f for f in data if f["code"] == "LA000"]
    # the test suite ships files with deliberately bad syntax and encodings; they hold no LLM
    # code, so they are not parsed at all: their syntax errors are the general linter's job
    bad = {f["path"].rsplit("/", 1)[-1] for f in errors}
    assert not any(name.startswith("badsyntax") for name in bad), bad
    assert not [f for f in errors if "internal error" in f["message"]], errors


@pytest.mark.parametrize(
    "source",
    [
        "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
        "x = " + "[" * 3000 + "]" * 3000 + "\n",
        "import openai\nx = " + " + ".join(["'a'"] * 20000) + "\n",
        "import openai\nx = " + "-" * 20000 + "1\n",
        "from openai import OpenAI\nc = OpenAI()\nc.chat.completions.create(model='gpt-6-luna', messages=" + "[" * 150 + "]" * 150 + ")\n",
    ],
    ids=["parens", "lists", "long-concat", "unary-chain", "nested-call-arg"],
)
def test_deep_nesting_costs_one_file_not_the_run(tmp_path, monkeypatch, source):
    monkeypatch.chdir(tmp_path)
    write_tree(tmp_path, {"ok.py": "import litellm\nlitellm.completion(model='gpt-4o-mini', messages=[])\n"})
    (tmp_path / "deep.py").write_text(source)
    (tmp_path / ".git").mkdir()
    result = run_engine(tmp_path)
    assert any(f.path == "ok.py" and f.code == "LA101" for f in result.findings)
    deep = [f for f in result.findings if f.path == "deep.py"]
    assert all(f.code in ("LA000", "LA101") for f in deep)


def test_deep_nesting_through_the_process_pool(tmp_path):
    files = {f"pkg/m{i}.py": "import litellm\nlitellm.completion(model='gpt-4o-mini', messages=[])\n" for i in range(40)}
    write_tree(tmp_path, files)
    (tmp_path / "pkg/deep.py").write_text("import litellm\nx = " + "(" * 100000 + ")" * 100000 + "\n")
    # a pool however few bytes there are to parse: the crash must cost one file there too
    r = cli("check", ".", "--jobs", "2", "--no-cache", "--output-format", "json", cwd=tmp_path, env={"LLM_AUDIT_PARALLEL_MIN_BYTES": "0"})
    data = json.loads(r.stdout)
    assert sum(1 for f in data if f["code"] == "LA101") == 40
    assert [f["path"] for f in data if f["code"] == "LA000"] == ["pkg/deep.py"]


def test_symlinks_out_of_tree_are_not_followed(tmp_path):
    outside = tmp_path / "outside"
    proj = tmp_path / "proj"
    write_tree(outside, {"secret.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"})
    write_tree(proj, {"app.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[], max_tokens=5)\n"})
    (proj / ".git").mkdir()
    os.symlink(outside, proj / "linked_dir")
    os.symlink(outside / "secret.py", proj / "linked_file.py")
    os.symlink(proj / "app.py", proj / "inside_link.py")
    data = json.loads(cli("check", ".", "--output-format", "json", "--exit-zero", cwd=proj).stdout)
    assert all("secret" not in f["path"] and "linked" not in f["path"] for f in data), data


def test_fix_keeps_mode_and_crlf_and_is_atomic(tmp_path):
    src = "from openai import OpenAI\r\nclient = OpenAI()\r\nclient.chat.completions.create(\r\n    model='o3',\r\n    messages=[],\r\n    max_tokens=10,\r\n)\r\n"
    p = tmp_path / "app.py"
    p.write_bytes(src.encode())
    os.chmod(p, 0o754)
    r = cli("fix", ".", "--unsafe-fixes", cwd=tmp_path)
    assert "Traceback" not in r.stderr
    data = p.read_bytes()
    assert b"max_completion_tokens=10" in data
    assert data.count(b"\r\n") == data.count(b"\n"), "line endings must stay CRLF"
    assert stat.S_IMODE(os.stat(p).st_mode) == 0o754
    assert not [x for x in os.listdir(tmp_path) if x.endswith(".tmp")]


def test_fix_that_would_not_parse_is_dropped(tmp_path, monkeypatch):
    from auditor.findings import Edit, Finding, Fix
    from auditor.fix.edits import fix_text

    text = "x = call(a)\n"
    bad = Finding("LA101", "missing-output-cap", "error", "m", "a.py", fix=Fix("unsafe", "break it", [Edit(1, 5, 1, 9, "call((")]))
    new, applied, dropped = fix_text(text, [bad])
    assert new == text and not applied and dropped and "would not parse" in dropped[0][1]


def test_no_network_at_run_time(tmp_path, monkeypatch):
    """A whole run, token counting included, with every socket refused."""
    def refuse(*a, **k):
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tk"))
    monkeypatch.chdir(tmp_path)
    long_prompt = "You are a careful support agent. " * 400
    write_tree(tmp_path, {
        "prompts.py": f"SYSTEM_PROMPT = {long_prompt!r}\n",
        "app.py": """
            from anthropic import Anthropic
            from prompts import SYSTEM_PROMPT
            client = Anthropic()
            def answer(questions):
                for q in questions:
                    client.messages.create(model="claude-sonnet-4-5", system=SYSTEM_PROMPT, messages=[{"role": "user", "content": q}], max_tokens=300)
        """,
    })
    (tmp_path / ".git").mkdir()
    result = run_engine(tmp_path)
    assert result.project.call_sites()
    from auditor.cost.tokens import count_tokens

    assert count_tokens("hello world", "gpt-4o").exact
