"""Session 17 (branch prec17a): the flow and call-site rules below 90% on the ten precision sets
(docs/precision.md, "Session 17: LA503, LA105, LA601, LA602, LA103, LA301"). Each false class read
from real code, reshaped, with the true shape beside it that must still be reported."""

from __future__ import annotations

from datetime import date

from conftest import notebook

TODAY = date(2026, 12, 1)


def _found(project, files, code):
    return [f for f in project(files, select=[code], today=TODAY).findings if f.code == code]


# ---------------------------------------------------------------- LA503: evals read from the loop
EVAL_LOOP = """
import json
from openai import OpenAI

client = OpenAI(api_key="k", base_url="https://api.fireworks.ai/inference/v1")


def run_eval(model_id, eval_file, score_fn):
    data = [json.loads(line) for line in open(eval_file)]
    scores = []
    for i, entry in enumerate(data):
        msgs = [m for m in entry["messages"] if m["role"] != "assistant"]
        resp = client.chat.completions.create(model=model_id, messages=msgs, temperature=0.0, max_tokens=512)
        content = resp.choices[0].message.content
        USE
    return scores
"""


def test_answers_scored_by_a_score_function_are_an_eval(project):
    # no Batch API for this host, and grouping items would change what is scored
    src = EVAL_LOOP.replace("USE", "scores.append(score_fn(content, entry.get('row')))")
    assert _found(project, {"evals/run.py": src}, "LA503") == []


def test_answers_only_collected_stay_batch_work(project):
    src = EVAL_LOOP.replace("USE", "scores.append(content)")
    assert len(_found(project, {"evals/run.py": src}, "LA503")) == 1


JUDGE = """
import asyncio
import instructor
import openai

client = instructor.patch(openai.AsyncOpenAI(base_url="https://api.fireworks.ai/inference/v1"))


class Evaluator:
    async def NAME(self, row):
        message = f"{row.prompt}\\nModel A:\\n{row.a}\\nModel B:\\n{row.b}"
        return await client.chat.completions.create(model="accounts/fireworks/models/llama-v3p1-70b-instruct", messages=[{"role": "user", "content": message}])

    async def judge(self, merged_df):
        return await asyncio.gather(*[self.NAME(row) for _, row in merged_df.iterrows()])
"""


def test_a_judge_request_per_row_is_an_eval(project):
    assert _found(project, {"model_management/eval.py": JUDGE.replace("NAME", "judge_row")}, "LA503") == []


def test_a_rewrite_request_per_row_stays(project):
    assert len(_found(project, {"model_management/eval.py": JUDGE.replace("NAME", "rewrite_row")}, "LA503")) == 1


PAIRS = """
from openai import OpenAI

client = OpenAI(api_key="k", base_url="https://api.fireworks.ai/inference/v1")


def evaluate_responses(references, generated):
    results = []
    for ref, gen in zip(ITEMS):
        user = str({"question": gen["question"], "generated_answer": gen["answer"], "reference_answer": ref["answer"]})
        r = client.chat.completions.create(model="accounts/fireworks/models/llama-v3p1-70b-instruct", messages=[{"role": "user", "content": user}])
        results.append(r.choices[0].message.content)
    return results
"""


def test_reference_pairs_judged_one_by_one_are_an_eval(project):
    assert _found(project, {"rag/evaluate.py": PAIRS.replace("ITEMS", "references, generated")}, "LA503") == []


def test_pairs_without_a_reference_stay(project):
    assert len(_found(project, {"rag/evaluate.py": PAIRS.replace("ITEMS", "questions, generated")}, "LA503")) == 1


def test_an_eval_through_openrouter_is_not_offered_openais_batch_api(project):
    # OpenRouter forwards "openai/gpt-4.1" to OpenAI, but has no Batch API of its own
    src = EVAL_LOOP.replace("https://api.fireworks.ai/inference/v1", "https://openrouter.ai/api/v1").replace("model=model_id", 'model="openai/gpt-4.1"')
    src = src.replace("USE", "scores.append(score_fn(content, entry.get('row')))")
    assert _found(project, {"evals/run.py": src}, "LA503") == []


# ---------------------------------------------------------------- LA503: an archive the loop grows
ARCHIVE = """
import json
from openai import OpenAI

client = OpenAI()


def get_response(prompt, msg_history):
    r = client.chat.completions.create(model="gpt-4o", max_tokens=800, messages=msg_history + [{"role": "user", "content": prompt}])
    text = r.choices[0].message.content
    return text, msg_history + [{"role": "assistant", "content": text}]


def generate_ideas(seed_ideas, task, max_num_generations=20):
    archive = [json.dumps(s) for s in seed_ideas]
    for _ in range(max_num_generations):
        BUILD
        msg_history = []
        text, msg_history = get_response(f"{task}\\nPrevious ideas:\\n{prev_ideas}\\nPropose a new idea.", msg_history)
        archive.append(text)
    return archive
"""


def test_each_generation_reads_the_archive_of_earlier_ones(project):
    src = ARCHIVE.replace("BUILD", 'prev_ideas = "\\n\\n".join(archive)')
    assert _found(project, {"ideas.py": src}, "LA503") == []


def test_a_list_rebuilt_every_pass_is_not_an_archive(project):
    src = ARCHIVE.replace("BUILD", 'parts = []\n        parts.append(task)\n        prev_ideas = "\\n".join(parts)').replace("range(max_num_generations)", "seed_ideas").replace("{task}", "{_}")
    assert len(_found(project, {"ideas.py": src}, "LA503")) == 1


# ---------------------------------------------------------------- LA503: literal items through names
def test_literal_reviews_named_through_another_name_are_demo_items(project):
    nb = notebook(
        """
        from openai import OpenAI
        client = OpenAI()

        def get_completion(prompt, model="gpt-4o-mini"):
            r = client.chat.completions.create(model=model, messages=[{"role": "user", "content": prompt}], max_tokens=100)
            return r.choices[0].message.content
        """,
        'prod_review = """Got this panda plush toy for my daughter\'s birthday."""',
        """
        review_1 = prod_review
        review_2 = \"\"\"Needed a nice lamp for my bedroom.\"\"\"
        review_3 = \"\"\"My dental hygienist recommended an electric toothbrush.\"\"\"
        reviews = [review_1, review_2, review_3]
        """,
        """
        for i in range(len(reviews)):
            response = get_completion(f"Summarize the review in at most 20 words: ```{reviews[i]}```")
            print(i, response)
        """,
        """
        rows = load_rows()
        texts = [r["text"] for r in rows]
        for i in range(len(texts)):
            print(get_completion(f"Summarize: {texts[i]}"))
        """,
    )
    found = _found(project, {"summarizing.ipynb": nb}, "LA503")
    assert [(f.cell, f.line) for f in found] == [(4, 5)]  # only the loop over loaded rows


def test_range_of_a_small_literal_is_a_handful_of_samples(project):
    src = """
    import random
    from mistralai import Mistral

    client = Mistral(api_key="k")

    def generate_query(denied=False):
        prompt = "Generate a detailed query for an auto insurance claim." + (" Include a reason for denial." if denied else "")
        r = client.chat.complete(model="mistral-small-latest", messages=[{"role": "user", "content": prompt}], max_tokens=200)
        return r.choices[0].message.content

    demo = []
    for i in range(10):  # "10 queries for simplicity"
        denied = random.random() < 0.4
        demo.append(generate_query(denied))
    dataset = []
    for i in range(500):
        denied = random.random() < 0.4
        dataset.append(generate_query(denied))
    """
    found = _found(project, {"make_data.py": src}, "LA503")
    assert [f.line for f in found] == [19]


# ---------------------------------------------------------------- LA503: graph state, streams, agents
GRAPH = """
from langchain_openai import ChatOpenAI
from langchain_core.prompts import ChatPromptTemplate

llm = ChatOpenAI(model="gpt-4o-mini", temperature=0)
grader = ChatPromptTemplate.from_messages([("system", "Grade relevance: yes or no."), ("human", "Document: {document}\\nQuestion: {question}")]) | llm


def retrieve(state):
    question = state["question"]
    documents = FILL
    return {"documents": documents, "question": question}


def grade_documents(state):
    question = state["question"]
    documents = state["documents"]
    kept = []
    for d in documents:
        score = grader.invoke({"question": question, "document": d.page_content})
        if score.content == "yes":
            kept.append(d)
    return {"documents": kept, "question": question}
"""


def test_documents_a_retriever_put_into_graph_state_are_one_questions_hits(project):
    assert _found(project, {"crag.py": GRAPH.replace("FILL", "retriever.invoke(question)")}, "LA503") == []


def test_documents_loaded_into_graph_state_stay_data(project):
    assert len(_found(project, {"crag.py": GRAPH.replace("FILL", "load_corpus(question)")}, "LA503")) == 1


STREAM = """
from openai import AsyncAzureOpenAI

client = AsyncAzureOpenAI()


async def send_chat_request(body):
    response = await client.chat.completions.create(model="gpt-4o", messages=body["messages"], stream=SETTINGS.stream)
    return response, "request-id"


async def stream_chat_request(body):
    response, rid = await send_chat_request(body)

    async def generate():
        async for chunk in response:
            if chunk.choices and chunk.choices[0].finish_reason == "tool_calls":
                body["messages"].extend(run_tools(chunk))
                follow, rid2 = await send_chat_request(body)
                async for c in follow:
                    yield c
            else:
                yield chunk

    return generate()


async def label_all(bodies):
    return [await send_chat_request(body) for body in bodies]
"""


def test_a_loop_over_the_streamed_answer_continues_one_request(project):
    found = _found(project, {"app.py": STREAM}, "LA503")
    assert [f.line for f in found] == [29]  # only the comprehension over many bodies


AGENT_PASS = """
from openai import OpenAI


class LMSystem:
    def __init__(self):
        self.client = OpenAI()

    def generate(self, prompt):
        r = self.client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": prompt}])
        return r.choices[0].message.content

    def generate_with_tools(self, prompt, tools):
        messages = [{"role": "user", "content": prompt}]
        while True:
            r = self.client.chat.completions.create(model="gpt-4o", messages=messages, tools=tools)
            msg = r.choices[0].message
            if not msg.tool_calls:
                return msg.content
            messages.append(msg)
            for tool_call in msg.tool_calls:
                messages.append({"role": "tool", "tool_call_id": tool_call.id, "content": run_tool(tool_call)})


lm = LMSystem()
for row in load_queries():
    plain = lm.generate(row["query"])
    AGENT
    print(plain)
"""


def test_a_pass_that_also_runs_an_agent_is_an_agent_benchmark(project):
    src = AGENT_PASS.replace("AGENT", 'agentic = lm.generate_with_tools(row["query"], TOOLS)')
    assert _found(project, {"bench.py": src}, "LA503") == []


def test_a_pass_of_plain_requests_stays(project):
    src = AGENT_PASS.replace("AGENT", 'other = lm.generate("Translate: " + row["query"])')
    assert len(_found(project, {"bench.py": src}, "LA503")) == 1


# ---------------------------------------------------------------- LA105: samples read by a wrapper's caller
SAMPLES = """
import openai
from tenacity import retry, stop_after_attempt


@retry(stop=stop_after_attempt(6))
def completion_with_backoff(**kwargs):
    return openai.ChatCompletion.create(**kwargs)


def generate_and_print(system_prompt, user_prompt, n=5):
    messages = [{"role": "system", "content": system_prompt}, {"role": "user", "content": user_prompt}]
    responses = completion_with_backoff(model="gpt-3.5-turbo", messages=messages, n=n)
    READ


generate_and_print("You are a helpful assistant.", "Generate a support question from a W&B user", n=3)
"""


def test_every_sample_the_wrapper_returns_is_read_by_the_caller(project):
    src = SAMPLES.replace("READ", "for response in responses.choices:\n        print(response.message.content)")
    assert _found(project, {"generation.py": src}, "LA105") == []


def test_the_callers_first_sample_only_is_reported(project):
    src = SAMPLES.replace("READ", "print(responses.choices[0].message.content)")
    assert len(_found(project, {"generation.py": src}, "LA105")) >= 1


# ---------------------------------------------------------------- LA601: one bare number
SCORE = """
import re
from openai import OpenAI

client = OpenAI()


def rate(passage, query):
    r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=3, messages=[{"role": "user", "content": f"Respond with only a number from 0-100: how relevant is {passage} to {query}?"}])
    text = r.choices[0].message.content
    m = re.search(PATTERN, text)
    return int(m.group(1)) if m else 0
"""


def test_a_regex_for_one_bare_number_reads_any_prose(project):
    assert _found(project, {"rerank.py": SCORE.replace("PATTERN", "r'\\b(\\d{1,3})\\b'")}, "LA601") == []


def test_a_labelled_score_is_still_a_parse(project):
    assert len(_found(project, {"rerank.py": SCORE.replace("PATTERN", "r'Score: (\\d+)'")}, "LA601")) == 1


# ---------------------------------------------------------------- LA602: bounded by a budget, called once
ASSISTANT = """
import anthropic

MAX_CONVERSATION_TOKENS = 200000


class Assistant:
    def __init__(self):
        self.client = anthropic.Anthropic()
        self.conversation_history = []
        self.total_tokens_used = 0
        self.max_tokens = 4000

    def chat(self, user_input):
        self.conversation_history.append({"role": "user", "content": user_input})
        if self.max_tokens > 8192:
            self.max_tokens = 8192
        response = self.client.messages.create(model="claude-sonnet-4-5", max_tokens=self.max_tokens, messages=self.conversation_history)
        self.total_tokens_used += response.usage.input_tokens + response.usage.output_tokens
        GUARD
        self.conversation_history.append({"role": "assistant", "content": response.content})
        return response.content[0].text


def main():
    a = Assistant()
    while True:
        print(a.chat(input("> ")))
"""


def test_a_conversation_stopped_at_a_token_budget_is_bounded(project):
    src = ASSISTANT.replace("GUARD", 'if self.total_tokens_used >= MAX_CONVERSATION_TOKENS:\n            return "Token limit reached! Type reset."')
    assert _found(project, {"ce.py": src}, "LA602") == []


def test_a_cap_check_is_no_budget(project):
    src = ASSISTANT.replace("GUARD", "print(self.total_tokens_used)")
    assert len(_found(project, {"ce.py": src}, "LA602")) == 1


CONVERSATION = """
import anthropic

client = anthropic.Anthropic()


class Conversation:
    def __init__(self, system=""):
        self.messages = []
        self.system = system

    def generate(self, user_question):
        self.messages.append({"role": "user", "content": user_question})
        response = client.messages.create(model="claude-haiku-4-5", max_tokens=500, system=self.system, messages=self.messages)
        self.messages.append({"role": "assistant", "content": response.content[0].text})
        return response


conv = Conversation("You are a terse expert in high fantasy literature.")
response = conv.generate("Who wrote the book Lord of the Rings?")
print(conv.messages)
"""


def test_a_conversation_asked_once_grows_nothing(project):
    assert _found(project, {"demo.py": CONVERSATION}, "LA602") == []


def test_a_conversation_asked_in_a_loop_is_reported(project):
    src = CONVERSATION + 'while True:\n    conv.generate(input("> "))\n'
    assert len(_found(project, {"demo.py": src}, "LA602")) == 1


# ---------------------------------------------------------------- LA103: the client renames the field
GROQ = """
import os
from IMPORT import ChatOpenAI

llm = ChatOpenAI(openai_api_base="https://api.groq.com/openai/v1", openai_api_key=os.environ["GROQ_API_KEY"], model_name="llama3-8b-8192", temperature=0, max_tokens=1000)
print(llm.invoke("Who wrote Dune?").content)
"""


def test_langchain_openai_sends_max_tokens_as_max_completion_tokens(project):
    assert _found(project, {"rag.py": GROQ.replace("IMPORT", "langchain_openai")}, "LA103") == []


def test_the_community_client_sends_max_tokens_to_groq(project):
    assert len(_found(project, {"rag.py": GROQ.replace("IMPORT", "langchain_community.chat_models")}, "LA103")) == 1


# ---------------------------------------------------------------- LA301: chain.batch(inputs)
FRAME = """
import json
import pandas as pd
from langchain_openai import ChatOpenAI
from langchain_core.prompts import ChatPromptTemplate

prompt = ChatPromptTemplate.from_messages([("system", "Improve the tool descriptions."), ("user", "APIs: {apis}\\nFailure: {failure}")])
chain = prompt | ChatOpenAI(model="gpt-4o", max_tokens=500)

df: pd.DataFrame = pd.read_csv("results.csv")
df = df[df["precision"] < 1]


def format_inputs(series):
    return {"apis": "x", "failure": json.dumps({"query": series["query"]})}


SEND
"""


def test_rows_handed_to_batch_are_one_request_each(project):
    src = FRAME.replace("SEND", "inputs = df.apply(format_inputs, axis=1).tolist()\nupdates = chain.batch(inputs)")
    assert _found(project, {"improve.py": src}, "LA301") == []


def test_a_frame_rendered_into_one_invoke_is_reported(project):
    src = FRAME.replace("SEND", 'one = chain.invoke({"apis": "x", "failure": df.to_string()})')
    assert len(_found(project, {"improve.py": src}, "LA301")) == 1
