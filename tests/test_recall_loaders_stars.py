"""Session-12 recall fixes (docs/recall.md, "after the session-12 recall fixes"), shapes from held-out-4/5:

* a model or client made by a loader in **another module** (llama-cookbook's ``from
  llama_cookbook.inference.model_utils import load_model; model = load_model(...); model.generate(...)``,
  ``get_client()`` returning ``OpenAI()``, ``load_llm()`` returning a LangChain chat model), through the
  per-module ``client_returns`` facts (analysis/loaders.py);
* names bound by a **star import**: ``from langchain_openai import *`` binds what the catalog lists for that
  module; ``from helper_functions import *`` binds what the project module binds, its own imports included
  (RAG_Techniques' notebooks get ``ChatOpenAI`` that way), followed in the project phase.

Look-alikes stay silent: a loader returning a config dict, a project module defining its own ``ChatOpenAI``
class, a star import of a module outside the project, builtins, an SDK star import of a name the catalog
does not list for it.
"""

from __future__ import annotations

import textwrap

from test_recall_heldout4 import _notebook, _written
from test_resolution import SELECT


def _la101(result, path):
    return sorted((f.cell, f.line) for f in result.findings if f.code == "LA101" and f.path == path)


LOADERS = {
    "src/cookbook/__init__.py": "",
    "src/cookbook/inference/__init__.py": "from .model_utils import load_model, load_pair  # re-exported\n",
    "src/cookbook/inference/model_utils.py": textwrap.dedent("""
        from peft import PeftModel
        from transformers import AutoModelForCausalLM, AutoTokenizer


        def load_model(model_name, quantization=None, **kwargs):
            kwargs["device_map"] = "auto"
            model = AutoModelForCausalLM.from_pretrained(model_name, return_dict=True, **kwargs)
            return model


        def load_pair(model_name):
            model = AutoModelForCausalLM.from_pretrained(model_name)
            tokenizer = AutoTokenizer.from_pretrained(model_name)
            return model, tokenizer


        def load_peft_model(model, peft_model):
            return PeftModel.from_pretrained(model, peft_model)


        def load_settings(path):
            return {"path": path, "max_new_tokens": 256}
    """),
    "app/__init__.py": "",
    "app/clients.py": textwrap.dedent("""
        import os
        from openai import AsyncOpenAI, OpenAI
        from langchain_openai import ChatOpenAI


        def get_client():
            return OpenAI(api_key=os.environ["OPENAI_API_KEY"])


        def get_async_client() -> AsyncOpenAI:
            return AsyncOpenAI()


        def load_llm(temperature=0):
            return ChatOpenAI(model="gpt-4o-mini", temperature=temperature)


        def get_store():
            return object()
    """),
}


def test_models_and_clients_from_a_loader_in_another_module(project):
    files = dict(LOADERS)
    files["scripts/inference.py"] = textwrap.dedent("""
        import torch
        from cookbook.inference.model_utils import load_model, load_settings
        from cookbook.inference import load_pair
        from app.clients import get_client, get_async_client, get_store


        def main(model_name, prompt, max_new_tokens=256):
            model = load_model(model_name, quantization="8bit")
            with torch.no_grad():
                outputs = model.generate(input_ids=prompt, max_new_tokens=max_new_tokens)
            base, tok = load_pair(model_name)
            base.generate(**tok(prompt, return_tensors="pt"))
            tok.generate("a tokenizer is not a model")
            settings = load_settings("cfg.yaml")
            settings.generate(prompt)
            client = get_client()
            reply = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
            store = get_store()
            store.generate(prompt)
            return outputs, reply


        async def amain(prompt):
            aclient = get_async_client()
            return await aclient.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=200)
    """)
    result = project(files, select=SELECT)
    sites = _written(result, "scripts/inference.py")
    assert [(line, api) for _, line, api in sites] == [
        (11, "transformers.generate"),
        (13, "transformers.generate"),
        (18, "openai.chat"),
        (26, "openai.chat"),
    ]
    by_line = {s.span.line: s for f in result.project.facts for s in f.call_sites if s.path == "scripts/inference.py"}
    assert by_line[18].provider == "openai" and by_line[26].provider == "openai"  # typed through the loader
    la101 = _la101(result, "scripts/inference.py")
    assert (None, 18) in la101 and (None, 26) not in la101  # the loader's client sends no cap; max_tokens=200
    assert (None, 11) not in la101


def test_a_loader_whose_return_is_unknown_changes_nothing(project):
    """``client = make_client()`` where the other module returns something untyped: the distinctive method
    path decides as before (found with model=), a plain ``generate`` on it stays silent."""
    files = {
        "lib/__init__.py": "",
        "lib/factory.py": "def make_client(kind):\n    return REGISTRY[kind]()\n\n\ndef make_model(name):\n    return registry.load(name)\n",
        "run.py": textwrap.dedent("""
            from lib.factory import make_client, make_model

            client = make_client("openai")
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])
            model = make_model("x")
            model.generate("hi")
        """),
    }
    result = project(files, select=SELECT)
    assert [(line, api) for _, line, api in _written(result, "run.py")] == [(5, "openai.chat")]


def test_langchain_model_from_a_loader_is_the_constructor_site(project):
    """``llm = load_llm(); llm.invoke(...)``: the constructor in the loader's module is the site (SPEC 2)."""
    files = dict(LOADERS)
    files["app/chain.py"] = "from app.clients import load_llm\n\nllm = load_llm()\nanswer = llm.invoke('hi')\n"
    result = project(files, select=SELECT)
    assert [(line, api) for _, line, api in _written(result, "app/clients.py")] == [(16, "langchain.openai")]
    assert (None, 16) in _la101(result, "app/clients.py")


def test_star_import_of_a_project_module_binds_its_imports(project):
    """RAG_Techniques: ``from helper_functions import *`` and ``from evaluation.evalute_rag import *``, the second of
    which imports ``ChatOpenAI``; the notebook never imports it itself."""
    files = {
        "helper_functions.py": textwrap.dedent("""
            from langchain_openai import OpenAIEmbeddings
            from langchain_core.prompts import PromptTemplate


            def encode_pdf(path, chunk_size=1000):
                return OpenAIEmbeddings()
        """),
        "evaluation/__init__.py": "",
        "evaluation/evalute_rag.py": textwrap.dedent("""
            from langchain_openai import ChatOpenAI
            from helper_functions import *


            def create_question_answer_from_context_chain(llm):
                return llm
        """),
        "all_rag_techniques/HyDe.ipynb": _notebook(
            """
            import os
            from dotenv import load_dotenv
            from helper_functions import *
            from evaluation.evalute_rag import *
            """,
            """
            class HyDERetriever:
                def __init__(self, files_path, chunk_size=500):
                    self.llm = ChatOpenAI(temperature=0, model_name="gpt-4o-mini", max_tokens=4000)
                    self.embeddings = OpenAIEmbeddings()
            """,
            """
            llm = ChatOpenAI(temperature=0, model_name="gpt-4o-mini")
            retriever = encode_pdf("data/climate.pdf")
            print(len(retriever))
            """,
        ),
    }
    result = project(files, select=SELECT)
    assert _written(result, "all_rag_techniques/HyDe.ipynb") == [(1, 4, "langchain.openai"), (2, 2, "langchain.openai")]
    assert _la101(result, "all_rag_techniques/HyDe.ipynb") == [(2, 2)]  # the first sets max_tokens=4000


def test_star_import_of_a_catalogued_sdk_module(project):
    code = """
        from langchain_openai import *
        from langchain.chat_models import *

        llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=300)
        legacy = ChatAnthropic(model="claude-3-5-haiku-latest")
        emb = OpenAIEmbeddings()
        helper = make_chain(llm)
        uncapped = ChatOpenAI(model="gpt-4o-mini")
    """
    result = project({"chat.py": textwrap.dedent(code)}, select=SELECT)
    assert [(line, api) for _, line, api in _written(result, "chat.py")] == [
        (5, "langchain.openai"), (6, "langchain.anthropic"), (9, "langchain.openai"),
    ]
    assert _la101(result, "chat.py") == [(None, 9)]


def test_star_import_look_alikes_stay_silent(project):
    """A project module that defines its own ``ChatOpenAI``; a star import of a module outside the project;
    a project module that neither defines nor imports the name; builtins."""
    files = {
        "mylib/__init__.py": "",
        "mylib/fake.py": "class ChatOpenAI:\n    def __init__(self, **kw):\n        self.kw = kw\n",
        "mylib/empty.py": "import os\nVALUE = 1\n",
        "use_fake.py": "from mylib.fake import *\n\nllm = ChatOpenAI(model='gpt-4o-mini')\n",
        "use_empty.py": "from mylib.empty import *\n\nllm = ChatOpenAI(model='gpt-4o-mini')\n",
        "use_outside.py": "from tkinter import *\n\nllm = ChatOpenAI(model='gpt-4o-mini')\nprint(len('x'))\n",
    }
    result = project(files, select=SELECT)
    for path in ("use_fake.py", "use_empty.py", "use_outside.py"):
        assert _written(result, path) == [], path
