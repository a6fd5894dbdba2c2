"""Caps in ``**kwargs``-forwarding methods (held-out-5: the Berkeley function-calling leaderboard's
``generate_with_backoff(self, **kwargs)`` handlers for Gemini, Mistral and Bedrock Converse).

When every caller in the project is known and none passes a cap, the request is uncapped: LA101 stands at
each call that lacks it, with the chain in the message (the derived call sites of analysis/derive.py);
a caller that passes one is capped there; a caller that spreads options of unknown content stays unknown.
"""

from __future__ import annotations

import textwrap

from test_resolution import SELECT

HANDLERS = """
    import time

    import boto3
    from google import genai
    from google.genai.types import GenerateContentConfig
    from mistralai import Mistral

    from bfcl_eval.model_handler.utils import retry_with_backoff


    class GeminiHandler:
        def __init__(self, model_name, temperature):
            self.client = genai.Client()
            self.model_name = model_name
            self.temperature = temperature

        @retry_with_backoff(error_message_pattern=r".*RESOURCE_EXHAUSTED.*")
        def generate_with_backoff(self, **kwargs):
            start = time.time()
            api_response = self.client.models.generate_content(**kwargs)
            return api_response, time.time() - start

        def _query_FC(self, inference_data):
            config = GenerateContentConfig(temperature=self.temperature)
            return self.generate_with_backoff(model=self.model_name, contents=inference_data["message"], config=config)

        def _query_capped(self, inference_data):
            config = GenerateContentConfig(temperature=self.temperature, max_output_tokens=512)
            return self.generate_with_backoff(model=self.model_name, contents=inference_data["message"], config=config)


    class NovaHandler:
        def __init__(self, model_name):
            self.client = boto3.client("bedrock-runtime")
            self.model_name = model_name

        def generate_with_backoff(self, **kwargs):
            return self.client.converse(**kwargs)

        def _query_prompting(self, message, tools):
            kwargs = {"modelId": self.model_name, "messages": message, "inferenceConfig": {"temperature": 0.0}}
            if tools:
                kwargs["toolConfig"] = {"tools": tools}
            return self.generate_with_backoff(**kwargs)


    class MistralHandler:
        def __init__(self, model_name):
            self.client = Mistral(api_key="x")
            self.model_name = model_name

        def generate_with_backoff(self, **kwargs):
            return self.client.chat.complete(**kwargs)

        def _query_prompting(self, message):
            return self.generate_with_backoff(model=self.model_name, messages=message, temperature=0.0)

        def _query_capped(self, message):
            return self.generate_with_backoff(model=self.model_name, messages=message, max_tokens=1024)

        def _query_configured(self, message, options):
            return self.generate_with_backoff(model=self.model_name, messages=message, **options)
"""


def test_forwarding_handlers_uncapped_at_the_callers_that_pass_no_cap(project):
    result = project({"bfcl_eval/model_handler/api_inference/handlers.py": textwrap.dedent(HANDLERS)}, select=SELECT)
    found = {f.line: f.message for f in result.findings if f.code == "LA101" and f.path.endswith("handlers.py")}
    src = textwrap.dedent(HANDLERS).splitlines()

    def line_of(text, after=0):
        return next(i + 1 for i, s in enumerate(src) if i + 1 > after and text in s)

    gem_fc = line_of("return self.generate_with_backoff(model=self.model_name, contents=inference_data", 0)
    gem_capped = line_of("return self.generate_with_backoff(model=self.model_name, contents=inference_data", gem_fc)
    nova = line_of("return self.generate_with_backoff(**kwargs)")
    mis = line_of("messages=message, temperature=0.0)")
    mis_capped = line_of("max_tokens=1024)")
    mis_opts = line_of("**options)")
    assert gem_fc in found and "GeminiHandler.generate_with_backoff()" in found[gem_fc]
    assert nova in found and "inferenceConfig.maxTokens" in found[nova]
    assert mis in found
    for capped in (gem_capped, mis_capped, mis_opts):
        assert capped not in found, capped


def test_a_cap_set_on_the_options_object_after_it_is_built(project):
    """``config.max_output_tokens = 100`` / ``params["max_tokens"] = 100`` after the constructor: capped, at the
    SDK call and through a forwarding wrapper; an attribute that is not the cap leaves it uncapped."""
    code = """
        from google import genai
        from google.genai import types

        client = genai.Client()


        def ask(prompt):
            config = types.GenerateContentConfig(temperature=0)
            config.max_output_tokens = 100
            return client.models.generate_content(model="gemini-2.0-flash", contents=prompt, config=config)


        def ask_dict(prompt):
            config = {"temperature": 0}
            config["max_output_tokens"] = 100
            return client.models.generate_content(model="gemini-2.0-flash", contents=prompt, config=config)


        def ask_uncapped(prompt):
            config = types.GenerateContentConfig(temperature=0)
            config.system_instruction = "Be brief."
            return client.models.generate_content(model="gemini-2.0-flash", contents=prompt, config=config)


        class Handler:
            def generate_with_backoff(self, **kwargs):
                return client.models.generate_content(**kwargs)

            def ask(self, prompt):
                config = types.GenerateContentConfig(temperature=0.1)
                config.max_output_tokens = 512
                return self.generate_with_backoff(model="gemini-2.0-flash", contents=prompt, config=config)
    """
    result = project({"ask.py": textwrap.dedent(code)}, select=SELECT)
    assert sorted(f.line for f in result.findings if f.code == "LA101" and f.path == "ask.py") == [23]  # ask_uncapped only
