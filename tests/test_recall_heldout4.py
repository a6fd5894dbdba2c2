"""Generic misses and false positives of recall held-out-4 (docs/recall.md), fixed after its first run:

* transformers model classes beyond the Auto causal-LM loaders (vision-language ``AutoModelForImageTextToText``,
  concrete ``*ForConditionalGeneration`` / ``*ForCausalLM`` classes, PEFT adapters) have ``generate()``;
* a model or client passed to an unannotated helper of the same module (``def generate_tags(query, model):
  model.generate(...)``) is typed from what the module's calls pass;
* a wrapper class calling its own ``generate_content`` (``self.generate_content(prompt)``) and a parameter
  annotated with a project class are not untyped SDK receivers.

Look-alikes stay silent: a helper whose callers pass no model, a method of another class, an annotation
that is an SDK type or ``Any``.
"""

from __future__ import annotations

import json
import textwrap

from test_resolution import SELECT


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": textwrap.dedent(c)}
                  for c in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    })


def _written(result, path):
    """The call sites written in ``path`` (also those derived sites at callers stand on)."""
    return sorted((s.cell, s.span.line, s.api) for f in result.project.facts for s in f.call_sites if s.path == path)


def test_vision_language_and_concrete_model_classes(project):
    nb = _notebook(
        """
        import torch
        from transformers import AutoProcessor, AutoModelForImageTextToText, Qwen2VLForConditionalGeneration
        from transformers import T5ForConditionalGeneration, LlamaForCausalLM
        from peft import PeftModel, get_peft_model, LoraConfig
        """,
        """
        model = AutoModelForImageTextToText.from_pretrained("google/gemma-3-4b-it", torch_dtype=torch.bfloat16)
        out = model.generate(**inputs, max_new_tokens=128)
        """,
        """
        vl_model = Qwen2VLForConditionalGeneration.from_pretrained("Qwen/Qwen2-VL-7B-Instruct")
        ids = vl_model.generate(input_ids=batch["input_ids"])
        """,
        """
        t5 = T5ForConditionalGeneration.from_pretrained("t5-small")
        t5.generate(input_ids=x, max_length=64)
        llama = LlamaForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
        tuned = PeftModel.from_pretrained(llama, "adapter")
        tuned.generate(**inputs, max_new_tokens=50)
        lora = get_peft_model(llama, LoraConfig(r=8))
        lora.generate(**inputs, max_new_tokens=50)
        """,
        """
        processor = AutoProcessor.from_pretrained("Qwen/Qwen2-VL-7B-Instruct")
        processor.generate(x)          # a processor: no generate() of a model
        """,
    )
    result = project({"vlm.ipynb": nb}, select=SELECT)
    assert _written(result, "vlm.ipynb") == [
        (1, 3, "transformers.generate"),
        (2, 3, "transformers.generate"),
        (3, 3, "transformers.generate"),
        (3, 6, "transformers.generate"),
        (3, 8, "transformers.generate"),
    ]
    la101 = sorted((f.cell, f.line) for f in result.findings if f.code == "LA101" and f.path == "vlm.ipynb")
    assert (2, 3) in la101 and (1, 3) not in la101  # vl_model.generate(input_ids=...) sets no max_new_tokens


def test_model_passed_to_an_unannotated_helper(project):
    code = """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        def generate_tags(query, model, tokenizer, max_length=64):
            inputs = tokenizer(query, return_tensors="pt")
            return model.generate(input_ids=inputs["input_ids"], max_length=max_length)

        def run_eval(model=None, prompt=""):
            return model.generate(prompt)        # no caller passes a model: unknown

        def summarise(engine, text):
            return engine.generate(text)         # the caller passes a string

        tokenizer = AutoTokenizer.from_pretrained("gpt2")
        base = AutoModelForCausalLM.from_pretrained("gpt2")
        print(generate_tags("rag pipelines", base, tokenizer))
        print(generate_tags(query="x", tokenizer=tokenizer, model=base))
        run_eval(prompt="hi")
        summarise("engine", "text")
    """
    result = project({"app.py": textwrap.dedent(code)}, select=SELECT)
    assert _written(result, "app.py") == [(None, 6, "transformers.generate")]


def test_wrapper_class_calling_its_own_generate_content(project):
    files = {
        "agent/base.py": textwrap.dedent("""
            import abc

            class GenerativeLanguageModel(abc.ABC):
                @abc.abstractmethod
                def generate_content(self, contents): ...
        """),
        "agent/gemini.py": textwrap.dedent("""
            import google.generativeai as genai
            from agent.base import GenerativeLanguageModel

            class Gemini(GenerativeLanguageModel):
                def __init__(self, name):
                    self.model = genai.GenerativeModel(name)

                def generate_content(self, contents):
                    return self.model.generate_content(contents)

                def ask(self, question, context):
                    return self.generate_content(f"{question}\\n\\n{context}")
        """),
        "agent/tools.py": textwrap.dedent("""
            from typing import Any
            from agent.base import GenerativeLanguageModel

            async def loop(language_model: GenerativeLanguageModel, contents):
                return await language_model.generate_content_async(contents=contents)

            async def loop_any(model: Any, contents):
                return await model.generate_content_async(contents=contents)
        """),
    }
    result = project(files, select=SELECT)
    assert _written(result, "agent/gemini.py") == [(None, 10, "google.generativeai")]
    # a project class annotation is the project's object; Any says nothing, the untyped path still counts
    assert _written(result, "agent/tools.py") == [(None, 9, "google.generativeai")]


def test_sdk_subclass_calling_inherited_generate_content_still_counts(project):
    code = """
        import google.generativeai as genai

        class Reviewer(genai.GenerativeModel):
            def review(self, diff):
                return self.generate_content(f"Review:\\n{diff}")
    """
    result = project({"app.py": textwrap.dedent(code)}, select=SELECT)
    assert [api for _, _, api in _written(result, "app.py")] == ["google.generativeai"]


def test_pipeline_rebound_to_its_own_name(project):
    # Google's Gemma notebooks: `pipeline = pipeline(task="text-generation", ...)`, then `pipeline(...)`
    nb = _notebook(
        """
        from transformers import pipeline
        pipeline = pipeline(task="text-generation", model="google/gemma-3-1b-it", device=0)
        """,
        'pipeline(text_inputs="roses are red")\n',
        'outputs = pipeline(messages, max_new_tokens=50)\n',
    )
    asr = _notebook(
        """
        from transformers import pipeline
        pipeline = pipeline("automatic-speech-recognition", model="openai/whisper-small")
        pipeline("sample.wav")
        """,
    )
    result = project({"gemma.ipynb": nb, "asr.ipynb": asr}, select=SELECT)
    assert _written(result, "gemma.ipynb") == [(1, 1, "transformers.pipeline"), (2, 1, "transformers.pipeline")]
    assert _written(result, "asr.ipynb") == []  # a speech pipeline is not a text-generation one


def test_helper_whose_callers_pass_clients_of_several_sdks(project):
    # Cohere's RAG-evaluation guide: `client` is an OpenAI or a Mistral client, the helper speaks OpenAI
    nb = _notebook(
        """
        from openai import Client
        from mistralai.client import MistralClient
        if provider == "openai":
            client = Client(api_key=key)
        else:
            client = MistralClient(api_key=key)
        """,
        """
        def get_response(model, client, prompt):
            response = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}])
            return response.choices[0].message.content
        """,
        'claims = get_response("gpt-4o", client, "List the claims.")\n',
    )
    result = project({"guide.ipynb": nb}, select=SELECT)
    assert _written(result, "guide.ipynb") == [(1, 3, "openai.chat")]


def test_wrapper_made_by_the_projects_factory(project):
    # Google's docs-agent: self.language_model = GenerativeLanguageModelFactory.create_model(...), whose
    # generate_content wraps the SDK; generate_content asks for no argument as evidence of the SDK
    files = {
        "agent/factory.py": "class GenerativeLanguageModelFactory:\n    @staticmethod\n    def create_model(name):\n        ...\n",
        "agent/docs_agent.py": textwrap.dedent("""
            import google.generativeai as genai
            from agent.factory import GenerativeLanguageModelFactory
            from app.clients import make_client

            class DocsAgent:
                def __init__(self, config):
                    self.language_model = GenerativeLanguageModelFactory.create_model(config.model)
                    self.gemini_15 = self.language_model
                    self.sdk_model = genai.GenerativeModel("gemini-1.5-flash")
                    self.client = make_client()

                def ask(self, prompt):
                    self.language_model.generate_content(contents=prompt)
                    self.gemini_15.generate_content(prompt)
                    self.sdk_model.generate_content(prompt)
                    return self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        """),
    }
    result = project(files, select=SELECT)
    # the SDK's own model, and a distinctive openai path on a client from a project factory, still count
    assert _written(result, "agent/docs_agent.py") == [(None, 16, "google.generativeai"), (None, 17, "openai.chat")]


def test_parameter_annotated_with_a_model_class(project):
    # the xLAM fine-tuning notebook: def generate_function_call(model: AutoModelForCausalLM, tokenizer, prompt)
    code = """
        from transformers import AutoModelForCausalLM, AutoTokenizer, Qwen2VLForConditionalGeneration

        def generate_function_call(model: AutoModelForCausalLM, tokenizer: AutoTokenizer, prompt: str, max_new_tokens: int = 512):
            inputs = tokenizer(prompt, return_tensors="pt")
            return model.generate(**inputs, max_new_tokens=max_new_tokens)

        def caption(vl: "Qwen2VLForConditionalGeneration", batch):
            return vl.generate(**batch, max_new_tokens=64)

        def decode(tok: AutoTokenizer, ids):
            return tok.generate(ids)   # a tokenizer has no generate(): silent
    """
    result = project({"app.py": textwrap.dedent(code)}, select=SELECT)
    assert _written(result, "app.py") == [(None, 6, "transformers.generate"), (None, 9, "transformers.generate")]
