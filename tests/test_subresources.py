"""Clients held as a sub-resource or a method alias, within a module and across modules, and the SDK
methods added from the SDK check (tests/test_sdk_methods.py): google-genai chats and the Interactions API,
azure-ai-inference, Anthropic text completions, Mistral parse and FIM, Cohere v1 generate, legacy
LangChain LLMs with their default caps. Look-alikes (a `.create` on objects that are not SDK resources,
a sub-resource that is not a generation endpoint, an Interactions agent run) stay silent."""

from __future__ import annotations

from test_resolution import SELECT, _expect, _sites


def test_sub_resource_kept_on_self_and_in_names(project):
    code = """
        from openai import OpenAI, AsyncOpenAI

        class Summariser:
            def __init__(self):
                self.client = OpenAI().chat.completions
                self.files = OpenAI().files
                self.aclient = AsyncOpenAI().chat.completions.with_raw_response

            def run(self, text):
                self.files.create(file=text, purpose="batch")
                return self.client.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])  # site LA101

            async def arun(self, text):
                return await self.aclient.create(model="gpt-4o-mini", messages=[], max_tokens=50)  # site

        client = OpenAI()
        chat = client.chat
        completions = chat.completions
        r1 = chat.completions.create(model="gpt-4o-mini", messages=[])  # site LA101
        r2 = completions.create(model="gpt-4o-mini", messages=[], max_completion_tokens=10)  # site
        responses = client.responses
        r3 = responses.create(model="gpt-4.1-mini", input="hi")  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "gpt-4o-mini")] * 4 + [("openai.responses", "gpt-4.1-mini")])


def test_look_alikes_with_create_stay_silent(project):
    code = """
        from openai import OpenAI

        class Repo:
            def create(self, **kw):
                return kw

        class Service:
            def __init__(self):
                self.client = Repo()
                self.images = OpenAI().images
                self.threads = OpenAI().beta.threads.messages

            def run(self, text):
                self.client.create(model="gpt-4o", messages=[text])
                self.images.generate(model="dall-e-3", prompt=text)
                self.threads.create(thread_id="t", role="user", content=text)

        client = OpenAI()
        meta = client.api_key
        models = client.models
        models.list()
    """
    result = project({"app.py": code}, select=SELECT)
    assert _sites(result) == []


def test_sub_resource_imported_from_another_module(project):
    files = {
        "app/__init__.py": "",
        "app/llm.py": "from openai import OpenAI\n\nclient = OpenAI()\ncompletions = client.chat.completions\nmessages = None\n",
        "app/run.py": (
            "from app.llm import completions, messages\n\n"
            "def ask(q):\n"
            "    completions.create(model='gpt-4o-mini', messages=[{'role': 'user', 'content': q}])\n"
            "    messages.create(to='+1555', body=q)\n"
        ),
    }
    result = project(files, select=SELECT)
    assert _sites(result, "app/run.py") == [(4, "openai.chat", "gpt-4o-mini")]
    assert [f.line for f in result.findings if f.code == "LA101" and f.path == "app/run.py"] == [4]


def test_google_genai_chats_interactions_and_generativeai_cache(project):
    code = """
        from google import genai
        from google.genai import types
        import google.generativeai as legacy

        client = genai.Client()
        chat = client.chats.create(model="gemini-2.5-flash")
        chat.send_message("hello")  # site LA101
        capped = client.chats.create(model="gemini-2.5-flash", config=types.GenerateContentConfig(max_output_tokens=200))
        for part in capped.send_message_stream("hello"):  # site
            print(part)
        r = client.interactions.create(model="gemini-2.5-flash", input="Tell me a joke")  # site LA101
        r = client.interactions.create(model="gemini-2.5-flash", input="Tell me a joke", generation_config={"max_output_tokens": 64})  # site
        research = client.interactions.create(agent="deep-research-pro-preview", input="market map", background=True)
        cached = legacy.GenerativeModel.from_cached_content(cached_content=None)
        cached.generate_content("summarise")  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("google.genai.chat", "gemini-2.5-flash")] * 2 + [("google.interactions", "gemini-2.5-flash")] * 2
            + [("google.generativeai", None)])


def test_azure_ai_inference_and_project_clients(project):
    code = """
        from azure.ai.inference import ChatCompletionsClient
        from azure.ai.projects import AIProjectClient
        from azure.core.credentials import AzureKeyCredential

        inference = ChatCompletionsClient(endpoint="https://models.github.ai/inference", credential=AzureKeyCredential("k"))
        inference.complete(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}])  # site LA101
        inference.complete(model="gpt-4o-mini", messages=[], max_tokens=100)  # site
        project = AIProjectClient.from_connection_string(conn_str="x", credential=None)
        chat = project.inference.get_chat_completions_client()
        chat.complete(model="Phi-4", messages=[])  # site LA101
        aoai = project.inference.get_azure_openai_client(api_version="2024-06-01")
        aoai.chat.completions.create(model="gpt-4o", messages=[])  # site LA101
        project.agents.create_agent(model="gpt-4o", name="a")
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("azure.inference.chat", "gpt-4o-mini")] * 2 + [("azure.inference.chat", "Phi-4"), ("openai.chat", "gpt-4o")])


def test_older_sdk_generations(project):
    code = """
        import anthropic, cohere
        from mistralai import Mistral
        from mistralai.client import MistralClient
        from langchain.llms import OpenAI as LegacyOpenAI
        from langchain_community.llms import Cohere as CohereLLM

        claude = anthropic.Anthropic()
        claude.completions.create(model="claude-2.1", prompt=f"{anthropic.HUMAN_PROMPT} hi{anthropic.AI_PROMPT}")  # site LA101
        claude.completions.create(model="claude-2.1", prompt="x", max_tokens_to_sample=300)  # site
        claude.messages.parse(model="claude-sonnet-4-5", max_tokens=100, messages=[])  # site
        co = cohere.Client("key")
        co.generate(model="command", prompt="Write a tagline")  # site LA101
        co.generate(model="command", prompt="Write a tagline", max_tokens=20)  # site
        m = Mistral(api_key="k")
        m.chat.parse(model="mistral-small-latest", messages=[], response_format=dict)  # site LA101
        m.fim.complete(model="codestral-latest", prompt="def f(", suffix="return 1")  # site LA101
        old = MistralClient(api_key="k")
        old.chat(model="mistral-small", messages=[])  # site LA101
        llm = LegacyOpenAI(model_name="gpt-3.5-turbo-instruct", temperature=0)  # site
        llm2 = CohereLLM(model="command")  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("anthropic.completions", "claude-2.1")] * 2 + [("anthropic.messages", "claude-sonnet-4-5"),
            ("cohere.generate", "command"), ("cohere.generate", "command"), ("mistral.chat", "mistral-small-latest"),
            ("mistral.fim", "codestral-latest"), ("mistral.chat", "mistral-small"), ("langchain.openai.llm", "gpt-3.5-turbo-instruct"),
            ("langchain.cohere.llm", "command")])


def test_legacy_gemini_chat_session_takes_the_models_generation_config(project):
    code = """
        import google.generativeai as genai

        model = genai.GenerativeModel("gemini-1.5-flash")
        chat = model.start_chat(history=[])
        chat.send_message("hello")  # site LA101
        capped = genai.GenerativeModel("gemini-1.5-flash", generation_config={"max_output_tokens": 256})
        capped.start_chat().send_message("hello")  # site
        session = capped.start_chat()
        session.send_message("hi", generation_config={"temperature": 0.2})  # site
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("google.generativeai.chat", "gemini-1.5-flash")] * 3)


def test_client_kept_on_the_class_itself(project):
    code = """
        class GroqService:
            client = None

            def __init__(self, key):
                if GroqService.client is None:
                    from groq import Groq
                    GroqService.client = Groq(api_key=key)

            def ask(self, messages):
                return GroqService.client.chat.completions.create(messages=messages, model="llama-3.3-70b-versatile")  # site LA101

        class Settings:
            client = "not a client"

        Settings.client.create(model="x", messages=[])
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.chat", "llama-3.3-70b-versatile")])
    assert result.project.call_sites()[0].provider == "groq"


def test_litellm_mock_responses_send_no_request(project):
    """LiteLLM answers a call with ``mock_response=`` itself (health checks, tests, the proxy's
    examples): no request, so no call site; the same calls without it are sites."""
    code = """
        import litellm
        from litellm import Router

        async def health():
            await litellm.acompletion(model="openai/mock", messages=[{"role": "user", "content": "ping"}], mock_response="pong")
            litellm.completion(model="gpt-3.5-turbo", messages=[{"role": "user", "content": "Hello world"}], mock_response="Hi!")
            litellm.text_completion(model="gpt-3.5-turbo-instruct", prompt="hi", mock_response="there")
            Router(model_list=[]).completion(model="g", messages=[], mock_response="ok")

        def real(q):
            return litellm.completion(model="gpt-6-luna", messages=[{"role": "user", "content": q}])  # site LA101
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("litellm.completion", "gpt-6-luna")])


def test_resuming_a_background_response_is_not_a_request(project):
    code = """
        from openai import AsyncOpenAI, OpenAI

        client = OpenAI()
        with client.responses.stream(input="solve 8x + 31 = 2", model="gpt-4o-2024-08-06", background=True) as stream:  # site LA101
            for event in stream:
                if event.type == "response.created":
                    rid = event.response.id
        with client.responses.stream(response_id=rid, starting_after=10) as resumed:
            for event in resumed:
                print(event)
        follow_up = client.responses.create(model="gpt-4o-2024-08-06", input="and x?", previous_response_id=rid)  # site LA101


        async def resume(rid):
            async with AsyncOpenAI().responses.stream(response_id=rid, starting_after=3) as s:
                async for event in s:
                    print(event)
    """
    result = project({"app.py": code}, select=SELECT)
    _expect(result, code, [("openai.responses", "gpt-4o-2024-08-06")] * 2)
