"""LA503 on the recall corpus (docs/precision.md, "Session 14: the loop and text rules on the recall
corpus"): four loop shapes judged false there, each beside the true batch candidate it resembles.

- a literal list of *names* bound to literals (``for modelId in [titan, llama3, mistral, claude3]``,
  ``[review_1, review_2, review_3]``) is a handful of variants like a list of literals;
- ``json_list[:1]`` (a literal slice of one item) runs one request, nothing to group;
- a conversation whose answers are appended to a list the next prompt is built from is a chain;
- ``start = time(); ...; end = time(); end - start`` times each request (a latency comparison).
"""

from __future__ import annotations

import json
from datetime import date

from conftest import notebook

TODAY = date(2026, 12, 1)

BEDROCK = """
import boto3
bedrock = boto3.client("bedrock-runtime")

def ask(model_id, prompt):
    response = bedrock.converse(modelId=model_id, messages=[{"role": "user", "content": [{"text": prompt}]}],
                                inferenceConfig={"maxTokens": 300})
    return response["output"]["message"]["content"][0]["text"]
"""


def _la503(project, files):
    return [f for f in project(files, select=["LA503"], today=TODAY).findings if f.code == "LA503"]


# ---------------------------------------------------------------- names bound to literals
def test_models_named_by_constants_are_variants(project):
    nb = notebook(
        BEDROCK,
        'titan = "amazon.titan-text-express-v1"\nllama3 = "meta.llama3-8b-instruct-v1:0"\nclaude3 = "anthropic.claude-3-haiku-20240307-v1:0"\nPROMPT = "Explain RAG in two sentences."',
        "for model_id in [titan, llama3, claude3]:\n    print(model_id, ask(model_id, PROMPT))",
    )
    assert _la503(project, {"compare.ipynb": json.dumps(nb)}) == []


def test_reviews_written_in_the_notebook_are_a_demo(project):
    nb = notebook(
        BEDROCK,
        'review_1 = "The panda lamp arrived quickly and works."\nreview_2 = "The blender is loud but strong."\nreview_3 = "Great toothbrush, long battery life."\nreviews = [review_1, review_2, review_3]',
        'for i in range(len(reviews)):\n    print(ask("anthropic.claude-3-haiku-20240307-v1:0", f"Summarize in 20 words: {reviews[i]}"))',
    )
    nb2 = notebook(
        BEDROCK,
        'review_1 = "The panda lamp arrived quickly and works."\nreview_2 = "The blender is loud but strong."\nreview_3 = "Great toothbrush, long battery life."',
        'for review in [review_1, review_2, review_3]:\n    print(ask("anthropic.claude-3-haiku-20240307-v1:0", f"Summarize in 20 words: {review}"))',
    )
    assert _la503(project, {"summ.ipynb": json.dumps(nb2)}) == []
    assert _la503(project, {"summ.ipynb": json.dumps(nb)}) == []  # range(len(reviews)): the indices of the literal list


def test_names_bound_to_records_read_from_a_file_stay_data(project):
    src = BEDROCK + """
import json
first = json.load(open("a.json"))
second = json.load(open("b.json"))

def label_all():
    out = []
    for record in [first, second]:
        out.append(ask("anthropic.claude-3-haiku-20240307-v1:0", f"Label this record: {record}"))
    return out


def label_file(path):
    out = []
    for line in open(path):
        out.append(ask("anthropic.claude-3-haiku-20240307-v1:0", f"Label this record: {line}"))
    return out
"""
    found = _la503(project, {"label.py": src})
    assert len(found) == 2  # two records read from files are data like the lines of one: only literals make variants


# ---------------------------------------------------------------- a literal slice of a dataset
SLICE = BEDROCK + """
import json
json_list = [json.loads(line) for line in open("test.jsonl")]

def run(items):
    for i, example in enumerate(items):
        print(ask("anthropic.claude-3-haiku-20240307-v1:0", example["question"]))

"""


def test_the_first_item_of_a_dataset_is_a_demo(project):
    src = SLICE.replace("def run(items):\n    for i, example in enumerate(items):", "def run():\n    for i, example in enumerate(json_list[:1]):")
    assert _la503(project, {"demo.py": src}) == []


def test_a_slice_of_several_items_is_still_data(project):
    # judged true on the 21-repo corpus: the three best moments of a search, described in one request each
    for cut in ("json_list[:3]", "json_list[:500]"):
        src = SLICE.replace("def run(items):\n    for i, example in enumerate(items):", f"def run():\n    for i, example in enumerate({cut}):")
        assert len(_la503(project, {"demo.py": src})) == 1, cut
    src = SLICE.replace("def run(items):\n    for i, example in enumerate(items):", "def run(n):\n    for i, example in enumerate(json_list[:n]):")
    assert len(_la503(project, {"demo.py": src})) == 1


# ---------------------------------------------------------------- answers appended to the next prompt
CONVERSATION = BEDROCK + """

def engineer_prompt(user_input, history):
    return "\\n".join(history) + "\\nUser: " + user_input


def converse_all(user_inputs):
    history = []
    for user_input in user_inputs:
        prompt = engineer_prompt(user_input, HISTORY)
        reply = ask("anthropic.claude-3-haiku-20240307-v1:0", prompt)
        history.append(reply)
        print(reply)
    return history
"""


def test_a_conversation_built_from_appended_answers_is_a_chain(project):
    assert _la503(project, {"chat.py": CONVERSATION.replace("HISTORY", "history")}) == []


def test_answers_collected_but_not_sent_again_stay_a_batch(project):
    assert len(_la503(project, {"chat.py": CONVERSATION.replace("HISTORY", "[]")})) == 1


# ---------------------------------------------------------------- timing through names
TIMED = BEDROCK + """
from time import time

def compare(prompts):
    for prompt in prompts:
        start = time()
        answer = ask("anthropic.claude-3-haiku-20240307-v1:0", prompt)
        end = time()
        print(f"Response time: {int(ELAPSED)} second(s)", answer)
"""


def test_a_request_timed_through_names_is_a_benchmark(project):
    assert _la503(project, {"timed.py": TIMED.replace("ELAPSED", "end - start")}) == []


def test_a_clock_read_that_times_nothing_stays_reported(project):
    # the names are read, but no elapsed time is measured (the clock only stamps the output)
    assert len(_la503(project, {"timed.py": TIMED.replace("ELAPSED", "end")})) == 1


# ---------------------------------------------------------------- the documents retrieved for one question
RETRIEVAL = """
from langchain_openai import ChatOpenAI
from langchain.prompts import PromptTemplate

llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=400)
explain = PromptTemplate.from_template("Explain why this context answers the query.\\nQuery: {query}\\nContext: {context}") | llm


class ExplainableRetriever:
    def __init__(self, vectorstore):
        self.retriever = vectorstore.as_retriever(search_kwargs={"k": 5})

    def retrieve_and_explain(self, query):
        docs = DOCS
        out = []
        for doc in docs:
            out.append(explain.invoke({"query": query, "context": doc.page_content}).content)
        return out
"""


def test_explaining_each_retrieved_document_waits_for_one_question(project):
    for docs in ("self.retriever.get_relevant_documents(query)", "self.retriever.invoke(query)"):
        assert _la503(project, {"explain.py": RETRIEVAL.replace("DOCS", docs)}) == [], docs


def test_documents_loaded_from_a_folder_stay_batch_work(project):
    src = RETRIEVAL.replace("DOCS", "DirectoryLoader(query).load()").replace("from langchain.prompts", "from langchain_community.document_loaders import DirectoryLoader\nfrom langchain.prompts")
    assert len(_la503(project, {"explain.py": src})) == 1


# ---------------------------------------------------------------- the function calls of one response
TOOLS = """
from google import genai
client = genai.Client()

def lookup(q):
    return client.models.generate_content(model="gemini-2.5-flash", contents=f"Find the store for {q}").text

def answer(response):
    parts = []
    for call in response.ITEMS:
        parts.append(lookup(call.args["q"]))
    return parts
"""


def test_the_function_calls_of_a_response_are_one_turn(project):
    assert _la503(project, {"tools.py": TOOLS.replace("ITEMS", "function_calls")}) == []


def test_the_rows_of_a_response_object_stay_data(project):
    assert len(_la503(project, {"tools.py": TOOLS.replace("ITEMS", "rows")})) == 1
