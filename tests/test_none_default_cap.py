"""LA101 on caps that are present but None (issue 13 item 5, SPEC 2): a cap forwarded from a function
parameter whose default is None, directly or through an `if cap is not None` branch that fills a
`**params` dict, `max_tokens=None` written at a LangChain constructor, an env default of None. The
message names the parameter and the unsafe fix sets the default where the None is written.
Look-alikes stay silent: a parameter with a numeric default, a required parameter, a None cap next to
a set reasoning cap, None on a parameter that is not a cap."""

from __future__ import annotations

import textwrap

from conftest import cli, write_tree
from test_resolution import SELECT, _expect


WRAPPERS = """
    import os

    from langchain_groq import ChatGroq
    from openai import OpenAI

    client = OpenAI()


    def ask(prompt: str, max_tokens: int | None = None) -> str:
        r = client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)  # site LA101
        return r.choices[0].message.content


    def ask_payload(prompt, max_tokens=None, temperature=None):
        params = {"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": prompt}]}
        if max_tokens is not None:
            params["max_tokens"] = max_tokens
        if temperature is not None:
            params["temperature"] = temperature
        return client.chat.completions.create(**params)  # site LA101


    llm = ChatGroq(model="llama-3.3-70b-versatile", temperature=0.7, max_tokens=None, max_retries=2)  # site LA101
    env_capped = client.chat.completions.create(model="gpt-4.1-mini", messages=[], max_tokens=os.getenv("MAX_TOKENS", None))  # site LA101
"""

LOOK_ALIKES = """
    from openai import OpenAI

    client = OpenAI()


    def bounded(prompt, max_tokens=400):
        return client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)  # site


    def required(prompt, max_tokens):
        return client.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)  # site


    def reasoning(prompt, seed=None):
        return client.chat.completions.create(model="o4-mini", messages=[{"role": "user", "content": prompt}], max_tokens=None, max_completion_tokens=2000, seed=seed)  # site
"""


def test_none_default_caps_are_uncapped_by_default(project):
    result = project({"app.py": WRAPPERS}, select=SELECT)
    _expect(result, WRAPPERS, [("openai.chat", "gpt-4.1-mini")] * 2 + [("langchain.chat", "llama-3.3-70b-versatile"), ("openai.chat", "gpt-4.1-mini")])
    messages = sorted((f.line, f.message) for f in result.findings if f.code == "LA101")
    assert "takes `max_tokens` from a parameter whose default is None" in messages[0][1]
    assert "takes `max_tokens` from a parameter whose default is None" in messages[1][1]
    assert "passes `max_tokens=None`" in messages[2][1]
    assert "environment variable whose default is None" in messages[3][1]


def test_look_alikes_with_a_cap_or_no_default_stay_silent(project):
    result = project({"app.py": LOOK_ALIKES}, select=SELECT)
    _expect(result, LOOK_ALIKES, [("openai.chat", "gpt-4.1-mini")] * 2 + [("openai.chat", "o4-mini")])


def test_fix_sets_the_default_where_the_none_is_written(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"app.py": WRAPPERS})
    proc = cli("fix", "--unsafe-fixes", "--select", "LA101", "app.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    fixed = (tmp_path / "app.py").read_text()
    assert "def ask(prompt: str, max_tokens: int | None = 1024) -> str:" in fixed
    assert "def ask_payload(prompt, max_tokens=1024, temperature=None):" in fixed  # only the cap's default
    assert 'max_tokens=1024, max_retries=2)' in fixed
    assert 'if max_tokens is not None:' in fixed  # the branch is kept; it now always sends the cap
    again = cli("check", "--select", "LA101", "app.py", cwd=tmp_path)
    # the env default is written inside os.getenv(...): set to the cap too
    assert "LA101" not in again.stdout, again.stdout
    assert textwrap.dedent(WRAPPERS).count("None") - fixed.count("None") == 4
