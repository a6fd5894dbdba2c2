"""Session-12 recall fix (docs/recall.md): create methods handed to retry and backoff helpers
(analysis/handles.py). Shapes from held-out-4 (DocsGPT's ``_create_with_tool_fallback``) and from tutorials
and eval harnesses (``retry(client.chat.completions.create, **kw)``, ``backoff.on_exception(...)(create)``).

Look-alikes stay silent: the method handed to an instrumentation wrapper (``wrap(create)``) or printed, a
helper whose callers pass a database method, a helper call with no request arguments.
"""

from __future__ import annotations

import textwrap

from test_recall_heldout4 import _written
from test_resolution import SELECT

DOCSGPT_LIKE = """
    from typing import Any, Callable

    from openai import BadRequestError, OpenAI

    _TOOL_KEYS = ("tools", "tool_choice")


    class OpenAILLM:
        def __init__(self, api_key=None, base_url=None):
            self.client = OpenAI(api_key=api_key, base_url=base_url)

        @staticmethod
        def _without_tools(params: dict) -> dict:
            return {k: v for k, v in params.items() if k not in _TOOL_KEYS}

        def _create_with_tool_fallback(self, create: Callable[..., Any], params: dict, model: str) -> Any:
            try:
                return create(**params)
            except BadRequestError:
                if not params.get("tools"):
                    raise
                return create(**self._without_tools(params))

        def _raw_gen(self, model, messages, stream=False, tools=None, **kwargs):
            params = {"model": model, "messages": messages, "stream": stream, **kwargs}
            if tools:
                params["tools"] = tools
            response = self._create_with_tool_fallback(self.client.chat.completions.create, params, model)
            return response.choices[0].message.content

        def _responses(self, model, prompt):
            return self._create_with_tool_fallback(create=self.client.responses.create, params={"model": model, "input": prompt}, model=model)
"""


def test_a_create_method_handed_to_a_helper_of_the_class(project):
    result = project({"application/llm/openai.py": textwrap.dedent(DOCSGPT_LIKE)}, select=SELECT)
    sites = _written(result, "application/llm/openai.py")
    assert [(line, api) for _, line, api in sites] == [(19, "openai.chat"), (23, "openai.chat")]


def test_create_handed_to_retry_helpers_outside_and_inside_the_module(project):
    code = """
        import backoff
        import openai
        from anthropic import Anthropic
        from openai import OpenAI
        from myproject.retrying import with_retries


        def retry_with_backoff(fn, *args, **kwargs):
            for _ in range(3):
                try:
                    return fn(*args, **kwargs)
                except openai.RateLimitError:
                    continue


        def ask(client: OpenAI, prompt):
            return retry_with_backoff(client.chat.completions.create, model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])


        def ask_claude(prompt):
            client = Anthropic()
            return with_retries(client.messages.create, model="claude-3-5-haiku-latest", max_tokens=300, messages=[{"role": "user", "content": prompt}])


        def ask_backoff(prompt):
            client = OpenAI()
            create = backoff.on_exception(backoff.expo, openai.RateLimitError, max_tries=5)(client.chat.completions.create)
            return create(model="gpt-4o", messages=[{"role": "user", "content": prompt}], max_tokens=256)
    """
    result = project({"ask.py": textwrap.dedent(code)}, select=SELECT)
    sites = _written(result, "ask.py")
    assert [(line, api) for _, line, api in sites] == [(12, "openai.chat"), (23, "anthropic.messages"), (29, "openai.chat")]
    la101 = sorted(f.line for f in result.findings if f.code == "LA101" and f.path == "ask.py")
    assert 23 not in la101 and 29 not in la101  # max_tokens=300 bound from the helper's arguments; 256


def test_handles_that_are_not_requests_stay_silent(project):
    code = """
        from openai import OpenAI
        from wrapt import wrap_function_wrapper
        from tracing import wrap


        class Store:
            def __init__(self):
                self.client = OpenAI()
                self.db = connect()

            def _with_retry(self, fn, payload):
                return fn(**payload)

            def save(self, row):
                return self._with_retry(self.db.create, row)

            def instrument(self):
                self.client.chat.completions.create = wrap(self.client.chat.completions.create)
                print(self.client.chat.completions.create)
                register_hook(self.client.chat.completions.create)
    """
    result = project({"store.py": textwrap.dedent(code)}, select=SELECT)
    assert _written(result, "store.py") == []
