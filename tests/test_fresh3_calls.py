"""Call-site false classes and misses of the third fresh precision set (docs/precision.md,
"Session 13 fixes on the third set"): each class a true case and a look-alike from realistic code."""

from __future__ import annotations

from datetime import date

from conftest import codes, LA403_GAPS

TODAY = date(2026, 12, 1)


def _only(result, code):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA404 mixed-price-not-cheaper
AGENT = """
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(model="{model}", temperature=0, max_tokens=512)


    def generate_final_response(question: str, context: str) -> str:
        prompt = f"Answer the question from the retrieved documents.\\n\\n{{context}}\\n\\nQuestion: {{question}}"
        return llm.invoke(prompt).content
"""


def test_la404_mixed_price_is_not_costs_less(project):
    # gpt-5.2 ($1.75/$14.00) -> gpt-6.1-sol ($2.00/$10.00): dearer input, cheaper output; an input-heavy
    # RAG call may well cost more, so "costs less" is not a claim LA404 can make
    files = {"agent.py": AGENT.format(model="gpt-5.2")}
    assert _only(project(files, select=["LA404"], today=TODAY), "LA404") == []


def test_la404_cheaper_on_both_prices_still_fires(project):
    # gpt-5.4 ($2.50/$15.00) -> gpt-6.1-sol ($2.00/$10.00): cheaper whatever the mix
    files = {"agent.py": AGENT.format(model="gpt-5.4")}
    [f] = _only(project(files, select=["LA404"], today=TODAY), "LA404")
    assert "gpt-6.1-sol" in f.message and "costs less" in f.message and f.savings is not None


def test_la404_mixed_price_recommended_says_so_honestly(project):
    policy = "models:\n  gpt-5.2: {successor-source: https://platform.openai.com/docs/models}\n"
    files = {"agent.py": AGENT.format(model="gpt-5.2")}
    [f] = _only(project(files, select=["LA404"], policy=policy, today=TODAY), "LA404")
    assert "costs less" not in f.message and "cheaper output, dearer input" in f.message
    assert f.savings is None


# ---------------------------------------------------------------- LA402/LA403 retired Vertex ids
VERTEX_PALM = """
    from typing import Optional

    import vertexai
    from vertexai.generative_models import GenerativeModel
    from vertexai.language_models import TextGenerationModel


    class GoogleVertexAI:
        def __init__(self, project_id: str, location: str, model: Optional[str] = None, **kwargs):
            self.model = model or "{model}"
            vertexai.init(project=project_id, location=location)

        def generate(self, prompt: str) -> str:
            if "bison" in self.model:
                return TextGenerationModel.from_pretrained(self.model).predict(prompt, max_output_tokens=512).text
            return GenerativeModel(self.model).generate_content(prompt, generation_config={{"max_output_tokens": 512}}).text
"""


def test_retired_vertex_ids_are_la402_not_unknown(project):
    for model, day in (("text-bison@001", "2025-04-09"), ("chat-bison@002", "2025-04-09"), ("gemini-1.5-pro-preview-0409", "2025-09-24")):
        result = project({"vertex_llm.py": VERTEX_PALM.format(model=model)}, select=["LA402", "LA403"], today=TODAY)
        assert codes(result) == ["LA402"], (model, [f.message for f in result.findings])
        [f] = result.findings
        assert f"fails at runtime since {day}" in f.message and "cloud.google.com/vertex-ai" in f.message
        assert "add it under `models:`" not in f.message


def test_current_vertex_gemini_id_stays_silent(project):
    result = project({"vertex_llm.py": VERTEX_PALM.format(model="gemini-3.5-flash")}, select=["LA402", "LA403"], today=TODAY)
    assert codes(result) == []


# ---------------------------------------------------------------- LA402 model-label (Azure deployments)
AZURE_QUERY = """
    import os

    from langchain_openai import AzureChatOpenAI

    llm = AzureChatOpenAI(
        azure_endpoint=os.environ["AZURE_ENDPOINT"],
        {deployment}
        model_name="gpt-4",
        api_version="2024-02-15-preview",
        max_tokens=400,
    )


    def ask(question: str) -> str:
        return llm.invoke(f"Answer briefly: {{question}}").content
"""


def test_la402_on_an_azure_deployment_label_names_the_deployment(project):
    files = {"selfquery.py": AZURE_QUERY.format(deployment='deployment_name=os.environ["AZURE_OPENAI_DEPLOYMENT_NAME"],')}
    [f] = _only(project(files, select=["LA402"], today=TODAY), "LA402")
    assert "the Azure deployment `os.environ[\"AZURE_OPENAI_DEPLOYMENT_NAME\"]`" in f.message
    assert "move the deployment to" in f.message
    assert f.fix is None  # rewriting the label changes nothing
    assert f.severity == "warning"


def test_la402_azure_without_a_separate_deployment_keeps_its_swap(project):
    # no deployment argument: the model name is what is sent; the ordinary finding and fix stay
    files = {"selfquery.py": AZURE_QUERY.format(deployment="")}
    [f] = _only(project(files, select=["LA402"], today=TODAY), "LA402")
    assert "deployment" not in f.message and f.fix is not None


# ---------------------------------------------------------------- LA101 cap-in-config
RESEARCHER = """
    from langchain.chat_models import init_chat_model
    from langchain_core.runnables import RunnableConfig

    from research.configuration import Configuration

    configurable_model = init_chat_model(
        configurable_fields={fields},
    )


    async def write_brief(state: dict, config: RunnableConfig):
        configurable = Configuration.from_runnable_config(config)
        model_config = {{
            "model": configurable.research_model,
            {cap_entry}
            "api_key": configurable.api_key,
        }}
        model = configurable_model.with_structured_output(dict).with_retry(stop_after_attempt=3).with_config(model_config)
        return await model.ainvoke([{{"role": "user", "content": "Write a research brief for: " + state["topic"]}}])


    async def final_report(state: dict, config: RunnableConfig):
        configurable = Configuration.from_runnable_config(config)
        writer = configurable_model.with_config({{"model": configurable.final_report_model, {cap_entry}}})
        return await writer.ainvoke([{{"role": "user", "content": "Write the report from these notes: " + state["notes"]}}])
"""


def test_la101_cap_set_through_with_config_is_no_finding(project):
    src = RESEARCHER.format(fields='("model", "max_tokens", "api_key")', cap_entry='"max_tokens": configurable.research_model_max_tokens,')
    assert _only(project({"research/graph.py": src}, select=["LA101"], today=TODAY), "LA101") == []


def test_la101_configurable_cap_never_set_still_fires(project):
    # the cap is declared configurable but no use passes it
    src = RESEARCHER.format(fields='("model", "max_tokens", "api_key")', cap_entry="")
    assert codes(project({"research/graph.py": src}, select=["LA101"], today=TODAY)) == ["LA101"]


def test_la101_cap_key_passed_but_not_a_configurable_field_still_fires(project):
    # with_config keys that are not configurable fields are not the model's parameters
    src = RESEARCHER.format(fields='("model", "api_key")', cap_entry='"max_tokens": configurable.research_model_max_tokens,')
    assert codes(project({"research/graph.py": src}, select=["LA101"], today=TODAY)) == ["LA101"]


# ---------------------------------------------------------------- LA101 cap-in-default-params
BEDROCK_CLAUDE = """
    import json
    from typing import Any, Dict, Optional


    class BedrockClaude:
        model: str = "anthropic.claude-3-sonnet-20240229-v1:0"
        temperature: Optional[float] = 0
        max_tokens: int = 1024

        def __init__(self, bedrock_runtime_client, **kwargs):
            for key, val in kwargs.items():
                setattr(self, key, val)
            self.client = bedrock_runtime_client

        @property
        def _default_params(self) -> Dict[str, Any]:
            return {{"max_tokens": self.max_tokens, "model": self.model, "temperature": self.temperature}}

        def call(self, prompt: str, system_prompt: str = "") -> str:
            messages = [{{"role": "user", "content": [{{"type": "text", "text": prompt}}]}}]
            params = {{"anthropic_version": "bedrock-2023-05-31", "system": system_prompt, "messages": messages}}
            {fill}
            body = json.dumps(params)
            response = self.client.invoke_model(modelId=self.model, body=body)
            return json.loads(response.get("body").read())["content"][0]["text"]
"""


def test_la101_body_filled_from_default_params_is_not_uncapped(project):
    fill = """for key, value in self._default_params.items():
                if key != "model" and value is not None:
                    params[key] = value"""
    assert _only(project({"claude.py": BEDROCK_CLAUDE.format(fill=fill)}, select=["LA101"], today=TODAY), "LA101") == []


def test_la101_body_with_a_constant_cap_key_is_capped(project):
    fill = 'params["max_tokens"] = self.max_tokens'
    assert _only(project({"claude.py": BEDROCK_CLAUDE.format(fill=fill)}, select=["LA101"], today=TODAY), "LA101") == []


def test_la101_body_with_other_keys_only_still_fires(project):
    fill = 'params["temperature"] = self.temperature'
    assert codes(project({"claude.py": BEDROCK_CLAUDE.format(fill=fill)}, select=["LA101"], today=TODAY)) == ["LA101"]


# ---------------------------------------------------------------- LA402 fix-wrong-model-id
TOGETHER_AGENT = """
    import os

    import openai

    client = openai.OpenAI(base_url="https://api.together.xyz/v1", api_key=os.getenv("TOGETHER_AI_API_KEY"))


    def run_assistant(message: str) -> str:
        response = client.chat.completions.create(
            model="meta-llama/Llama-3.3-70B-Instruct-Turbo",
            messages=[{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": message}],
            max_tokens=500,
        )
        return response.choices[0].message.content
"""

TOGETHER_LITELLM = """
    import litellm


    def run_assistant(message: str) -> str:
        response = litellm.completion(
            model="together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo",
            messages=[{"role": "user", "content": message}],
            max_tokens=500,
        )
        return response.choices[0].message.content
"""


def test_la402_replacement_is_in_the_called_apis_id_space(project):
    [f] = _only(project({"agent.py": TOGETHER_AGENT}, select=["LA402"], today=TODAY), "LA402")
    assert "move to openai/gpt-oss-120b" in f.message and "together_ai/" not in f.message
    assert f.fix is not None and [e.content for e in f.fix.edits] == ['"openai/gpt-oss-120b"']


def test_la402_litellm_call_keeps_its_routing_prefix_once(project):
    [f] = _only(project({"agent.py": TOGETHER_LITELLM}, select=["LA402"], today=TODAY), "LA402")
    assert f.fix is not None and [e.content for e in f.fix.edits] == ['"together_ai/openai/gpt-oss-120b"']


# ---------------------------------------------------------------- LA403 unknown-model-compatible-endpoint
PARALLEL = """
    import os

    from openai import OpenAI

    {client} = OpenAI(api_key=os.environ["PARALLEL_API_KEY"], base_url="{url}")


    def get_parallel_response(parallel_client: OpenAI, query: str) -> str:
        response = parallel_client.chat.completions.create(
            model="speed",
            messages=[{{"role": "user", "content": query}}],
            max_tokens=800,
        )
        return response.choices[0].message.content


    print(get_parallel_response({client}, "What does Parallel Web Systems do?"))
"""


def test_la403_client_passed_to_a_helper_keeps_its_endpoint(project):
    # an endpoint no entry knows: an OpenAI-compatible gateway, whose model names are its own
    files = {"parallel.py": PARALLEL.format(client="web_client", url="https://api.parallel.ai")}
    assert _only(project(files, select=["LA403"], today=TODAY), "LA403") == []


def test_la403_helper_called_with_an_openai_client_still_reports(project):
    files = {"parallel.py": PARALLEL.format(client="web_client", url="https://api.openai.com/v1")}
    assert codes(project(files, policy=LA403_GAPS, select=["LA403"], today=TODAY)) == ["LA403"]


# ---------------------------------------------------------------- LA503
RAG = """
    from openai import OpenAI

    client = OpenAI()


    def rag_generate(question: str, top_k: int):
        context = "\\n".join(search(question, top_k))
        response = client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=300,
            messages=[{{"role": "user", "content": f"Answer from the context.\\n{{context}}\\n\\nQuestion: {{question}}"}}],
        )
        return response.choices[0].message.content, context


    {loop}
"""


def test_la503_loop_over_settings_values_is_not_a_batch(project):
    loop = """for top_k in [1, 3, 5, 7]:
        answer, retrieval_context = rag_generate(question, top_k)
        test_case = LLMTestCase(input=question, actual_output=answer, expected_output=expected_output, retrieval_context=retrieval_context)
        evaluate([test_case], [contextual_precision, contextual_recall])"""
    assert _only(project({"rag.py": RAG.format(loop=loop)}, select=["LA503"], today=TODAY), "LA503") == []


def test_la503_graded_literal_questions_still_fire(project):
    # a handful of literal items with gold answers is an eval set: its requests are batchable data
    loop = """for case in [{"q": "What is HyDE?", "expected": "hypothetical documents"}, {"q": "Who wrote BM25?", "expected": "Robertson"}]:
        answer, retrieval_context = rag_generate(case["q"], 5)
        scores.append(case["expected"] in answer)"""
    assert codes(project({"rag.py": RAG.format(loop=loop)}, select=["LA503"], today=TODAY)) == ["LA503"]


TRANSLATE = """
    import asyncio

    import openai


    async def translate_text(text):
        response = await openai.AsyncOpenAI().chat.completions.create(
            model="gpt-4o", max_tokens=500,
            messages=[{"role": "system", "content": "You are a translator."}, {"role": "user", "content": f"Translate to English: {text}"}],
        )
        return response.choices[0].message.content.strip()


    async def translate_dataframe(df, column_name1, column_name2):
        tasks_column1 = [translate_text(text) for text in df[column_name1]]
        tasks_column2 = [translate_text(text) for text in df[column_name2]]
        df["translated_" + column_name1] = await asyncio.gather(*tasks_column1)
        df["translated_" + column_name2] = await asyncio.gather(*tasks_column2)
        return df


    async def translate_titles(df):
        return await asyncio.gather(*[translate_text(t) for t in df["title"]])
"""


def test_la503_two_comprehensions_of_one_function_are_one_finding(project):
    found = _only(project({"translate.py": TRANSLATE}, select=["LA503"], today=TODAY), "LA503")
    # one for translate_dataframe's two comprehensions, one for translate_titles (another function)
    assert len(found) == 2, [f.message for f in found]
    merged = next(f for f in found if "2 comprehensions in this function" in f.message)
    assert {r.line for r in merged.related if "called per item here too" in r.message} == {16, 17}


WEAVIATE_DEMO = """
    import google.generativeai as genai

    model = genai.GenerativeModel("gemini-3.5-flash")

    response = products.query.near_text(query="travel jacket", return_properties=["title", "link"], limit={limit})

    for product in response.objects:
        description = model.generate_content(["Write a short product description about: " + product.properties["title"]])
        products.data.update(uuid=product.uuid, properties={{"generated_description": description.text}})
"""


def test_la503_the_few_results_of_a_limited_query_are_a_demo(project):
    assert _only(project({"demo.py": WEAVIATE_DEMO.format(limit=3)}, select=["LA503"], today=TODAY), "LA503") == []


def test_la503_a_large_query_result_is_still_data(project):
    assert codes(project({"demo.py": WEAVIATE_DEMO.format(limit=500)}, select=["LA503"], today=TODAY)) == ["LA503"]


PERPLEXITY = """
    import os

    import requests


    def perplexity_search(search_queries: list[str]) -> list[dict]:
        headers = {{"Authorization": f"Bearer {{os.getenv('PERPLEXITY_API_KEY')}}", "Content-Type": "application/json"}}
        results = []
        for query in search_queries:
            payload = {{
                "model": "sonar-pro",
                "messages": [{{"role": "system", "content": "Search the web and provide factual information with sources."}}, {{"role": "user", "content": query}}],
            }}
            response = requests.post("{url}", headers=headers, json=payload)
            results.append(response.json())
        return results
"""


def test_la503_web_search_api_per_query_is_not_batchable(project):
    src = PERPLEXITY.format(url="https://api.perplexity.ai/chat/completions")
    assert _only(project({"search.py": src}, select=["LA503"], today=TODAY), "LA503") == []


def test_la503_same_loop_to_a_chat_api_still_fires(project):
    src = PERPLEXITY.format(url="https://api.groq.com/openai/v1/chat/completions")
    assert codes(project({"search.py": src}, select=["LA503"], today=TODAY)) == ["LA503"]


# ---------------------------------------------------------------- recall: raw-HTTP generators
OPENAI_STREAM = """
    import json
    import os

    import httpx


    class OpenAIGenerator:
        async def generate_stream(self, config: dict, query: str, context: str):
            model = config.get("Model")
            url = os.getenv("OPENAI_BASE_URL", "https://api.openai.com/v1")
            data = {{"messages": [{{"role": "system", "content": "Answer from the context."}}, {{"role": "user", "content": context + query}}], "model": model, "stream": True{extra}}}
            async with httpx.AsyncClient() as client:
                async with client.stream("POST", f"{{url}}/chat/completions", json=data, headers={{"Authorization": "Bearer x"}}, timeout=None) as response:
                    async for line in response.aiter_lines():
                        if line.startswith("data: ") and line.strip() != "data: [DONE]":
                            yield json.loads(line[6:])["choices"][0]["delta"].get("content", "")
"""


def test_httpx_stream_post_is_a_call_site(project):
    result = project({"gen/openai_gen.py": OPENAI_STREAM.format(extra="")}, select=["LA101"], today=TODAY)
    [f] = _only(result, "LA101")
    assert "the POST to /chat/completions" in f.message


def test_httpx_stream_post_with_a_cap_is_silent(project):
    result = project({"gen/openai_gen.py": OPENAI_STREAM.format(extra=', "max_tokens": 800')}, select=["LA101"], today=TODAY)
    assert _only(result, "LA101") == []


def test_sdk_stream_method_is_not_a_raw_post(project):
    # client.messages.stream(...) of an SDK takes no HTTP verb: no raw-HTTP site is made from it
    src = """
        import anthropic

        URL = "https://api.anthropic.com/v1/messages"
        client = anthropic.Anthropic()
        with client.messages.stream(model="claude-sonnet-5-5", max_tokens=300, messages=[{"role": "user", "content": "Hi"}]) as s:
            print(s.get_final_text())
    """
    result = project({"s.py": src}, select=["LA101"], today=TODAY)
    assert _only(result, "LA101") == []


OLLAMA_COHERE = """
    import os
    from urllib.parse import urljoin

    import aiohttp


    class OllamaGenerator:
        def __init__(self):
            self.url = os.getenv("OLLAMA_URL", "http://localhost:11434")

        async def generate_stream(self, model: str, messages: list):
            data = {"model": model, "messages": messages}
            async with aiohttp.ClientSession() as session:
                async with session.post(urljoin(self.url, "/api/chat"), json=data) as response:
                    async for line in response.content:
                        yield line


    class CohereGenerator:
        def __init__(self):
            self.url = os.getenv("COHERE_BASE_URL", "https://api.cohere.com/v1")

        async def generate_stream(self, model: str, message: str, chat_history: list):
            data = {"model": model, "chat_history": chat_history, "message": message, "stream": True}
            async with aiohttp.ClientSession() as session:
                async with session.post(self.url + "/chat", json=data, headers={"Authorization": "Bearer x"}) as response:
                    async for line in response.content:
                        yield line
"""


def test_urljoin_ollama_and_cohere_v1_posts_are_call_sites(project):
    found = _only(project({"gen/generators.py": OLLAMA_COHERE}, select=["LA101"], today=TODAY), "LA101")
    assert sorted(f.message.split(" sets ")[0] for f in found) == ["the POST to /api/chat", "the POST to /v1/chat"]
    assert any("json.options.num_predict" in f.message for f in found)


def test_a_post_to_another_chat_path_is_no_call_site(project):
    src = OLLAMA_COHERE.replace("https://api.cohere.com/v1", "https://chat.example.com/v1")
    found = _only(project({"gen/generators.py": src}, select=["LA101"], today=TODAY), "LA101")
    assert [f.message.split(" sets ")[0] for f in found] == ["the POST to /api/chat"]


PARALLEL_CLASS = """
    import os

    from openai import OpenAI

    web_client = OpenAI(api_key=os.environ["PARALLEL_API_KEY"], base_url="{url}")


    class QASystem:
        def __init__(self, parallel_client: OpenAI, collections: list[str]):
            self.parallel_client = parallel_client
            self.collections = collections

        def _get_parallel_response(self, query: str) -> str:
            response = self.parallel_client.chat.completions.create(
                model="speed", messages=[{{"role": "user", "content": query}}], max_tokens=800,
            )
            return response.choices[0].message.content


    qa = QASystem(parallel_client=web_client, collections=["Papers"])
    print(qa._get_parallel_response("What is HyDE?"))
"""


def test_la403_client_held_by_an_instance_keeps_its_endpoint(project):
    files = {"qa.py": PARALLEL_CLASS.format(url="https://api.parallel.ai")}
    assert _only(project(files, policy=LA403_GAPS, select=["LA403"], today=TODAY), "LA403") == []
    files = {"qa.py": PARALLEL_CLASS.format(url="https://api.openai.com/v1")}
    assert codes(project(files, policy=LA403_GAPS, select=["LA403"], today=TODAY)) == ["LA403"]


CONFIG_DEFAULT_MODEL = """
    from openai import AsyncOpenAI


    class OpenAIGenerator:
        async def generate(self, config: dict, query: str) -> str:
            model = {model_expr}
            response = await AsyncOpenAI().chat.completions.create(
                model=model, max_tokens=500, messages=[{{"role": "user", "content": query}}],
            )
            return response.choices[0].message.content
"""


def test_la402_on_the_default_of_a_config_lookup(project):
    src = CONFIG_DEFAULT_MODEL.format(model_expr='config.get("Model", {"value": "gpt-3.5-turbo"}).value')
    [f] = _only(project({"gen.py": src}, select=["LA402"], today=TODAY), "LA402")
    assert "gpt-3.5-turbo (the default of a configuration lookup)" in f.message


def test_config_lookup_without_a_default_or_another_field_is_unknown(project):
    for expr in ('config.get("Model").value', 'config.get("Model", {"label": "gpt-3.5-turbo"}).value'):
        src = CONFIG_DEFAULT_MODEL.format(model_expr=expr)
        assert _only(project({"gen.py": src}, select=["LA402", "LA403"], today=TODAY), "LA402") == []


def test_la402_azure_deployment_alone_is_the_model_written(project):
    # AzureChatOpenAI(deployment_name="gpt-4o-mini") and nothing else: the deployment's name is what we read; no label
    src = """
        from langchain_openai import AzureChatOpenAI, ChatOpenAI

        if provider == "Azure":
            llm = AzureChatOpenAI(deployment_name="gpt-4", max_tokens=300)
        else:
            llm = ChatOpenAI(model="gpt-4", max_tokens=300)
        print(llm.invoke("Plan the sprint").content)
    """
    found = _only(project({"pm.py": src}, select=["LA402"], today=TODAY), "LA402")
    assert found and all("labels the Azure deployment" not in f.message for f in found)
