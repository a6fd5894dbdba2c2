"""A chat model built in a test only to look at its attributes sends no request: not a call site
(no LA101, no LA402), directly or through a project factory. A test that invokes the model, a direct
SDK call in a test, and the same constructor outside tests are call sites as before."""

from __future__ import annotations

ATTRS = '''
import pytest
from langchain_openai import ChatOpenAI
from langchain_anthropic import ChatAnthropic

models = [ChatOpenAI(model="gpt-4-turbo"), ChatAnthropic(model_name="claude-3-5-sonnet-20240620", temperature=0.5)]


@pytest.mark.parametrize("model", models)
def test_models_have_temperature(model):
    assert hasattr(model, "temperature")
    model.temperature = 0.5
    assert model.temperature == 0.5
'''

FACTORY = '''
from langchain_openai import ChatOpenAI


def from_provider(name, **kwargs):
    return ChatOpenAI(base_url=f"https://{name}.example.com/v1", **kwargs)
'''

FACTORY_TEST = '''
import unittest
from app.providers import from_provider


class TestProvider(unittest.TestCase):
    def test_base_url(self):
        provider = from_provider("nebius", model="gpt-4-turbo")
        self.assertEqual(str(provider.openai_api_base), "https://nebius.example.com/v1")

    def test_needs_key(self):
        with self.assertRaises(KeyError):
            from_provider("nebius", model="gpt-4-turbo")
'''

INVOKES = '''
from langchain_openai import ChatOpenAI


def test_answer():
    llm = ChatOpenAI(model="gpt-4-turbo")
    assert "4" in llm.invoke("What is 2+2?").content
'''

DIRECT = '''
from openai import OpenAI


def test_live():
    r = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
    assert r.choices
'''


def _found(result, path):
    return sorted((f.code, f.line) for f in result.findings if f.path == path)


def test_models_built_only_to_inspect_are_not_call_sites(project):
    result = project({"tests/e2e/test_attrs.py": ATTRS, "app/__init__.py": "", "app/providers.py": FACTORY,
                      "tests/test_provider.py": FACTORY_TEST}, select=["LA101", "LA402"])
    assert _found(result, "tests/e2e/test_attrs.py") == []
    assert _found(result, "tests/test_provider.py") == []
    sites = [s for s in result.project.call_sites() if s.path.startswith("tests/")]
    assert sites == [], [s.id for s in sites]


def test_tests_that_send_requests_and_code_outside_tests_keep_their_findings(project):
    result = project({"tests/test_answer.py": INVOKES, "tests/test_live.py": DIRECT, "app/models.py": ATTRS},
                     select=["LA101", "LA402"])
    assert {c for c, _ in _found(result, "tests/test_answer.py")} == {"LA101", "LA402"}
    assert "LA101" in {c for c, _ in _found(result, "tests/test_live.py")}
    assert {c for c, _ in _found(result, "app/models.py")} == {"LA101", "LA402"}


HANDED = '''
import pytest
from langchain_openai import ChatOpenAI
from app.providers import from_provider
from evals.metrics import AnswerAccuracy, Wrapper


@pytest.fixture
def judge_llm():
    llm = ChatOpenAI(model="gpt-4-turbo")  # fixture
    return Wrapper(llm)


def test_metric(judge_llm):
    metric = AnswerAccuracy(llm=judge_llm)
    assert metric.ascore_sync("q", "a") > 0


def test_factory_model_goes_to_a_metric():
    metric = AnswerAccuracy(llm=from_provider("nebius", model="gpt-4-turbo"))  # factory
    assert metric.name
'''


def test_models_a_test_hands_on_to_other_code_stay_call_sites(project):
    """A fixture returning a wrapped model, a factory's model given to a metric: the metric asks it."""
    result = project({"app/__init__.py": "", "app/providers.py": FACTORY, "tests/e2e/test_metric.py": HANDED}, select=["LA101"])
    lines = sorted(f.line for f in result.findings if f.path == "tests/e2e/test_metric.py")
    marks = [i for i, l in enumerate(HANDED.splitlines(), 1) if "# fixture" in l or "# factory" in l]
    assert lines == marks, (lines, marks)


FAKE_RUN = '''
import pytest
from agents import Agent, Runner
from agents.testing import ScriptedModel
import anthropic


@pytest.mark.asyncio
async def test_unbounded_run_finishes():
    model = ScriptedModel()
    agent = Agent(name="t", model=model, instructions="In order to help, please make sure to answer briefly.")
    model.extend([[get_text_message("done")]])
    result = await Runner.run(agent, input="Please make sure to say hi in order to start", max_turns=None)
    assert result.final_output == "done"


def test_live_claude():
    client = anthropic.Anthropic()
    r = client.messages.create(model="claude-2.1", max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert r.content
'''


def test_a_test_module_on_a_fake_model_reports_no_request_it_never_sends(project):
    result = project({"tests/test_runs.py": FAKE_RUN, "app/run.py": FAKE_RUN.replace("ScriptedModel", "ChatModel")},
                     select=["LA201", "LA605", "LA402"])
    in_test = sorted({f.code for f in result.findings if f.path == "tests/test_runs.py"})
    assert in_test == ["LA402"]  # the live call names its model: it still goes to the provider
    assert {"LA201", "LA605", "LA402"} <= {f.code for f in result.findings if f.path == "app/run.py"}
