"""DataFrames that reach a prompt across functions, tools and steps (issue 11, LA301):

* a function registered as an AutoGen tool returns a frame's rendering: the tool result is the next
  prompt (``register_function``, ``@agent.register_for_llm``, a wrapper that renders every frame a
  tool returns, in a module or a notebook);
* a prompt built in a method from frames taken out of a dict (typed by their use: ``.empty``) and
  sent with openai-agents ``Runner.run(agent, prompt)``;
* a two-step pipeline across modules: one step renders ``job.to_dataframe()`` and returns the text,
  another formats it into a request.

Each has look-alikes that must stay silent: a bounded render, a str named like a frame, a frame
rendered for a log or a file, a tool returning ``len(df)``.
"""

from __future__ import annotations

from conftest import notebook


def la301(result):
    return sorted((f.path, f.line) for f in result.findings if f.code == "LA301")


TOOLS = '''
import logging

import pandas as pd
from autogen import ConversableAgent, register_function

log = logging.getLogger(__name__)
assistant = ConversableAgent("analyst", system_message="You analyse sales data.", llm_config={"model": "gpt-4o"})
user = ConversableAgent("user", human_input_mode="NEVER")


def sales_table(region: str) -> str:
    sales = pd.read_csv("data/sales.csv")
    rows = sales[sales["region"] == region]
    return rows.to_markdown()


def row_count(region: str) -> str:
    df = pd.read_csv("data/sales.csv")
    return str(len(df))


def top_rows(region: str) -> str:
    df = pd.read_csv("data/sales.csv")
    return df.head(20).to_markdown()


def export(region: str) -> str:
    df = pd.read_csv("data/sales.csv")
    log.info(df.to_string())
    df.to_csv(f"out/{region}.csv")
    return f"saved {len(df)} rows to out/{region}.csv"


def not_a_tool() -> str:
    df = pd.read_csv("data/sales.csv")
    return df.to_markdown()


@user.register_for_execution()
@assistant.register_for_llm(description="inventory of a store")
def inventory(store: str) -> str:
    stock = pd.read_parquet("data/stock.parquet")
    return f"Inventory of {store}:\\n{stock}"


for tool in (row_count, top_rows, export):
    register_function(tool, caller=assistant, executor=user, description="sales")
register_function(sales_table, caller=assistant, executor=user, description="sales of a region")
'''


def test_autogen_tool_returning_a_whole_frame(project):
    result = project({"agents/tools.py": TOOLS}, select=["LA301"])
    lines = TOOLS.splitlines()
    at = [i + 1 for i, line in enumerate(lines) if line.strip() in ("return rows.to_markdown()", "return df.to_markdown()") or 'return f"Inventory' in line]
    # sales_table (register_function) and inventory (@register_for_llm); not_a_tool is never registered
    assert la301(result) == [("agents/tools.py", at[0]), ("agents/tools.py", at[2])]
    f = next(f for f in result.findings if f.line == at[0])
    assert "to_markdown" in f.message and f.fix is not None


WRAPPER = '''
from functools import wraps

from autogen import ConversableAgent, register_function
from pandas import DataFrame


def stringify_output(func):
    @wraps(func)
    def wrapper(*args, **kwargs):
        result = func(*args, **kwargs)
        if isinstance(result, DataFrame):
            return result.to_string()
        if isinstance(result, dict):
            return str(result)
        return str(result)

    return wrapper


def register_toolkits(tools, caller: ConversableAgent, executor: ConversableAgent):
    for tool in tools:
        register_function(stringify_output(tool), caller=caller, executor=executor, name=tool.__name__, description=tool.__doc__)
'''

PLAIN_WRAPPER = WRAPPER.replace("if isinstance(result, DataFrame):\n            return result.to_string()\n", "")


def test_tool_wrapper_rendering_every_frame_a_tool_returns(project):
    result = project({"kit/toolkits.py": WRAPPER}, select=["LA301"])
    line = next(i + 1 for i, t in enumerate(WRAPPER.splitlines()) if "return result.to_string()" in t)
    assert la301(result) == [("kit/toolkits.py", line)]


def test_tool_wrapper_without_frames_is_silent(project):
    assert la301(project({"kit/toolkits.py": PLAIN_WRAPPER}, select=["LA301"])) == []


def test_tool_in_a_notebook(project):
    cells = [
        "import pandas as pd\nfrom autogen import AssistantAgent, UserProxyAgent, register_function",
        'assistant = AssistantAgent("a", llm_config={"model": "gpt-4o"})\nuser = UserProxyAgent("u")',
        'def orders(customer: str) -> str:\n    frame = pd.read_csv("orders.csv")\n    return frame[frame.customer == customer].to_string()',
        'def orders_count(customer: str) -> int:\n    frame = pd.read_csv("orders.csv")\n    return len(frame)',
        "register_function(orders, caller=assistant, executor=user, description='orders')\n"
        "register_function(orders_count, caller=assistant, executor=user, description='count')",
    ]
    result = project({"tools.ipynb": notebook(*cells)}, select=["LA301"])
    found = [f for f in result.findings if f.code == "LA301"]
    assert len(found) == 1 and found[0].path == "tools.ipynb" and "to_string" in found[0].message


MANAGER = '''
from typing import Dict

from agents import Runner
from .overview_agent import overview_agent


class EquityResearchAgentManager:
    def _prepare_prompt(self, data: Dict, company: str) -> str:
        metrics = data.get("financial_metrics")
        peers = data.get("peer_ebitda")
        notes = data.get("notes")
        df_summary = data.get("summary_text", "").strip()
        prompt = f"Financial data for {company}:\\n\\n"
        if metrics is not None and not metrics.empty:
            prompt += "## Metrics\\n"
            prompt += metrics.to_markdown() + "\\n\\n"
        if peers is not None and not peers.empty:
            prompt += peers.head(10).to_markdown() + "\\n\\n"
        if notes:
            prompt += notes.to_markdown() + "\\n"
        if df_summary:
            prompt += df_summary + "\\n"
        return prompt

    async def generate(self, data: Dict, company: str) -> str:
        prompt = self._prepare_prompt(data, company)
        result = await Runner.run(overview_agent, prompt)
        return result.final_output
'''

OVERVIEW = '''
from agents import Agent

overview_agent = Agent(name="overview", instructions="Write a two-paragraph company overview from the data given.")
'''


def test_openai_agents_runner_prompt_built_in_a_method(project):
    result = project({"equity/__init__.py": "", "equity/manager.py": MANAGER, "equity/overview_agent.py": OVERVIEW}, select=["LA301"])
    line = next(i + 1 for i, t in enumerate(MANAGER.splitlines()) if "metrics.to_markdown()" in t and "peers" not in t)
    # peers is bounded with head(10); notes.to_markdown() has no frame provenance or use; df_summary is text
    assert la301(result) == [("equity/manager.py", line)]


STEPS = '''
from google.cloud import bigquery

client = bigquery.Client(location="EU")


async def execute_query(query):
    job = client.query(query)
    job.result()
    results = job.to_dataframe()
    markdown_table = results.to_markdown(index=False)
    return markdown_table


async def sample_query(query):
    results = client.query(query).to_dataframe()
    return results.head(20).to_markdown(index=False)
'''

PIPELINE = '''
from openai import AsyncOpenAI

from steps import execute_query, sample_query

openai_client = AsyncOpenAI()

PROMPT = """They executed a SQL query and provided the results in Markdown table format.
Analyze the table and explain the problem to the operator.

{table}
"""


async def analyze(table):
    messages = [{"role": "user", "content": PROMPT.format(table=table)}]
    resp = await openai_client.chat.completions.create(model="gpt-4o-mini", max_tokens=400, messages=messages)
    return resp.choices[0].message.content


async def chain(query: str):
    table = await execute_query(query)
    return await analyze(table)


async def chain_sampled(query: str):
    table = await sample_query(query)
    return await analyze(table)
'''


def test_two_step_pipeline_across_modules(project):
    result = project({"steps.py": STEPS, "app.py": PIPELINE}, select=["LA301"])
    line = next(i + 1 for i, t in enumerate(STEPS.splitlines()) if "markdown_table = results.to_markdown" in t)
    assert la301(result) == [("steps.py", line)]  # the sampled step stays silent


def test_pipeline_step_that_logs_the_frame_is_silent(project):
    steps = STEPS.replace("    markdown_table = results.to_markdown(index=False)\n    return markdown_table",
                          '    print(results.to_markdown(index=False))\n    return f"{len(results)} rows"')
    assert la301(project({"steps.py": steps, "app.py": PIPELINE}, select=["LA301"])) == []


FRAMEWORK_TOOLS = '''
import polars as pl
from agents import Agent, function_tool
from autogen_agentchat.agents import AssistantAgent
from langchain_core.tools import tool


@function_tool
async def open_tickets(team: str) -> str:
    tickets = pl.read_csv("tickets.csv").filter(pl.col("team") == team)
    return f"Open tickets:\\n{tickets.write_csv()}"


@tool
def prices(symbol: str) -> str:
    """Daily prices of a symbol."""
    history = pl.read_parquet(f"prices/{symbol}.parquet")
    return history.to_pandas().to_json(orient="records")


def price_summary(symbol: str) -> str:
    history = pl.read_parquet(f"prices/{symbol}.parquet")
    return history.describe().to_pandas().to_markdown()


def latest(symbol: str) -> str:
    history = pl.read_parquet(f"prices/{symbol}.parquet")
    return history.tail(5).write_csv()


support = Agent(name="support", instructions="Answer questions about open tickets.", tools=[open_tickets])
analyst = AssistantAgent("analyst", model_client=None, tools=[price_summary, latest])
'''


def test_framework_tools_returning_frames(project):
    result = project({"tools.py": FRAMEWORK_TOOLS}, select=["LA301"])
    lines = FRAMEWORK_TOOLS.splitlines()
    want = [i + 1 for i, t in enumerate(lines) if 'return f"Open tickets' in t or "return history.to_pandas()" in t]
    # price_summary (describe) and latest (tail) are bounded: silent
    assert la301(result) == [("tools.py", n) for n in want]


NOT_TOOLS = '''
import pandas as pd
from fastapi import APIRouter

router = APIRouter()


@router.get("/report")
def report() -> str:  # an HTTP endpoint's response, not a model's tool result
    return pd.read_csv("report.csv").to_html()
'''


def test_endpoint_returning_a_frame_is_no_tool(project):
    assert la301(project({"api.py": NOT_TOOLS}, select=["LA301"])) == []


PAYLOAD = '''
import json

import pandas as pd
from openai import OpenAI

client = OpenAI()


def advise(upload, income: float) -> str:
    transactions = pd.read_csv(upload)
    financial_data = {
        "monthly_income": income,
        "transactions": transactions.to_dict("records") if transactions is not None else None,
    }
    summary = {"monthly_income": income, "top": transactions.head(10).to_dict("records")}
    for payload in (financial_data, summary):
        client.chat.completions.create(
            model="gpt-4o-mini", max_tokens=800,
            messages=[{"role": "system", "content": "You are a budgeting coach."},
                      {"role": "user", "content": json.dumps(payload)}],
        )
    resp = client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=800,
        messages=[{"role": "user", "content": "Budget advice for: " + json.dumps(financial_data)}],
    )
    return resp.choices[0].message.content
'''


def test_records_of_a_whole_frame_serialised_in_a_dict(project):
    result = project({"coach.py": PAYLOAD}, select=["LA301"])
    line = next(i + 1 for i, t in enumerate(PAYLOAD.splitlines()) if '"transactions": transactions.to_dict' in t)
    # the loop's `payload` may be either dict (not followed); the bounded summary never fires
    assert la301(result) == [("coach.py", line)]


LOADER = '''
import pandas as pd


def get_data(path):
    frame = pd.read_csv(path)
    frame = frame.dropna()
    return frame


def get_sample(path):
    return pd.read_csv(path).head(50)


def get_summary(path) -> str:
    return pd.read_csv(path).describe().to_string()


def get_table(path) -> "pd.DataFrame":
    return load_somehow(path)
'''

MAIN = '''
from openai import OpenAI

from loader import get_data, get_sample, get_summary, get_table

client = OpenAI()


def ask(text: str) -> str:
    r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=400, messages=[{"role": "user", "content": text}])
    return r.choices[0].message.content


def summarize(path: str) -> str:
    data = get_data(path)
    sample = get_sample(path)
    summary = get_summary(path)
    table = get_table(path)
    ask(f"Summarize the key trends in this data:\\n{data.to_string()}")
    ask(f"Summarize these rows:\\n{sample.to_string()}\\nand these statistics:\\n{summary}")
    return ask(f"Explain this table:\\n{table.to_csv()}")
'''


def test_frame_returned_by_a_function_of_another_module(project):
    result = project({"loader.py": LOADER, "main.py": MAIN}, select=["LA301"])
    lines = MAIN.splitlines()
    want = [i + 1 for i, t in enumerate(lines) if "data.to_string()" in t or "table.to_csv()" in t]
    # get_sample returns a bounded frame, get_summary text: silent
    assert la301(result) == [("main.py", n) for n in want]
    assert all(f.severity != "info" for f in result.findings)


def test_a_frame_reassigned_from_itself_keeps_its_provenance(project):
    src = '''
import pandas as pd
from openai import OpenAI

client = OpenAI()


def review(path: str, region: str) -> str:
    df = pd.read_csv(path)
    df = df[df["region"] == region]
    df = df.dropna()
    msg = f"Find anomalies in these sales:\\n{df.to_csv(index=False)}"
    r = client.chat.completions.create(model="gpt-4o-mini", max_tokens=300, messages=[{"role": "user", "content": msg}])
    return r.choices[0].message.content
'''
    result = project({"review.py": src}, select=["LA301"])
    (f,) = [f for f in result.findings if f.code == "LA301"]
    assert f.severity != "info" and f.fix is not None  # typed by the reader, not by the name `df`
