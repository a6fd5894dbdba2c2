"""Test modules that never ask a model anything: a chat model built there only to check its
attributes (``assert hasattr(llm, "temperature")``, ``provider.llm.openai_api_base == URL``, a
constructor expected to raise) sends no request, so it is not a call site (no LA101 cap, no LA402
retirement: nothing is billed and nothing fails at runtime).

A module is such a test module when its path says it is a test (``tests/``, ``test_*.py``,
``*_test.py``, ``conftest.py``) and its text holds no call of a method that sends a request
(``invoke``, ``stream``, ``generate``, ``create``, ``run``, ``kickoff``...). Only constructor call
sites (chat models, LLM classes) are dropped there, and only those not handed on: a model passed to
another call (``LangchainLLMWrapper(llm)``, ``Metric(llm=llm)``), returned by a fixture or combined
(``prompt | llm``) may be asked by the code it goes to. A direct ``client.chat.completions.create``
in a test is a request wherever it is.

A test module that **exercises a fake model** (it names a class such as ``ScriptedModel``,
``FakeListChatModel``, ``MockLLM``, ``StubModel``) sends its requests to that fake: the calls there that
name no model of their own (``Runner.run(agent, ...)`` for an agent built on the fake) are test
exercises, not requests: the prompt text handed to agents and runners there is test input (no text
rule), a bound switched off (``max_turns=None``) is what is tested (no LA605). A call that names a
model (``model="gpt-4o"``, a model constant) still goes to that model."""

from __future__ import annotations

import ast
import re

TEST_PATH = re.compile(r"(?:^|/)(?:tests?|testing)/|(?:^|/)test_[^/]*\.(?:py|ipynb)$|_test\.py$|(?:^|/)conftest\.py$")
ASKS = re.compile(
    r"\.(?:a?invoke|a?stream|a?batch|batch_as_completed|a?generate|a?generate_prompt|predict|predict_messages|a?complete|"
    r"a?chat|stream_chat|a?call|a?run|run_sync|run_stream|kickoff|a?create|generate_content|converse|invoke_model|"
    r"initiate_chat|a?query|a?predict|a?apply)\s*\(|\bRunner\.|\w\(\s*\[?\s*(?:HumanMessage|SystemMessage)\b"
)


FAKE_MODEL = re.compile(r"\b\w*(?:Fake|Mock|Scripted|Stub|Dummy)\w*(?:Model|LLM|Llm)\b")


def is_test_path(path: str) -> bool:
    return TEST_PATH.search(path.replace("\\", "/")) is not None


# a unit test module by its file name (``test_*.py``, ``*_test.py``, ``conftest.py``): a module under
# ``tests/`` that is not named so may be the project's own code (agentless's ``test/`` package builds
# the prompts that generate tests)
UNIT_TEST_FILE = re.compile(r"(?:^|/)(?:test_[^/]*|[^/]*_test)\.(?:py|ipynb)$|(?:^|/)conftest\.py$")


def is_unit_test_file(path: str) -> bool:
    return UNIT_TEST_FILE.search(path.replace("\\", "/")) is not None


# the module replaces something (a mock, a monkeypatch, a fake class), or names no model of its own
MOCKS = re.compile(r"unittest\.mock|\bMagicMock\b|\bAsyncMock\b|\bmonkeypatch\b|\bmocker\b|\bpatch\(|@patch\b|\b(?:Fake|Mock|Stub|Dummy)[A-Z]\w*")
NAMES_MODEL = re.compile(r"\b(?:model|model_name|model_id|deployment_name|deployment_id)\s*=\s*[rbuf]?[\"'][A-Za-z0-9]")


def inputs_only(path: str, text: str) -> bool:
    """A unit test module that mocks or fakes something, or names no model: what it writes is handed
    to code under test. A test that builds an agent on ``model="gpt-4o"`` with nothing mocked may
    run it for real (an Agents SDK ``Runner.run`` is no call site of its own)."""
    return is_unit_test_file(path) and (MOCKS.search(text) is not None or NAMES_MODEL.search(text) is None)


def requestless_tests(facts, sites) -> set[str]:
    """The unit test modules (by file name, :func:`inputs_only`) in which no request is made: no call site found there
    (calls on test doubles and fake models were dropped as call sites; a real client's call - an
    integration test - is one). What such a module writes (the ``HumanMessage("Please finish this.")``
    handed to the function under test, a ``{"recursion_limit": 1000}`` handed to a config builder to
    check its clamp) is a fixed test input, not a prompt or a bound of an agent that runs: text rules
    and LA605 skip it there. Text of the module that a call site elsewhere sends is still judged at
    that call site."""
    sited = {s.path for s in sites}
    return {f.path for f in facts if f.path not in sited and f.extra.get("inputs_only")}


def exercises_fake_model(path: str, text: str) -> bool:
    """A test module (by its path) that names a fake model class."""
    return is_test_path(path) and FAKE_MODEL.search(text) is not None


def drop_fake_requests(facts) -> None:
    """Drop what a fake-model test module would report about requests it never sends."""
    facts.extra["fake_model"] = True
    facts.extra["bounds"] = []
    facts.prompt_constants = []
    facts.call_sites = [s for s in facts.call_sites if s.model is not None and s.model.kind != "unknown"]


def sends_nothing(path: str, text: str) -> bool:
    """A test module (by its path) in which no call can send a request."""
    return is_test_path(path) and ASKS.search(text) is None


class Handoffs:
    """Which values of a module go on to other code: a call that is an argument (not of an inspection
    such as ``hasattr``), a returned, awaited or combined value (``prompt | llm``), or a name some load of
    which is used so. One walk of the module builds it; each question is then a lookup."""

    def __init__(self, tree: ast.AST):
        self.parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
        self.names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load) and self.goes_on(n)}
        self.tree = tree

    def goes_on(self, node: ast.AST) -> bool:
        p = self.parents.get(id(node))
        if isinstance(p, ast.Call) and node is not p.func:
            f = p.func
            fname = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            return fname not in _LOOKS
        if isinstance(p, ast.keyword):
            return self.goes_on(p)
        return isinstance(p, (ast.Return, ast.Yield, ast.BinOp, ast.Await))

    def handed_on(self, call: ast.Call, name: str | None) -> bool:
        """The constructed model goes to other code (directly, or through the name it is assigned to)."""
        return self.goes_on(call) or bool(name and name in self.names)

    def calls(self) -> list[tuple[int, int]]:
        """(line, column) of every call whose result goes on, or is assigned to a name that does (what
        phase 2 asks of a project factory's call in a test module)."""
        out = []
        for n in ast.walk(self.tree):
            if isinstance(n, ast.Call):
                p = self.parents.get(id(n))
                name = p.targets[0].id if isinstance(p, ast.Assign) and len(p.targets) == 1 and isinstance(p.targets[0], ast.Name) else None
                if self.handed_on(n, name):
                    out.append((n.lineno, n.col_offset + 1))
        return out


_LOOKS = {"hasattr", "getattr", "setattr", "isinstance", "type", "str", "repr", "print", "id", "vars", "dir",
          "assertEqual", "assertIsInstance", "assertIsNotNone", "assertTrue", "assertIn"}
