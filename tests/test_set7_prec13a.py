"""Seventh fresh set (session 16, prec13a), the text rules: worked examples inside one prompt constant are
data (numbered / titled example sequences, records closed by a verdict line), text the model is told to say
is its output (LA201, LA206), a line that opens or closes each sibling section is structure (LA202), a
'please' that starts the second instruction of a run-on stays, a test's short query is its input, and
capitalised names or words running into an address are no LA206 term. Each beside the look-alike that must
still be reported."""

from __future__ import annotations

from conftest import codes

CALLER = '''
from openai import OpenAI

from app.prompts import PROMPT_TEMPLATE

client = OpenAI()


def generate(**fields) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": PROMPT_TEMPLATE.format(**fields)}],
        max_tokens=800,
    )
    return resp.choices[0].message.content
'''

OPENER = "Repeating the question and generating the SQL with Recursive Divide-and-Conquer."


def _example(n: int, question: str, plan: str) -> str:
    return f"""===========
Example {n}

**************************
【Table creation statements】
CREATE TABLE {{BQ_PROJECT_ID}}.shop.orders (order_id INT64, city STRING, amount FLOAT64);

**************************
【Question】
Question:
{question}

**************************
【Answer】
{OPENER}
**Question**: {question}

Analysis: We need the orders of one city, so we filter on `city`.

Pseudo SQL:
   SELECT COUNT(*) AS n FROM `{{BQ_PROJECT_ID}}.shop.orders` WHERE <in the city>

Plan:
1. {plan}
2. Clean up resources: Close any open table connections and release temporary storage used during query execution.

**Final Optimized SQL Query:**
```sql
SELECT COUNT(*) FROM {{BQ_PROJECT_ID}}.shop.orders WHERE city = 'albany'
```
"""


def _chase(tail: str = "") -> str:
    body = _example(1, "Please list the orders placed in Albany.", "Filter the orders by city.")
    body += _example(2, "Please list the cities with the lowest average salary branch.", "Group the orders by city.")
    body += _example(3, "How many orders were placed in Albany?", "Count the filtered orders.")
    return f'''
PROMPT_TEMPLATE = """
You are an experienced database expert.
Generate a GoogleSQL query given the database information and a question.

Here are some examples
{body}
Now is the real question, following the instruction and examples, generate the GoogleSQL with Recursive Divide-and-Conquer approach.
When you get to the final query, output the query string ONLY in the format ```sql ... ```.{tail}

**************************
【Table creation statements】
{{SCHEMA}}

**************************
【Question】
Question:
{{QUESTION}}

**************************
【Answer】
{OPENER}
"""
'''


def _codes(project, prompts: str, select: list[str], caller: str = CALLER) -> list[str]:
    return codes(project({"app/prompts.py": prompts, "app/sql.py": caller}, select=select))


# ------------------------------------------------------------------ numbered worked examples
def test_numbered_examples_are_data_for_la202_la201_la206(project):
    assert _codes(project, _chase(), ["LA201", "LA202", "LA206"]) == []


def test_an_instruction_after_the_examples_is_still_read(project):
    tail = "\nPlease make sure that you never invent column names that are not in the schema."
    found = _codes(project, _chase(tail + tail.replace("never", "really never")), ["LA201"])
    assert found.count("LA201") >= 2  # "make sure that you" in both live-task lines


def test_a_rule_said_before_and_after_the_examples_is_still_a_repeat(project):
    rule = "\nAlways use the full table name with the database prefix in the SQL statement."
    prompt = _chase(rule).replace("and a question.\n", "and a question." + rule + "\n", 1)
    assert _codes(project, prompt, ["LA202"]) == ["LA202"]


WORKFLOW = '''
SYSTEM_PROMPT = """You are a calculator agent with tools.

CRITICAL RULES:
1. NEVER mix TOOL/ARGS with ANSWER in the same response
2. When you have the tool's result, respond with ONLY the "ANSWER:" line

WORKFLOW EXAMPLE (calculator):

Turn 1 - User asks: "What is 5 to the power of 4?"
Your response:
TOOL: calculator

Turn 2 - You receive tool result
Your response:
ANSWER: 5 raised to the power of 4 equals 625

WORKFLOW EXAMPLE (text_analyzer):

Turn 1 - User asks: "Analyze this text: 'Hello world'"
Your response:
TOOL: text_analyzer

Turn 2 - You receive tool result
Your response:
ANSWER: The text contains 2 words and 11 characters

KEY POINTS:
- Never guess the result and always wait for the actual tool output
RULE"""

agent = Agent("ollama:qwen3", system_prompt=SYSTEM_PROMPT)
'''


def test_titled_example_sequence_is_data(project):
    files = {"agent.py": "from pydantic_ai import Agent\n" + WORKFLOW.replace("RULE", "")}
    assert codes(project(files, select=["LA202"])) == []


def test_key_points_after_titled_examples_are_instructions(project):
    again = "- Never guess the result and always wait for the actual tool output"
    files = {"agent.py": "from pydantic_ai import Agent\n" + WORKFLOW.replace("RULE", again)}
    assert codes(project(files, select=["LA202"])) == ["LA202"]


# ------------------------------------------------------------------ records closed by a verdict
GAME24 = '''
value_prompt = """Evaluate if given numbers can reach 24 (sure/likely/impossible)
10 14
10 + 14 = 24
sure
11 12
11 + 12 = 23
12 - 11 = 1
impossible
5 7 8
5 + 7 + 8 = 12 + 8 = 20
I cannot obtain 24 now, but numbers are within a reasonable range
likely
5 6 6
5 + 6 + 6 = 17
I cannot obtain 24 now, but numbers are within a reasonable range
likely
1 3 3
1 * 3 * 3 = 9
impossible
RULE{input}
"""
'''

GAME24_CALLER = '''
import openai

from tot.prompts import value_prompt


def value(x: str) -> str:
    resp = openai.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": value_prompt.format(input=x)}],
        max_tokens=100,
    )
    return resp.choices[0].message.content
'''


def _game24(project, rule: str) -> list[str]:
    files = {"tot/prompts.py": GAME24.replace("RULE", rule), "tot/value.py": GAME24_CALLER}
    return codes(project(files, select=["LA202"]))


def test_verdict_records_before_the_input_are_data(project):
    assert _game24(project, "") == []


def test_a_rule_repeated_around_the_records_is_still_a_repeat(project):
    rule = "Answer with one verdict word after showing the arithmetic steps.\n"
    prompt = GAME24.replace("(sure/likely/impossible)\n", "(sure/likely/impossible)\n" + rule, 1)
    files = {"tot/prompts.py": prompt.replace("RULE", rule), "tot/value.py": GAME24_CALLER}
    assert codes(project(files, select=["LA202"])) == ["LA202"]


# ------------------------------------------------------------------ quoted replies (LA201, LA206)
ADK = '''
from google.adk.agents import Agent

TRADING_PROMPT = """
* Inputs (to trading_analyst):

Action: Prompt the user to define their risk attitude.
Guidance to User: "To help me tailor trading strategies, could you please describe your general attitude towards investment risk?
For example, are you 'conservative' or 'aggressive'?"
Critical Prerequisite Check:
Inform the user clearly: "Error: The market analysis data is missing.
Please ensure the 'Market Data Analysis' step has been run before proceeding."
RULE
"""

trading_analyst = Agent(model="gemini-2.5-pro", name="trading_analyst", instruction=TRADING_PROMPT)
'''


def test_politeness_inside_a_quoted_reply_is_output(project):
    assert codes(project({"agent.py": ADK.replace("RULE", "")}, select=["LA201"])) == []


def test_politeness_in_the_instruction_beside_a_quote_is_filler(project):
    rule = 'Then please summarize the strategies for the user in a table.'
    assert codes(project({"agent.py": ADK.replace("RULE", rule)}, select=["LA201"])) == ["LA201"]


MARKETING = '''
from google.adk.agents import Agent

MARKETING_PROMPT = """
Primary Marketing Goal: The main objective the marketing strategy should achieve.
Check for Essential Information: first verify the Brand Name and the Primary Marketing Goal have been provided.
Use the Primary Marketing Goal to rank the channels.
Example response to the calling agent if the goal is missing: "To proceed, obtain the following missing information from the user:
Primary Marketing Goal"
"""

marketing = Agent(model="gemini-2.5-pro", name="marketing", instruction=MARKETING_PROMPT)
'''


def test_la206_term_the_model_says_back_is_not_abbreviated(project):
    assert codes(project({"agent.py": MARKETING}, select=["LA206"])) == []


def test_la206_term_of_the_instructions_only_is_still_reported(project):
    prose = MARKETING.replace(
        'Example response to the calling agent if the goal is missing: "To proceed, obtain the following missing information from the user:\nPrimary Marketing Goal"',
        "Tie every channel to the Primary Marketing Goal.\nReport progress on the Primary Marketing Goal.\nEnd with how the Primary Marketing Goal is measured.",
    )
    assert codes(project({"agent.py": prose}, select=["LA206"])) == ["LA206"]


# ------------------------------------------------------------------ sibling sections (LA202)
PLANNING = '''
from google.adk.agents import Agent

PLANNING_INSTR = """
You are a travel planning agent.

<FIND_FLIGHTS>
You are to help the user select a flight and a seat. You do not handle booking nor payment.
- Call `flight_search_agent` and work with the user to select a flight.
- Then call `flight_seat_selection_agent` to pick the seat.
</FIND_FLIGHTS>

<FIND_HOTELS>
You are to help the user with their hotel choices. You do not handle booking nor payment.
- Call `hotel_search_agent` and work with the user to select a hotel.
- Then call `hotel_room_selection_agent` to pick the room.MIDDLE
</FIND_HOTELS>
"""

planner = Agent(model="gemini-2.5-flash", name="planner", instruction=PLANNING_INSTR)
'''


def test_a_line_opening_each_tagged_mode_is_structure(project):
    assert codes(project({"agent.py": PLANNING.replace("MIDDLE", "")}, select=["LA202"])) == []


def test_a_sentence_inside_both_sections_is_still_a_repeat(project):
    middle = "\n- Never quote a price that the search tool did not return to you."
    text = PLANNING.replace("to pick the seat.", "to pick the seat." + middle).replace("MIDDLE", middle + "\n- Confirm the dates.")
    assert codes(project({"agent.py": text}, select=["LA202"])) == ["LA202"]


STEPS = '''
from google.adk.agents import Agent

COORDINATOR_PROMPT = """
Here's the step-by-step breakdown.

* Develop Trading Strategies (Subagent: trading_analyst)

Action: Call the trading_analyst subagent with the market data analysis.
Expected Output: The trading_analyst subagent MUST generate trading strategies.
Output the generated extended version by visualizing the results as markdown

* Define Optimal Execution Strategy (Subagent: execution_analyst)

Action: Call the execution_analyst subagent with the proposed strategies.
Expected Output: The execution_analyst subagent MUST generate an execution plan.
Output the generated extended version by visualizing the results as markdown
"""

coordinator = Agent(model="gemini-2.5-pro", name="coordinator", instruction=COORDINATOR_PROMPT)
'''


def test_a_line_closing_each_titled_step_is_structure(project):
    assert codes(project({"agent.py": STEPS}, select=["LA202"])) == []


def test_one_list_with_a_rule_twice_is_still_a_repeat(project):
    listed = STEPS.replace(
        "Here's the step-by-step breakdown.\n",
        "Rules:\n1. Only use column names exactly as listed above.\n2. Keep numbers as digits.\n"
        "3. Only use column names exactly as listed above.\n",
    )
    assert codes(project({"agent.py": listed}, select=["LA202"])) == ["LA202"]


# ------------------------------------------------------------------ run-on 'please' (LA201 fix safety)
FLIGHTS = '''
from google.adk.agents import Agent

FLIGHT_SEARCH_INSTR = """TEXT
- ask for any details you don't know, like origin and destination.
"""

flight_search_agent = Agent(model="gemini-2.5-flash", name="flight_search_agent", instruction=FLIGHT_SEARCH_INSTR)
'''


def test_please_starting_a_run_on_instruction_is_kept(project):
    text = "Generate search results for flights from origin to destination inferred from user query please use future dates within 3 months from today's date for the prices, limit to 4 results."
    assert codes(project({"agent.py": FLIGHTS.replace("TEXT", text)}, select=["LA201"])) == []


def test_please_after_an_introductory_clause_is_still_filler(project):
    text = "You are a payment simulator.\n  - Scenario 1: If the user selects Apple Pay please decline the transaction"
    assert codes(project({"agent.py": FLIGHTS.replace("TEXT", text)}, select=["LA201"])) == ["LA201"]


# ------------------------------------------------------------------ a test's query (LA201)
TEST_MODULE = '''
from google.adk.runners import Runner
from google.genai import types

from data_science.agent import root_agent


def test_bqml_agent_can_execute_code(runner: Runner):
    query = """
    I want to train a BigQuery ML model on the sales_train_validation data for sales prediction.
    Please show me an execution plan.
    """
    content = types.Content(role="user", parts=[types.Part(text=query)])
    events = list(runner.run(user_id="u", session_id="s", new_message=content))
    assert events
'''


def test_a_tests_short_query_is_its_input(project):
    assert codes(project({"tests/test_agents.py": TEST_MODULE}, select=["LA201"])) == []


def test_the_same_query_in_the_app_is_still_filler(project):
    app = TEST_MODULE.replace("def test_bqml_agent_can_execute_code(runner: Runner):", "def plan(runner: Runner):")
    assert codes(project({"data_science/plan.py": app}, select=["LA201"])) == ["LA201"]


# ------------------------------------------------------------------ LA206: capitals, addresses
REPORT = '''
from openai import OpenAI

client = OpenAI()

REPORT_PROMPT = """Write a report on the community.
- TERM: a float score between 0-10 that represents the severity of IMPACT.
Explain the TERM in one sentence and keep the TERM consistent with the findings.
Always justify the TERM with the data records.
CC: Jane Doe jane.doe@example.com, Bob Johnson bob.johnson@example.com
From: Jane Doe jane.doe@example.com
To: Jane Doe jane.doe@example.com
"""


def report(data: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": REPORT_PROMPT}, {"role": "user", "content": data}],
        max_tokens=800,
    )
    return resp.choices[0].message.content
'''


def test_la206_capitalised_section_name_and_addresses_are_no_term(project):
    assert codes(project({"app.py": REPORT.replace("TERM", "IMPACT SEVERITY RATING")}, select=["LA206"])) == []


def test_la206_the_same_term_in_prose_is_still_reported(project):
    assert codes(project({"app.py": REPORT.replace("TERM", "impact severity rating")}, select=["LA206"])) == ["LA206"]


# ------------------------------------------------------------------ a label line of an output format (LA202)
MEMORY = '''
from openai import OpenAI

client = OpenAI()

EXTRACTION_PROMPT = """Summarise the rollout as task records in this format.

### Task 1: <short task name>

Reusable knowledge:
- <validated system fact, procedural shortcut, or durable takeaway>

Failures and how to do differently:
- <what failed, what pivot worked, and how to avoid repeating it>

### Task 2: <short task name> (if needed)

Reusable knowledge:
- ...

Failures and how to do differently:
- ...
RULE"""


def extract(rollout: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": EXTRACTION_PROMPT}, {"role": "user", "content": rollout}],
        max_tokens=2000,
    )
    return resp.choices[0].message.content
'''


def test_a_format_label_written_per_record_is_no_repeat(project):
    assert codes(project({"memory.py": MEMORY.replace("RULE", "")}, select=["LA202"])) == []


def test_a_rule_written_twice_beside_the_labels_is_still_a_repeat(project):
    rule = "Do not over-merge adjacent preferences into one umbrella bullet."
    text = MEMORY.replace("in this format.\n", f"in this format.\n{rule}\n", 1).replace("RULE", rule + "\n")
    assert codes(project({"memory.py": text}, select=["LA202"])) == ["LA202"]


SKELETON = '''
from openai import OpenAI

client = OpenAI()

CONSOLIDATION_PROMPT = """Rewrite MEMORY.md in this layout.

### <project scope>

#### <most recent memory day within this scope: YYYY-MM-DD>

- <topic>: <keyword1>, <keyword2>
  - desc: <what tasks are inside this topic>

### <project scope>

#### <most recent memory day within this scope: YYYY-MM-DD>

Use the same format and keep it informative.

### <project scope>

#### <most recent memory day within this scope: YYYY-MM-DD>

Use the same format and keep it informative.
"""


def consolidate(memory: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": CONSOLIDATION_PROMPT}, {"role": "user", "content": memory}],
        max_tokens=4000,
    )
    return resp.choices[0].message.content
'''


def test_a_line_per_block_of_an_output_skeleton_is_structure(project):
    assert codes(project({"memory.py": SKELETON}, select=["LA202"])) == []


def test_the_same_line_under_one_plain_heading_twice_is_still_a_repeat(project):
    plain = SKELETON.replace("#### <most recent memory day within this scope: YYYY-MM-DD>", "#### Notes")
    assert codes(project({"memory.py": plain}, select=["LA202"])) == ["LA202"]
