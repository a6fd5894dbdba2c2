"""A false positive of recall held-out-6 (docs/recall.md), fixed after its first run: Bedrock ``invoke_model``
naming an **embedding model** (``modelId = "amazon.titan-embed-text-v1"``, ``body = {"inputText": ...}``) in a
notebook cell or a script is an embedding request, not a generation call site (AWS's Bedrock samples,
``Setup.ipynb``). The catalog skipped such calls only inside an embedder (``skip-in: ["*embed*"]`` on the enclosing
function's name); ``skip-models`` now skips them by the model the call names.

Look-alikes keep their sites: a text model in the same cell, a model id that is not known (a parameter), and a
generation model whose name merely contains "embed" somewhere else in the call (the prompt text).
"""

from __future__ import annotations

import textwrap

from test_recall_heldout4 import _notebook, _written
from test_resolution import SELECT


def test_embedding_model_invoke_model_is_not_a_call_site(project):
    nb = _notebook(
        """
        import json
        import boto3
        bedrock = boto3.client(service_name="bedrock-runtime")
        """,
        """
        body = json.dumps({"prompt": "Human: Say hi\\n\\nAssistant:", "max_tokens_to_sample": 200})
        modelId = "anthropic.claude-instant-v1"
        response = bedrock.invoke_model(body=body, modelId=modelId, accept="application/json", contentType="application/json")
        """,
        """
        body = json.dumps({"inputText": "Embed this sentence about embeddings"})
        modelId = "amazon.titan-embed-text-v1"
        response = bedrock.invoke_model(body=body, modelId=modelId, accept="application/json", contentType="application/json")
        embedding = json.loads(response.get("body").read()).get("embedding")
        """,
        """
        out = bedrock.invoke_model(modelId="cohere.embed-english-v3", body=json.dumps({"texts": ["a"], "input_type": "search_document"}))
        """,
    )
    result = project({"Setup.ipynb": nb}, select=SELECT)
    sites = _written(result, "Setup.ipynb")
    assert [(c, line) for c, line, _ in sites] == [(1, 4)]
    assert not [f for f in result.findings if f.code == "LA101" and f.path == "Setup.ipynb"]


def test_generation_models_and_unknown_models_keep_their_sites(project):
    files = {
        "rag/answer.py": textwrap.dedent("""
            import json
            import boto3

            client = boto3.client("bedrock-runtime")

            def answer(question, model_id):
                # an unknown model id: still a generation call
                body = {"messages": [{"role": "user", "content": question}], "anthropic_version": "bedrock-2023-05-31"}
                return client.invoke_model(modelId=model_id, body=json.dumps(body))

            def summarise(text):
                prompt = "Summarise, do not embed code: " + text
                return client.invoke_model(modelId="meta.llama3-8b-instruct-v1:0", body=json.dumps({"prompt": prompt}))
        """),
    }
    result = project(files, select=SELECT)
    assert [line for _, line, _ in _written(result, "rag/answer.py")] == [10, 14]
    la101 = sorted(f.line for f in result.findings if f.code == "LA101" and f.path == "rag/answer.py")
    assert 14 in la101  # no max_gen_len in the Llama body


def test_a_notebook_name_means_the_import_above_its_use(project):
    """held-out-6's other false positive and a missed cap: a notebook imports ``OpenAI`` from openai in one cell
    and from langchain_openai forty cells later (MongoDB's GenAI showcase), or ``VertexAI`` from
    langchain_google_vertexai and later from the legacy ``langchain.llms`` (Google Cloud's chain-of-thought
    notebook). A use at module level is bound by the import above it, not by the last one in the notebook."""
    nb = _notebook(
        """
        from openai import OpenAI
        from langchain_google_vertexai import VertexAI
        """,
        """
        openai_client = OpenAI()
        reply = openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "hi"}])
        planner = VertexAI()
        """,
        """
        from langchain_openai import OpenAI
        from langchain.llms import VertexAI
        """,
        """
        llm = OpenAI(model="gpt-3.5-turbo-instruct", temperature=0)
        legacy = VertexAI(temperature=0)
        """,
    )
    result = project({"agentic_discovery.ipynb": nb}, select=SELECT)
    sites = _written(result, "agentic_discovery.ipynb")
    assert [(c, line) for c, line, _ in sites] == [(1, 3), (1, 4), (3, 2), (3, 3)]
    apis = [api for _, _, api in sites]
    assert apis[0].startswith("openai.") and "langchain" not in apis[0]  # the openai client's request, not a LangChain LLM
    assert apis[2] == "langchain.openai.llm", apis
    la101 = sorted((f.cell, f.line) for f in result.findings if f.code == "LA101" and f.path == "agentic_discovery.ipynb")
    assert (1, 4) in la101  # langchain_google_vertexai.VertexAI sets no cap
    assert (3, 2) not in la101 and (3, 3) not in la101  # the legacy LangChain OpenAI / VertexAI classes cap at 256 / 128


def test_the_last_import_still_binds_function_bodies_and_single_imports(project):
    files = {
        "app.py": textwrap.dedent("""
            try:
                from langchain_openai import ChatOpenAI
            except ImportError:
                from langchain.chat_models import ChatOpenAI
            from openai import OpenAI

            def make_llm():
                return ChatOpenAI(model="gpt-4o-mini")

            llm = ChatOpenAI(model="gpt-4o")
            client = OpenAI()
        """),
    }
    result = project(files, select=SELECT)
    assert [line for _, line, _ in _written(result, "app.py")] == [9, 11]


def test_llamaindex_classes_capped_by_their_constructor_default(project):
    """held-out-6's LA101 false alarms: LlamaIndex's ``Bedrock`` declares ``max_tokens: int = Field(description=...)``
    and sets the default in ``__init__(..., max_tokens: Optional[int] = 512)`` (so do ``BedrockConverse``, ``Vertex``
    512 and ``Cohere`` 8192). ``scripts/sdk_methods.py`` now reads such constructor defaults and the catalog says
    ``cap-default``. Look-alike: LlamaIndex ``Gemini`` (no default in the class) still gets LA101."""
    nb = _notebook(
        """
        from llama_index.llms.bedrock import Bedrock
        from llama_index.llms.bedrock_converse import BedrockConverse
        from llama_index.llms.cohere import Cohere
        from llama_index.llms.gemini import Gemini
        from llama_index.core import Settings
        """,
        """
        llm = Bedrock(model="anthropic.claude-v2")
        Settings.llm = BedrockConverse(model="anthropic.claude-3-haiku-20240307-v1:0")
        co = Cohere(model="command-r-plus")
        gemini = Gemini(model="models/gemini-1.5-flash")
        """,
    )
    result = project({"ReAct_Agent.ipynb": nb}, select=SELECT)
    assert [(c, line) for c, line, _ in _written(result, "ReAct_Agent.ipynb")] == [(1, 2), (1, 3), (1, 4), (1, 5)]
    la101 = sorted((f.cell, f.line) for f in result.findings if f.code == "LA101" and f.path == "ReAct_Agent.ipynb")
    assert la101 == [(1, 5)]


def test_sdk_reader_takes_the_constructor_default_of_a_cap_field():
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("sdk_methods", Path(__file__).resolve().parent.parent / "scripts" / "sdk_methods.py")
    sdk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sdk)
    init = ast.parse(textwrap.dedent("""
        def __init__(self, model: str, temperature: float = 0.1, max_tokens: Optional[int] = 512, *, stop=None, max_retries: int = 10):
            pass
    """)).body[0]
    assert sdk._init_default(None, "m", init, "max_tokens") == 512
    assert sdk._init_default(None, "m", init, "stop") is None
    assert sdk._init_default(None, "m", init, "max_new_tokens") is None
