"""Files that import an SDK but bind nothing the analysis knows of it (``from litellm import
verbose_logger``, ``from openai.types.chat import ChatCompletionMessageParam``) are skipped by the
byte pre-scan (auditor/sources/sdkbinding.py) and read as phase 1 would only where a flow leads
(auditor/analysis/reach.py): their findings must stay, cold, warm and from a pre-commit run on one
file, and look-alikes must stay silent."""

from __future__ import annotations

import textwrap

import pytest
from conftest import cli, run_engine

from auditor.config.catalog import load_catalog
from auditor.sources.prescan import PARSE, SKIP, UNBOUND, Prescan

NAMES = ["*PROMPT*", "*INSTRUCTION*", "SYSTEM*"]


def _scan() -> Prescan:
    return Prescan(load_catalog().providers([]), [], NAMES)


@pytest.mark.parametrize("source", [
    "from openai import OpenAI\n",
    "from litellm import completion as complete\nanswer = complete(model=m, messages=msgs)\n",
    "from litellm import (\n    verbose_logger,  # logs\n    acompletion,\n)\n",
    "from litellm import verbose_logger, \\\n    Router\n",
    "from google import genai\n",
    "from openai import *\n",
    "import openai\nclient = openai.OpenAI(timeout=10)\n",
    "import litellm as ll\nresp = ll . completion(model=m, messages=msgs)\n",
    "import os, anthropic\nclass Claude(anthropic.Anthropic):\n    pass\n",
    "try:\n    from langchain_openai import ChatOpenAI\nexcept ImportError:\n    ChatOpenAI = None\n",
    "import os; from anthropic import AsyncAnthropic\n",
    "from autogen_agentchat.agents import AssistantAgent\n",  # an agent framework: LA605 reads its bounds
    "from langchain.agents import AgentExecutor\nexecutor = AgentExecutor(agent=agent, tools=tools, max_iterations=None)\n",
    "import langchain.agents as la\nexecutor = la.AgentExecutor(agent=agent, tools=tools)\n",
    "llm = __import__('litellm')\n",
    "import openai\n",  # imported, not used here: nothing says what for
    "from transformers.models.llama import LlamaForCausalLM\n",  # a glob maker: transformers.*ForCausalLM
    "import transformers as tf\nmodel = tf.Qwen2VLForConditionalGeneration.from_pretrained(path)\n",
])
def test_an_import_that_binds_a_known_name_is_parsed(source):
    assert _scan().verdict(source.encode()) == PARSE


@pytest.mark.parametrize("source", [
    "from litellm import verbose_logger\nverbose_logger.debug('retrying')\n",
    "from litellm._logging import verbose_proxy_logger\n",
    "from openai.types.chat import ChatCompletionMessageParam\n\ndef history() -> list[ChatCompletionMessageParam]:\n    return []\n",
    "import litellm\nlitellm.drop_params = True\nlitellm.set_verbose = False\n",
    "import openai\n\ntry:\n    pass\nexcept openai.RateLimitError:\n    pass\n",
    "from anthropic import APIError, RateLimitError\n",
    "from langchain.agents import load_tools\n",
    "import transformers\ntransformers.logging.set_verbosity_error()\n",
    "import litellm\ncost = litellm.completion_cost(response)\n",  # a longer name than litellm.completion
])
def test_an_import_that_binds_nothing_known_is_skipped_as_unbound(source):
    assert _scan().verdict(source.encode()) == UNBOUND


@pytest.mark.parametrize(("source", "binds"), [
    # `litellm.Router` only as the tail of a longer name or an attribute of another object: not this import
    ("import litellm\nmylitellm.Router()\nlitellm.drop_params = True\n", False),
    ("import litellm\nobj.litellm.Router()\nlitellm.drop_params = True\n", False),
    ("import litellm\nlitellm.drop_params = True\nr = litellm . Router(model_list=m)\n", True),
    ("import litellm\nx = mylitellm.Router\ny = obj.litellm.drop_params\n", True),  # never `litellm.` itself: not called unbound
    ("litellm.Router(model_list=m)\nimport litellm\n", True),  # at the very start of the file
    ("import google.genai\nc = google . genai.Client()\n", True),
    ("import google.genai\nc = my_google.genai.Client()\nmy_google.adk = 1\n", True),  # never `google.` itself
])
def test_an_import_binds_by_what_the_file_spells_after_it(source, binds):
    assert _scan().bindings.binds(source.encode()) is binds


def test_a_file_without_sdk_imports_is_a_plain_skip():
    assert _scan().verdict(b"import os\n\ndef label(text):\n    return text.upper()\n") == SKIP


def test_an_unbound_import_does_not_hide_a_later_reason_to_parse():
    scan = _scan()
    assert scan.verdict(b"from litellm import verbose_logger\nSYSTEM_PROMPT = 'Be brief.'\n") == PARSE
    assert scan.verdict(b"from litellm import verbose_logger\nr = client.chat.completions.create(model=m)\n") == PARSE
    assert scan.verdict(b"from litellm import verbose_logger\nfrom crewai import Agent\n") == PARSE


CLIENT = """
    from openai import OpenAI

    client = OpenAI(timeout=30)


    def complete(prompt, max_tokens=300):
        resp = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=max_tokens)
        return resp.choices[0].message.content
"""

BASE = """
    from openai import OpenAI


    class BaseHandler:
        client = OpenAI(timeout=30)

        def ask(self, prompt):
            return self.client.chat.completions.create(model="gpt-4o-mini", max_tokens=200, messages=[{"role": "user", "content": prompt}])
"""

# an SDK imported for its logger and its types only: skipped by the pre-scan
JOBS = """
    from litellm import verbose_logger
    from openai.types.chat import ChatCompletionMessageParam

    from app.client import complete


    def summarise(doc):
        verbose_logger.debug("summarising")
        return complete(f"Please analyze the following document carefully and provide insights: {doc}")
"""

HANDLERS = """
    import litellm

    from app.base import BaseHandler

    litellm.drop_params = True


    class Summary(BaseHandler):
        async def run(self, doc):
            return self.ask(f"I would like you to summarise this report: {doc}")
"""

LOOKALIKE = """
    from litellm import verbose_logger


    def ask(prompt):
        verbose_logger.debug(prompt)
        return prompt.strip()  # named like a wrapper: sends nothing


    def run():
        return ask("I would like you to trim this.")
"""

FILES = {"app/__init__.py": "", "app/client.py": CLIENT, "app/base.py": BASE, "app/jobs.py": JOBS, "app/handlers.py": HANDLERS, "app/lookalike.py": LOOKALIKE}
ARGS = ("check", "--select", "LA201", "--output-format", "concise")


def _write(root):
    (root / ".git").mkdir()
    for rel, text in FILES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")


def _found(out: str) -> list[str]:
    return sorted(line.split(": ", 1)[0].rsplit(":", 1)[0] + " " + line.split(" ", 2)[1] for line in out.splitlines() if ": LA" in line)


def test_unbound_files_are_skipped_in_phase_1_then_read_where_a_flow_leads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path)
    result = run_engine(tmp_path, select=["LA201"])
    phase1 = {f.path: f for f in result.facts}
    assert all(phase1[rel].extra.get("unbound") for rel in ("app/jobs.py", "app/handlers.py", "app/lookalike.py"))
    now = {f.path: f for f in result.project.facts}
    assert not now["app/jobs.py"].extra.get("skipped") and not now["app/handlers.py"].extra.get("skipped")  # a flow led there
    assert sorted((f.path, f.line) for f in result.findings) == [("app/handlers.py", 11), ("app/jobs.py", 10)]


def test_unbound_files_findings_cold_warm_and_from_one_file(tmp_path):
    _write(tmp_path)
    cache = {"LLM_AUDIT_CACHE_DIR": str(tmp_path / ".cache")}
    cold = _found(cli(*ARGS, "--no-cache", ".", cwd=tmp_path).stdout)
    assert cold == ["app/handlers.py:11 LA201", "app/jobs.py:10 LA201"], cold
    stats = cli(*ARGS, ".", cwd=tmp_path, env={**cache, "LLM_AUDIT_STATS": "1"})
    assert "skipped=" in stats.stderr and "skipped=0 " not in stats.stderr
    assert _found(cli(*ARGS, ".", cwd=tmp_path, env=cache).stdout) == cold  # warm
    assert _found(cli(*ARGS, "app/jobs.py", cwd=tmp_path, env=cache).stdout) == ["app/jobs.py:10 LA201"]
    assert _found(cli(*ARGS, "--no-cache", "app/handlers.py", cwd=tmp_path).stdout) == ["app/handlers.py:11 LA201"]
    assert _found(cli(*ARGS, "--no-cache", "app/lookalike.py", cwd=tmp_path).stdout) == []
