"""Raw HTTP requests to a provider's generation endpoint are call sites (analysis/rawhttp.py).

``requests`` / ``httpx`` / ``aiohttp`` POSTs whose URL matches rules/providers.yaml ``http-requests``
and whose body names a model and a prompt: the body's fields read like SDK keyword arguments, so
the prompt, cap and loop rules apply. Look-alikes stay silent: a POST to a search API, a webhook at
a ``/v1/messages`` path whose body has no model, a GET, a body that comes from elsewhere.
"""

from __future__ import annotations

import json

from conftest import notebook


def found(result, code):
    return sorted((f.path, f.cell, f.line) for f in result.findings if f.code == code)


PROMPT_ENGINEER = '''
    import os
    import requests

    ANTHROPIC_API_KEY = os.environ["ANTHROPIC_API_KEY"]
    CANDIDATE_MODEL = "claude-3-5-sonnet-20241022"


    def generate_candidate_prompts(description, test_cases, number_of_prompts):
        headers = {"x-api-key": ANTHROPIC_API_KEY, "anthropic-version": "2023-06-01", "content-type": "application/json"}
        data = {
            "model": CANDIDATE_MODEL,
            "max_tokens": 1500,
            "system": f"""Your job is to generate system prompts for Claude, given a description of the use-case.
    Most importantly, output nothing but the prompt.""",
            "messages": [{"role": "user", "content": f"Here are some test cases: `{test_cases}`. Use case: {description}"}],
        }
        prompts = []
        for case in test_cases:
            response = requests.post("https://api.anthropic.com/v1/messages", headers=headers, json={**data, "metadata": {"user_id": case}})
            prompts.append(response.json()["content"][0]["text"])
        return prompts


    def rank(a, b):
        data = {
            "model": CANDIDATE_MODEL,
            "system": "Keep in mind that you are a very harsh critic.",
            "messages": [{"role": "user", "content": f"A: {a}\\nB: {b}"}],
        }
        return requests.post("https://api.anthropic.com/v1/messages", headers={}, json=data).json()


    def search(q):
        return requests.post("https://api.tavily.com/search", json={"query": q, "api_key": "k"}).json()


    def notify(text):
        return requests.post("https://hooks.example.com/v1/messages", json={"text": text, "channel": "ops"})


    def fetch_models():
        return requests.get("https://api.anthropic.com/v1/models", headers={}).json()
'''


def test_anthropic_messages_over_requests(project):
    result = project({"engineer.py": PROMPT_ENGINEER}, select=["LA101", "LA201", "LA503"])
    assert found(result, "LA201") == [("engineer.py", None, 14), ("engineer.py", None, 28)]  # the system prompts' filler
    (cap,) = [f for f in result.findings if f.code == "LA101"]
    assert cap.line == 31 and "the API requires it" in cap.message  # rank(): Anthropic fails without max_tokens
    assert found(result, "LA503") == [("engineer.py", None, 20)]  # one POST per test case (a loop that sends the same
    # request each pass, `for i in range(n)` with nothing from i, is not items to group: analysis/loops.py "repeat")
    assert all("tavily" not in f.snippet and "hooks.example" not in f.snippet for f in result.findings)


ASYNC_CLIENTS = '''
    import json
    import os

    import aiohttp
    import httpx

    OLLAMA = os.getenv("OLLAMA_HOST", "http://localhost:11434")
    GROQ_URL = "https://api.groq.com/openai/v1/chat/completions"


    async def ask(question: str) -> str:
        async with httpx.AsyncClient(timeout=30) as client:
            r = await client.post(
                GROQ_URL,
                headers={"Authorization": f"Bearer {os.environ['GROQ_API_KEY']}"},
                json={"model": "llama-3.3-70b-versatile", "messages": [{"role": "user", "content": question}]},
            )
        return r.json()["choices"][0]["message"]["content"]


    async def summarise(text: str) -> str:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{OLLAMA}/api/generate", data=json.dumps({"model": "llama3", "prompt": text, "options": {"num_predict": 200}})) as r:
                return (await r.json())["response"]


    def embed(text):
        return httpx.post(f"{OLLAMA}/api/embed", json={"model": "nomic-embed-text", "input": text}).json()
'''


def test_httpx_and_aiohttp_posts_to_served_endpoints(project):
    result = project({"clients.py": ASYNC_CLIENTS}, select=["LA101", "LA403"])
    (cap,) = [f for f in result.findings if f.code == "LA101"]
    assert cap.line == 14 and cap.message.startswith("the POST to /openai/v1/chat/completions sets no output-token cap")
    assert cap.fix is not None and cap.fix.edits[0].content == ', "max_tokens": 1024'  # into the body dict written in the call
    assert not [f for f in result.findings if f.code == "LA403"]  # Groq's model, the local Ollama server: both known
    # summarise() is capped through options.num_predict; the embedding POST is not a generation endpoint


def test_raw_request_in_notebook_cell(project):
    nb = notebook(
        '''
        import requests
        API = "https://api.openai.com/v1/chat/completions"
        ''',
        '''
        payload = {"model": "gpt-4o", "messages": [{"role": "system", "content": "Please make sure to answer briefly."}, {"role": "user", "content": question}]}
        answer = requests.post(API, headers={"Authorization": "Bearer sk"}, json=payload).json()
        ''',
    )
    result = project({"demo.ipynb": json.dumps(nb)}, select=["LA101", "LA201"])
    assert found(result, "LA201") == [("demo.ipynb", 1, 2)]
    assert found(result, "LA101") == [("demo.ipynb", 1, 3)]


def test_request_verb_and_unknown_bodies(project):
    src = '''
        import requests

        def call(body):
            return requests.post("https://api.openai.com/v1/chat/completions", json=body)

        def call_verb(q):
            return requests.request("POST", "https://api.openai.com/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": q}]})

        def call_get(q):
            return requests.request("GET", "https://api.openai.com/v1/chat/completions", params={"q": q})
    '''
    result = project({"verbs.py": src}, select=["LA101"])
    assert found(result, "LA101") == [("verbs.py", None, 8)]  # a body from the caller is unknown, never "missing"


def test_keys_set_after_the_body_dict(project):
    src = '''
        import requests

        class ProxyClient:
            def __init__(self, base_url):
                self._base_url = base_url

            def completions(self, model, messages, max_tokens=None):
                data = {"model": model, "messages": messages}
                if max_tokens is not None:
                    data["max_tokens"] = max_tokens
                return requests.post(f"{self._base_url}/chat/completions", json=data).json()

            def short(self, model, messages):
                data = {"model": model, "messages": messages}
                data["max_tokens"] = 300
                return requests.post(f"{self._base_url}/chat/completions", json=data).json()
    '''
    result = project({"proxy.py": src}, select=["LA101"])
    (f,) = [f for f in result.findings if f.code == "LA101"]
    assert f.line == 12 and "default is None" in f.message  # only a caller's max_tokens caps it; short() is capped


def test_dict_update_keys_are_request_parameters(project):
    src = '''
        from openai import AsyncOpenAI

        async def run(task, model, tools, max_tool_calls):
            messages = [{"role": "user", "content": task}]
            async with AsyncOpenAI() as client:
                calls = 0
                while True:
                    request = {"model": model, "messages": messages}
                    if calls < max_tool_calls:
                        request.update(tools=tools, tool_choice="auto")
                    response = await client.chat.completions.create(**request)
                    calls += 1
                    if not response.choices[0].message.tool_calls:
                        return response

        async def capped(task, extra):
            async with AsyncOpenAI() as client:
                request = {"model": "gpt-4o", "messages": [{"role": "user", "content": task}]}
                request.update({"max_tokens": 400})
                other = {"model": "gpt-4o", "messages": [{"role": "user", "content": task}]}
                other.update(extra)
                await client.chat.completions.create(**other)
                return await client.chat.completions.create(**request)
    '''
    result = project({"bridge.py": src}, select=["LA101"])
    assert [f.line for f in result.findings if f.code == "LA101"] == [12]  # .update(k=v) sets known keys; .update(extra) is unknown
