"""The same answers for any subset of paths (what pre-commit, editors and `lock F` pass).

A multi-module app: prompt constants in one module, the model in a settings module without any
LLM code (the pre-scan does not parse it; its constants are read when something imports them),
a wrapper and a batch job in two others, a notebook and a prompt file under folders with their
own policies. For every file F, `check F` must print exactly the F part of `check .`: the same
findings, tokens and dollars, whatever the order of the arguments.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import cli, notebook, write_tree

APP = {
    ".llm-audit.yaml": """
        params:
          LA203: {max-static-tokens: 60}
        prompt-paths: ["prompts/*.txt"]
    """,
    "app/__init__.py": "",
    "app/settings.py": '''
        """Deployment settings (no LLM code here)."""
        import os

        MODEL = os.getenv("APP_MODEL", "gpt-4o")
        TIMEOUT = 30
    ''',
    "app/prompts.py": '''
        """Prompt texts shared by the services."""

        SYSTEM_PROMPT = """You are a support assistant for an online shop. Please make sure to answer
        in a concise way. It is very important that you only use the order data you are given, and that
        you say so when the data does not contain the answer. Never invent order numbers, prices or
        delivery dates, and never promise refunds: hand those to a human agent."""

        triage_template = "I would like you to sort this ticket into billing, shipping or other: {ticket}"
    ''',
    "app/llm.py": '''
        """The one place the app talks to the model provider."""
        from openai import OpenAI

        from app.prompts import SYSTEM_PROMPT
        from app.settings import MODEL, TIMEOUT

        client = OpenAI(timeout=TIMEOUT)


        def ask(question: str) -> str:
            resp = client.chat.completions.create(
                model=MODEL,
                messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}],
            )
            return resp.choices[0].message.content
    ''',
    "app/jobs.py": '''
        """Nightly jobs."""
        from openai import OpenAI

        from app.prompts import SYSTEM_PROMPT, triage_template

        client = OpenAI(timeout=20)


        def triage_all(tickets: list[str]) -> list[str]:
            out = []
            for ticket in tickets:
                resp = client.chat.completions.create(
                    model="gpt-4o-mini",
                    max_tokens=5,
                    messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": triage_template.format(ticket=ticket)}],
                )
                out.append(resp.choices[0].message.content)
            return out
    ''',
    # a folder with its own policy: notebooks are explored, caps do not matter there
    "notebooks/.llm-audit.yaml": """
        ignore: [LA101]
        severity: {LA201: info}
    """,
    "notebooks/explore.ipynb": notebook(
        """
        import pandas as pd
        from openai import OpenAI
        from app.prompts import SYSTEM_PROMPT

        client = OpenAI(timeout=10)
        df = pd.read_csv("orders.csv")
        """,
        """
        resp = client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": f"Please analyze the following data carefully and provide insights: {df.to_markdown()}"}],
        )
        """,
    ),
    "prompts/summary.txt": "You are a helpful assistant. I would like you to summarise the ticket below in one sentence.\n",
    "legacy/broken.py": "def broken(:\n    pass\n",  # no LLM code: not parsed, no LA000
}
FILES = ["app/llm.py", "app/jobs.py", "app/prompts.py", "app/settings.py", "notebooks/explore.ipynb", "prompts/summary.txt", "legacy/broken.py"]


@pytest.fixture(scope="module")
def app(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("subsets") / "shop"
    write_tree(root, APP)
    (root / ".git").mkdir()
    return root


def _check(root: Path, *args: str, cwd: Path | None = None, cache: str = "warm") -> list[dict]:
    env = {"LLM_AUDIT_CACHE_DIR": str(root.parent / f"cache-{cache}")}
    r = cli("check", *args, "--output-format", "json", "--exit-zero", cwd=cwd or root, env=env)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def whole(app) -> list[dict]:
    return _check(app, ".")


def test_the_whole_run_sees_across_modules(whole):
    by = {(f["path"], f["code"]): f for f in whole}
    # the model comes from a settings module the pre-scan skipped: read when llm.py imports it
    assert "gpt-4o" in by[("app/llm.py", "LA101")]["message"]
    # imported constants are counted exactly in the call sites' prompts
    assert "74 tokens" in by[("app/llm.py", "LA203")]["message"] and "90 tokens" in by[("app/jobs.py", "LA203")]["message"]
    # a lower-case constant is a prompt constant too (prompt-names match identifier words)
    lines = textwrap.dedent(APP["app/prompts.py"]).splitlines()
    line = next(i for i, x in enumerate(lines, 1) if x.startswith("triage_template"))
    assert any(f["path"] == "app/prompts.py" and f["line"] == line and f["code"] == "LA201" for f in whole)
    # the notebook's own policy: no LA101 there, LA201 as info; the root policy elsewhere
    assert not any(f["path"].startswith("notebooks/") and f["code"] == "LA101" for f in whole)
    assert {f["severity"] for f in whole if f["code"] == "LA201" and f["path"].startswith("notebooks/")} == {"info"}
    assert {f["severity"] for f in whole if f["code"] == "LA201" and f["path"].startswith("app/")} == {"warning"}
    assert ("prompts/summary.txt", "LA201") in by
    assert not any(f["path"] == "legacy/broken.py" for f in whole)


@pytest.mark.parametrize("rel", FILES)
def test_one_file_gives_its_part_of_the_whole_run(app, whole, rel):
    want = [f for f in whole if f["path"] == rel]
    assert _check(app, rel) == want  # cache warm, as in pre-commit
    assert _check(app, rel, cache=f"cold-{rel.replace('/', '_')}") == want  # and from nothing


def test_argument_order_and_working_folder_do_not_matter(app, whole):
    pair = ["notebooks/explore.ipynb", "app/llm.py"]
    want = [f for f in whole if f["path"] in pair]
    assert _check(app, *pair) == want
    assert _check(app, *reversed(pair)) == want
    # from a subfolder, paths are still the project's
    assert _check(app, "llm.py", "../notebooks/explore.ipynb", cwd=app / "app") == want
    folder = [f for f in whole if f["path"].startswith("app/")]
    assert _check(app, "app") == folder


def test_one_policy_given_applies_everywhere(app):
    found = _check(app, ".", "--policy", ".llm-audit.yaml", cache="policy")
    assert any(f["path"] == "notebooks/explore.ipynb" and f["code"] == "LA101" for f in found)


def test_report_of_one_file_prices_it_as_the_whole_report(app):
    env = {"LLM_AUDIT_CACHE_DIR": str(app.parent / "cache-warm")}

    def rows(*paths: str) -> dict[str, dict]:
        r = cli("report", *paths, "--format", "json", cwd=app, env=env)
        assert r.returncode == 0, r.stderr
        return {s["id"]: s for s in json.loads(r.stdout)["call_sites"]}

    every = rows(".")
    one = rows("app/jobs.py")
    assert set(one) == {k for k in every if k.startswith("app/jobs.py")} and one
    for k, row in one.items():
        assert row == every[k]


def test_lock_of_one_file_keeps_the_other_entries(tmp_path):
    write_tree(tmp_path, {k: v for k, v in APP.items() if not k.startswith("notebooks")})
    (tmp_path / ".git").mkdir()
    assert cli("lock", cwd=tmp_path).returncode == 0
    before = json.loads((tmp_path / "llm-audit.lock").read_text())["prompts"]
    assert {k.split("::")[0] for k in before} >= {"app/prompts.py", "app/llm.py", "app/jobs.py"}
    prompts = tmp_path / "app/prompts.py"
    prompts.write_text(prompts.read_text().replace("sort this ticket", "route this ticket"))
    r = cli("lock", "app/jobs.py", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    after = json.loads((tmp_path / "llm-audit.lock").read_text())["prompts"]
    assert set(after) == set(before)
    changed = {k for k in after if after[k] != before[k]}
    assert changed == {k for k in before if k.startswith("app/jobs.py::")}  # only the given file's entries
    # the constant's own entry still holds its old text: prompts.py was not given
    check = cli("lock", "--check", "app/prompts.py", cwd=tmp_path)
    assert check.returncode == 1 and "changed: app/prompts.py::triage_template" in check.stdout + check.stderr


def test_a_new_module_is_seen_by_an_explicit_run(tmp_path):
    """The project walk is reused from the cache only while no folder changed."""
    files = {
        "app/__init__.py": "",
        "app/jobs.py": textwrap.dedent("""
            from openai import OpenAI
            from app.settings import MODEL

            client = OpenAI(timeout=5)
            client.chat.completions.create(model=MODEL, messages=[])
        """),
    }
    write_tree(tmp_path, files)
    (tmp_path / ".git").mkdir()
    env = {"LLM_AUDIT_CACHE_DIR": str(tmp_path.parent / f"{tmp_path.name}-cache")}
    first = cli("check", ".", "--output-format", "json", "--exit-zero", cwd=tmp_path, env=env)
    [f] = [f for f in json.loads(first.stdout) if f["code"] == "LA101"]
    assert "gpt" not in f["message"]  # the model is unknown: app/settings.py does not exist
    (tmp_path / "app/settings.py").write_text('MODEL = "gpt-4o-mini"\n')
    again = cli("check", "app/jobs.py", "--output-format", "json", "--exit-zero", cwd=tmp_path, env=env)
    [g] = [f for f in json.loads(again.stdout) if f["code"] == "LA101"]
    assert "gpt-4o-mini" in g["message"]
