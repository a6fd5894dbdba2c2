"""How the resolver follows a client to its call, without importing anything.

Each test is a shape real code uses to get hold of a client: chained constructors,
``with_options`` / ``with_raw_response``, factories (by return annotation or by what they
return), methods and properties on ``self``, class attributes and dataclass fields,
``global`` clients, annotated module variables, ``functools.partial`` of a create method
(bound to a name or handed to an executor), optional imports, clients kept in a dict, and
clients whose type is unknown but whose method path says what they are. The negative cases
are the look-alikes that must not become call sites (Twilio, Assistants threads, another
SDK's ``agents.messages``, Bedrock embeddings).
"""

from __future__ import annotations

import textwrap

SELECT = ["LA101", "LA102", "LA103"]


def _expect(result, code: str, expected: list[tuple[str, str | None]], path: str = "app.py") -> None:
    """Lines ending ``# site`` are call sites, ``# site LA101`` ones LA101 must flag; ``expected``
    gives (api, model) for the marked lines in order."""
    marks = {i: line.rsplit("# site", 1)[1] for i, line in enumerate(textwrap.dedent(code).splitlines(), 1) if "# site" in line}
    found = _sites(result, path)
    assert [line for line, _, _ in found] == sorted(marks), found
    assert [(api, model) for _, api, model in found] == expected
    assert _la101(result, path) == [line for line in sorted(marks) if "LA101" in marks[line]]


def _sites(result, path="app.py"):
    return sorted((s.span.line, s.api, s.model.value if s.model is not None and s.model.is_literal else None)
                  for s in result.project.call_sites() if s.path == path)


def _la101(result, path="app.py"):
    return sorted(f.line for f in result.findings if f.code == "LA101" and f.path == path)


def test_chained_constructor_with_options_and_raw_response(project):
    code = """
        from openai import OpenAI

        client = OpenAI()
        a = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])  # site LA101
        b = client.with_options(timeout=5, max_retries=1).chat.completions.create(model="gpt-4o-mini", messages=[])  # site LA101
        c = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=[])  # site LA101
        d = client.with_streaming_response.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=5)  # site
        e = client.copy(timeout=1).responses.create(model="gpt-4.1-mini", input="hi")  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini")] * 4 + [("openai.responses", "gpt-4.1-mini")])


def test_factories_by_return_annotation_and_by_return_value(project):
    code = """
        import functools
        from anthropic import Anthropic
        from openai import OpenAI


        def get_client() -> OpenAI:
            return make_from_config()


        @functools.lru_cache
        def get_claude():
            return Anthropic(max_retries=3)


        def pick(kind: str):
            if kind == "claude":
                return get_claude()
            return None


        def run(q):
            get_client().chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])  # site LA101
            claude = pick("claude")
            claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": q}], max_tokens=100)  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini"), ("anthropic.messages", "claude-haiku-4-5")])


def test_methods_properties_class_attributes_and_dataclass_fields(project):
    code = """
        from dataclasses import dataclass
        from functools import cached_property
        from typing import Optional

        from openai import AsyncOpenAI, OpenAI


        class Base:
            client = OpenAI()  # a class attribute, used as self.client


        class Service(Base):
            def summary(self, text):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])  # site LA101


        @dataclass
        class Job:
            client: OpenAI  # a dataclass field
            aclient: Optional[AsyncOpenAI] = None  # annotated, None by default
            model: str = "gpt-4o"

            def run(self, text):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=10)  # site

            async def run_async(self, text):
                return await self.aclient.chat.completions.create(model="gpt-4o-mini", messages=[])  # site LA101


        class Lazy:
            def __init__(self):
                self._client = None
                self.label: OpenAI  # annotation only

            @cached_property
            def client(self) -> OpenAI:
                return OpenAI()

            def _get(self):
                if self._client is None:
                    self._client = OpenAI()
                return self._client

            def a(self):
                return self.client.responses.create(model="gpt-4.1-mini", input="x")  # site LA101

            def b(self):
                return self._get().responses.create(model="gpt-4.1-mini", input="x", max_output_tokens=20)  # site

            def c(self):
                return self.label.responses.create(model="gpt-4.1-mini", input="x")  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini")] * 3 + [("openai.responses", "gpt-4.1-mini")] * 3)
    assert [s.is_async for s in sorted(result.project.call_sites(), key=lambda s: s.span.line)][:3] == [False, False, True]
    assert not any(s.extra["untyped"] for s in result.project.call_sites())  # all resolved by type, not by shape


def test_global_clients_and_annotated_module_variables(project):
    code = """
        from openai import OpenAI
        import anthropic

        _client = None
        claude: anthropic.Anthropic = build_client()  # the factory is unknown, the annotation is not


        def init(key):
            global _client
            _client = OpenAI(api_key=key)


        def ask(q):
            return _client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])  # site LA101


        def ask_claude(q):
            return claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": q}])  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini"), ("anthropic.messages", "claude-haiku-4-5")])
    assert not any(s.extra["untyped"] for s in result.project.call_sites())


def test_clients_chosen_by_condition(project):
    code = """
        import os
        from openai import AzureOpenAI, OpenAI

        client = AzureOpenAI() if os.getenv("AZURE") else OpenAI()


        def make(existing=None):
            return existing or OpenAI()


        client.chat.completions.create(model="gpt-4o-mini", messages=[])  # site LA101
        make().chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=3)  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini")] * 2)
    assert not any(s.extra["untyped"] for s in result.project.call_sites())


def test_functools_partial_bound_and_handed_to_an_executor(project):
    code = """
        import asyncio
        import functools
        from functools import partial

        import boto3
        from openai import OpenAI

        client = OpenAI()
        runtime = boto3.client("bedrock-runtime")
        ask = functools.partial(client.chat.completions.create, model="gpt-4o-mini", max_tokens=200)
        free = partial(client.chat.completions.create, model="gpt-4o")


        def one(q):
            return ask(messages=[{"role": "user", "content": q}])  # site


        def two(q):
            return free(messages=[{"role": "user", "content": q}])  # site LA101


        async def three(q):
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(None, partial(runtime.converse, modelId="meta.llama3-1-8b-instruct-v1:0", messages=q))  # site LA101


        async def four(q):
            return await asyncio.to_thread(client.chat.completions.create, model="gpt-4o-mini", messages=q, max_tokens=50)  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini"), ("openai.chat", "gpt-4o"),
                           ("bedrock.converse", "meta.llama3-1-8b-instruct-v1:0"), ("openai.chat", "gpt-4o-mini")])


def test_unsafe_fix_inserts_into_partial_and_to_thread_arguments(project):
    from auditor.fix.edits import fix_text

    code = """
        import asyncio
        from functools import partial
        from openai import OpenAI

        client = OpenAI()


        async def go(q):
            a = await asyncio.to_thread(client.chat.completions.create, model="gpt-4o-mini", messages=q)
            b = await asyncio.get_running_loop().run_in_executor(None, partial(client.responses.create, model="gpt-4.1-mini", input=q))
            return a, b
    """
    result = project({"app.py": code}, select=["LA101"])
    text = (project.root / "app.py").read_text(encoding="utf-8")
    fixed, applied, dropped = fix_text(text, result.findings)
    assert len(applied) == 2 and not dropped
    assert 'messages=q, max_tokens=1024)' in fixed
    assert 'input=q, max_output_tokens=1024))' in fixed
    assert project({"app.py": fixed}, select=["LA101"]).findings == []


def test_optional_import_keeps_its_qualified_name(project):
    code = """
        try:
            import cohere
            from openai import OpenAI
        except ImportError:  # optional dependencies
            cohere = None
            OpenAI = None


        def answer(client: "cohere.ClientV2", q):
            return client.chat(model="command-r", messages=[{"role": "user", "content": q}])  # site LA101


        def other(q):
            return OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[], max_tokens=1)  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("cohere.chat.v2", "command-r"), ("openai.chat", "gpt-4o-mini")])


def test_module_reached_through_self_or_a_factory(project):
    code = """
        import litellm


        class Router:
            def __init__(self):
                self.backend = litellm

            def get_backend(self):
                return self.backend

            def complete(self, **kwargs):
                return self.get_backend().completion(model="gpt-4o-mini", messages=[], **kwargs)  # site

            def complete_all(self):
                return self.backend.completion(model="gpt-4o-mini", messages=[])  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("litellm.completion", "gpt-4o-mini")] * 2)  # the first: **kwargs, unknown not missing


def test_untyped_receivers_matched_by_distinctive_method_paths(project):
    """A vendor's openai-shaped client, a getter annotated ``-> Any`` or a client passed in
    untyped: the method path plus a model or prompt argument identify the API."""
    code = """
        from typing import Any

        from cerebras.cloud.sdk import Cerebras


        class Provider:
            def __init__(self):
                self._client = None

            def get_client(self) -> Any:
                if self._client is None:
                    self._client = Cerebras()
                return self._client

            def chat(self, messages):
                return self.get_client().chat.completions.create(model="llama3.1-8b", messages=messages)  # site LA101

            def chat_kwargs(self, **params):
                return self.get_client().chat.completions.create(**params)  # site


        def summarise(client, doc):
            return client.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": doc}], max_tokens=300)  # site


        def converse(runtime, text):
            return runtime.converse(modelId="amazon.nova-lite-v1:0", messages=[{"role": "user", "content": [{"text": text}]}])  # site LA101


        def gemini(model, prompt):
            return model.generate_content(prompt)  # site


        def routed(llm, q):
            return llm.client.chat.completions.create(model="gpt-4o-mini", messages=q)  # site LA101


        def respond(agent, items):
            return agent.client.responses.create(input=items, instructions="Be brief.")  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [
        ("openai.chat", "llama3.1-8b"), ("openai.chat", None), ("anthropic.messages", "claude-haiku-4-5"),
        ("bedrock.converse", "amazon.nova-lite-v1:0"), ("google.generativeai", None), ("openai.chat", "gpt-4o-mini"),
        ("openai.responses", None),
    ])
    # chat_kwargs: **params unknown; gemini: the instance (and the generation_config it was made with) is unknown
    assert all(s.extra["untyped"] for s in result.project.call_sites())


def test_clients_kept_in_a_dict_are_matched_by_method_path(project):
    code = """
        from anthropic import Anthropic
        from openai import OpenAI

        CLIENTS = {"openai": OpenAI(), "anthropic": Anthropic()}


        def ask(provider, q):
            return CLIENTS["openai"].chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])  # site LA101


        def ask_all(clients: list, q):
            return [c.messages.create(model="claude-haiku-4-5", messages=q, max_tokens=5) for c in clients]  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini"), ("anthropic.messages", "claude-haiku-4-5")])


def test_look_alikes_are_not_call_sites(project):
    result = project({"app.py": """
        import json

        import boto3
        from openai import OpenAI
        from twilio.rest import Client as Twilio

        sms = Twilio("sid", "token")
        client = OpenAI()
        runtime = boto3.client("bedrock-runtime")


        def notify(to, body):
            sms.messages.create(to=to, from_="+15550100", body=body)


        def notify_untyped(twilio_client, to, body):
            twilio_client.messages.create(to, from_="+15550100", body=body)


        def thread_message(thread_id, text):
            client.beta.threads.messages.create(thread_id=thread_id, role="user", content=text)


        def agent_message(letta, agent_id, messages):
            letta.agents.messages.create(agent_id=agent_id, messages=messages)


        def azure_agent(project_client, thread_id, **kwargs):
            return project_client.agents.messages.create(thread_id=thread_id, **kwargs)


        class TitanEmbedder:
            def embed(self, text):
                return runtime.invoke_model(modelId="amazon.titan-embed-text-v2:0", body=json.dumps({"inputText": text}))


        def images(prompt):
            return client.images.generate(model="dall-e-3", prompt=prompt)
    """}, select=SELECT)
    assert _sites(result) == []
    assert result.findings == []


def test_method_aliases_and_dynamic_imports(project):
    code = """
        import litellm
        from google import genai
        from openai import OpenAI

        if USE_PROXY:
            completion = litellm.completion
        else:
            client = OpenAI()
            completion = client.chat.completions.create


        def ask(q):
            return completion(model="gpt-4o-mini", messages=[{"role": "user", "content": q}])  # site LA101


        async def generate(client: genai.Client, stream: bool, prompt: str):
            func = client.aio.models.generate_content_stream if stream else client.aio.models.generate_content
            return await func(model="gemini-2.5-flash", contents=prompt, config={"max_output_tokens": 200})  # site


        class Local:
            def __init__(self):
                ollama = __import__("ollama")  # optional dependency, imported on use
                self.client = ollama.Client(host="http://localhost:11434")

            def reply(self, history):
                return self.client.chat(model="llama3.1", messages=history)  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini"), ("google.genai", "gemini-2.5-flash"), ("ollama.chat", "llama3.1")])


def test_litellm_router_is_a_client(project):
    code = """
        from typing import Optional

        from litellm import Router

        router = Router(model_list=[{"model_name": "fast", "litellm_params": {"model": "gpt-4o-mini"}}])


        class Guard:
            def __init__(self):
                self.llm_router: Optional[Router] = None

            async def check(self, text):
                return await self.llm_router.acompletion(model="fast", messages=[{"role": "user", "content": text}], max_tokens=5)  # site


        def route(q):
            return router.completion(model="fast", messages=[{"role": "user", "content": q}])  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("litellm.router", "fast"), ("litellm.router", "fast")])


def test_objects_named_like_an_sdk_module(project):
    """A lazily loaded module object (``from app.llm import litellm``, ``litellm = get_litellm()``)
    used with that module's generation function and its arguments."""
    code = """
        from app.lazy import litellm
        from app.loader import get_litellm


        def ask(q, **kwargs):
            return litellm.completion(model="gpt-4o-mini", messages=[{"role": "user", "content": q}], **kwargs)  # site


        def stream(data):
            litellm = get_litellm()
            return litellm.completion(**data)  # site


        def not_a_call(litellm):
            return litellm.completion_cost(model="gpt-4o-mini")
    """
    result = project({"app/__init__.py": "", "app/lazy.py": "litellm = LazyModule('litellm')\n",
                      "app/loader.py": "def get_litellm():\n    import litellm\n    return litellm\n", "app.py": code}, select=SELECT)
    _expect(result, code, [("litellm.completion", "gpt-4o-mini"), ("litellm.completion", None)])
