"""LA503 on the third and fourth fresh precision sets (docs/precision.md, "Session 13: LA503 on the
fresh sets"): what the loop's items come from and what its request reads. Each false class from real
code (a chain on the last answer, a few reasoning paths, literal demo items, prompt variants of one
task, the hits of one web search inside an agent tool) and a true batch candidate beside it."""

from __future__ import annotations

from datetime import date

from conftest import notebook

TODAY = date(2026, 12, 1)

SETUP = """
from langchain_openai import ChatOpenAI
from langchain.prompts import PromptTemplate

llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=400)
"""


def _la503(project, files):
    return [f for f in project(files, select=["LA503"], today=TODAY).findings if f.code == "LA503"]


# ---------------------------------------------------------------- a chain on the last answer
CHAIN = SETUP + """

def iterative_analysis(text, steps):
    result = text
    for step in steps:
        prompt = PromptTemplate(input_variables=["text"], template=f"Analyze the following text. {step}\\n\\nText: {{text}}")
        result = llm.invoke(prompt.format(text=FEED)).content
        KEEP
    return result
"""


def test_each_step_reads_the_previous_answer_is_a_chain(project):
    src = CHAIN.replace("FEED", "result").replace("KEEP", "pass")
    assert _la503(project, {"analysis.py": src}) == []


def test_each_step_on_its_own_text_is_reported(project):
    # the same loop over documents handed in: every request reads only its own item
    src = CHAIN.replace("FEED", "step").replace("KEEP", "print(result)")
    assert len(_la503(project, {"analysis.py": src})) == 1


FOLLOW_UP = SETUP + """
answer_prompt = PromptTemplate(input_variables=["question"], template="Answer the following question concisely:\\n{question}")
follow_up_prompt = PromptTemplate(input_variables=["question", "answer"], template="Based on '{question}' and '{answer}', ask a follow-up question.")


def dynamic_qa(questions, num_follow_ups=3):
    qa_chain = []
    current_question = questions[0]
    for _ in range(len(questions) * num_follow_ups):
        answer = (answer_prompt | llm).invoke({"question": current_question}).content
        qa_chain.append({"question": current_question, "answer": answer})
        current_question = (follow_up_prompt | llm).invoke({"question": current_question, "answer": answer}).content
    return qa_chain
"""


def test_a_follow_up_built_from_the_answer_is_a_chain(project):
    assert _la503(project, {"qa.py": FOLLOW_UP}) == []


def test_the_same_loop_over_independent_questions_is_reported(project):
    src = FOLLOW_UP.replace(
        "        current_question = (follow_up_prompt | llm).invoke(", "        current_question = questions[_ % len(questions)]\n        _unused = (follow_up_prompt | llm).invoke("
    )
    assert len(_la503(project, {"qa.py": src})) == 1


REFINE = SETUP + """

def generate_response(prompt):
    return llm.invoke(prompt).content


def refine_prompt(initial_prompt, topic, iterations):
    current_prompt = initial_prompt
    for i in range(iterations):
        response = generate_response(current_prompt.format(topic=topic))
        feedback = generate_response(f"Suggest improvements to the prompt that produced:\\n\\n{response}")
        refined_template = generate_response(f"Based on this feedback: '{feedback}', improve:\\n\\n{current_prompt.template}")
        current_prompt = PromptTemplate(input_variables=["topic"], template=refined_template)
    return current_prompt
"""


def test_a_prompt_refined_from_the_last_answer_through_a_wrapper_is_a_chain(project):
    assert _la503(project, {"refine.py": REFINE}) == []


# ---------------------------------------------------------------- a few reasoning paths
PATHS = SETUP + """

def generate_multiple_paths(problem, num_paths={n}):
    template = PromptTemplate(input_variables=["problem", "path_number"], template="Solve using a unique approach, path {{path_number}}: {{problem}}")
    paths = []
    for i in range(num_paths):
        chain = template | llm
        paths.append(chain.invoke({{"problem": problem, "path_number": i + 1}}).content)
    return paths
"""


def test_three_reasoning_paths_by_default_are_not_a_batch(project):
    assert _la503(project, {"paths.py": PATHS.format(n=3)}) == []


def test_two_hundred_synthetic_samples_are_batch_work(project):
    assert len(_la503(project, {"paths.py": PATHS.format(n=200)})) == 1


# ---------------------------------------------------------------- literal demo items, prompt variants
TRANSLATIONS = SETUP + """
translation_prompt = PromptTemplate(input_variables=["source_lang", "target_lang", "text"], template="Translate from {source_lang} to {target_lang}: {text}")

translations = ITEMS

for t in translations:
    response = llm.invoke(translation_prompt.format(**t))
    print(f"From {t['source_lang']} to {t['target_lang']}:", response.content)
"""


def test_three_literal_translation_examples_are_a_demo(project):
    # target_lang is not a gold answer: the three dicts are demo inputs, not an eval set
    items = """[
    {"source_lang": "English", "target_lang": "French", "text": "The quick brown fox jumps over the lazy dog."},
    {"source_lang": "Spanish", "target_lang": "German", "text": "La vida es bella."},
    {"source_lang": "Japanese", "target_lang": "English", "text": "Sakura are in full bloom."},
]"""
    cells = [SETUP, TRANSLATIONS[len(SETUP):].replace("ITEMS", items)]
    assert _la503(project, {"multilingual.ipynb": notebook(*cells)}) == []


def test_translations_read_from_a_file_are_reported(project):
    items = 'pd.read_csv("segments.csv").to_dict("records")'
    src = "import pandas as pd\n" + TRANSLATIONS.replace("ITEMS", items)
    assert len(_la503(project, {"translate.py": src})) == 1


COMPARE = SETUP + """

def automated_evaluation(prompt, response, expected_content):
    return {{"relevance": similarity(response, expected_content)}}


def compare_prompts(prompts, expected_content):
    results = []
    for prompt in prompts:
        response = llm.invoke(prompt).content
        results.append({{"prompt": prompt, **automated_evaluation(prompt, response, expected_content)}})
    return sorted(results, key=lambda x: x["relevance"], reverse=True)


prompts = {prompts}
compare_prompts(prompts, "The main types of machine learning are supervised, unsupervised and reinforcement learning.")
"""


def test_prompt_variants_of_one_task_handed_to_a_helper_are_not_a_batch(project):
    prompts = '["List the types of machine learning.", "What are the main categories of ML algorithms?", "Explain the approaches to ML."]'
    assert _la503(project, {"compare.py": COMPARE.format(prompts=prompts)}) == []


def test_prompts_loaded_from_a_file_and_handed_to_the_helper_are_reported(project):
    src = "import json\n" + COMPARE.format(prompts='json.load(open("prompts.json"))')
    assert len(_la503(project, {"compare.py": src})) == 1


NESTED_CALLERS = SETUP + """

def compare_prompts(prompts, expected_content):
    return [llm.invoke(p).content for p in prompts]


class PromptLab:
    def run(self):
        def round_one():
            prompts = ["List the types of machine learning.", "Explain the approaches to ML."]
            return compare_prompts(prompts, "supervised, unsupervised, reinforcement")

        def round_two():
            prompts = {second}
            return compare_prompts(prompts, "supervised, unsupervised, reinforcement")

        return round_one() + round_two()
"""


def test_variants_named_in_the_innermost_function_of_each_call_are_read_there(project):
    # each call's own (innermost) function binds `prompts`: both literal lists, a demo of variants
    src = NESTED_CALLERS.format(second='["What are the main categories of ML algorithms?"]')
    assert _la503(project, {"lab.py": src}) == []


def test_one_call_of_several_handing_in_loaded_prompts_is_reported(project):
    src = "import json\n" + NESTED_CALLERS.format(second='json.load(open("prompts.json"))')
    assert len(_la503(project, {"lab.py": src})) == 1


# ---------------------------------------------------------------- the hits of one web search
SEARCH_TOOL = """
import json

import boto3
from duckduckgo_search import DDGS

bedrock = boto3.client("bedrock-runtime")


def _summarize_content(content, title, url, query):
    prompt = f"Summarize the following content about '{query}' from {title} ({url}):\\n\\n{content[:8000]}"
    response = bedrock.invoke_model(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        body=json.dumps({"anthropic_version": "bedrock-2023-05-31", "max_tokens": 800, "messages": [{"role": "user", "content": prompt}]}),
    )
    return json.loads(response["body"].read())["content"][0]["text"].strip()


def _search_with_duckduckgo(query, time_limit, region):
    with DDGS() as ddgs:
        results = list(ddgs.text(keywords=query, region=region, timelimit=time_limit, max_results=20))
    summarized_results = []
    for result in {items}:
        summary = _summarize_content(result["body"], result["title"], result["href"], query)
        summarized_results.append({"content": summary, "source_name": result["title"], "source_link": result["href"]})
    return summarized_results
"""


def test_summarising_each_hit_of_one_search_is_not_batch_work(project):
    assert _la503(project, {"tools/internet_search.py": SEARCH_TOOL.replace("{items}", "results")}) == []


def test_summarising_each_stored_page_is_reported(project):
    # the same helper over pages a crawler stored: offline work over data of unknown size
    src = SEARCH_TOOL.replace("{items}", 'json.load(open("crawl/pages.json"))')
    assert len(_la503(project, {"tools/internet_search.py": src})) == 1


DAILY = SETUP + """

def summarize(record):
    return llm.invoke(f"Summarize the patient record as JSON with action_items:\\n{record}").content


def generate_daily_action_items(patient_records):
    for record in patient_records:
        print(summarize(record))


patient_records = ["Patient: A. Lee, 54. Type 2 diabetes ...", "Patient: M. Ortiz, 31. Asthma ...", "Patient: J. Chen, 72. Hypertension ..."]
generate_daily_action_items(patient_records)
"""


def test_a_few_sample_records_handed_to_a_daily_job_are_still_reported(project):
    # the items are records (the job's data, three samples in the demo), not variants of one request
    assert len(_la503(project, {"daily.py": DAILY})) == 1


PAGES = """
from openai import OpenAI

client = OpenAI()


def describe(image_bytes):
    return client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": f"Describe this table: {image_bytes!r}"}]).choices[0].message.content


def parse_all_tables(page, ongoing_tables):
    docs = []
    for tab in page.find_tables():
        docs.append(describe(tab.image))
    return docs, [], ongoing_tables


def process_pdf(pdf):
    ongoing_tables = []
    out = []
    for page in pdf:
        table_docs, bboxes, ongoing_tables = parse_all_tables(page, ongoing_tables)
        out.extend(table_docs)
    return out
"""


def test_state_threaded_through_a_helpers_tuple_is_no_chain(project):
    # ongoing_tables comes back unchanged from the helper: each table's description is independent
    assert len(_la503(project, {"pdf.py": PAGES})) == 1
