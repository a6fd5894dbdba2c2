"""The installed command as a user runs it: outputs, exit codes, fixes, notebooks, bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import cli, notebook, write_tree

APP = {
    "svc/__init__.py": "",
    "svc/settings.py": """
        import os
        SUMMARY_MODEL = "gpt-4o-mini"
        REASONING_MODEL = os.getenv("REASONING_MODEL", "o3")
    """,
    "svc/assistant.py": """
        from openai import AsyncOpenAI, OpenAI
        from anthropic import Anthropic

        from .settings import REASONING_MODEL, SUMMARY_MODEL


        class Assistant:
            def __init__(self):
                self.client = OpenAI(timeout=20)
                self.aclient = AsyncOpenAI()
                self.claude = Anthropic()

            def summarize(self, text: str) -> str:
                resp = self.client.chat.completions.create(
                    model=SUMMARY_MODEL,
                    messages=[{"role": "user", "content": f"Summarize: {text}"}],
                )
                return resp.choices[0].message.content

            async def plan(self, goal: str) -> str:
                resp = await self.aclient.chat.completions.create(
                    model=REASONING_MODEL,
                    messages=[{"role": "user", "content": goal}],
                    max_tokens=800,
                )
                return resp.choices[0].message.content

            def answer(self, q: str) -> str:
                params = {"model": "claude-haiku-4-5", "max_tokens": 300}
                msg = self.claude.messages.create(messages=[{"role": "user", "content": q}], **params)
                return msg.content[0].text

            def passthrough(self, **kwargs):
                return self.client.chat.completions.create(model=SUMMARY_MODEL, messages=[], **kwargs)
    """,
}


def _json(r):
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def test_json_output_shape_and_findings(tmp_path):
    write_tree(tmp_path, APP)
    r = cli("check", ".", "--output-format", "json", "--select", "LA1", cwd=tmp_path)
    data = _json(r)
    assert r.returncode == 1
    got = sorted((f["code"], f["path"], f["line"]) for f in data)
    assert got == [("LA101", "svc/assistant.py", 15), ("LA103", "svc/assistant.py", 25)]
    f = next(x for x in data if x["code"] == "LA101")
    for key in ("code", "name", "severity", "message", "path", "line", "column", "end_line", "end_column", "cell", "call_site_id", "fix"):
        assert key in f
    assert f["cell"] is None and f["call_site_id"] == "svc/assistant.py::Assistant.summarize#1"
    assert f["fix"]["applicability"] == "unsafe" and f["fix"]["edits"]
    la103 = next(x for x in data if x["code"] == "LA103")
    assert "environment-variable default" in la103["message"] and la103["fix"]["applicability"] == "safe"


def test_json_validates_against_shipped_schema(tmp_path):
    import jsonschema

    import auditor

    schema_path = os.path.join(os.path.dirname(auditor.__file__), "schema", "findings.schema.json")
    with open(schema_path, encoding="utf-8") as fh:
        schema = json.load(fh)
    write_tree(tmp_path, APP)
    data = _json(cli("check", ".", "--output-format", "json", cwd=tmp_path))
    assert data
    jsonschema.validate(data, schema)


def test_exit_codes_and_exit_zero(tmp_path):
    write_tree(tmp_path, APP)
    assert cli("check", ".", cwd=tmp_path).returncode == 1
    assert cli("check", ".", "--exit-zero", cwd=tmp_path).returncode == 0
    assert cli("check", ".", "--select", "LA102", cwd=tmp_path).returncode == 0
    r = cli("check", ".", "--select", "LA999", cwd=tmp_path)
    assert r.returncode == 2 and "unknown rule selector" in r.stderr


def test_concise_full_statistics_and_output_file(tmp_path):
    write_tree(tmp_path, APP)
    concise = cli("check", ".", "--output-format", "concise", "--select", "LA1", cwd=tmp_path).stdout
    assert "svc/assistant.py:15:16: LA101" in concise
    full = cli("check", ".", "--select", "LA101", cwd=tmp_path)
    assert "15 |         resp = self.client.chat.completions.create(" in full.stdout
    assert "Found 1 finding" in full.stdout
    stats = cli("check", ".", "--statistics", cwd=tmp_path).stdout
    assert "LA101" in stats and "missing-output-cap" in stats
    out = tmp_path / "out.json"
    r = cli("check", ".", "--output-format", "json", "-o", str(out), cwd=tmp_path)
    assert r.stdout == "" and len(json.loads(out.read_text())) >= 2


def test_fix_safe_then_unsafe_idempotent(tmp_path):
    write_tree(tmp_path, APP)
    path = tmp_path / "svc/assistant.py"
    before = path.read_text()
    diff = cli("fix", ".", "--diff", cwd=tmp_path)
    assert "+            max_completion_tokens=800," in diff.stdout
    assert path.read_text() == before  # --diff writes nothing
    r = cli("fix", ".", cwd=tmp_path)  # safe only: LA103 rename
    text = path.read_text()
    assert "max_completion_tokens=800" in text and "max_tokens=800" not in text
    assert "LA101" in r.stdout  # the unsafe one remains
    r = cli("fix", ".", "--unsafe-fixes", cwd=tmp_path)
    text = path.read_text()
    # LA402's swap at SUMMARY_MODEL's definition may move it to a reasoning model: its cap is max_completion_tokens
    assert "max_tokens=1024," in text or "max_completion_tokens=1024," in text
    compile(text, "assistant.py", "exec")
    assert cli("check", ".", "--select", "LA1", cwd=tmp_path).returncode == 0
    again = cli("fix", ".", "--unsafe-fixes", cwd=tmp_path)
    assert path.read_text() == text and "Fixed" not in again.stdout + again.stderr


def test_check_fix_flag(tmp_path):
    write_tree(tmp_path, APP)
    r = cli("check", ".", "--fix", "--select", "LA103", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "max_completion_tokens=800" in (tmp_path / "svc/assistant.py").read_text()


def test_notebook_findings_and_fix(tmp_path):
    nb = notebook(
        "%matplotlib inline\n!pip install openai\nimport pandas as pd\nfrom openai import OpenAI\n",
        "client = OpenAI()\n",
        "df = pd.read_csv('reviews.csv')\nresp = client.chat.completions.create(\n    model='gpt-4o',\n    messages=[{'role': 'user', 'content': 'hi'}],\n)\n",
    )
    write_tree(tmp_path, {"analysis.ipynb": nb})
    data = _json(cli("check", ".", "--output-format", "json", "--select", "LA101", cwd=tmp_path))
    assert [(f["code"], f["cell"], f["line"]) for f in data] == [("LA101", 2, 2)]
    text = cli("check", ".", "--output-format", "concise", "--select", "LA101", cwd=tmp_path).stdout
    assert "analysis.ipynb:cell 3:2:8: LA101" in text
    cli("fix", ".", "--unsafe-fixes", "--select", "LA101", cwd=tmp_path)
    fixed = json.loads((tmp_path / "analysis.ipynb").read_text())
    assert fixed["cells"][0] == nb["cells"][0] and fixed["cells"][1] == nb["cells"][1]  # untouched cells
    src = "".join(fixed["cells"][3]["source"])
    assert "max_tokens=1024," in src and fixed["nbformat"] == 4 and fixed["cells"][3]["id"] == "c2"
    assert "%matplotlib inline" in "".join(fixed["cells"][1]["source"])
    assert cli("check", ".", "--select", "LA101", cwd=tmp_path).returncode == 0


def test_bad_files_become_la000_and_run_continues(tmp_path):
    files = dict(APP)
    files["svc/broken.py"] = "from openai import OpenAI\nclient = OpenAI(\n"
    files["svc/plain_broken.py"] = "def f(:\n    pass\n"
    files["svc/latin.py"] = b"import openai\nx = '\xe9t\xe9'\n"
    files["svc/blob.py"] = b"\x00\x01\x02binary"
    files["nb/broken.ipynb"] = "{ not json"
    files["nb/nocells.ipynb"] = {"nbformat": 4}
    write_tree(tmp_path, files)
    deep = "x = " + "(" * 5000 + ")" * 5000 + "\n"
    (tmp_path / "svc/deep.py").write_text(deep)
    (tmp_path / "big.py").write_text("# openai\n" + "x = 1\n" * 10)
    (tmp_path / ".llm-audit.yaml").write_text("limits: {max-file-bytes: 60}\nper-file-ignores: {}\n")
    r = cli("check", ".", "--output-format", "json", cwd=tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    data = json.loads(r.stdout)
    errors = {f["path"]: f["message"] for f in data if f["code"] == "LA000"}
    for path in ("svc/broken.py", "svc/latin.py", "svc/blob.py", "nb/broken.ipynb", "nb/nocells.ipynb", "svc/deep.py", "big.py"):
        assert path in errors, (path, errors)
    # a syntax error in a file with no LLM code is the general linter's to report, not ours
    assert "svc/plain_broken.py" not in errors
    assert "too large" in errors["big.py"] and "binary" in errors["svc/blob.py"] and "UTF-8" in errors["svc/latin.py"]
    assert "syntax" in errors["svc/broken.py"]


def test_python_dash_m_and_version(tmp_path):
    r = subprocess.run([sys.executable, "-m", "auditor", "--version"], capture_output=True, text=True)
    assert r.returncode == 0 and r.stdout.startswith("llm-audit, version ")


def test_stdin_filename(tmp_path):
    src = "import litellm\nlitellm.completion(model='gpt-6-luna', messages=[])\n"
    r = cli("check", "--stdin-filename", "snippet.py", "--output-format", "json", cwd=tmp_path, input=src)
    data = json.loads(r.stdout)
    assert [(f["code"], f["path"]) for f in data] == [("LA101", "snippet.py")]


def test_gitignore_and_exclude_and_force_exclude(tmp_path):
    files = dict(APP)
    files[".gitignore"] = "generated/\n"
    files["generated/gen.py"] = "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"
    files["vendor/v.py"] = "import litellm\nlitellm.completion(model='gpt-4o', messages=[])\n"
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / ".llm-audit.yaml").write_text("exclude: [vendor/]\nselect: [LA101]\n")
    paths = {f["path"] for f in _json(cli("check", ".", "--output-format", "json", cwd=tmp_path))}
    assert paths == {"svc/assistant.py"}
    explicit = {f["path"] for f in _json(cli("check", "vendor/v.py", "--output-format", "json", cwd=tmp_path))}
    assert explicit == {"vendor/v.py"}
    forced = _json(cli("check", "vendor/v.py", "--force-exclude", "--output-format", "json", cwd=tmp_path))
    assert forced == []


def test_suppressions_line_above_and_file(tmp_path):
    files = {
        "a.py": """
            import litellm
            # llm-audit: ignore[LA101]
            litellm.completion(model="gpt-4o", messages=[])
            litellm.completion(model="gpt-4o", messages=[])  # llm-audit: ignore[missing-output-cap]
            litellm.completion(model="gpt-4o", messages=[])
            x = 1  # llm-audit: ignore[LA101]
        """,
        "b.py": """
            # llm-audit: ignore-file[LA101]
            import litellm
            litellm.completion(model="gpt-4o", messages=[])
        """,
    }
    write_tree(tmp_path, files)
    data = _json(cli("check", ".", "--output-format", "json", "--select", "LA101,LA001", cwd=tmp_path))
    assert sorted((f["code"], f["path"], f["line"]) for f in data) == [("LA001", "a.py", 7), ("LA101", "a.py", 6)]


def test_notebook_prompt_constant_located_in_its_cell(tmp_path):
    """A module-level prompt constant in cell 2 is reported (and fixed) in cell 2, once."""
    nb = notebook(
        "import pandas as pd\nfrom openai import OpenAI\nclient = OpenAI()\n",
        "SUMMARY_PROMPT = 'Please analyze the following data carefully and provide insights: {rows}'\n",
        "resp = client.chat.completions.create(model='gpt-4o-mini', max_tokens=100,\n    messages=[{'role': 'user', 'content': SUMMARY_PROMPT.format(rows='x')}])\n",
    )
    write_tree(tmp_path, {"nb.ipynb": nb})
    data = _json(cli("check", ".", "--output-format", "json", "--select", "LA201", cwd=tmp_path))
    assert [(f["cell"], f["line"]) for f in data] == [(1, 1)], data
    cli("fix", ".", cwd=tmp_path)
    fixed = json.loads((tmp_path / "nb.ipynb").read_text())
    assert "".join(fixed["cells"][2]["source"]).startswith("SUMMARY_PROMPT = 'Analyze this data")


def test_explicit_folder_is_walked_even_if_ignored(tmp_path):
    """A folder named on the command line is analysed even when .gitignore (or the default
    excludes) name it; exclusions still apply below it."""
    files = {
        ".gitignore": "corpus/\n*.generated.py\n",
        "corpus/src/a.py": "import litellm\nlitellm.completion(model='gpt-6-luna', messages=[])\n",
        "corpus/src/b.generated.py": "import litellm\nlitellm.completion(model='gpt-6-luna', messages=[])\n",
        "build/c.py": "import litellm\nlitellm.completion(model='gpt-6-luna', messages=[])\n",
    }
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()
    assert _json(cli("check", ".", "--output-format", "json", cwd=tmp_path)) == []
    paths = [f["path"] for f in _json(cli("check", "corpus/src", "--output-format", "json", cwd=tmp_path))]
    assert paths == ["corpus/src/a.py"]
    assert [f["path"] for f in _json(cli("check", "build", "--output-format", "json", cwd=tmp_path))] == ["build/c.py"]
