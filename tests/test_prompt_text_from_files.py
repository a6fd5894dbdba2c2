"""Prompt text the code reads from files: ``open(P).read()``, ``Path(P).read_text()``,
``importlib.resources``, ``pkgutil.get_data``, jinja2 ``FileSystemLoader`` templates.

The file's text is static prompt text with exact tokens; text findings are reported in that
file (path and line of the ``.txt`` / ``.j2``) and fixed there. Reads that are not prompts,
paths outside the project and symlinks out of it are not followed.
"""

from __future__ import annotations

import os

import pytest

from conftest import cli

from auditor.cost.tokens import count_tokens

SYSTEM_TXT = "You are a support assistant for an online shop.\nIt is very important that you answer in English.\n"


def where(result):
    return sorted((f.code, f.path, f.line) for f in result.findings)


def test_open_read_and_path_read_text_relative_to_the_module(project):
    result = project({
        "shop/__init__.py": "",
        "shop/assets/system.txt": SYSTEM_TXT,
        "shop/assets/style.md": "Please make sure to keep answers short.\n",
        "shop/llm.py": """
            import os
            from pathlib import Path

            from openai import OpenAI

            client = OpenAI()
            HERE = Path(__file__).resolve().parent
            SYSTEM = open(os.path.join(os.path.dirname(__file__), "assets", "system.txt"), encoding="utf-8").read()


            def reply(question):
                style = (HERE / "assets" / "style.md").read_text()
                return client.chat.completions.create(
                    model="gpt-4o-mini", max_tokens=200,
                    messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": style + question}],
                )
        """,
    }, select=["LA201"])
    assert where(result) == [("LA201", "shop/assets/style.md", 1), ("LA201", "shop/assets/system.txt", 2)]
    site = result.project.call_sites()[0]
    system = site.prompt.messages[0]
    assert system.static_text == SYSTEM_TXT and system.segments[0].path == "shop/assets/system.txt"
    f = next(f for f in result.findings if f.path == "shop/assets/system.txt")
    saved = count_tokens(SYSTEM_TXT, "gpt-4o-mini").tokens - count_tokens(SYSTEM_TXT.replace("It is very important that you answer", "Answer"), "gpt-4o-mini").tokens
    # the rewrite spans "It is very important that you answer" -> "Answer"
    assert f.savings.tokens_per_call == saved and (f.column, f.end_column) == (1, 37)


def test_the_safe_fix_edits_the_text_file(project):
    project({
        "app.py": """
            from pathlib import Path

            import anthropic

            PROMPT = Path("prompts/classify.txt").read_text()


            def classify(ticket):
                return anthropic.Anthropic().messages.create(
                    model="claude-haiku-4-5", max_tokens=10, system=PROMPT, messages=[{"role": "user", "content": ticket}]
                )
        """,
        "prompts/classify.txt": "I would like you to classify support tickets by urgency.\n",
    }, select=["LA201"])
    done = cli("fix", "--select", "LA201", "--no-cache", ".", cwd=project.root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project.root / "prompts/classify.txt").read_text() == "Classify support tickets by urgency.\n"
    assert "PROMPT = Path(\"prompts/classify.txt\").read_text()" in (project.root / "app.py").read_text()
    again = cli("check", "--select", "LA201", "--no-cache", ".", cwd=project.root)
    assert again.returncode == 0, again.stdout


def test_with_open_as_f_and_format_fields(project):
    result = project({
        "bot.py": """
            from openai import OpenAI

            client = OpenAI()
            with open("templates/answer.txt") as f:
                TEMPLATE = f.read()


            def answer(question, context):
                prompt = TEMPLATE.format(question=question, context=context)
                return client.chat.completions.create(model="gpt-4o", max_tokens=300, messages=[{"role": "user", "content": prompt}])
        """,
        "templates/answer.txt": "Context: {context}\nIn order to answer, use only the context.\nQuestion: {question}\n",
    }, select=["LA201"])
    assert where(result) == [("LA201", "templates/answer.txt", 2)]
    segs = result.project.call_sites()[0].prompt.messages[0].segments
    assert [(s.kind, s.expr if s.kind == "hole" else s.text) for s in segs] == [
        ("static", "Context: "), ("hole", "context"), ("static", "\nIn order to answer, use only the context.\nQuestion: "), ("hole", "question"), ("static", "\n"),
    ]


def test_importlib_resources_and_pkgutil(project):
    result = project({
        "pkg/__init__.py": "",
        "pkg/prompts/__init__.py": "",
        "pkg/prompts/system.txt": "It is very important that you cite sources.\n",
        "pkg/prompts/user.txt": "I would like you to summarise the text.\n",
        "pkg/llm.py": """
            import importlib.resources
            import pkgutil

            from openai import OpenAI

            client = OpenAI()
            SYSTEM = importlib.resources.files("pkg.prompts").joinpath("system.txt").read_text()
            USER = pkgutil.get_data("pkg", "prompts/user.txt").decode("utf-8")


            def run(text):
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=100, messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER + text}]
                )
        """,
    }, select=["LA201"])
    assert where(result) == [("LA201", "pkg/prompts/system.txt", 1), ("LA201", "pkg/prompts/user.txt", 1)]


def test_jinja_file_template_rendered_with_fields(project):
    result = project({
        "review/__init__.py": "",
        "review/templates/classify.j2": "I would like you to classify this review.\nReview: {{ review }}\n",
        "review/llm.py": """
            from pathlib import Path

            from jinja2 import Environment, FileSystemLoader
            from openai import OpenAI

            client = OpenAI()
            env = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"))


            def classify(review):
                template = env.get_template("classify.j2")
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=5, messages=[{"role": "user", "content": template.render(review=review)}]
                )
        """,
    }, select=["LA201"])
    # one finding: the template file is also a prompt file of its own, and both see the same text
    assert where(result) == [("LA201", "review/templates/classify.j2", 1)]
    segs = result.project.call_sites()[0].prompt.messages[0].segments
    assert [s.kind for s in segs] == ["static", "hole", "static"] and segs[1].expr == "review"


def test_reads_that_are_not_prompts_or_leave_the_project(project, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    outside.write_text("It is very important that you never see this.\n")
    files = {
        "app.py": f"""
            import json

            from openai import OpenAI

            client = OpenAI()
            SETTINGS = json.loads(open("settings.json").read())  # data, not a prompt
            NOTES = open("notes.txt").read()  # read but never sent
            SECRET = open("../{outside.name}").read()  # outside the project root
            LINKED = open("linked.txt").read()  # a symlink that leaves the project


            def run(q):
                return client.chat.completions.create(
                    model="gpt-4o", max_tokens=50, messages=[{{"role": "system", "content": SECRET + LINKED}}, {{"role": "user", "content": q}}]
                )
        """,
        "settings.json": '{"motd": "It is very important that you smile."}',
        "notes.txt": "It is very important that you read this.\n",
    }
    project(files, select=["LA201"])
    os.symlink(outside, project.root / "linked.txt")
    result = project(files, select=["LA201"])
    assert result.findings == []
    system = result.project.call_sites()[0].prompt.messages[0]
    assert [s.kind for s in system.segments] == ["hole", "hole"]  # unknown: never read


@pytest.mark.parametrize("ext", [".csv", ".json"])
def test_data_files_are_not_prompt_text(project, ext):
    result = project({
        "app.py": f"""
            from openai import OpenAI

            DATA = open("rows{ext}").read()


            def run():
                return OpenAI().chat.completions.create(model="gpt-4o", max_tokens=50, messages=[{{"role": "user", "content": DATA}}])
        """,
        f"rows{ext}": "It is very important that you,1\n",
    }, select=["LA201"])
    assert result.findings == []
