"""A test that patches a client's sending method sends nothing there (auditor/analysis/testpatches.py).
Shaped like AutoRAG's legacy/tests/autorag/data/qa/filter/test_dontknow.py and
nodes/passagereranker/test_rankgpt.py (fresh set 7: LA101/LA402 at `OpenAI(...)` under
`@patch.object(OpenAI, "achat", mock_...)`), beside look-alikes that must keep their findings: a patch of
another class, of a method that sends nothing, a call outside the patch, another sending method called
on the same object, and the same code outside test modules."""

from __future__ import annotations

from datetime import date

from conftest import run_engine, write_tree

TODAY = date(2026, 12, 1)

LIB = '''
from llama_index.core.llms import ChatMessage


def dontknow_filter(row, llm):
    return llm.chat([ChatMessage(role="user", content=row["q"])]).message.content
'''

TESTS = '''
from unittest.mock import patch

import openai
import pytest
from llama_index.llms.openai import OpenAI
from openai import OpenAI as Client

from mylib.filters import dontknow_filter


async def mock_achat(self, messages):
    return "ok"


class Tokenizer:
    pass


@patch.object(OpenAI, "achat", mock_achat)
def test_patched_decorator():
    llm = OpenAI(temperature=0, model="gpt-4o-mini")          # silent: achat is patched for the test
    assert dontknow_filter({"q": "x"}, llm=llm)


@patch("llama_index.llms.openai.OpenAI.achat", mock_achat)
def test_patched_by_path():
    assert dontknow_filter({"q": "x"}, llm=OpenAI(model="gpt-4-0613"))   # silent


def test_patched_with_block():
    with patch("openai.resources.chat.completions.Completions.create") as create:
        client = Client()
        client.chat.completions.create(model="gpt-4-0314", messages=[])   # silent
    client.chat.completions.create(model="gpt-4-0125-preview", messages=[], max_tokens=5)  # after the block: reported


def test_patched_by_mocker(mocker):
    mocker.patch.object(OpenAI, "achat", mock_achat)
    dontknow_filter({"q": "x"}, llm=OpenAI(model="gpt-3.5-turbo-0613"))   # silent


@patch.object(Tokenizer, "achat", mock_achat)
def test_patches_another_class():
    dontknow_filter({"q": "x"}, llm=OpenAI(model="gpt-4-1106-preview"))   # reported: OpenAI is not patched


@patch.object(OpenAI, "_get_client", lambda self: None)
def test_patches_a_helper():
    dontknow_filter({"q": "x"}, llm=OpenAI(model="gpt-4-vision-preview"))   # reported: nothing that sends is patched


@patch.object(OpenAI, "achat", mock_achat)
def test_calls_another_sending_method():
    llm = OpenAI(model="gpt-3.5-turbo-16k")
    llm.complete("hello")                                       # reported: complete is not patched
'''


def _retired(tmp_path, rel):
    write_tree(tmp_path, {"mylib/__init__.py": "", "mylib/filters.py": LIB, rel: TESTS})
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = run_engine(tmp_path, select=["LA402"], today=TODAY)
    src = (tmp_path / rel).read_text().splitlines()
    lines = set()
    for f in result.findings:
        if f.path == rel:
            lines.add(f.line)
            lines.update(r.line for r in f.related if r.path == rel)
    return sorted(src[n - 1].strip() for n in lines)


def test_patched_sending_methods_send_nothing_but_other_patches_do(tmp_path):
    found = " | ".join(_retired(tmp_path, "tests/test_filters.py"))
    for silent in ("gpt-4o-mini", "gpt-4-0613", "gpt-4-0314", "gpt-3.5-turbo-0613"):
        assert silent not in found, found
    for reported in ("gpt-4-0125-preview", "gpt-4-1106-preview", "gpt-4-vision-preview", "gpt-3.5-turbo-16k"):
        assert reported in found, found


def test_the_same_code_outside_test_modules_reports(tmp_path):
    found = " | ".join(_retired(tmp_path, "scripts/check_filters.py"))
    for model in ("gpt-4o-mini", "gpt-4-0613", "gpt-4-0314", "gpt-3.5-turbo-0613", "gpt-4-1106-preview"):
        assert model in found, found
