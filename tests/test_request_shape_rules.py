"""LA205, LA206, LA303, LA605, LA606 on realistic code (helpers that encode images, agent loops in
methods, async clients, framework configs, answers stored on self), each with the look-alikes that
must stay silent."""

from __future__ import annotations

from conftest import notebook
from test_prompt_rules import _fix_all

from auditor.checks.concepts import find_terms, shorthand
from auditor.checks.vision import image_tokens
from auditor.config.catalog import load_catalog

# ------------------------------------------------------------------------------ LA205


def test_la205_savings_follow_the_sites_typical_output(project):
    src = '''\
    from openai import OpenAI

    from prompts import CODEGEN_PROMPT

    client = OpenAI()


    def generate(spec: str) -> str:
        return client.chat.completions.create(
            model="gpt-4o", messages=[{"role": "system", "content": CODEGEN_PROMPT}, {"role": "user", "content": spec}], max_tokens=4000,
        ).choices[0].message.content
    '''
    prompts = 'CODEGEN_PROMPT = "Write a production-ready service with error handling, logging, docstrings and unit tests. Explain every design choice in great detail."\n'
    r = project({"app.py": src, "prompts.py": prompts}, select=["LA205"])
    assert sorted(f.message.split('"')[1] for f in r.findings) == [
        "in great detail", "production-ready service with error handling, logging",
    ]
    for f in r.findings:
        assert f.path == "prompts.py" and f.fix is None
        assert f.savings.tokens_per_call == 1200  # 60% of the typical 2,000 (cap 4,000 x 0.5)


def test_la205_look_alikes(project):
    src = '''\
    BRIEF_PROMPT = "Summarize the incident in two sentences. The logs are detailed; quote only the error line."
    FORM_PROMPT = "Complete the form with the customer's name. Is the answer complete? Reply yes or no."
    '''
    assert project({"prompts.py": src}, select=["LA205"]).findings == []


def test_la205_a_fixed_prompt_sent_only_to_stream_is_a_demo_but_a_streamed_user_request_is_not(project):
    # a streaming demo: the long answer arriving piece by piece is the point (Bedrock converse_stream
    # through a helper, openai-agents Runner.run_streamed); a chat app that streams the user's
    # question with a fixed system prompt asking for detail, and the same demo text sent without
    # streaming, are still reported
    src = '''\
    import boto3
    from agents import Agent, Runner
    from openai import OpenAI

    bedrock = boto3.client("bedrock-runtime")
    client = OpenAI()
    agent = Agent(name="demo", instructions="You demonstrate streaming.")


    def stream_converse(model_id, messages):
        response = bedrock.converse_stream(modelId=model_id, messages=messages, inferenceConfig={"maxTokens": 2000})
        for event in response["stream"]:
            if "contentBlockDelta" in event:
                print(event["contentBlockDelta"]["delta"]["text"], end="")


    stream_converse("amazon.nova-lite-v1:0", [{"role": "user", "content": [{"text": "Provide a detailed summary of how tides work."}]}])


    async def demo():
        async for event in Runner.run_streamed(agent, "Write a comprehensive explanation of how machine learning works."):
            print(event)


    def chat(question: str):
        stream = client.chat.completions.create(
            model="gpt-4o-mini", stream=True, max_tokens=800,
            messages=[{"role": "system", "content": "Answer as detailed as possible."}, {"role": "user", "content": question}],
        )
        for chunk in stream:
            print(chunk.choices[0].delta.content or "", end="")


    def once():
        return client.chat.completions.create(model="gpt-4o-mini", max_tokens=800, messages=[{"role": "user", "content": "Write a comprehensive explanation of how machine learning works."}])
    '''
    r = project({"demo.py": src}, select=["LA205"])
    assert sorted((f.line, f.message.split('"')[1]) for f in r.findings) == [
        (28, "as detailed as possible"), (35, "Write a comprehensive explanation"),
    ]


# ------------------------------------------------------------------------------ LA206


def test_la206_terms_shorthands_and_longest_first():
    texts = ["Check the Health Insurance Portability Accountability Act rules. Cite the Health Insurance Portability "
             "Accountability Act section, and list Health Insurance Portability Accountability Act penalties."]
    [(term, spans)] = find_terms(texts)
    assert term == "health insurance portability accountability act" and len(spans) == 3
    assert shorthand(term) == "HIPAA"
    assert find_terms(["in the end, in the end, in the end"]) == []  # function words are not a term
    assert find_terms(["step by step; step by step; step by step"]) == []  # one content word
    assert find_terms(['{"a": "list of strings", "b": "list of strings", "c": "list of strings"}']) == []  # quoted values
    assert find_terms(["Use Perplexity search. Use Perplexity search. Use Perplexity search."]) == []  # an instruction


def test_la206_across_messages_has_no_fix_and_a_definition_is_reused(project):
    src = '''\
    from openai import OpenAI

    client = OpenAI()


    def check(policy: str) -> str:
        return client.chat.completions.create(
            model="gpt-4o-mini",
            max_tokens=300,
            messages=[
                {"role": "system", "content": "You audit privacy policies against the General Data Protection Regulation (GDPR)."},
                {"role": "user", "content": f"Which General Data Protection Regulation articles does this break? Quote the General Data Protection Regulation text.\\n{policy}"},
            ],
        ).choices[0].message.content
    '''
    r = project({"a.py": src}, select=["LA206"])
    [f] = r.findings
    assert 'defined as "GDPR" already' in f.message and f.line == 12  # reported where the full term is repeated
    fixed = _fix_all(project, r, "LA206")["a.py"]  # the repeats lie in one literal: the definition stays where it is
    assert "Which GDPR articles does this break? Quote the GDPR text." in fixed
    assert "against the General Data Protection Regulation (GDPR)." in fixed


def test_la206_occurrences_in_several_literals_get_no_fix(project):
    src = '''\
    import anthropic

    client = anthropic.Anthropic()
    client.messages.create(
        model="claude-haiku-4-5",
        max_tokens=500,
        system="Write the pharmacovigilance case narrative from the notes. A pharmacovigilance case narrative lists the drug first.",
        messages=[{"role": "user", "content": "End each pharmacovigilance case narrative with the outcome."}],
    )
    '''
    r = project({"p.py": src}, select=["LA206"])
    [f] = r.findings
    assert f.fix is None and f.savings.tokens_per_call >= 1 and f.line == 7


def test_la206_notebook_fix(project):
    text = ("Write the pharmacovigilance case narrative from the notes. A pharmacovigilance case narrative lists the drug first; "
            "end each pharmacovigilance case narrative with the outcome.")
    nb = notebook(f'REVIEW_PROMPT = "{text}"\n')
    r = project({"review.ipynb": nb}, select=["LA206"])
    [f] = r.findings
    assert f.cell == 0 and f.fix is not None
    fixed = _fix_all(project, r, "LA206")["review.ipynb"]
    assert "Write the pharmacovigilance case narrative (PCN) from the notes. A PCN lists the drug first; end each PCN with the outcome." in fixed


def test_la206_look_alikes(project):
    src = '''\
    # data is not instruction text; twice is not three times; the shorthand would cost more than it saves
    PROMPT = "Rank by customer lifetime value. Explain customer lifetime value. Forecast customer lifetime value."
    OTHER_PROMPT = "Use the General Data Protection Regulation. Quote the General Data Protection Regulation."
    '''
    assert project({"prompts.py": src}, select=["LA206"]).findings == []


# ------------------------------------------------------------------------------ LA303


def test_image_token_formulas():
    providers = load_catalog().vision["providers"]
    assert image_tokens(providers["openai"], 2048, 1536, "high") == 765
    assert image_tokens(providers["openai"], 2048, 1536, "low") == 85
    assert image_tokens(providers["openai"], 512, 512, "high") == 255
    assert image_tokens(providers["anthropic"], 1000, 1000) == 1333
    assert image_tokens(providers["anthropic"], 4000, 3000) == 1600
    assert image_tokens(providers["google"], 300, 300) == 258
    assert image_tokens(providers["google"], 2048, 1536) == 1548


VISION = '''\
import base64
from pathlib import Path

from google import genai
from google.genai import types
from openai import AsyncOpenAI
from PIL import Image


def load_b64(path):
    return base64.b64encode(Path(path).read_bytes()).decode()


class Captioner:
    def __init__(self):
        self.client = AsyncOpenAI()
        self.gemini = genai.Client()

    async def caption(self, path: str) -> str:
        resp = await self.client.responses.create(
            model="gpt-4.1-mini",
            max_output_tokens=200,
            input=[{"role": "user", "content": [
                {"type": "input_text", "text": "Caption this photo."},
                {"type": "input_image", "image_url": f"data:image/png;base64,{load_b64(path)}"},
            ]}],
        )
        return resp.output_text

    def summarize_slide(self, path: str) -> str:
        with open(path, "rb") as f:
            data = f.read()
        return self.gemini.models.generate_content(
            model="gemini-2.5-flash",
            contents=[types.Part.from_bytes(data=data, mime_type="image/png"), "Summarize this slide in one line."],
            config={"max_output_tokens": 500},
        ).text

    def label(self, path: str) -> str:
        img = Image.open(path)
        return self.gemini.models.generate_content(model="gemini-2.5-flash", contents=["Label this image.", img], config={"max_output_tokens": 20}).text
'''


def test_la303_helpers_async_responses_and_gemini(project):
    r = project({"vision.py": VISION}, select=["LA303"])
    got = sorted((f.line, f.message.split(" sends ")[1][:40]) for f in r.findings)
    assert [line for line, _ in got] == [25, 35, 41]  # the input_image part, Part.from_bytes, the PIL image
    assert all(f.savings is not None and "assumption" in f.savings.basis for f in r.findings)


def test_la303_silent_when_the_task_reads_the_fine_print(project):
    # the same helpers asked to transcribe: low detail or a resize would lose the text the task reads
    src = VISION.replace("Summarize this slide in one line.", "Transcribe the text.").replace("Caption this photo.", "Extract the invoice fields as JSON.")
    r = project({"vision.py": src}, select=["LA303"])
    assert [f.line for f in r.findings] == [41]  # only the PIL image labelled with no reading task


def test_la303_look_alikes(project):
    src = '''\
    import base64
    import io

    import anthropic
    from openai import OpenAI
    from PIL import Image

    client = OpenAI()


    def shrink(path):
        img = Image.open(path)
        img.thumbnail((768, 768))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        return base64.b64encode(buf.getvalue()).decode()


    def run(path: str, url: str):
        with open(path, "rb") as f:
            raw = base64.b64encode(f.read()).decode()
        client.chat.completions.create(model="gpt-4o-mini", max_tokens=50, messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{raw}", "detail": "low"}},
            {"type": "image_url", "image_url": {"url": url}},
        ]}])
        anthropic.Anthropic().messages.create(model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": shrink(path)}},
        ]}])
    '''
    assert project({"a.py": src}, select=["LA303"]).findings == []


# ------------------------------------------------------------------------------ LA605

AGENT = '''\
import json

from openai import AsyncOpenAI


class Agent:
    def __init__(self, tools):
        self.client = AsyncOpenAI()
        self.tools = tools

    async def run(self, messages):
        done = False
        while not done:
            resp = await self.client.chat.completions.create(model="gpt-4o", messages=messages, tools=self.tools, max_tokens=800)
            choice = resp.choices[0]
            if choice.finish_reason == "tool_calls":
                for call in choice.message.tool_calls:
                    messages.append({"role": "tool", "tool_call_id": call.id, "content": json.dumps(self.call(call))})
            else:
                done = True
        return messages

    async def run_responses(self, items):
        while True:
            resp = await self.client.responses.create(model="gpt-4.1", input=items, tools=self.tools, max_output_tokens=800)
            calls = [o for o in resp.output if o.type == "function_call"]
            if not calls:
                return resp.output_text
            items += resp.output + [self.result(c) for c in calls]
'''


def test_la605_while_loops_in_async_methods(project):
    r = project({"agent.py": AGENT}, select=["LA605"])
    assert sorted((f.line, f.message.split("`")[1]) for f in r.findings) == [(13, "while not done:"), (24, "while True:")]


def test_la605_framework_bounds(project):
    src = '''\
    import math

    from langchain.agents import AgentExecutor, initialize_agent
    from langgraph.prebuilt import create_react_agent

    executor = AgentExecutor(agent=agent, tools=tools, max_iterations=None)
    timed = AgentExecutor(agent=agent, tools=tools, max_iterations=None, max_execution_time=60)
    legacy = initialize_agent(tools, llm, max_iterations=math.inf)
    graph = create_react_agent(llm, tools)
    graph.invoke({"messages": msgs}, config={"recursion_limit": 100000})
    ok = AgentExecutor(agent=agent, tools=tools, max_iterations=25)
    '''
    r = project({"a.py": src}, select=["LA605"])
    assert sorted(f.line for f in r.findings) == [6, 8, 10]


def test_la605_look_alikes(project):
    src = '''\
    import time

    from openai import OpenAI

    client = OpenAI()


    def bounded_by_clock(messages, tools, deadline):
        start = time.time()
        while True:
            if time.time() - start > deadline:
                raise TimeoutError
            resp = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools, max_tokens=500)
            if not resp.choices[0].message.tool_calls:
                return resp


    def bounded_by_range(messages, tools):
        for attempt in range(5):
            while True:
                resp = client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools, max_tokens=500)
                if not resp.choices[0].message.tool_calls:
                    return resp


    def polling(job):
        while job.running():
            client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": job.status()}], max_tokens=20)
    '''
    assert project({"a.py": src}, select=["LA605"]).findings == []


# ------------------------------------------------------------------------------ LA606

TRUNC = '''\
import anthropic
from google import genai


class Notes:
    def __init__(self):
        self.client = anthropic.AsyncAnthropic()
        self.gemini = genai.Client()
        self.summaries = []

    async def summarize(self, doc: str) -> None:
        msg = await self.client.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=[{"role": "user", "content": doc}])
        text = msg.content[0].text
        self.summaries.append(text)

    def title(self, doc: str) -> str:
        resp = self.gemini.models.generate_content(model="gemini-2.0-flash", contents=doc, config={"max_output_tokens": 20})
        return resp.text.strip()
'''


def test_la606_stored_and_returned_text(project):
    r = project({"notes.py": TRUNC}, select=["LA606"])
    got = sorted((f.line, f.message) for f in r.findings)
    assert [line for line, _ in got] == [12, 17]
    assert "stored (line 14)" in got[0][1] and 'msg.stop_reason == "max_tokens"' in got[0][1]
    assert "returned (line 18)" in got[1][1] and '"MAX_TOKENS"' in got[1][1]


def test_la606_look_alikes(project):
    src = '''\
    from openai import OpenAI

    client = OpenAI()


    def checked(q):
        resp = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}], max_tokens=100)
        choice = resp.choices[0]
        if choice.finish_reason != "stop":
            raise RuntimeError(choice.finish_reason)
        return choice.message.content


    def uncapped(q):
        return client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}]).choices[0].message.content


    def streamed(q):
        stream = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}], max_tokens=100, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in stream)


    def printed(q):
        resp = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": q}], max_tokens=100)
        print(resp.choices[0].message.content)
    '''
    assert project({"a.py": src}, select=["LA606"]).findings == []


def test_la606_answer_length_alone_and_a_few_indices_are_not_uses_of_a_cut_text(project):
    # a latency test keeps the answer's length, not its text; a re-ranker asks for only a few indices
    src = '''\
    import time
    import anthropic

    client = anthropic.Anthropic()


    def timed(prompt):
        start = time.time()
        resp = client.messages.create(model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": prompt}])
        return time.time() - start, resp.usage.output_tokens, len(resp.content[0].text)


    def rerank(query, summaries, k=3):
        prompt = f"{query}\\n{summaries}\\nOutput only the indices of {k} most relevant documents, separated by commas."
        resp = client.messages.create(model="claude-haiku-4-5", max_tokens=50, messages=[{"role": "user", "content": prompt}])
        return resp.content[0].text.split(",")


    def timed_with_text(prompt):
        start = time.time()
        resp = client.messages.create(model="claude-haiku-4-5", max_tokens=200, messages=[{"role": "user", "content": prompt}])
        text = resp.content[0].text
        return time.time() - start, len(text), text
    '''
    r = project({"perf.py": src}, select=["LA606"])
    assert [f.line for f in r.findings] == [21]  # only the test that also returns the text
