"""Every provider and API of SPEC §2, each with a capped and an uncapped realistic call.

Each case is a small project written the way people write LLM code (clients made in
``__init__`` and used as ``self.client``, clients passed as annotated parameters, aliased
imports, async clients with ``await``, ``**params`` from a literal dict, models from module
constants, from a constant imported from another project module, or from an
``os.getenv`` default). Lines marked ``# uncapped`` / ``# capped`` are the call sites.

For every case: each marked call is found with the expected provider, API and model; LA101
fires on exactly the uncapped lines and nothing fires on the capped ones; and, where the
catalog has a ``cap-insert`` for the API, ``fix --unsafe-fixes`` output still parses and
removes every LA101 while the call sites are still found.
"""

from __future__ import annotations

import ast
import json
import textwrap
from dataclasses import dataclass, field

import pytest

from auditor.fix.edits import fix_text
from conftest import cli, notebook

SELECT = ["LA101", "LA102", "LA103"]
SETTINGS = {"app/settings.py": 'import os\n\nDEFAULT_MODEL = os.getenv("APP_MODEL", "gpt-4o-mini")\nSUMMARY_MODEL = "gpt-4.1-mini"\n'}


@dataclass
class Case:
    id: str
    code: str  # app/main.py
    provider: str
    api: str
    model: str | None  # the literal every marked site's model resolves to (None: the API has no model)
    fixable: bool = True  # the catalog has a cap-insert for this API
    extra: dict[str, str] = field(default_factory=dict)
    policy: str | None = None

    def files(self) -> dict[str, str]:
        return {"app/__init__.py": "", **SETTINGS, **self.extra, "app/main.py": self.code}


def _marked(code: str, marker: str) -> list[int]:
    return [i for i, line in enumerate(textwrap.dedent(code).splitlines(), 1) if line.rstrip().endswith(f"# {marker}")]


CASES = [
    # ------------------------------------------------------------------ OpenAI
    Case("openai-chat-self-client", """
        from openai import OpenAI

        MODEL = "gpt-4o-mini"


        class Summariser:
            def __init__(self, api_key: str | None = None):
                self.client = OpenAI(api_key=api_key, timeout=30)

            def headline(self, text: str) -> str:
                resp = self.client.chat.completions.create(  # capped
                    model=MODEL,
                    messages=[{"role": "user", "content": f"Headline for: {text}"}],
                    max_tokens=40,
                )
                return resp.choices[0].message.content

            def summary(self, text: str) -> str:
                resp = self.client.chat.completions.create(  # uncapped
                    model=MODEL,
                    messages=[
                        {"role": "system", "content": "Summarise the ticket."},
                        {"role": "user", "content": text},
                    ],
                    temperature=0.2,
                )
                return resp.choices[0].message.content
    """, "openai", "openai.chat", "gpt-4o-mini"),
    Case("openai-chat-async-alias-import", """
        import asyncio
        from openai import AsyncOpenAI as Client

        from app.settings import SUMMARY_MODEL


        async def classify(client: Client, texts: list[str]) -> list[str]:
            out = []
            for t in texts:
                r = await client.chat.completions.create(model=SUMMARY_MODEL, messages=[{"role": "user", "content": t}], max_completion_tokens=5)  # capped
                out.append(r.choices[0].message.content)
            return out


        async def explain(text: str) -> str:
            async with Client() as client:
                r = await client.chat.completions.create(model=SUMMARY_MODEL, messages=[{"role": "user", "content": text}])  # uncapped
            return r.choices[0].message.content
    """, "openai", "openai.chat", "gpt-4.1-mini"),
    Case("openai-chat-parse-and-stream", """
        import openai as oa
        from pydantic import BaseModel

        client = oa.OpenAI()


        class Ticket(BaseModel):
            priority: str


        def triage(text):
            return client.beta.chat.completions.parse(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], response_format=Ticket, max_tokens=50)  # capped


        def triage_v2(text):
            return client.chat.completions.parse(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], response_format=Ticket)  # uncapped


        def stream(text):
            with client.chat.completions.stream(model="gpt-4o-mini", messages=[{"role": "user", "content": text}]) as s:  # uncapped
                for event in s:
                    yield event
    """, "openai", "openai.chat", "gpt-4o-mini"),
    Case("openai-params-dict-and-env-model", """
        import os
        from openai import OpenAI

        client = OpenAI()


        def ask(question: str):
            params = {
                "model": os.getenv("CHAT_MODEL", "gpt-4o-mini"),
                "messages": [{"role": "user", "content": question}],
                "max_tokens": 256,
            }
            return client.chat.completions.create(**params)  # capped


        def ask_loose(question: str):
            params = {"model": os.environ.get("CHAT_MODEL", "gpt-4o-mini"), "temperature": 0}
            params["messages"] = [{"role": "user", "content": question}]
            return client.chat.completions.create(**params)  # uncapped
    """, "openai", "openai.chat", "gpt-4o-mini", fixable=False),  # the cap belongs in the dict: no inline insertion point
    Case("openai-azure-imported-default-model", """
        import os
        from openai import AzureOpenAI

        from app.settings import DEFAULT_MODEL

        azure = AzureOpenAI(azure_endpoint=os.environ["AZURE_OPENAI_ENDPOINT"], api_version="2024-06-01")


        def draft_reply(email: str) -> str:
            r = azure.chat.completions.create(model=DEFAULT_MODEL, messages=[{"role": "user", "content": email}], max_tokens=400)  # capped
            return r.choices[0].message.content


        def translate(email: str) -> str:
            r = azure.chat.completions.create(model=DEFAULT_MODEL, messages=[{"role": "user", "content": "Translate: " + email}])  # uncapped
            return r.choices[0].message.content
    """, "openai", "openai.chat", "gpt-4o-mini"),
    Case("openai-module-level-client", """
        import openai


        def tag(text):
            return openai.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}], max_tokens=20)  # capped


        def describe(text):
            return openai.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": text}])  # uncapped
    """, "openai", "openai.chat", "gpt-4o-mini"),
    Case("openai-legacy-chatcompletion", """
        import openai

        openai.api_key = "sk-..."


        def answer(q):
            return openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": q}], max_tokens=100)  # capped


        def answer_long(q):
            return openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[{"role": "user", "content": q}], temperature=0.7)  # uncapped
    """, "openai", "openai.legacy.chat", "gpt-3.5-turbo"),
    Case("openai-legacy-completion", """
        import openai

        PROMPT = "Write a tagline for a bakery:"


        def tagline():
            return openai.Completion.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, max_tokens=30)  # capped


        def essay():
            return openai.Completion.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT + " and explain why")  # uncapped
    """, "openai", "openai.legacy.completion", "gpt-3.5-turbo-instruct"),
    Case("openai-responses", """
        from openai import OpenAI


        class Agent:
            model = "gpt-4.1-mini"

            def __init__(self, client: OpenAI):
                self.client = client

            def plan(self, goal):
                return self.client.responses.create(model=self.model, instructions="Plan briefly.", input=goal, max_output_tokens=300)  # capped

            def act(self, goal):
                return self.client.responses.create(model=self.model, input=goal)  # uncapped

            def parse(self, goal, schema):
                return self.client.responses.parse(model=self.model, input=goal, text_format=schema)  # uncapped

            def stream(self, goal):
                return self.client.responses.stream(model=self.model, input=goal)  # uncapped
    """, "openai", "openai.responses", "gpt-4.1-mini"),
    Case("openai-completions", """
        from openai import OpenAI

        client = OpenAI()


        def complete(prefix: str):
            return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prefix, max_tokens=64, stop=["\\n"])  # capped


        def complete_all(prefix: str):
            return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prefix)  # uncapped
    """, "openai", "openai.completions", "gpt-3.5-turbo-instruct"),
    # ------------------------------------------------------------------ Anthropic
    Case("anthropic-messages", """
        import anthropic

        CLAUDE = "claude-haiku-4-5"


        class Reviewer:
            def __init__(self):
                self.client = anthropic.Anthropic()

            def review(self, diff: str) -> str:
                msg = self.client.messages.create(  # capped
                    model=CLAUDE,
                    system="You review code.",
                    messages=[{"role": "user", "content": diff}],
                    max_tokens=1024,
                )
                return msg.content[0].text

            def explain(self, diff: str) -> str:
                msg = self.client.messages.create(model=CLAUDE, messages=[{"role": "user", "content": diff}])  # uncapped
                return msg.content[0].text
    """, "anthropic", "anthropic.messages", "claude-haiku-4-5"),
    Case("anthropic-async-stream-beta", """
        from anthropic import AsyncAnthropic


        async def chat(client: AsyncAnthropic, history):
            async with client.messages.stream(model="claude-sonnet-4-5", messages=history, max_tokens=2048) as stream:  # capped
                async for text in stream.text_stream:
                    print(text, end="")


        async def think(client: AsyncAnthropic, history):
            return await client.beta.messages.create(model="claude-sonnet-4-5", messages=history, betas=["interleaved-thinking-2025-05-14"])  # uncapped


        async def chat_beta(client: AsyncAnthropic, history):
            async with client.beta.messages.stream(model="claude-sonnet-4-5", messages=history) as stream:  # uncapped
                return await stream.get_final_message()
    """, "anthropic", "anthropic.messages", "claude-sonnet-4-5"),
    Case("anthropic-bedrock-and-vertex", """
        from anthropic import AnthropicBedrock, AnthropicVertex

        bedrock = AnthropicBedrock(aws_region="us-east-1")
        vertex = AnthropicVertex(region="us-east5", project_id="my-project")


        def via_bedrock(q):
            return bedrock.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": q}], max_tokens=300)  # capped


        def via_vertex(q):
            return vertex.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": q}])  # uncapped
    """, "anthropic", "anthropic.messages", "claude-haiku-4-5"),
    # ------------------------------------------------------------------ Google
    Case("google-genai", """
        from google import genai
        from google.genai import types

        client = genai.Client()
        GEMINI = "gemini-2.5-flash"


        def caption(image_desc: str) -> str:
            r = client.models.generate_content(  # capped
                model=GEMINI,
                contents=image_desc,
                config=types.GenerateContentConfig(max_output_tokens=120, temperature=0.4),
            )
            return r.text


        def story(prompt: str) -> str:
            r = client.models.generate_content(model=GEMINI, contents=prompt, config=types.GenerateContentConfig(temperature=1.0))  # uncapped
            return r.text


        def story_stream(prompt: str):
            for chunk in client.models.generate_content_stream(model=GEMINI, contents=prompt):  # uncapped
                yield chunk.text
    """, "google", "google.genai", "gemini-2.5-flash"),
    Case("google-genai-aio", """
        from google import genai


        async def summarise(client: genai.Client, doc: str) -> str:
            r = await client.aio.models.generate_content(model="gemini-2.5-pro", contents=doc, config={"max_output_tokens": 500})  # capped
            return r.text


        async def expand(client: genai.Client, doc: str) -> str:
            r = await client.aio.models.generate_content(model="gemini-2.5-pro", contents=doc, config={"temperature": 0.9})  # uncapped
            return r.text


        async def expand_stream(client: genai.Client, doc: str):
            async for chunk in await client.aio.models.generate_content_stream(model="gemini-2.5-pro", contents=doc):  # uncapped
                yield chunk.text
    """, "google", "google.genai", "gemini-2.5-pro"),
    Case("google-generativeai", """
        import google.generativeai as genai

        genai.configure(api_key="...")
        capped_model = genai.GenerativeModel("gemini-1.5-flash", generation_config={"max_output_tokens": 256})
        model = genai.GenerativeModel(model_name="gemini-1.5-flash")


        def label(text):
            return capped_model.generate_content(text)  # capped


        def label_inline(text):
            return model.generate_content(text, generation_config=genai.GenerationConfig(max_output_tokens=64))  # capped


        def rewrite(text):
            return model.generate_content(f"Rewrite: {text}")  # uncapped
    """, "google", "google.generativeai", "gemini-1.5-flash"),
    # ------------------------------------------------------------------ LiteLLM
    Case("litellm", """
        import litellm
        from litellm import acompletion

        MODEL = "claude-haiku-4-5"


        def route(q):
            return litellm.completion(model=MODEL, messages=[{"role": "user", "content": q}], max_tokens=200)  # capped


        def route_all(q):
            return litellm.completion(MODEL, [{"role": "user", "content": q}])  # uncapped


        async def route_async(q):
            return await acompletion(model=MODEL, messages=[{"role": "user", "content": q}])  # uncapped
    """, "litellm", "litellm.completion", "claude-haiku-4-5"),
    Case("litellm-text-completion", """
        from litellm import text_completion

        from app.settings import DEFAULT_MODEL


        def legacy(prompt):
            return text_completion(model=DEFAULT_MODEL, prompt=prompt, max_tokens=50)  # capped


        def legacy_all(prompt):
            return text_completion(DEFAULT_MODEL, prompt)  # uncapped
    """, "litellm", "litellm.text_completion", "gpt-4o-mini"),
    # ------------------------------------------------------------------ Mistral, Cohere, Groq, Together
    Case("mistral", """
        import os
        from mistralai import Mistral

        client = Mistral(api_key=os.environ["MISTRAL_API_KEY"])


        def extract(doc):
            return client.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": doc}], max_tokens=300)  # capped


        def chat(doc):
            return client.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": doc}])  # uncapped


        def chat_stream(doc):
            return client.chat.stream(model="mistral-small-latest", messages=[{"role": "user", "content": doc}])  # uncapped
    """, "mistral", "mistral.chat", "mistral-small-latest"),
    Case("cohere-v1", """
        import cohere

        co = cohere.Client()


        def answer(question, docs):
            return co.chat(message=question, documents=docs, model="command-r", max_tokens=300)  # capped


        def answer_stream(question):
            return co.chat_stream(message=question, model="command-r")  # uncapped
    """, "cohere", "cohere.chat", "command-r"),
    Case("cohere-v2", """
        import cohere


        class Bot:
            def __init__(self):
                self.co = cohere.ClientV2()

            def reply(self, history):
                return self.co.chat(model="command-r-plus", messages=history, max_tokens=500)  # capped

            def reply_all(self, history):
                return self.co.chat(model="command-r-plus", messages=history)  # uncapped
    """, "cohere", "cohere.chat.v2", "command-r-plus"),
    Case("groq", """
        from groq import Groq

        client = Groq()


        def fast(q):
            return client.chat.completions.create(model="llama-3.1-8b-instant", messages=[{"role": "user", "content": q}], max_completion_tokens=100)  # capped


        def fast_all(q):
            return client.chat.completions.create(model="llama-3.1-8b-instant", messages=[{"role": "user", "content": q}])  # uncapped
    """, "groq", "openai.chat", "llama-3.1-8b-instant"),
    Case("together", """
        from together import Together

        client = Together()
        LLAMA = "meta-llama/Llama-3.3-70B-Instruct-Turbo"


        def ask(q):
            return client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": q}], max_tokens=256)  # capped


        def ask_all(q):
            return client.chat.completions.create(model=LLAMA, messages=[{"role": "user", "content": q}])  # uncapped
    """, "together", "openai.chat", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
    # ------------------------------------------------------------------ Ollama
    Case("ollama-chat", """
        import ollama
        from ollama import AsyncClient


        def short(q):
            return ollama.chat(model="llama3.1", messages=[{"role": "user", "content": q}], options={"num_predict": 128, "temperature": 0})  # capped


        def long(q):
            return ollama.chat(model="llama3.1", messages=[{"role": "user", "content": q}], options={"temperature": 0})  # uncapped


        async def chat_async(client: AsyncClient, history):
            return await client.chat("llama3.1", history)  # uncapped
    """, "ollama", "ollama.chat", "llama3.1"),
    Case("ollama-generate", """
        from ollama import Client

        local = Client(host="http://localhost:11434")
        OPTIONS = {"num_predict": 64, "temperature": 0}


        def generate(prompt):
            return local.generate(model="llama3.1", prompt=prompt, options=OPTIONS)  # capped


        def generate_all(prompt):
            return local.generate(model="llama3.1", prompt=prompt)  # uncapped
    """, "ollama", "ollama.generate", "llama3.1"),
    # ------------------------------------------------------------------ Bedrock
    Case("bedrock-converse", """
        import boto3

        MODEL_ID = "anthropic.claude-3-haiku-20240307-v1:0"


        class Summaries:
            def __init__(self, region: str):
                self.runtime = boto3.client("bedrock-runtime", region_name=region)

            def short(self, text):
                return self.runtime.converse(  # capped
                    modelId=MODEL_ID,
                    messages=[{"role": "user", "content": [{"text": text}]}],
                    inferenceConfig={"maxTokens": 300, "temperature": 0.2},
                )

            def long(self, text):
                return self.runtime.converse(modelId=MODEL_ID, messages=[{"role": "user", "content": [{"text": text}]}], inferenceConfig={"temperature": 0.2})  # uncapped

            def stream(self, text):
                return self.runtime.converse_stream(modelId=MODEL_ID, messages=[{"role": "user", "content": [{"text": text}]}])  # uncapped
    """, "bedrock", "bedrock.converse", "anthropic.claude-3-haiku-20240307-v1:0"),
    Case("bedrock-invoke-model", """
        import json
        import boto3

        session = boto3.Session(profile_name="ml")
        runtime = session.client("bedrock-runtime")
        LLAMA = "meta.llama3-1-8b-instruct-v1:0"


        def complete(prompt):
            body = json.dumps({"prompt": prompt, "max_gen_len": 256, "temperature": 0.5})
            return runtime.invoke_model(modelId=LLAMA, body=body)  # capped


        def complete_all(prompt):
            return runtime.invoke_model(modelId=LLAMA, body=json.dumps({"prompt": prompt, "temperature": 0.5}))  # uncapped
    """, "bedrock", "bedrock.invoke", "meta.llama3-1-8b-instruct-v1:0", fixable=False),  # no cap-insert for JSON bodies
    # ------------------------------------------------------------------ LangChain / LlamaIndex (constructor = call site)
    Case("langchain-openai", """
        from langchain_openai import AzureChatOpenAI, ChatOpenAI

        from app.settings import SUMMARY_MODEL

        summariser = ChatOpenAI(model=SUMMARY_MODEL, max_tokens=300, temperature=0)  # capped
        writer = ChatOpenAI(model=SUMMARY_MODEL, temperature=0.8)  # uncapped
        azure = AzureChatOpenAI(model=SUMMARY_MODEL, azure_deployment="writer", api_version="2024-06-01")  # uncapped
    """, "openai", "langchain.openai", "gpt-4.1-mini"),
    Case("langchain-bind", """
        from langchain_openai import ChatOpenAI

        llm = ChatOpenAI(model="gpt-4o-mini")  # capped
        capped = llm.bind(max_tokens=200)
        chain_llm = ChatOpenAI(model="gpt-4o-mini").bind(stop=["\\n\\n"])  # uncapped
    """, "openai", "langchain.openai", "gpt-4o-mini"),
    Case("langchain-google", """
        from langchain_google_genai import ChatGoogleGenerativeAI

        fast = ChatGoogleGenerativeAI(model="gemini-2.5-flash", max_output_tokens=512)  # capped
        creative = ChatGoogleGenerativeAI(model="gemini-2.5-flash", temperature=1.0)  # uncapped
    """, "google", "langchain.google", "gemini-2.5-flash"),
    Case("langchain-init-chat-model", """
        from langchain.chat_models import init_chat_model

        MODEL = "gpt-4o-mini"
        router = init_chat_model(MODEL, model_provider="openai", max_tokens=256)  # capped
        free = init_chat_model(MODEL, model_provider="openai", temperature=0)  # uncapped
    """, "litellm", "langchain.init_chat_model", "gpt-4o-mini"),
    Case("llamaindex-openai", """
        from llama_index.llms.openai import OpenAI

        from app.settings import SUMMARY_MODEL

        answerer = OpenAI(model=SUMMARY_MODEL, max_tokens=256, temperature=0)  # capped
        explorer = OpenAI(model=SUMMARY_MODEL, temperature=0.7)  # uncapped
    """, "openai", "llamaindex.llm", "gpt-4.1-mini"),
    # ------------------------------------------------------------------ local inference
    Case("vllm-sampling-params", """
        from vllm import LLM, SamplingParams

        llm = LLM(model="meta-llama/Llama-3.1-8B-Instruct")
        short = SamplingParams(temperature=0.0, max_tokens=64, stop=["</s>"])  # capped
        free = SamplingParams(temperature=0.8, top_p=0.95)  # uncapped


        def run(prompts):
            return llm.generate(prompts, free)
    """, "vllm", "vllm.sampling", None),
    Case("transformers-generate", """
        from transformers import AutoModelForCausalLM, AutoTokenizer

        CKPT = "gpt2"
        tokenizer = AutoTokenizer.from_pretrained(CKPT)
        model = AutoModelForCausalLM.from_pretrained(CKPT)


        def continue_text(text):
            inputs = tokenizer(text, return_tensors="pt")
            return model.generate(**inputs, max_new_tokens=50)  # capped


        def continue_all(input_ids):
            return model.generate(input_ids, do_sample=True)  # uncapped
    """, "huggingface", "transformers.generate", None),
    Case("transformers-pipeline", """
        from transformers import pipeline

        generator = pipeline("text-generation", model="gpt2")
        capped_generator = pipeline(task="text-generation", model="gpt2", max_new_tokens=40)


        def write(prompt):
            return generator(prompt, max_new_tokens=80)  # capped


        def write_capped_at_construction(prompt):
            return capped_generator(prompt)  # capped


        def ramble(prompt):
            return generator(prompt, do_sample=True)  # uncapped
    """, "huggingface", "transformers.pipeline", "gpt2"),
    # ------------------------------------------------------------------ user wrappers (policy call-sites)
    Case("user-wrapper", """
        from app.llm import ask_llm


        def summarise(texts):
            return [ask_llm(t, model="gpt-4o-mini", budget=200) for t in texts]  # capped


        def brainstorm(topic):
            return ask_llm(f"Ideas about {topic}", model="gpt-4o-mini")  # uncapped
    """, "openai", "app.ask_llm", "gpt-4o-mini", fixable=True,
         extra={"app/llm.py": """
            from openai import OpenAI

            _client = OpenAI()


            def ask_llm(prompt, model="gpt-4o-mini", budget=None):
                return _client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}], max_tokens=budget or 256)
         """},
         policy="""
            call-sites:
              - id: app.ask_llm
                provider: openai
                match: {callables: [app.llm.ask_llm]}
                signature: [prompt, model]
                model: [model]
                prompt: {prompt: prompt}
                cap: [budget]
                cap-insert: {default: budget}
         """),
]


def _run(project, case: Case):
    return project(case.files(), select=SELECT, policy=textwrap.dedent(case.policy) if case.policy else None)


def _sites(result, path="app/main.py"):
    return [s for s in result.project.call_sites() if s.path == path]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_every_marked_call_is_found_with_provider_api_and_model(project, case):
    result = _run(project, case)
    sites = _sites(result)
    marked = sorted(_marked(case.code, "capped") + _marked(case.code, "uncapped"))
    assert sorted(s.span.line for s in sites) == marked, [(s.span.line, s.api, s.source[:60]) for s in sites]
    for s in sites:
        assert s.provider == case.provider, (s.span.line, s.provider)
        assert s.api == case.api, (s.span.line, s.api)
        if case.model is None:
            assert s.model is None or not s.model.is_literal
        else:
            assert s.model is not None and s.model.is_literal and s.model.value == case.model, (s.span.line, s.model)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_la101_exactly_on_the_uncapped_calls(project, case):
    result = _run(project, case)
    mine = [f for f in result.findings if f.path == "app/main.py"]
    assert sorted(f.line for f in mine if f.code == "LA101") == _marked(case.code, "uncapped")
    assert not [f for f in mine if f.line in _marked(case.code, "capped")], "no finding on a capped call"


FIXABLE = [c for c in CASES if c.fixable]


@pytest.mark.parametrize("case", FIXABLE, ids=[c.id for c in FIXABLE])
def test_unsafe_fix_parses_and_removes_la101(project, case):
    result = _run(project, case)
    la101 = [f for f in result.findings if f.code == "LA101" and f.path == "app/main.py"]
    assert la101 and all(f.fix is not None and f.fix.applicability == "unsafe" for f in la101)
    source = (project.root / "app/main.py").read_text(encoding="utf-8")
    fixed, applied, dropped = fix_text(source, la101)
    assert not dropped and len(applied) == len(la101)
    ast.parse(fixed)  # still Python
    files = case.files()
    files["app/main.py"] = fixed
    again = project(files, select=SELECT, policy=textwrap.dedent(case.policy) if case.policy else None)
    assert [f for f in again.findings if f.path == "app/main.py"] == []
    assert len(_sites(again)) == len(_sites(result))  # every call is still a call site, now capped
    assert fix_text(fixed, [f for f in again.findings if f.code == "LA101"])[0] == fixed  # a second fix changes nothing


def test_every_spec_provider_row_is_covered():
    """SPEC §2's table, row by row: each API id the catalog ships appears in a case above."""
    covered = {c.api for c in CASES} | {"langchain.anthropic", "llamaindex.anthropic"}  # + the default-cap test below
    spec_rows = {
        "openai.chat", "openai.responses", "openai.completions", "openai.legacy.chat", "openai.legacy.completion",
        "anthropic.messages", "google.genai", "google.generativeai", "litellm.completion", "litellm.text_completion",
        "mistral.chat", "cohere.chat", "cohere.chat.v2", "ollama.chat", "ollama.generate", "bedrock.converse",
        "bedrock.invoke", "langchain.openai", "langchain.anthropic", "langchain.google", "langchain.init_chat_model",
        "llamaindex.llm", "llamaindex.anthropic",
        "vllm.sampling", "transformers.generate", "transformers.pipeline",
    }
    assert spec_rows <= covered, spec_rows - covered


# ---------------------------------------------------------------------- unknown **kwargs, strict
KWARGS_APP = {
    "app/__init__.py": "",
    "app/llm.py": """
        from anthropic import Anthropic
        from openai import OpenAI


        class LLM:
            def __init__(self, **defaults):
                self.client = OpenAI()
                self.claude = Anthropic()
                self.defaults = defaults

            def chat(self, messages, **kwargs):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=messages, **kwargs)

            def claude_chat(self, messages):
                return self.claude.messages.create(model="claude-haiku-4-5", messages=messages, **self.defaults)

            def gemini_like(self, messages, options: dict):
                return self.client.chat.completions.create(model="gpt-4o-mini", messages=messages, **options)
    """,
}


def test_unknown_kwargs_are_unknown_never_missing(project):
    result = project(KWARGS_APP, select=SELECT)
    sites = _sites(result, "app/llm.py")
    assert len(sites) == 3 and all("" in s.unknown for s in sites)
    assert result.findings == []


def test_strict_policy_reports_unknown_kwargs(project):
    result = project(KWARGS_APP, select=SELECT, policy="strict: true\n")
    la101 = [f for f in result.findings if f.code == "LA101"]
    assert len(la101) == 3
    assert all("unknown **kwargs" in f.message for f in la101)


# ---------------------------------------------------------------------- LA103 through an env default
def test_la103_on_reasoning_model_from_getenv_default_in_another_module(project):
    result = project({
        "app/__init__.py": "",
        "app/config.py": 'import os\nREASONING_MODEL = os.getenv("REASONING_MODEL", "o3-mini")\n',
        "app/plan.py": """
            from openai import OpenAI

            from app.config import REASONING_MODEL

            client = OpenAI()


            def plan(goal: str) -> str:
                r = client.chat.completions.create(model=REASONING_MODEL, messages=[{"role": "user", "content": goal}], max_tokens=2000)
                return r.choices[0].message.content


            def plan_ok(goal: str) -> str:
                r = client.chat.completions.create(model=REASONING_MODEL, messages=[{"role": "user", "content": goal}], max_completion_tokens=2000)
                return r.choices[0].message.content
        """,
    }, select=SELECT)
    site = _sites(result, "app/plan.py")[0]
    assert site.model.value == "o3-mini" and site.model.origin == "env-default"
    assert [(f.code, f.line) for f in result.findings] == [("LA103", 10)]
    assert "environment-variable default" in result.findings[0].message
    assert result.findings[0].fix.applicability == "safe"


def test_la103_on_local_getenv_default(project):
    result = project({"bot.py": """
        import os
        from openai import OpenAI

        MODEL = os.environ.get("MODEL", "o4-mini")
        client = OpenAI()
        reply = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "hi"}], max_tokens=300)
    """}, select=SELECT)
    assert [(f.code, f.line) for f in result.findings] == [("LA103", 7)]


# ---------------------------------------------------------------------- notebooks
NB = notebook(*(textwrap.dedent(c).lstrip("\n") for c in (
    """
    %pip install -q openai anthropic
    from openai import OpenAI
    import anthropic
    client = OpenAI()
    claude = anthropic.Anthropic()
    MODEL = "gpt-4o-mini"
    """,
    """
    resp = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": "Describe the dataset"}], max_tokens=200)
    """,
    """
    !ls data/
    for q in ["a", "b"]:
        answer = client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": q}])
    note = claude.messages.create(model="claude-haiku-4-5", messages=[{"role": "user", "content": "hi"}])
    """,
)))


def test_notebook_sites_carry_their_cell(project):
    result = project({"analysis.ipynb": NB}, select=SELECT)
    sites = sorted((s.cell, s.span.line, s.api) for s in result.project.call_sites())
    assert sites == [(1, 1, "openai.chat"), (2, 3, "openai.chat"), (2, 4, "anthropic.messages")]
    assert sorted((f.code, f.cell, f.line) for f in result.findings) == [("LA101", 2, 3), ("LA101", 2, 4)]


def test_notebook_cell_in_json_is_zero_based_and_one_based_in_text(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "analysis.ipynb").write_text(json.dumps(NB), encoding="utf-8")
    js = cli("check", "--output-format", "json", "--select", "LA101", "--exit-zero", ".", cwd=tmp_path)
    assert js.returncode == 0, js.stderr
    found = sorted((f["cell"], f["line"]) for f in json.loads(js.stdout))
    assert found == [(2, 3), (2, 4)]
    text = cli("check", "--output-format", "concise", "--select", "LA101", ".", cwd=tmp_path)
    assert text.returncode == 1
    assert "analysis.ipynb:cell 3:3:" in text.stdout and "analysis.ipynb:cell 3:4:" in text.stdout


def test_notebook_fix_writes_valid_nbformat_and_removes_la101(tmp_path):
    (tmp_path / ".git").mkdir()
    path = tmp_path / "analysis.ipynb"
    path.write_text(json.dumps(NB), encoding="utf-8")
    out = cli("fix", "--unsafe-fixes", "--select", "LA101", ".", cwd=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert code[0] == "".join(NB["cells"][1]["source"])  # untouched cell stays byte-identical
    assert "max_tokens=1024" in code[2] and code[2].count("max_tokens") == 2
    again = cli("check", "--output-format", "json", "--select", "LA101", "--exit-zero", ".", cwd=tmp_path)
    assert json.loads(again.stdout) == []


# ---------------------------------------------------------------------- a multi-provider project through the CLI
def test_cli_fix_unsafe_fixes_on_a_multi_provider_project(tmp_path):
    from conftest import write_tree

    (tmp_path / ".git").mkdir()
    files = {"app/__init__.py": "", **SETTINGS}
    for case in CASES:
        if case.fixable and not case.policy:
            files[f"app/{case.id.replace('-', '_')}.py"] = case.code
    write_tree(tmp_path, files)
    before = cli("check", "--output-format", "json", "--select", "LA101", "--exit-zero", ".", cwd=tmp_path)
    n = len(json.loads(before.stdout))
    assert n >= 30
    fixed = cli("fix", "--unsafe-fixes", "--select", "LA101", ".", cwd=tmp_path)
    assert fixed.returncode in (0, 1), fixed.stderr
    for p in (tmp_path / "app").glob("*.py"):
        ast.parse(p.read_text(encoding="utf-8"), filename=str(p))
    after = cli("check", "--output-format", "json", "--select", "LA101", "--exit-zero", ".", cwd=tmp_path)
    assert json.loads(after.stdout) == []


# ---------------------------------------------------------------------- SDKs that cap by default
def test_langchain_and_llamaindex_anthropic_apply_their_own_default_cap(project):
    """ChatAnthropic (max_tokens=1024) and llama-index Anthropic (max_tokens=512) cap output
    when the caller does not, so no LA101; an explicit cap above the model limit is still LA102."""
    result = project({"app/__init__.py": "", "app/chains.py": """
        from langchain_anthropic import ChatAnthropic
        from llama_index.llms.anthropic import Anthropic

        CLAUDE = "claude-haiku-4-5"

        reviewer = ChatAnthropic(model=CLAUDE)
        writer = ChatAnthropic(model_name=CLAUDE, max_tokens=4000, temperature=0.3)
        summariser = Anthropic(model=CLAUDE)
        too_big = ChatAnthropic(model=CLAUDE, max_tokens=1_000_000)
    """}, select=SELECT)
    sites = sorted((s.span.line, s.api, s.model.value) for s in _sites(result, "app/chains.py"))
    assert sites == [(7, "langchain.anthropic", "claude-haiku-4-5"), (8, "langchain.anthropic", "claude-haiku-4-5"),
                     (9, "llamaindex.anthropic", "claude-haiku-4-5"), (10, "langchain.anthropic", "claude-haiku-4-5")]
    assert [(f.code, f.line) for f in result.findings] == [("LA102", 10)]
