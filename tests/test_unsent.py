"""Requests a test can never send are no call sites (auditor/analysis/unsent.py): a test that is
always skipped, and a client method its own test replaced by a mock. Taken from agentops'
tests/integration/test_llm_providers.py (fresh set 6: 19 false LA101/LA402 in one file)."""

from __future__ import annotations

from conftest import run_engine, write_tree

TESTS = '''
import pytest
import unittest
from unittest.mock import MagicMock
from openai import OpenAI
from anthropic import Anthropic

openai_client = OpenAI()
anthropic_client = Anthropic()


def test_openai_provider(mock_response):
    openai_client.chat.completions.create = MagicMock(return_value=mock_response)
    response = openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert response


@pytest.mark.skip(reason="TODO: instrumentation")
def test_anthropic_provider():
    response = anthropic_client.messages.create(model="claude-3-haiku-20240307", max_tokens=100, messages=[{"role": "user", "content": "hi"}])
    assert response


@unittest.skip("needs a key")
class TestLive(unittest.TestCase):
    def test_live(self):
        openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])


@pytest.mark.skipif(True, reason="only without a key")
def test_sometimes_runs():
    return openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "sometimes"}])


def test_other_method_is_real(mock_response):
    openai_client.responses.create = MagicMock(return_value=mock_response)
    return openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "real"}])


def test_mock_in_another_test_does_not_count():
    return openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "also real"}])


def test_called_before_the_mock(mock_response):
    first = openai_client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "before"}])
    openai_client.chat.completions.create = MagicMock(return_value=mock_response)
    return first
'''

APP = '''
from openai import OpenAI

client = OpenAI()


def skip(fn):  # an app's own decorator named skip, outside tests
    return fn


@skip
def answer(q):
    return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])
'''


def _la101_lines(tmp_path, rel):
    result = run_engine(tmp_path, select=["LA101"])
    return sorted(f.line for f in result.findings if f.code == "LA101" and f.path == rel)


def test_skipped_and_mocked_tests_send_nothing_while_real_calls_keep_their_findings(tmp_path):
    write_tree(tmp_path, {"tests/test_llm_providers.py": TESTS})
    (tmp_path / ".git").mkdir()
    lines = _la101_lines(tmp_path, "tests/test_llm_providers.py")
    src = (tmp_path / "tests/test_llm_providers.py").read_text().splitlines()
    texts = {src[n - 1] for n in lines}
    assert any('"sometimes"' in t for t in texts), texts  # skipif may run
    assert any('"real"' in t for t in texts), texts  # another method was mocked
    assert any('"also real"' in t for t in texts), texts  # the mock was in another test
    assert any('"before"' in t for t in texts), texts  # called before the mock replaced it
    assert not any('"hi"' in t for t in texts), texts  # mocked create, pytest.mark.skip, unittest.skip class
    assert len(lines) == 4, texts


def test_a_decorator_named_skip_outside_tests_changes_nothing(tmp_path):
    write_tree(tmp_path, {"app/answer.py": APP})
    (tmp_path / ".git").mkdir()
    assert len(_la101_lines(tmp_path, "app/answer.py")) == 1
