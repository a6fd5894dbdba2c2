"""OpenAI-compatible endpoints: a client made with base_url= (a literal, a module constant, an env default,
or read from a provider's environment variable) is priced and checked as the serving provider
(rules/endpoints.yaml). Local servers cost $0 and get no unknown-model finding; a base URL no entry knows is
a gateway: catalogued models keep their prices, unknown names get no LA403; without base_url (or with only
OPENAI_BASE_URL and no default) the client stays OpenAI's."""

from __future__ import annotations

import textwrap

from auditor.analysis.endpoints import endpoint_for_url
from conftest import LA403_GAPS

SELECT = ["LA101", "LA103", "LA403"]


def _sites(result):
    return {s.span.line: s for s in result.project.call_sites() if s.path == "app.py"}


def _codes_at(result, line):
    return sorted(f.code for f in result.findings if f.path == "app.py" and f.line == line)


def _line(code, marker):
    return next(i for i, l in enumerate(textwrap.dedent(code).splitlines(), 1) if marker in l)


CODE = """
    import os
    from openai import OpenAI
    from langchain_openai import ChatOpenAI

    OLLAMA = "http://localhost:11434/v1"
    local = OpenAI(base_url=OLLAMA, api_key="ollama")
    vllm = OpenAI(base_url=os.getenv("LLM_URL", "http://localhost:8000/v1"), api_key="x")
    groq = OpenAI(base_url="https://api.groq.com/openai/v1", api_key=os.environ["GROQ_API_KEY"])
    deepseek = OpenAI(base_url="https://api.deepseek.com", api_key="k")
    router = OpenAI(base_url="https://openrouter.ai/api/v1", api_key="k")
    proxy = OpenAI(base_url="https://llm-gateway.internal.example.com/v1")
    envhost = OpenAI(base_url=os.environ["OLLAMA_HOST"] + "/v1")
    plain = OpenAI(base_url=os.getenv("OPENAI_BASE_URL"))

    local.chat.completions.create(model="llama3.2:3b", messages=[])  # ollama
    vllm.chat.completions.create(model="Qwen/Qwen2.5-7B-Instruct", messages=[], max_tokens=64)  # vllm
    groq.chat.completions.create(model="llama-3.3-70b-versatile", messages=[], max_tokens=64)  # groq
    deepseek.chat.completions.create(model="deepseek-chat", messages=[])  # deepseek
    router.chat.completions.create(model="anthropic/claude-3.5-sonnet", messages=[], max_tokens=10)  # openrouter
    proxy.chat.completions.create(model="team-default-model", messages=[], max_tokens=10)  # gateway
    proxy.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=10)  # gateway-known
    envhost.chat.completions.create(model="mistral", messages=[], max_tokens=10)  # env
    plain.chat.completions.create(model="gpt-4o-made-up", messages=[], max_tokens=10)  # plain
    ChatOpenAI(base_url="http://127.0.0.1:1234/v1", model="local-model")  # lmstudio
"""


def test_clients_are_priced_and_checked_as_the_serving_provider(project):
    result = project({"app.py": CODE}, policy=LA403_GAPS, select=SELECT)
    sites = _sites(result)
    expect = {"ollama": "ollama", "vllm": "vllm", "groq": "groq", "deepseek": "deepseek", "openrouter": "openrouter",
              "gateway": "openai", "env": "ollama", "plain": "openai", "lmstudio": "lmstudio"}
    for marker, provider in expect.items():
        assert sites[_line(CODE, "# " + marker)].provider == provider, marker
    # local servers: no unknown-model finding, $0
    ollama_line = _line(CODE, "# ollama")
    assert _codes_at(result, ollama_line) == ["LA101"]
    assert result.cost.estimate(sites[ollama_line]).monthly_cost == 0.0
    assert _codes_at(result, _line(CODE, "# vllm")) == []
    assert _codes_at(result, _line(CODE, "# lmstudio")) == ["LA101"]
    # Groq's endpoint: its parameter names (max_tokens is deprecated there)
    assert _codes_at(result, _line(CODE, "# groq")) == ["LA103"]
    # a catalogued DeepSeek model priced at DeepSeek's prices
    ds = result.cost.estimate(sites[_line(CODE, "# deepseek")])
    assert ds.catalog_model == "deepseek-chat" and ds.input_price and ds.input_price < 1.0
    # gateways and OpenRouter name models freely: no LA403; a known model keeps its price
    assert _codes_at(result, _line(CODE, "# openrouter")) == []
    assert _codes_at(result, _line(CODE, "# gateway")) == []
    assert result.cost.estimate(sites[_line(CODE, "# gateway-known")]).input_price > 0
    # OPENAI_BASE_URL without a default says nothing: OpenAI's client, OpenAI's catalogue
    assert _codes_at(result, _line(CODE, "# plain")) == ["LA403"]


def test_fix_for_groq_endpoint_uses_its_cap_parameter(project):
    code = """
        from openai import OpenAI
        client = OpenAI(base_url="https://api.groq.com/openai/v1")
        client.chat.completions.create(model="llama-3.3-70b-versatile", messages=[])
    """
    result = project({"app.py": code}, select=["LA101"])
    (f,) = [f for f in result.findings if f.code == "LA101"]
    assert "max_completion_tokens" in f.fix.message


def test_legacy_module_level_api_base(project):
    code = """
        import openai
        openai.api_base = "http://localhost:11434/v1"
        openai.ChatCompletion.create(model="llama2", messages=[])
    """
    result = project({"app.py": code}, select=SELECT)
    (site,) = result.project.call_sites()
    assert site.provider == "ollama" and site.extra["local"] is True
    assert sorted(f.code for f in result.findings) == ["LA101"]


def test_url_table():
    assert endpoint_for_url("http://localhost:11434").id == "ollama"
    assert endpoint_for_url("https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1").id == "bedrock-openai"
    assert endpoint_for_url("https://api.together.xyz/v1").provider == "together"
    assert endpoint_for_url("https://generativelanguage.googleapis.com/v1beta/openai/").provider == "google"
    assert endpoint_for_url("https://myco.openai.azure.com/").provider == "azure"
    assert endpoint_for_url("https://example.com/v1").id == "gateway"


NIM = '''
from openai import OpenAI
from langchain_openai import ChatOpenAI

llm = ChatOpenAI(base_url="https://integrate.api.nvidia.com/v1", api_key="k",
                 model="meta/llama-3.1-405b-instruct", max_tokens=512)
print(llm.invoke("hi").content)


class QAGenerator:
    def __init__(self, api_key: str, model: str = "mistralai/mixtral-8x7b-instruct-v0.1",
                 base_url: str = "https://integrate.api.nvidia.com/v1"):
        self.client = OpenAI(base_url=base_url, api_key=api_key)
        self.model = model

    def generate(self, document):
        return self.client.chat.completions.create(
            model=self.model, messages=[{"role": "user", "content": document}], max_tokens=256)


nim = OpenAI(base_url="https://integrate.api.nvidia.com/v1", api_key="k")
nim.chat.completions.create(model="qwen/qwen3-next-80b-a3b-thinking", messages=[], max_tokens=64)
together = OpenAI(base_url="https://api.together.xyz/v1", api_key="k")
together.chat.completions.create(model="mistralai/mixtral-8x7b-instruct-v0.1", messages=[], max_tokens=64)  # together
'''


def test_another_hosts_lifecycle_is_not_applied_on_a_known_endpoint(project):
    """NVIDIA NIM serves ids the catalog has only under Together: Together's shutdown date and successor are
    not NVIDIA's (no LA402), an id NIM serves that nobody catalogues is not LA403 (its table says ignore),
    also through a LangChain chat model's invoke() and a base URL that is a parameter's default. On Together
    itself the retirement still holds."""
    result = project({"app.py": NIM}, select=["LA402", "LA403"])
    found = [(f.code, f.line) for f in result.findings if f.path == "app.py"]
    assert found == [("LA402", _line(NIM, "# together"))], found


def test_a_base_url_beside_a_model_in_a_config_file(project):
    conf = "qa_generator:\n  model: mistralai/mixtral-8x7b-instruct-v0.1\n  base_url: https://integrate.api.nvidia.com/v1\n" \
           "rewriter:\n  model: mistralai/mixtral-8x7b-instruct-v0.1\n"
    result = project({"conf/config.yaml": conf, "app.py": "import openai\n"}, select=["LA402"])
    lines = sorted(f.line for f in result.findings if f.path == "conf/config.yaml")
    assert lines == [5], lines  # the model without a base URL keeps the catalogued host's lifecycle


def test_a_router_keeps_the_model_providers_lifecycle(project):
    """OpenRouter forwards `openai/gpt-4-turbo` to OpenAI: OpenAI's shutdown applies (rules/endpoints.yaml router)."""
    code = '''
from openai import OpenAI
router = OpenAI(base_url="https://openrouter.ai/api/v1", api_key="k")
router.chat.completions.create(model="openai/gpt-4-turbo", messages=[], max_tokens=10)
'''
    result = project({"app.py": code}, select=["LA402"])
    assert [f.line for f in result.findings if f.path == "app.py"] == [4]
