"""Generic miss of recall held-out-5 (docs/recall.md), fixed after its first run: a LangChain class imported
by its legacy submodule path (``from langchain.llms.bedrock import Bedrock``, Meta's llama-cookbook) is the
``langchain_community`` class the catalog lists (``langchain_community.llms.bedrock.Bedrock``), re-exported by
``langchain`` 0.1-0.2 under the old name.

Look-alikes stay silent: a legacy submodule class the catalog does not list (``FakeListLLM``), embeddings, and a
project package whose path merely ends like LangChain's (``myapp.llms.bedrock.Bedrock``).
"""

from __future__ import annotations

import textwrap

from test_recall_heldout4 import _notebook, _written
from test_resolution import SELECT

from auditor.config.providers import legacy_langchain_path


def test_legacy_langchain_submodule_imports_are_call_sites(project):
    nb = _notebook(
        """
        import boto3
        from langchain.llms.bedrock import Bedrock
        from langchain.llms.ollama import Ollama
        from langchain.chat_models.azure_openai import AzureChatOpenAI
        from langchain.llms.fake import FakeListLLM
        from langchain.embeddings.openai import OpenAIEmbeddings
        """,
        """
        llm = Bedrock(credentials_profile_name="default", model_id="meta.llama3-8b-instruct-v1:0")
        local = Ollama(model="llama3")
        chat = AzureChatOpenAI(deployment_name="gpt-4o", openai_api_version="2024-02-01", max_tokens=256)
        fake = FakeListLLM(responses=["a", "b"])
        emb = OpenAIEmbeddings()
        """,
    )
    result = project({"react_agent.ipynb": nb}, select=SELECT)
    sites = _written(result, "react_agent.ipynb")
    assert [(c, line) for c, line, _ in sites] == [(1, 2), (1, 3), (1, 4)]
    assert sites[0][2] == "langchain.bedrock"
    la101 = sorted((f.cell, f.line) for f in result.findings if f.code == "LA101" and f.path == "react_agent.ipynb")
    assert (1, 2) in la101 and (1, 4) not in la101  # Bedrock sets no max_gen_len; AzureChatOpenAI caps at 256


def test_a_project_package_named_like_langchain_stays_silent(project):
    files = {
        "myapp/__init__.py": "",
        "myapp/llms/__init__.py": "",
        "myapp/llms/bedrock.py": "class Bedrock:\n    def __init__(self, **kw):\n        self.kw = kw\n",
        "main.py": textwrap.dedent("""
            from myapp.llms.bedrock import Bedrock
            llm = Bedrock(model_id="meta.llama3-8b-instruct-v1:0")
        """),
    }
    result = project(files, select=SELECT)
    assert _written(result, "main.py") == []


def test_legacy_path_mapping():
    assert legacy_langchain_path("langchain_community.llms.bedrock.Bedrock") == "langchain.llms.bedrock.Bedrock"
    assert legacy_langchain_path("langchain_community.chat_models.ChatOllama") == "langchain.chat_models.ChatOllama"
    assert legacy_langchain_path("langchain_openai.ChatOpenAI") is None
    assert legacy_langchain_path("langchain_community.Foo") is None


def test_model_unpacked_from_a_loader_of_the_same_module(project):
    """llama-cookbook's ``model, processor = load_model_and_processor(...)``: element i of a tuple a function
    of this module returns. The other elements (a tokenizer, a model name) are not models."""
    code = """
        import openai
        from transformers import AutoTokenizer, MllamaForConditionalGeneration, MllamaProcessor

        def load_model_and_processor(model_name, finetuning_path=None):
            model = MllamaForConditionalGeneration.from_pretrained(model_name)
            processor = MllamaProcessor.from_pretrained(model_name)
            return model, processor

        def client_and_model():
            return openai.OpenAI(), "gpt-4o-mini"

        def main(name):
            model, processor = load_model_and_processor(name)
            out = model.generate(**processor(text="hi"), max_new_tokens=64)
            processor.generate("not a model")
            client, model_name = client_and_model()
            client.chat.completions.create(model=model_name, messages=[{"role": "user", "content": "hi"}])
            label, pair = "x", load_model_and_processor(name)
            pair.generate("a tuple, not a model")
            for m, p in [load_model_and_processor(name)]:
                m.generate("loop targets stay unknown")
    """
    result = project({"multi_modal_infer.py": textwrap.dedent(code)}, select=SELECT)
    assert _written(result, "multi_modal_infer.py") == [
        (None, 15, "transformers.generate"),
        (None, 18, "openai.chat"),
    ]
    la101 = [f.line for f in result.findings if f.code == "LA101" and f.path == "multi_modal_infer.py"]
    assert 18 in la101 and 15 not in la101
