"""Calls on a test double send nothing (auditor/analysis/testdoubles.py). Shaped like graphiti's
tests/llm_client/test_openai_client.py (fresh set 6: LA402 at :130 and :173, LA103 at :199 on a
project client built with `client=DummyOpenAIClient()`), beside real calls in the same tests that
keep their findings (a smoke test, a double that imitates no client)."""

from __future__ import annotations

from datetime import date

from conftest import run_engine, write_tree

TODAY = date(2026, 12, 1)

LIB = '''
from openai import AsyncOpenAI


class LLMClient:
    def __init__(self, client=None):
        self.client = client or AsyncOpenAI()

    async def complete(self, model, messages, max_tokens=64):
        r = await self.client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens)
        return r.choices[0].message.content
'''

TESTS = '''
from types import SimpleNamespace

import pytest
from openai import OpenAI

from mylib.client import LLMClient


class DummyChatCompletions:
    def __init__(self):
        self.create_calls = []

    async def create(self, **kwargs):
        self.create_calls.append(kwargs)
        return SimpleNamespace(choices=[SimpleNamespace(message=SimpleNamespace(content="{}"))])


class DummyOpenAIClient:
    def __init__(self):
        self.chat = SimpleNamespace(completions=DummyChatCompletions())


class DummyTracer:
    def record(self, span):
        pass


@pytest.fixture
def fake_client():
    return LLMClient(client=DummyOpenAIClient())


@pytest.mark.asyncio
async def test_passes_the_model_through():
    dummy = DummyOpenAIClient()
    client = LLMClient(client=dummy)
    await client.complete(model="gpt-4.1", messages=[])
    assert dummy.chat.completions.create_calls[0]["model"] == "gpt-4.1"


@pytest.mark.asyncio
async def test_inline_double():
    await LLMClient(DummyOpenAIClient()).complete(model="gpt-4.1", messages=[])


@pytest.mark.asyncio
async def test_fixture_double(fake_client):
    await fake_client.complete(model="gpt-4.1", messages=[])


@pytest.mark.asyncio
async def test_direct_call_on_the_double():
    dummy = DummyOpenAIClient()
    await dummy.chat.completions.create(model="gpt-4.1", messages=[], max_tokens=5)


def test_smoke_real_client():
    tracer = DummyTracer()
    client = OpenAI()
    r = client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "smoke"}], max_tokens=5)
    tracer.record(r)
'''


def _retired_at(tmp_path, rel):
    """The lines of ``rel`` where LA402 says gpt-4.1 is used (one finding per literal: its place and
    the places it is also written)."""
    write_tree(tmp_path, {"mylib/__init__.py": "", "mylib/client.py": LIB, rel: TESTS})
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = run_engine(tmp_path, select=["LA402"], today=TODAY)
    lines = set()
    for f in result.findings:
        if f.code == "LA402" and f.path == rel:
            lines.add(f.line)
            lines.update(r.line for r in f.related if r.path == rel)
    src = (tmp_path / rel).read_text().splitlines()
    return sorted(src[n - 1].strip() for n in lines)


def test_calls_on_a_test_double_are_no_requests_but_a_real_client_in_the_same_tests_is(tmp_path):
    found = _retired_at(tmp_path, "tests/test_client.py")
    assert len(found) == 1 and '"smoke"' in found[0], found  # the real OpenAI() call, a DummyTracer beside it


def test_the_same_classes_outside_test_code_are_ordinary_classes(tmp_path):
    found = _retired_at(tmp_path, "scripts/demo_client.py")
    assert len(found) == 4, found  # all but `dummy.chat.completions.create`, whose receiver type is unknown anyway
    assert any("LLMClient(DummyOpenAIClient())" in t for t in found) and any('"smoke"' in t for t in found), found
