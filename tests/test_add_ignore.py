"""``check --add-ignore``: suppression comments placed safely, merged, idempotent; unused ones reported."""

from __future__ import annotations

import ast
import json

import pytest

from auditor.findings import Finding
from auditor.fix.suppress import add_to_text, line_ends, same_tree
from conftest import cli, notebook, write_tree

APP = {
    "reports/__init__.py": "",
    "reports/writer.py": '''
        import os

        import litellm
        from openai import OpenAI

        MODEL = os.getenv("WRITER_MODEL", "o3-mini")
        client = OpenAI()

        HEADER = """Weekly report
        # not a comment: this line is inside a string
        """


        def weekly(rows: list[str]) -> str:
            resp = client.chat.completions.create(  # one request per report
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": HEADER + "\\n".join(rows)}],
            )
            return resp.choices[0].message.content


        def outline(topic: str) -> str:
            resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": topic}], max_tokens=300)  # noqa: E501
            return resp.choices[0].message.content


        def headline(text: str) -> str:
            return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": """Headline for:
        """ + text}])
    ''',
    "notebooks/draft.ipynb": notebook(
        "%load_ext autoreload\nfrom openai import OpenAI\nclient = OpenAI()\n",
        "resp = client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'Draft it'}])\n",
    ),
}


@pytest.fixture
def app(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    return tmp_path


def _json(root, *args):
    r = cli("check", ".", "--select", "LA1", "--output-format", "json", *args, cwd=root)
    return r, json.loads(r.stdout)


def test_add_ignore_silences_every_finding_without_changing_code(app):
    _, before = _json(app)
    assert sorted(f["code"] for f in before) == ["LA101", "LA101", "LA101", "LA103"]
    py = app / "reports/writer.py"
    old = py.read_text()
    r = cli("check", ".", "--select", "LA1", "--add-ignore", cwd=app)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "All checks passed!" in r.stdout
    assert "in 2 files (4 findings)" in r.stderr
    new = py.read_text()
    assert ast.dump(ast.parse(old)) == ast.dump(ast.parse(new))  # only comments were added
    lines = [line.strip() for line in new.splitlines()]
    # the comment goes on the call's first line, after an existing comment
    assert "resp = client.chat.completions.create(  # one request per report  # llm-audit: ignore[LA101]" in lines
    # merged with a foreign comment on the same line
    assert any(line.endswith("max_tokens=300)  # noqa: E501  # llm-audit: ignore[LA103]") for line in lines)
    # the string that looks like a comment is untouched
    assert "# not a comment: this line is inside a string" in lines
    # `return litellm.completion(...` ends inside a multi-line string: a comment line goes above it
    raw = new.splitlines()
    i = next(n for n, line in enumerate(raw) if "return litellm.completion(" in line)
    assert raw[i - 1] == "    # llm-audit: ignore[LA101]"
    nb = json.loads((app / "notebooks/draft.ipynb").read_text())
    cell = "".join(nb["cells"][2]["source"])
    assert cell.startswith("resp = client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'Draft it'}])  # llm-audit: ignore[LA101]")
    assert "".join(nb["cells"][1]["source"]) == "%load_ext autoreload\nfrom openai import OpenAI\nclient = OpenAI()\n"
    assert cli("check", ".", "--select", "LA1", cwd=app).returncode == 0


def test_add_ignore_is_idempotent(app):
    cli("check", ".", "--select", "LA1", "--add-ignore", cwd=app)
    snapshot = {p: p.read_bytes() for p in app.rglob("*") if p.is_file() and ".cache-test" not in p.parts}
    r = cli("check", ".", "--select", "LA1", "--add-ignore", cwd=app)
    assert r.returncode == 0 and "Added or extended 0 suppression comments" in r.stderr
    assert {p: p.read_bytes() for p in snapshot} == snapshot


def test_codes_merge_into_an_existing_llm_audit_comment(app):
    py = app / "reports/writer.py"
    text = py.read_text().replace("max_tokens=300)  # noqa: E501", "max_tokens=300)  # llm-audit: ignore[LA102]")
    py.write_text(text)
    cli("check", ".", "--select", "LA1", "--add-ignore", cwd=app)
    assert "max_tokens=300)  # llm-audit: ignore[LA102,LA103]" in py.read_text()
    assert py.read_text().count("llm-audit: ignore[LA102") == 1


def test_unused_suppressions_are_reported_once_the_code_is_fixed(app):
    cli("check", ".", "--select", "LA1", "--add-ignore", cwd=app)
    py = app / "reports/writer.py"
    # someone fixes the call properly; the suppression now silences nothing
    py.write_text(py.read_text().replace('model="gpt-4o-mini",\n        messages=[{"role": "user", "content": HEADER', 'model="gpt-4o-mini",\n        max_tokens=500,\n        messages=[{"role": "user", "content": HEADER'))
    r = cli("check", ".", "--select", "LA1,LA001", "--output-format", "json", cwd=app)
    found = json.loads(r.stdout)
    assert [(f["code"], f["path"]) for f in found] == [("LA001", "reports/writer.py")]
    line = py.read_text().splitlines()[found[0]["line"] - 1]
    assert "resp = client.chat.completions.create(" in line and "ignore[LA101]" in line


def test_crlf_files_keep_their_line_endings(tmp_path):
    (tmp_path / ".git").mkdir()
    src = "from openai import OpenAI\r\nclient = OpenAI()\r\nclient.chat.completions.create(model='gpt-4o-mini', messages=[])\r\n"
    (tmp_path / "crlf.py").write_bytes(src.encode())
    r = cli("check", ".", "--select", "LA101", "--add-ignore", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = (tmp_path / "crlf.py").read_bytes()
    assert data.endswith(b"messages=[])  # llm-audit: ignore[LA101]\r\n") and b"\n" not in data.replace(b"\r\n", b"")


# ---------------------------------------------------------------- placement rules, unit level
def F(code: str, line: int) -> Finding:
    return Finding(code, "rule", "warning", "m", "x.py", line, 1, line, 2)


TRICKY = '''\
PROMPT = """Please analyse carefully
and answer with one word
"""
x = call(a, \\
    b)
def f():
    y = g(1,
          2)  # llm-audit: ignore[LA201]
    # llm-audit: ignore[LA502]
    z = h(3, \\
          4)
s = "a # llm-audit: ignore[LA101]" + t
'''


def test_line_ends_know_strings_and_continuations():
    safe, comments = line_ends(TRICKY)
    assert 1 not in safe and 2 not in safe  # inside the triple-quoted string
    assert 3 in safe
    assert 4 not in safe and 10 not in safe  # backslash continuations
    assert 5 in safe and 7 in safe
    assert comments[8][1] == "# llm-audit: ignore[LA201]" and 12 not in comments  # that '#' is inside a string


def test_placement_inside_strings_continuations_and_existing_comments():
    findings = [F("LA201", 2), F("LA101", 4), F("LA103", 8), F("LA501", 10), F("LA101", 12), F("LA000", 1)]
    new, p = add_to_text(TRICKY, findings)
    assert same_tree(TRICKY, new)
    lines = new.splitlines()
    # LA201 at line 2: lines 1 and 2 both end inside the string: cannot be placed, said why
    skipped = {f.code: why for f, why in p.skipped}
    assert "ends inside a string" in skipped["LA201"] and "ignore-file[LA201]" in skipped["LA201"]
    assert "cannot be suppressed" in skipped["LA000"]
    assert 'PROMPT = """Please analyse carefully' in lines and "and answer with one word" in lines
    # LA101 at line 4 (ends with a backslash): a comment line above it
    i = lines.index("x = call(a, \\")
    assert lines[i - 1] == "# llm-audit: ignore[LA101]"
    # LA103 at line 8: merged into the existing trailing comment
    assert "          2)  # llm-audit: ignore[LA201,LA103]" in lines
    # LA501 at line 10 (continued): merged into the own-line suppression above it
    assert "    # llm-audit: ignore[LA502,LA501]" in lines
    # LA101 at line 12: the '# llm-audit' inside the string is not a comment; a real one is appended
    assert lines[-1] == 's = "a # llm-audit: ignore[LA101]" + t  # llm-audit: ignore[LA101]'


def test_magic_lines_in_notebook_cells_are_never_touched(tmp_path):
    (tmp_path / ".git").mkdir()
    nb = notebook("from openai import OpenAI\nclient = OpenAI()\n", "%time out = client.chat.completions.create(model='gpt-4o', messages=[])\nres = client.chat.completions.create(model='gpt-4o', messages=[])\n")
    write_tree(tmp_path, {"m.ipynb": nb})
    r = cli("check", ".", "--select", "LA101", "--add-ignore", cwd=tmp_path)
    cell = "".join(json.loads((tmp_path / "m.ipynb").read_text())["cells"][2]["source"])
    assert cell.splitlines()[0] == "%time out = client.chat.completions.create(model='gpt-4o', messages=[])"
    assert cell.splitlines()[1].endswith("messages=[])  # llm-audit: ignore[LA101]")
    assert r.returncode == 0


PROMPTY = """\
---
name: Refund triage
description: |
  Decides refunds.
  # not a comment: block scalar text
model:
  api: chat
  configuration:
    type: openai
    model: gpt-4o-mini
---
system:
Answer yes or no.
"""


def test_prompt_file_front_matter_gets_a_comment_and_the_body_is_left_alone(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"prompts/refund.prompty": PROMPTY})
    before = cli("check", ".", "--select", "LA101", "--output-format", "json", cwd=tmp_path)
    (finding,) = json.loads(before.stdout)
    assert finding["path"] == "prompts/refund.prompty" and 1 < finding["line"] < 11
    r = cli("check", ".", "--select", "LA101", "--add-ignore", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (tmp_path / "prompts/refund.prompty").read_text()
    lines = text.splitlines()
    assert lines[finding["line"] - 1] == "# llm-audit: ignore[LA101]"
    assert text.endswith("---\nsystem:\nAnswer yes or no.\n")  # the body (what the model sees) is unchanged


def test_prompt_file_guards():
    from auditor.fix.suppress import add_to_front_matter

    body = F("LA201", 13)
    inside_block = F("LA102", 5)  # a comment line here would become block-scalar text
    new, p = add_to_front_matter(PROMPTY, [body, inside_block])
    assert new == PROMPTY
    reasons = {f.code: why for f, why in p.skipped}
    assert "prompt body" in reasons["LA201"] and "front matter's data" in reasons["LA102"]
    plain, p = add_to_front_matter("Just a prompt.\nAnswer briefly.\n", [F("LA201", 1)])
    assert plain == "Just a prompt.\nAnswer briefly.\n" and p.skipped
