"""Fresh set 7 (prec13b): call-site and config classes, each a true case beside a look-alike that stays
silent (or the reverse). Shaped like AutoRAG legacy/ (tests/resources/result_project/best.yaml,
sample_config/.../simple_azure_openai.yaml, autorag/nodes/generator/minimax_llm.py)."""

from __future__ import annotations

from conftest import codes

AUTORAG_CONFIG = """\
node_lines:
  - node_line_name: post_retrieve_node_line
    nodes:
      - node_type: prompt_maker
        modules:
          - module_type: fstring
            prompt: "Read the passages and answer the given question. Question: {query} Passage: {retrieved_contents} Answer: "
      - node_type: generator
        strategy:
          metrics: [bleu, rouge]
        modules:
          - module_type: llama_index_llm
            llm: openai
            model: gpt-3.5-turbo-16k
            temperature: 0.1
"""


def test_la402_a_test_resource_config_is_read_back_never_run(project):
    result = project({"tests/resources/result_project/best.yaml": AUTORAG_CONFIG,
                      "tests/fixtures/result_project/best.yaml": AUTORAG_CONFIG,  # an end-to-end fixture: reported
                      "sample_config/rag/simple_openai.yaml": AUTORAG_CONFIG}, select=["LA402"])
    assert sorted(f.path for f in result.findings if f.code == "LA402") == [
        "sample_config/rag/simple_openai.yaml", "tests/fixtures/result_project/best.yaml"]


AZURE_BLOCK = AUTORAG_CONFIG.replace("            llm: openai\n            model: gpt-3.5-turbo-16k\n", (
    "            llm: azure_openai\n            model: gpt-4o-mini  # Your model name\n"
    "            engine: your-gpt4o-mini-deployment  # Your Azure deployment name\n"
    "            azure_endpoint: ${AZURE_OPENAI_ENDPOINT}\n            api_version: \"2024-02-01\"\n"))


def test_la402_an_autorag_azure_block_is_the_deployments_label(project):
    result = project({"sample_config/simple_azure_openai.yaml": AZURE_BLOCK,
                      "sample_config/simple_openai.yaml": AZURE_BLOCK.replace("llm: azure_openai", "llm: openai")}, select=["LA402"])
    msgs = {f.path: f.message for f in result.findings if f.code == "LA402"}
    assert "labels the Azure deployment `your-gpt4o-mini-deployment`" in msgs["sample_config/simple_azure_openai.yaml"]
    assert "developers.openai.com" in msgs["sample_config/simple_openai.yaml"] and "Azure" not in msgs["sample_config/simple_openai.yaml"]


GENERATOR = '''
import asyncio

from openai import AsyncOpenAI

API_BASE = "{base}"


class Generator:
    def __init__(self, llm: str, **kwargs):
        self.llm = llm
        base_url = kwargs.pop("base_url", API_BASE)
        self.client = AsyncOpenAI(base_url=base_url)

    def run(self, prompts):
        loop = asyncio.get_event_loop()
        tasks = [self.get_result(prompt) for prompt in prompts]
        return loop.run_until_complete(asyncio.gather(*tasks))

    async def get_result(self, prompt):
        r = await self.client.chat.completions.create(model=self.llm, messages=[{{"role": "user", "content": prompt}}], max_tokens=512)
        return r.choices[0].message.content
'''


def test_la503_another_vendors_host_offers_no_openai_batch_api(project):
    result = project({"minimax_llm.py": GENERATOR.format(base="https://api.minimax.io/v1"),
                      "openai_llm.py": GENERATOR.format(base="https://api.openai.com/v1")}, select=["LA503"])
    assert [(f.path, f.code) for f in result.findings] == [("openai_llm.py", "LA503")]
    assert "OpenAI Batch API" in result.findings[0].message


COORDINATOR = '''
from google.adk.agents import LlmAgent

COORDINATOR_PROMPT = """
Role: Act as a specialized financial advisory assistant. Guide the user through the steps below by calling the sub-agents.

* Execution Strategy (Subagent: execution_analyst)
  Action: Call the execution_analyst subagent with the selected strategy.
  Expected Output: The execution_analyst subagent MUST generate a detailed execution plan for the selected trading strategy.
* Campaign (Subagent: marketing_create)
  * **Expected Output:** The `marketing_create` subagent should produce a comprehensive online marketing campaign strategy.
* Summary: When the sub-agents are done, provide a comprehensive summary of the plan for the user.
"""

root_agent = LlmAgent(name="financial_coordinator", model="gemini-2.5-pro", instruction=COORDINATOR_PROMPT)
'''

ANALYST = '''
from google.adk.agents import LlmAgent

EXECUTION_ANALYST_PROMPT = """
Requested Output: Detailed Execution Strategy Analysis

Provide a comprehensive analysis structured as follows. For each section, give the reasoning behind it.

I. Foundational Execution Philosophy:
* How the user's risk attitude shapes the approach.
II. Entry Execution Strategy:
* Entry conditions, order types, position sizing.
III. Holding & In-Trade Management Strategy:
* Monitoring, stop-loss adjustments.
IV. Full Exit Strategy:
* Conditions and order types for exits.
"""

UNSTRUCTURED_PROMPT = "Provide a comprehensive analysis of the portfolio for the user."

execution_analyst = LlmAgent(name="execution_analyst", model="gemini-2.5-pro", instruction=EXECUTION_ANALYST_PROMPT)
portfolio_analyst = LlmAgent(name="portfolio_analyst", model="gemini-2.5-pro", instruction=UNSTRUCTURED_PROMPT)
'''


def test_la205_a_named_subagents_product_and_an_outlined_product_are_not_asks(project):
    result = project({"financial_advisor/prompt.py": COORDINATOR, "financial_advisor/sub_agents/execution_analyst.py": ANALYST},
                     select=["LA205"])
    msgs = sorted(f.message.split('"')[1] for f in result.findings if f.code == "LA205")
    # the coordinator's own ask and the analysis without an outline stay
    assert msgs == ["Provide a comprehensive analysis", "provide a comprehensive summary"], msgs


SEARCH = '''
import json

from openai import OpenAI

client = OpenAI()


def propose(state):
    r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Next moves for " + state}], max_tokens=200)
    return r.choices[0].message.content.split("\\n")


def dfs(state, depth, found, max_per_state=3):
    if depth == 0:
        return
    tried = 0
    for move in propose(state):
        tried += 1
        if tried > max_per_state:
            break
        found.append(move)
        dfs(state + move, depth - 1, found)


def summarise(text):
    try:
        r = client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Summarise: " + text}], max_tokens=200)
        return json.loads(r.choices[0].message.content)
    except ValueError:
        return summarise(text)  # a retry, not a search


results = []
for puzzle in json.load(open("puzzles.json")):
    found = []
    dfs(puzzle, 5, found)
    results.append(found)

summaries = [summarise(doc) for doc in json.load(open("docs.json"))]
'''


def test_la503_a_recursive_search_per_item_is_no_batch_but_a_recursive_retry_is(project):
    result = project({"search_crosswords.py": SEARCH}, select=["LA503"])
    assert [f.message.split("(")[0] for f in result.findings] == ["summarise"], [f.message for f in result.findings]


CORRECTION_NB_HELPERS = '''
from openai import OpenAI

client = OpenAI()


def rewrite_invalid_sql(sql, question, err_msg):
    completion = client.chat.completions.create(
        model="gpt-4o", max_tokens=2000, response_format={"type": "json_object"},
        messages=[{"role": "user", "content": f"Question: {question}\\nInvalid SQL: {sql}\\nError to fix: {err_msg}\\nReturn JSON with reason and sql keys."}],
    )
    return completion.choices[0].message.content
'''


def test_la503_the_list_in_one_cell_is_one_record_not_rows(project):
    from conftest import notebook

    nb = notebook(
        "import pandas as pd\nfrom helpers import rewrite_invalid_sql\ndf = pd.read_csv('results/eval.csv')\n"
        "invalid_df = df[df['valid'] == False]\n",
        "invalid_eg = invalid_df.sample(1)\nquestion = invalid_eg['question'].values[0]\n"
        "sql_list = invalid_eg['sql_list'].values[0]\nerr_msg_list = invalid_eg['err_msg_list'].values[0]\n",
        "rewritten = []\nfor i in range(len(sql_list)):\n    rewritten.append(rewrite_invalid_sql(sql_list[i], question, err_msg_list[i]))\n",
        "fixed = [rewrite_invalid_sql(row.sql, row.question, row.err) for row in invalid_df.itertuples()]\n",  # rows: reported
    )
    result = project({"helpers.py": CORRECTION_NB_HELPERS, "correct_sql.ipynb": nb}, select=["LA503"])
    assert ["over `invalid_df.itertuples()`" in f.message for f in result.findings] == [True], [f.message for f in result.findings]


SERVICE = '''
from typing import Annotated

from openai import OpenAI


class OpenAIService:
    openai_base_url: Annotated[str, "The base url to use for OpenAI-like models."] = "https://api.openai.com/v1"
    openai_model: Annotated[str, "The model name to use for OpenAI-like model."] = (
        "gpt-4o-mini"
    )

    def __call__(self, prompt, schema):
        client = OpenAI(base_url=self.openai_base_url)
        response = client.beta.chat.completions.parse(
            model=self.openai_model,
            messages=[{"role": "user", "content": prompt}],
            response_format=schema,
        )
        return response.choices[0].message.parsed
'''


def test_la402_the_swap_rewrites_the_attribute_default_not_the_name_at_the_call(project, tmp_path):
    from conftest import cli

    result = project({"marker/services/openai.py": SERVICE}, select=["LA402"])
    [f] = [f for f in result.findings if f.code == "LA402"]
    assert f.line == 10 and f.fix is not None
    assert [(e.line, e.content) for e in f.fix.edits] == [(10, '"gpt-6-luna"')], f.fix.edits
    out = cli("fix", "--unsafe-fixes", "--select", "LA402", "--diff", ".", cwd=tmp_path).stdout
    assert "model=self.openai_model" not in out and '+        "gpt-6-luna"' in out, out


GEVAL = '''
from openai import AsyncOpenAI

client = AsyncOpenAI()


async def g_eval(prompt: str, model: str = "gpt-4-0125-preview") -> float:
    response = await client.chat.completions.create(
        model=model, messages=[{"role": "system", "content": prompt}],
        logprobs=True, top_logprobs=5, temperature=0, max_tokens=2, n=20,
    )
    return score(response.choices[0].logprobs)


async def summarise(text: str, model: str = "gpt-4-0125-preview") -> str:
    response = await client.chat.completions.create(model=model, messages=[{"role": "user", "content": text}], max_tokens=300)
    return response.choices[0].message.content
'''


def test_la402_no_successor_is_proposed_that_rejects_the_logprobs_the_call_reads(project):
    result = project({"metric/generation.py": GEVAL}, select=["LA402"])
    msgs = sorted((f.line, f.message) for f in result.findings if f.code == "LA402")
    assert len(msgs) == 2, msgs
    (_, geval), (_, plain) = msgs
    assert "rejects `logprobs`, `top_logprobs`" in geval and "move to a current model that accepts them" in geval
    assert "; move to gpt-" in plain and "rejects" not in plain


OPENAI_LLM = '''
from openai import AsyncOpenAI


class OpenAILLM:
    def __init__(self, llm: str):
        self.llm = llm
        self.client = AsyncOpenAI()

    async def get_result_reasoning(self, prompt, **kwargs):
        kwargs["max_completion_tokens"] = kwargs.pop("max_tokens", None)
        response = await self.client.chat.completions.create(model=self.llm, messages=[{"role": "user", "content": prompt}], **kwargs)
        return response.choices[0].message.content

    async def get_result(self, prompt, **kwargs):
        response = await self.client.chat.completions.create(
            model=self.llm, messages=[{"role": "user", "content": prompt}], max_tokens=kwargs.pop("max_tokens", 512))
        return response.choices[0].message.content
'''


def test_la606_an_option_defaulting_to_none_sets_no_cap(project):
    result = project({"generator/openai_llm.py": OPENAI_LLM}, select=["LA606"])
    assert [f.line for f in result.findings if f.code == "LA606"] == [16], [(f.line, f.message) for f in result.findings]


CROSSWORDS = '''
import json

from openai import OpenAI

client = OpenAI()
value_prompt = "Evaluate if there exists a five letter word of some meaning that fits the clue: {input}. Answer sure, maybe or impossible."


def gpt(prompt):
    r = client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": prompt}], max_tokens=100, n=1)
    return [c.message.content for c in r.choices]


class MiniCrosswordsEnv:
    def __init__(self, data):
        self.data, self.ans, self.status = data, ["_____"] * 10, [0] * 10
        self.labels = {}

    def prompt_status(self):
        count = {"sure": 0, "maybe": 0, "impossible": 0}
        for ans, data, status in zip(self.ans, self.data, self.status):
            line = f"{data}: {' '.join(ans.lower())}"
            res = gpt(value_prompt.format(input=line))[0]
            res = res.split("\\n")[-1].strip()
            if res in count:
                count[res] += 1
        return count

    def label_all(self):
        for clue in self.data:
            self.labels[clue] = gpt(value_prompt.format(input=clue))[0]


def label_counts(reviews):
    count = {"positive": 0, "negative": 0}
    for review in reviews:
        res = gpt("Sentiment of: " + review)[0].strip()
        if res in count:
            count[res] += 1
    return count


print(label_counts(json.load(open("reviews.json"))))
'''


def test_la503_a_tally_of_the_objects_own_state_is_a_value_function_not_batch_work(project):
    result = project({"tasks/crosswords.py": CROSSWORDS}, select=["LA503"])
    lines = CROSSWORDS.splitlines()  # the file as written (its first line empty)
    found = sorted(lines[f.line - 1].strip() for f in result.findings if f.code == "LA503")
    # the method storing each clue's label and the function over reviews handed in stay reported
    assert found == ['res = gpt("Sentiment of: " + review)[0].strip()', "self.labels[clue] = gpt(value_prompt.format(input=clue))[0]"], found


VISION = '''
from openai import OpenAI

client = OpenAI()


def extract_text_from_image(img_base64: str, prompt: str = None) -> str:
    if prompt is None:
        prompt = "Please extract all text from this image."
    response = client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": [
            {"type": "text", "text": prompt},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{img_base64}"}},
        ]}],
    )
    return response.choices[0].message.content


def classify_image(img_base64: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o", max_tokens=5,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "Classify this image. Answer with one word: invoice, receipt or other."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{img_base64}"}},
        ]}],
    )
    return response.choices[0].message.content
'''


def test_la401_ocr_of_an_image_is_no_simple_extraction_but_labelling_it_is(project):
    result = project({"tools/vision.py": VISION}, select=["LA401"])
    assert [f.line for f in result.findings if f.code == "LA401"] == [22], [(f.line, f.message) for f in result.findings]


REACT = '''
import json

from litellm import completion


class ChatReActAgent:
    def __init__(self, model):
        self.model = model

    def generate_next_step(self, messages):
        res = completion(model=self.model, messages=messages, temperature=0.0)
        message = res.choices[0].message
        action_str = message.content.split("Action:")[-1].strip()
        try:
            action_parsed = json.loads(action_str)
        except json.JSONDecodeError:
            action_parsed = {"name": "respond", "arguments": {"content": action_str}}
        return action_parsed

    def extract_plan(self, messages):
        res = completion(model=self.model, messages=messages, temperature=0.0)
        plan_str = res.choices[0].message.content.split("Plan:")[-1].strip()
        return json.loads(plan_str)
'''


def test_la601_a_react_action_cut_at_its_marker_with_a_fallback_is_handled(project):
    result = project({"agents/chat_react_agent.py": REACT}, select=["LA601"])
    assert [f.line for f in result.findings if f.code == "LA601"] == [24], [(f.line, f.message) for f in result.findings]
