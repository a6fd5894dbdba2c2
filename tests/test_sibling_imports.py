"""Script-style projects: each example folder has its own main.py and prompts.py, and main.py says
`from prompts import X` (Python puts the script's folder first on sys.path). The text is the
sibling module's, even when the project has many prompts.py; a folder without one resolves to
none of the others."""

from __future__ import annotations

MAIN = '''\
from openai import OpenAI
from prompts import {name}

client = OpenAI()


def run(company):
    r = client.chat.completions.create(
        model="gpt-4o-mini",
        max_tokens=400,
        messages=[{{"role": "system", "content": {name}}}, {{"role": "user", "content": company}}],
    )
    return r.choices[0].message.content
'''


def test_from_prompts_import_reads_the_sibling_module(project):
    r = project({
        "crawler/prompts.py": 'SEED_CRAWLER = "You are a seed crawler. Your job is to crawl the company website."\n',
        "crawler/main.py": MAIN.format(name="SEED_CRAWLER"),
        "press/prompts.py": 'PRESS_AGENT = "You are a press researcher. It is important that you cite each article."\n',
        "press/main.py": MAIN.format(name="PRESS_AGENT"),
        # no prompts.py here: `from prompts import` names no module of this folder
        "orphan/main.py": MAIN.format(name="SEED_CRAWLER"),
    }, select=["LA201"])
    got = sorted((f.path, f.line, f.message.split(":")[0]) for f in r.findings)
    assert got == [
        ("crawler/prompts.py", 1, 'verbose instruction "Your job is to crawl"'),
        ("press/prompts.py", 1, 'verbose instruction "It is important that you cite"'),
    ], got
    crawl = next(f for f in r.findings if f.path == "crawler/prompts.py")
    # sent by crawler/main.py only: the orphan's import is not this module
    assert crawl.savings is not None
    assert all(f.fix is not None for f in r.findings)


def test_a_wrapper_in_a_script_folder_reads_its_sibling_prompts(project):
    """The derived site of `ask()` resolves the wrapper's imported prompt while it is prepared at
    the caller (no owner yet): the sibling is the wrapper's folder's."""
    r = project({
        "crawler/prompts.py": 'SEED_CRAWLER = "You are a seed crawler. Your job is to crawl the company website."\n',
        "crawler/llm.py": MAIN.format(name="SEED_CRAWLER").replace("def run(company)", "def ask(company)"),
        "crawler/main.py": "from llm import ask\n\nprint(ask('acme.com'))\n",
        "press/prompts.py": 'SEED_CRAWLER = "You are a press researcher."\n',
    }, select=["LA201"])
    assert [(f.path, f.line) for f in r.findings] == [("crawler/prompts.py", 1)], [(f.path, f.message) for f in r.findings]


def test_a_history_from_an_imported_module_passed_to_a_wrapper(project):
    """`get_chat_response(st.session_state.messages, ctx)`: the spread history is a reference into
    another module, resolved while the derived site is prepared (no owner yet): no crash, and the
    wrapper's own filler is reported (ai-cookbook's docling chat)."""
    src = '''\
    import streamlit as st
    from openai import OpenAI

    client = OpenAI()


    def get_chat_response(messages, context):
        system = f"Please make sure that you answer from the context only.\\nContext:\\n{context}"
        stream = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300,
                                                messages=[{"role": "system", "content": system}, *messages])
        return st.write_stream(stream)


    if "messages" not in st.session_state:
        st.session_state.messages = []
    if prompt := st.chat_input("Ask"):
        st.session_state.messages.append({"role": "user", "content": prompt})
        get_chat_response(st.session_state.messages, "docs")
    '''
    r = project({"chat/app.py": src}, select=["LA201"])
    assert [(f.path, f.line) for f in r.findings] == [("chat/app.py", 8)], [(f.path, f.line, f.message) for f in r.findings]
