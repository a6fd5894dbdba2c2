"""A run pauses the cyclic GC (auditor/engine.py), so whatever phase 1 builds per file must be
freed by reference counting alone: a reference cycle that reaches a module's syntax tree keeps
every parsed tree of the run alive (it once held ~420 MiB on the SDK benchmark corpus)."""

from __future__ import annotations

import ast
import gc

from conftest import notebook, run_engine, write_tree

WRAPPER = '''
from langchain_openai import ChatOpenAI, AzureChatOpenAI
from openai import AsyncOpenAI

SYSTEM_PROMPT = "You are a support assistant. Answer in two sentences."


class Wrapped(ChatOpenAI):
    """A subclass of a catalogued constructor: constructing it is a call site."""


class WrappedAzure(AzureChatOpenAI, Wrapped):
    pass


model_cls = Wrapped


class Base:
    client = AsyncOpenAI()

    async def ask(self, question, **params):
        return await self.client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": question}], **params
        )


class Triage(Base):
    async def label(self, ticket):
        return await self.ask(f"Label this ticket: {ticket}", max_tokens=5)


def build():
    def inner(n):
        return inner(n - 1) if n else Wrapped(model="gpt-4o-mini")
    return inner(2)
'''

HELPERS = '''
from app.llm import Triage


def run_all(tickets):
    return [Triage().label(t) for t in tickets]
'''

PLAIN = '''
import os


class Settings:
    def __init__(self):
        self.debug = os.environ.get("DEBUG") == "1"
'''


def _cyclic_trees(run):
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        result = run()
        gc.collect()
        return result, [o for o in gc.garbage if isinstance(o, ast.AST)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_phase1_leaves_no_syntax_tree_in_a_reference_cycle(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {
        "app/llm.py": WRAPPER,
        "app/helpers.py": HELPERS,
        "app/settings.py": PLAIN,
        "notes.ipynb": notebook("from openai import OpenAI\nclient = OpenAI()", "client.chat.completions.create(model='gpt-4o', messages=[{'role': 'user', 'content': 'hi'}])"),
    })
    result, trees = _cyclic_trees(lambda: run_engine(tmp_path))
    facts = {f.path: f for f in result.facts}
    assert facts["app/llm.py"].call_sites and facts["notes.ipynb"].call_sites  # the files were analysed
    assert not trees, f"{len(trees)} syntax-tree nodes were only reachable through reference cycles"
