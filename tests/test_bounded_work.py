"""Bounded work: the native parser guarded, YAML bombs rejected, per-file budgets, linear facts."""

from __future__ import annotations

import ast
import json
import time

import pytest

from conftest import cli, run_engine, write_tree
from auditor.fix.guard import MAX_DEPTH, NativeParserRisk, nesting_depth, parse_error

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{n}: &{n} [" + ",".join([f"*{p}"] * 9) + "]\n" for p, n in zip("abcdefgh", "bcdefghi")
)


def _bomb_lines(indent: str = "") -> str:
    return "".join(indent + line + "\n" for line in BILLION_LAUGHS.splitlines())


# ---------------------------------------------------------------- the fix parser (libcst)
@pytest.mark.parametrize(
    "expr",
    [" and ".join(["a"] * 10_000), "-" * 20_000 + "1", "a" + ".b" * 10_000, "+".join(["a"] * 3_000)],
    ids=["boolop-10k", "unary-20k", "attribute-10k", "binop-3k"],
)
def test_texts_libcst_crashes_or_stalls_on_are_refused(expr):
    text = f"x = {expr}\n"
    with pytest.raises(NativeParserRisk):
        parse_error(text)


def test_depth_counts_boolean_operands_as_libcst_nests_them():
    assert nesting_depth(ast.parse("x = " + " or ".join(["a"] * 50))) > 50
    assert nesting_depth(ast.parse("client.chat.completions.create(model='o3', messages=[])\n")) < 20
    assert parse_error("x = [" + ",".join(["1"] * 50_000) + "]\n") is None  # large but flat: in a child process
    assert parse_error("x = (\n") is not None  # a real syntax error is a message, not a refusal
    assert MAX_DEPTH >= 500


def test_fix_on_a_file_libcst_would_crash_on_is_one_la000(tmp_path):
    deep = "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='o3', messages=[], max_tokens=10)\nx = " + " and ".join(["a"] * 10_000) + "\n"
    write_tree(tmp_path, {"deep.py": deep, "ok.py": "import litellm\nlitellm.completion(model='o3', messages=[], max_tokens=5)\n"})
    (tmp_path / ".git").mkdir()
    r = cli("fix", ".", "--select", "LA103", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr[-2000:]
    data = json.loads(r.stdout)
    assert [(f["path"], f["code"]) for f in data if f["code"] == "LA000"] == [("deep.py", "LA000")]
    assert "max_completion_tokens=5" in (tmp_path / "ok.py").read_text()
    assert (tmp_path / "deep.py").read_text() == deep


def test_init_and_json_inputs_nested_too_deeply(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    write_tree(tmp_path, {"nb.ipynb": '{"cells": ' + deep + "}", "base.json": deep, "app.py": "import litellm\n"})
    (tmp_path / ".git").mkdir()
    r = cli("init", "--stdout", cwd=tmp_path)
    assert r.returncode == 0 and "Traceback" not in r.stderr
    r = cli("check", ".", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert [f["path"] for f in json.loads(r.stdout) if f["code"] == "LA000"] == ["nb.ipynb"]
    for args in (["check", ".", "--baseline", "base.json"], ["report", ".", "--compare-to", "base.json"]):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2 and "Traceback" not in r.stderr and "base.json" in r.stderr


# ---------------------------------------------------------------- YAML alias bombs
def test_bounded_loader_rejects_bombs_and_keeps_ordinary_aliases():
    from auditor.config.yamlsafe import YAMLBombError, yaml

    for typ, pure in (("rt", False), ("safe", True), ("safe", False)):
        t = time.perf_counter()
        with pytest.raises(YAMLBombError) as e:
            yaml(typ, pure).load(BILLION_LAUGHS)
        assert time.perf_counter() - t < 1 and e.value.problem_mark.line == 5
    assert yaml().load("base: &b {max_tokens: 10}\nprod:\n  <<: *b\n  n: 1\n") == {"base": {"max_tokens": 10}, "prod": {"max_tokens": 10, "n": 1}}
    with pytest.raises(YAMLBombError):
        yaml().load("a: &x [1, *x]\n")  # a recursive alias


def test_bomb_in_prompt_files_is_one_la000_each(tmp_path):
    write_tree(tmp_path, {
        "bomb.prompty": "---\nmodel:\n  configuration:\n    name: gpt-4o\n" + _bomb_lines("  ") + "---\nsystem:\nHello\n",
        "bomb.prompt": "---\nmodel: gpt-4o\n" + _bomb_lines() + "---\nHello {{x}}\n",
        "prompts/bomb.yaml": "template: hi\n" + _bomb_lines(),
        ".llm-audit.yaml": 'prompt-paths: ["prompts/**"]\n',
    })
    (tmp_path / ".git").mkdir()
    t = time.perf_counter()
    r = cli("check", ".", "--no-cache", "--output-format", "json", cwd=tmp_path)
    assert time.perf_counter() - t < 60 and "Traceback" not in r.stderr
    errors = sorted((f["path"], f["code"]) for f in json.loads(r.stdout) if f["code"] == "LA000")
    assert errors == [("bomb.prompt", "LA000"), ("bomb.prompty", "LA000"), ("prompts/bomb.yaml", "LA000")]
    assert all("billion laughs" in f["message"] for f in json.loads(r.stdout) if f["code"] == "LA000")


@pytest.mark.parametrize("name", [".llm-audit.yaml", "extra.yaml"])
def test_bomb_in_a_policy_is_a_policy_error_with_its_position(tmp_path, name):
    write_tree(tmp_path, {"app.py": "import litellm\n", name: "extends: default\n" + _bomb_lines().replace("a:", "x-a:")})
    (tmp_path / ".git").mkdir()
    args = ["check", "."] + (["--policy", name] if name != ".llm-audit.yaml" else [])
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"{name}:7:4: invalid YAML: aliases expand" in r.stderr


def test_bomb_in_the_usage_file_is_reported_not_expanded(tmp_path):
    write_tree(tmp_path, {"app.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n", "llm-audit-usage.yaml": "version: 1\n" + _bomb_lines().replace("a:", "x-a:")})
    (tmp_path / ".git").mkdir()
    r = cli("report", ".", cwd=tmp_path)
    assert r.returncode == 2 and "aliases expand" in r.stderr and "Traceback" not in r.stderr


# ---------------------------------------------------------------- per-file time budget
def test_a_file_over_its_time_budget_is_one_la000(tmp_path):
    calls = "\n".join(f"r{i} = client.chat.completions.create(model='gpt-4o', messages=[])" for i in range(6000))
    write_tree(tmp_path, {
        "big.py": "from openai import OpenAI\nclient = OpenAI()\n" + calls + "\n",
        "small.py": "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n",
        ".llm-audit.yaml": "limits:\n  max-file-seconds: 0.5\n",
    })
    (tmp_path / ".git").mkdir()
    result = run_engine(tmp_path, select=["LA000", "LA101"])
    big = [f for f in result.findings if f.path == "big.py"]
    assert [f.code for f in big] == ["LA000"] and "max-file-seconds" in big[0].message
    assert [f.code for f in result.findings if f.path == "small.py"] == ["LA101"]


def test_time_budget_is_a_policy_value():
    from auditor.config.policy import PolicyError, validate

    with pytest.raises(PolicyError):
        validate({"limits": {"max-file-seconds": -1}}, None, "p.yaml")
    validate({"limits": {"max-file-seconds": 2.5}}, None, "p.yaml")


# ---------------------------------------------------------------- linear call-site facts
def _seconds(tmp_path, files) -> float:
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir(exist_ok=True)
    run_engine(tmp_path, select=["LA101"])  # warm: catalog and encodings loaded before timing
    t = time.process_time()  # CPU time of this process (jobs=1): other load on the machine does not count
    run_engine(tmp_path, select=["LA101", "LA601", "LA502", "LA602"])
    return time.process_time() - t


def test_call_site_facts_grow_linearly(tmp_path):
    def module(n: int) -> str:
        body = "\n".join(f"r{i} = client.chat.completions.create(model='gpt-4o', messages=[{{'role': 'user', 'content': q{i}}}])\nj{i} = json.loads(r{i}.choices[0].message.content)" for i in range(n))
        return "import json\nfrom openai import OpenAI\nclient = OpenAI()\n" + body + "\n"

    small = _seconds(tmp_path / "a", {"m.py": module(300)})
    large = _seconds(tmp_path / "b", {"m.py": module(2400)})
    assert large < small * 8 * 2.5, (small, large)  # 8x the calls: linear with slack, quadratic would be ~64x


def test_usage_facts_unchanged_by_the_index(project):
    """The index answers what the per-site walks answered: parses through assignments, returns,
    growing histories, cache markers."""
    result = project({"app.py": """
        import json
        from anthropic import Anthropic
        client = Anthropic()
        SYSTEM = [{"type": "text", "text": "rules", "cache_control": {"type": "ephemeral"}}]
        def ask(q):
            r = client.messages.create(model="claude-sonnet-4-5", system=SYSTEM, max_tokens=100, messages=[{"role": "user", "content": q}])
            text = r.content[0].text
            data = text
            return json.loads(data)
        def chat(turns):
            history = []
            for t in turns:
                history.append({"role": "user", "content": t})
                reply = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=history)
                history.append({"role": "assistant", "content": reply.content[0].text})
            return reply
    """}, select=["LA601", "LA602"])
    sites = {s.qualname: s for s in result.project.call_sites()}
    assert [u.text for u in sites["ask"].extra["parses"]] == ["json.loads"]
    assert sites["ask"].extra["cache_marked"] is True
    assert sites["chat"].extra["history"].name == "history"
    assert sorted(f.code for f in result.findings) == ["LA601", "LA602"]


def test_long_prompt_text_is_checked_in_bounded_time(tmp_path):
    text = "Please analyze the following data carefully and provide insights. " * 8000  # ~540 KB
    write_tree(tmp_path, {"p.prompty": "---\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    name: gpt-4o\n---\nsystem:\n" + text + "\nuser:\n{{q}}\n"})
    (tmp_path / ".git").mkdir()
    t = time.perf_counter()
    result = run_engine(tmp_path, select=["LA201"])
    assert time.perf_counter() - t < 60
    found = [f for f in result.findings if f.code == "LA201"]
    assert len(found) >= 8000 and all(f.savings and f.savings.tokens_per_call > 0 for f in found[:50])


def test_full_output_never_prints_a_huge_line_whole(tmp_path):
    src = "import litellm\nlitellm.completion(model='gpt-4o', messages=[{'role': 'user', 'content': '" + "data " * 2_000_000 + "'}])\n"
    write_tree(tmp_path, {"min.py": src, ".llm-audit.yaml": "limits:\n  max-file-bytes: 50000000\n"})
    (tmp_path / ".git").mkdir()
    r = cli("check", ".", "--no-cache", "--select", "LA101", cwd=tmp_path)
    assert "LA101" in r.stdout and max(len(x) for x in r.stdout.splitlines()) < 400
