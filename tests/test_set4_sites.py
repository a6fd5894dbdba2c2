"""Fourth fresh set (session 13), where a model is served and which constructions are sites: a model id
in a TOML config beside an Azure deployment URL or a reseller's public base URL does not take the model
provider's retirement dates (LA402); a chat model constructed and rebound before anything reads it is no
call site (no LA101, no LA402). Each with a look-alike that must still be reported."""

from __future__ import annotations

import textwrap

AZURE_TOML = """\
[llm] #AZURE OPENAI:
api_type= 'azure'
model = "gpt-4o-mini"
base_url = "{YOUR_AZURE_ENDPOINT.rstrip('/')}/openai/deployments/{AZURE_DEPLOYMENT_ID}"
api_key = "YOUR_API_KEY"
max_tokens = 8096

[llm.vision]
model = "gpt-4o"
base_url = "{YOUR_AZURE_ENDPOINT.rstrip('/')}/openai/deployments/{AZURE_DEPLOYMENT_ID}"
"""

RESELLER_TOML = """\
[llm] #Jiekou.AI:
api_type = 'jiekou'
model = "claude-sonnet-4-5-20250929"
base_url = "https://api.jiekou.ai/openai"
max_tokens = 64000

[llm.vision] #PPIO VISION:
model = "qwen/qwen2.5-vl-72b-instruct"
base_url = "https://api.ppinfra.com/v3/openai"
"""

DIRECT_TOML = """\
[llm]
model = "claude-sonnet-4-5-20250929"
base_url = "https://api.anthropic.com/v1/"
max_tokens = 8192

[llm.proxy]
model = "claude-3-7-sonnet-20250219"
base_url = "http://litellm.internal:4000"

[llm.plain]
model = "gpt-4o"
"""


def _by_file(result, path):
    return sorted((f.line, f.code) for f in result.findings if f.path == path)


def test_config_model_on_azure_or_reseller_has_no_provider_lifecycle(project):
    files = {"config/azure.toml": AZURE_TOML, "config/reseller.toml": RESELLER_TOML, "config/direct.toml": DIRECT_TOML,
             "app.py": "import openai\n"}
    result = project(files, select=["LA402", "LA403"])
    assert _by_file(result, "config/azure.toml") == []
    assert _by_file(result, "config/reseller.toml") == []
    # look-alikes: the provider's own endpoint, a proxy on your own network and no base URL keep the dates
    assert _by_file(result, "config/direct.toml") == [(2, "LA402"), (7, "LA402"), (11, "LA402")]


DEAD = """
    from langchain_anthropic import ChatAnthropic
    from langchain_openai import ChatOpenAI


    async def determine_what_to_update(state):
        reflection_model = ChatOpenAI(model="gpt-4o", disable_streaming=True)  # dead
        reflection_model = ChatAnthropic(model="claude-3-5-sonnet-latest")  # live
        return await reflection_model.ainvoke(state["messages"])


    def fallback(state):
        llm = ChatOpenAI(model="gpt-4o")  # read-then-rebound
        backup = llm
        llm = ChatAnthropic(model="claude-3-5-sonnet-latest", max_tokens=512)
        return backup.invoke(state["q"]), llm.invoke(state["q"])


    def wrapped(state):
        llm = ChatOpenAI(model="gpt-4o")  # rebound-from-itself
        llm = llm.with_retry()
        return llm.invoke(state["q"])


    ### gpt4o
    llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)  # menu
    experiment_prefix = "sql-agent-gpt4o"

    ### Claude
    llm = ChatAnthropic(model="claude-3-5-sonnet-latest", temperature=0, max_tokens=1024)
    experiment_prefix = "sql-agent-claude"
    print(llm.invoke("hi"), experiment_prefix)
"""


def _line(code, marker):
    return next(i for i, l in enumerate(textwrap.dedent(code).splitlines(), 1) if marker in l)


def test_construction_rebound_unread_is_no_site(project):
    result = project({"eaia/graphs.py": DEAD}, select=["LA101", "LA402"])
    lines = {s.span.line for s in result.project.call_sites()}
    assert _line(DEAD, "# dead") not in lines
    assert not [f for f in result.findings if f.line == _line(DEAD, "# dead")]
    # the construction that replaces it is the live one: its retired model is reported
    assert [f.code for f in result.findings if f.line == _line(DEAD, "# live")] == ["LA402"]
    # look-alikes: read before the rebinding, or rebound from itself: still sites with their findings
    # (LA402 once per root cause: gpt-4o is reported at its first construction)
    assert sorted(f.code for f in result.findings if f.line == _line(DEAD, "# read-then-rebound")) == ["LA101", "LA402"]
    assert [f.code for f in result.findings if f.line == _line(DEAD, "# rebound-from-itself")] == ["LA101"]
    # a notebook's menu of alternatives (settings between them): the reader picks one, both stay sites
    assert sorted(f.code for f in result.findings if f.line == _line(DEAD, "# menu")) == ["LA101", "LA402"]
