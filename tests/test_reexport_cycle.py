"""Re-exports that form a cycle (package `a` re-exports a helper from `b`, `b` re-exports it from `a`, as
HELM's client packages do) end where the cycle closes: the run finishes, and the request whose prompt
comes from that helper is still checked."""

from __future__ import annotations


def test_a_cycle_of_re_exports_does_not_stop_the_run(project):
    files = {
        "pkg/__init__.py": "",
        "pkg/a/__init__.py": "from pkg.b import make_prompt\n",
        "pkg/b/__init__.py": "from pkg.a import make_prompt\n",
        "app.py": (
            "from openai import OpenAI\n"
            "from pkg.a import make_prompt\n\n"
            "client = OpenAI()\n\n\n"
            "def ask(q):\n"
            "    return client.chat.completions.create(model=\"gpt-4o-mini\", messages=[{\"role\": \"user\", \"content\": make_prompt(q)}])\n"
        ),
    }
    result = project(files, select=["LA101"])
    assert [f.code for f in result.findings if f.path == "app.py"] == ["LA101"]
