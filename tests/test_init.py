"""``llm-audit init``: a commented starter policy fitted to the project, never clobbering one."""

from __future__ import annotations

from ruamel.yaml import YAML

from auditor.config.init import scan
from auditor.config.policy import Policy
from conftest import cli, notebook, write_tree

APP = {
    "pyproject.toml": "[project]\nname = 'shop'\n",
    "shop/__init__.py": "",
    "shop/agents.py": """
        import anthropic
        from google import genai
        from langchain_openai import ChatOpenAI

        claude = anthropic.Anthropic()
        gemini = genai.Client()
        llm = ChatOpenAI(model="gpt-4o-mini")
    """,
    "shop/search.py": """
        from openai import AsyncOpenAI

        client = AsyncOpenAI()


        async def rank(query: str) -> str:
            resp = await client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": query}])
            return resp.choices[0].message.content
    """,
    "shop/util.py": "import json\n",
    "analysis/explore.ipynb": notebook("%pip install openai\nimport openai\nclient = openai.OpenAI()\n"),
    "shop/prompt_templates/refund.txt": "You decide refunds. Answer yes or no.\n",
    "shop/prompt_templates/tone.md": "# Tone\nBe brief.\n",
    "prompts/faq.prompty": "---\nname: faq\nmodel:\n  api: chat\n---\nsystem:\nAnswer FAQs.\n",
    "docs/guide.md": "Not a prompt.\n",
    ".venv/lib/site.py": "import openai\n",  # never scanned
}


def test_init_writes_a_commented_policy_for_what_it_finds(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    r = cli("init", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    path = tmp_path / ".llm-audit.yaml"
    text = path.read_text()
    assert "Wrote" in r.stderr and ".llm-audit.yaml" in r.stderr
    header = text.split("\n\n", 1)[0]
    assert "4 Python files; 1 notebook; 1 prompt file" in header
    for sdk in ("anthropic (1 file)", "google.genai (1 file)", "langchain_openai (1 file)", "openai (2 files)"):
        assert sdk in header, header
    data = YAML(typ="safe").load(text)
    assert data["prompt-paths"] == ["shop/prompt_templates/**/*.md", "shop/prompt_templates/**/*.txt"]
    assert data["params"]["LA101"]["default-cap"] == 1024 and data["extends"] == "default"
    # every key says what it is for
    for key in ("extends", "fail-on", "ignore", "exclude", "prompt-paths", "params", "per-file-ignores", "usage"):
        before = text.split(f"\n{key}:", 1)[0].rstrip().splitlines()[-1]
        assert before.startswith("# "), (key, before)
    assert '"analysis/**": [LA503]' in text and "1 notebook found" in text
    assert "# the cap `llm-audit fix --unsafe-fixes` inserts for LA101" in text
    # the policy loads and drives a check: the uncapped call is found, the prompt-path files are picked up
    policy = Policy.load(None, start=tmp_path)
    assert policy.path == path and policy.get("prompt-paths") == data["prompt-paths"]
    check = cli("check", ".", "--select", "LA101", "--output-format", "concise", cwd=tmp_path)
    assert check.returncode == 1 and "shop/search.py" in check.stdout


def test_init_refuses_to_overwrite_without_force(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, APP)
    mine = "# my policy\nfail-on: error\n"
    (tmp_path / ".llm-audit.yaml").write_text(mine)
    r = cli("init", cwd=tmp_path)
    assert r.returncode == 2 and "already holds an llm-audit policy" in r.stderr and "--force" in r.stderr
    assert (tmp_path / ".llm-audit.yaml").read_text() == mine
    r = cli("init", "--force", cwd=tmp_path)
    assert r.returncode == 0 and "llm-audit init" in (tmp_path / ".llm-audit.yaml").read_text()


def test_init_respects_a_pyproject_policy_and_can_print(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"pyproject.toml": "[project]\nname = 'x'\n\n[tool.llm-audit]\nfail-on = 'error'\n", "app.py": "import litellm\n"})
    r = cli("init", cwd=tmp_path)
    assert r.returncode == 2 and "pyproject.toml already holds" in r.stderr
    printed = cli("init", "--stdout", cwd=tmp_path)
    assert printed.returncode == 0 and "litellm (1 file)" in printed.stdout
    assert not (tmp_path / ".llm-audit.yaml").exists()
    assert 'prompt-paths: ["prompts/**/*.txt"]' in printed.stdout  # no prompt folder: shown as a commented example


def test_init_in_another_folder_and_bad_input(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"svc/api.py": "from openai import OpenAI\nOpenAI()\n", "svc/broken.py": "def f(:\n  import anthropic\n"})
    r = cli("init", "svc", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "svc/.llm-audit.yaml").read_text()
    assert "openai (1 file)" in text and "anthropic (1 file)" in text  # found in a file that does not parse, too
    missing = cli("init", "nowhere", cwd=tmp_path)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_scan_counts_only_real_sdk_imports(tmp_path):
    write_tree(tmp_path, {
        "a.py": "import openai_helpers\nfrom googleapiclient import discovery\nimport google.genai as g\n",
        "b.py": "x = 'import anthropic'\n",
    })
    found = scan(tmp_path)
    assert dict(found.sdks) == {"google.genai": 1}
