"""Fifth fresh set (session 14), prompt text rules: an instruction restated after the data it applies to
(LA202), one spec line per field of a schema list (LA202), worked examples inside a prompt (LA202, LA206), a
prompt that bounds its own long output (LA205). Each with a look-alike that must still be reported."""

from __future__ import annotations

from conftest import codes

GOAL = "Generate a response of the target length and format that responds to the user's question, summarizing all relevant information in the input data tables."
EVIDENCE = "Do not include information where the supporting evidence for it is not provided."

SEARCH_PROMPT = f'''
SEARCH_SYSTEM_PROMPT = """
---Role---

You are a helpful assistant responding to questions about data in the tables provided.

---Goal---

{GOAL}

If you don't know the answer, just say so.

{EVIDENCE}

---Target response length and format---

{{response_type}}

---Data tables---

{{context_data}}

---Goal---

{GOAL}

{EVIDENCE}

Style the response in markdown.
"""
'''

SEARCH_CALLER = '''
from openai import OpenAI

from app.prompts import SEARCH_SYSTEM_PROMPT

client = OpenAI()


def answer(question: str, context_data: str) -> str:
    system = SEARCH_SYSTEM_PROMPT.format(response_type="multiple paragraphs", context_data=context_data)
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": question}],
        max_tokens=800,
    )
    return resp.choices[0].message.content
'''


def test_la202_goal_restated_after_the_data_tables_is_a_reminder(project):
    files = {"app/prompts.py": SEARCH_PROMPT, "app/search.py": SEARCH_CALLER}
    assert codes(project(files, select=["LA202"])) == []


def test_la202_same_goal_twice_before_the_data_is_still_a_repeat(project):
    twice = SEARCH_PROMPT.replace("---Target response length", f"{GOAL}\n\n---Target response length", 1)
    files = {"app/prompts.py": twice, "app/search.py": SEARCH_CALLER}
    result = project(files, select=["LA202"])
    assert codes(result) == ["LA202"]
    assert result.findings[0].path == "app/prompts.py"


def test_la202_inline_placeholder_is_no_data_block(project):
    # "{name}" inside a sentence is no block of data between the copies
    src = f'''
from openai import OpenAI

client = OpenAI()


def greet(name: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{{"role": "user", "content": f"""{EVIDENCE}
Write a welcome note for {{name}} in two sentences.
{EVIDENCE}"""}}],
        max_tokens=200,
    )
    return resp.choices[0].message.content
'''
    assert codes(project({"app.py": src}, select=["LA202"])) == ["LA202"]


def test_la202_report_structure_restated_after_an_fstring_hole(project):
    src = f'''
from anthropic import Anthropic

client = Anthropic()


def report(input_text: str) -> str:
    prompt = f"""Write a report about the community described below.
The report should include a title, a summary and an impact severity rating.

Text:
{{input_text}}

The report should include a title, a summary and an impact severity rating.
Output:"""
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=1500, messages=[{{"role": "user", "content": prompt}}])
    return msg.content[0].text
'''
    assert codes(project({"app.py": src}, select=["LA202"])) == []


def test_la202_two_constants_around_file_contents_stay_a_repeat(project):
    # the copies are in two different constants joined around the files: nobody restated it on purpose
    rule = "Before using the read_files tool, always check if the files you need are already in your context."
    src = f'''
from anthropic import Anthropic

client = Anthropic()

BASE_SYSTEM_PROMPT = """You are a coding assistant with tools.
{rule}
Use the tools only when needed."""

CHAIN_OF_THOUGHT_PROMPT = """Answer the user's request using the relevant tools.
{rule}"""


def system_prompt(files: dict) -> str:
    contents = "".join(f"\\n--- {{path}} ---\\n{{text}}\\n" for path, text in files.items())
    files_prompt = f"\\n\\nFile Contents:\\n{{contents}}\\n"
    return BASE_SYSTEM_PROMPT + files_prompt + "\\n\\n" + CHAIN_OF_THOUGHT_PROMPT


def chat(files: dict, messages: list) -> str:
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=4000, system=system_prompt(files), messages=messages)
    return msg.content[0].text
'''
    assert codes(project({"app.py": src}, select=["LA202"])) == ["LA202"]


REPORT_PROMPT = '''
REPORT_PROMPT = """You are an AI assistant that helps a human analyst to perform general information discovery.

# Goal
Write a comprehensive report of a community, given a list of entities that belong to the community and their relationships.

# Report Structure
Return a title, a summary and five key findings.
{bound}
Text:
{input_text}

Output:"""
'''

REPORT_CALLER = '''
from openai import OpenAI

from app.prompts import REPORT_PROMPT

client = OpenAI()


def community_report(input_text: str, max_report_length: int = 1500) -> str:
    prompt = REPORT_PROMPT.format(input_text=input_text, max_report_length=max_report_length)
    resp = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    return resp.choices[0].message.content
'''


def _la205(project, prompt: str) -> list[str]:
    return codes(project({"app/prompts.py": prompt, "app/report.py": REPORT_CALLER}, select=["LA205"]))


def test_la205_report_with_its_own_word_limit_is_bounded(project):
    assert _la205(project, REPORT_PROMPT.replace("{bound}", "Limit the total report length to {max_report_length} words.")) == []


def test_la205_at_most_n_words_is_a_bound(project):
    assert _la205(project, REPORT_PROMPT.replace("{bound}", "The report should be at most 500 words.")) == []


def test_la205_report_without_a_bound_is_still_reported(project):
    assert _la205(project, REPORT_PROMPT.replace("{bound}", "")) == ["LA205"]


def test_la205_a_count_of_tools_is_no_length_bound(project):
    assert _la205(project, REPORT_PROMPT.replace("{bound}", "Use at most 3 tools and limit yourself to 2 searches.")) == ["LA205"]


SYNTHETIC = '''
from mistralai import Mistral

client = Mistral(api_key="...")

base_prompt = """
Generate a detailed query for an auto insurance claim. Include specifics about the incident (cause of the accident, damages, injuries), the user's situation, and what they're claiming. The query should be realistic and reflect what a user might ask an insurance agent. Output only the query text, nothing else.
"""

answer_prompt = """
Generate a detailed answer for the customer's question about their auto insurance claim. Output only the answer.
"""


def generate(prompt: str) -> str:
    response = client.chat.complete(model="mistral-large-latest", messages=[{"role": "user", "content": prompt}], max_tokens=200)
    return response.choices[0].message.content


dataset = [generate(base_prompt) for _ in range(10)]
reply = generate(answer_prompt)
'''


def test_la205_detail_of_a_realistic_synthetic_sample_is_the_product(project):
    result = project({"gen.py": SYNTHETIC}, select=["LA205"])
    lines = [f.line for f in result.findings]
    src = SYNTHETIC.splitlines()
    # the synthetic query is silent; the look-alike (a detailed answer to a real customer) is reported
    assert [src[n - 1].strip()[:30] for n in lines] == ["Generate a detailed answer for"]


REVIEW = '''
from openai import OpenAI

client = OpenAI()

REVIEW_PROMPT = """Review the paper below.

In <JSON>, provide the review in JSON format with the following fields in the order:
- "Summary": A summary of the paper content and its contributions.
- "Originality": A rating from 1 to 4 (low, medium, high, very high).
- "Quality": A rating from 1 to 4 (low, medium, high, very high).
- "Clarity": A rating from 1 to 4 (low, medium, high, very high).
- "Decision": A decision that has to be one of the following: Accept, Reject.
{extra}
This JSON will be automatically parsed, so ensure the format is precise."""


def review(paper: str) -> str:
    resp = client.chat.completions.create(
        model="gpt-4o-mini", max_tokens=2000,
        messages=[{"role": "system", "content": REVIEW_PROMPT}, {"role": "user", "content": paper}],
    )
    return resp.choices[0].message.content
'''


def test_la202_one_spec_per_field_of_a_schema_list_is_no_repeat(project):
    assert codes(project({"review.py": REVIEW.replace("{extra}", "")}, select=["LA202"])) == []


def test_la202_a_field_listed_twice_is_still_a_repeat(project):
    again = '- "Quality": A rating from 1 to 4 (low, medium, high, very high).'
    assert codes(project({"review.py": REVIEW.replace("{extra}", again)}, select=["LA202"])) == ["LA202"]


def test_la202_emphasis_labels_name_no_field(project):
    again = "- Note: Never guess a rating that the paper gives you no evidence for.\n- Important: Never guess a rating that the paper gives you no evidence for."
    assert codes(project({"review.py": REVIEW.replace("{extra}", again)}, select=["LA202"])) == ["LA202"]


CLAIMS = '''
EXTRACT_CLAIMS_PROMPT = """
-Goal-
Given a text document, an entity specification and a claim description, extract all claims against the entities.
{rules}
-Examples-
Example 1:
Entity specification: organization
Claim description: red flags associated with an entity
Text: According to an article on 2022/01/10, Company A was fined for bid rigging while participating in multiple public tenders published by Government Agency B. The company is owned by Person C who was suspected of engaging in corruption activities in 2015.
Output:

(COMPANY A<|>GOVERNMENT AGENCY B<|>ANTI-COMPETITIVE PRACTICES<|>TRUE<|>Company A was fined for bid rigging while participating in multiple public tenders published by Government Agency B)
<|COMPLETE|>

Example 2:
Entity specification: Company A, Person C
Claim description: red flags associated with an entity
Text: According to an article on 2022/01/10, Company A was fined for bid rigging while participating in multiple public tenders published by Government Agency B. The company is owned by Person C who was suspected of engaging in corruption activities in 2015.
Output:

(PERSON C<|>NONE<|>CORRUPTION<|>SUSPECTED<|>Person C was suspected of engaging in corruption activities in 2015)
<|COMPLETE|>

-Real Data-
Use the following input for your answer.
Entity specification: {entity_specs}
Claim description: {claim_description}
Text: {input_text}
Output:"""
'''


def test_worked_examples_that_fill_the_input_fields_are_data(project):
    result = project({"prompts/claims.py": CLAIMS.replace("{rules}", "")}, select=["LA202", "LA206"])
    assert codes(result) == []


def test_a_rules_label_after_the_examples_is_instruction_text_again(project):
    # a label that is no field of the input ("Rules:") ends the example: its wording is judged again
    src = CLAIMS.replace("{rules}", "").replace("-Real Data-", "Rules: Please make sure to quote the text for every claim.\n\n-Real Data-")
    result = project({"prompts/claims.py": src}, select=["LA201"])
    assert [f.message.split('"')[1] for f in result.findings] == ["Please make sure to quote"]
    # while the same sentence inside an example's field is data
    inside = CLAIMS.replace("{rules}", "").replace("Claim description: red flags associated with an entity\nText:", "Claim description: Please make sure to quote the text for every claim.\nText:", 1)
    assert codes(project({"prompts/claims.py": inside}, select=["LA201"])) == []


def test_example_input_heading_holds_the_example_records(project):
    rows = "\n".join(f"{i},VERDANT OASIS PLAZA,Verdant Oasis Plaza is the location of the Unity March" for i in range(5))
    src = f'''
REPORT_PROMPT = """Write a report of a community, given a list of its entities.

# Example Input
Text:

human_readable_id,title,description
{rows}

Output:
{{{{"title": "VERDANT OASIS PLAZA and Unity March"}}}}

# Real Data
Text:
{{input_text}}
Output:"""
'''
    assert codes(project({"prompts/report.py": src}, select=["LA206"])) == []
    # the look-alike: the same rows written as the prompt's own instruction text
    own = src.replace("# Example Input\n", "# Entities to mention\n")
    assert codes(project({"prompts/report.py": own}, select=["LA206"])) == ["LA206"]


AGENT = '''
from anthropic import Anthropic

client = Anthropic()

SYSTEM_PROMPT = """You are Claude, an AI assistant specialized in software development.
{closing}
"""


def chat(messages: list) -> str:
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=4000, system=SYSTEM_PROMPT, messages=messages)
    return msg.content[0].text
'''


def _la201(project, closing: str):
    return [(f.message.split('"')[1], f.fix is not None) for f in project({"agent.py": AGENT.replace("{closing}", closing)}, select=["LA201"]).findings]


def test_la201_goal_after_an_identity_statement_is_not_cut(project):
    # "Remember, you are an AI assistant, and help the user ..." would join an imperative to a statement
    assert _la201(project, "Remember, you are an AI assistant, and your primary goal is to help the user accomplish their tasks.") == []
    assert _la201(project, "Keep in mind, you are a code reviewer, and your task is to review the diff.") == []


def test_la201_goal_after_an_action_you_take_is_still_shortened(project):
    assert _la201(project, "You will receive a ticket, and your goal is to route it to the right team.") == [("your goal is to route", True)]
    assert _la201(project, "You are an expert in information retrieval and your task is to estimate the relevance of a document.") == [("your task is to estimate", True)]


def test_la201_the_reply_the_bot_must_say_is_its_output(project):
    greeting = "- if its general greeting then answer should be hello how can i help you, please ask related questions so i can help"
    assert _la201(project, greeting) == []
    # the look-alike: a line that describes the answer and then asks politely is instruction text
    assert _la201(project, "- The answer should be concise, and please cite the sources you used.") == [("please cite", True)]


def test_la201_respond_with_a_format_names_no_wording(project):
    line = "You MUST respond with ONLY valid JSON containing ONE object in the following format:"
    assert _la201(project, line) == [("the following format:", True)]


def test_la202_a_rule_before_and_after_few_shot_examples_is_still_a_repeat(project):
    # static examples between the copies are no request input: the restatement is a repeat
    rule = "- NEVER use the final_response tool in intermediate steps of the plan."
    src = f'''
PLANNER_PROMPT = """Plan the tool calls for the user's query.
{rule}

<Examples>
Query: Run the simulation on CASE_A.
Plan: [{{"step_nr": 1, "tool_name": "run_and_heal"}}]
</Examples>

CRITICAL RULES FOR final_response:
{rule}
"""
'''
    assert codes(project({"prompts/planner.py": src}, select=["LA202"])) == ["LA202"]


def test_la205_a_bound_on_each_table_cell_is_no_bound_on_the_answer(project):
    prompt = REPORT_PROMPT.replace("{bound}", "When creating a table, only include 1-2 sentences or less in each table cell.")
    assert _la205(project, prompt) == ["LA205"]


TOOL_CREATOR = '''
from anthropic import Anthropic

client = Anthropic()


def create_tool(description: str) -> str:
    prompt = f"""Create a Python tool class for this description: {description}
The class must subclass BaseTool and define name, description and execute().
Return ONLY the {what} without any explanation or markdown formatting."""
    response = client.messages.create(model="claude-sonnet-4-5", max_tokens=4000, messages=[{"role": "user", "content": prompt}])
    return response.content[0].text
'''


def test_la104_code_without_explanation_is_no_short_answer(project):
    assert codes(project({"tools.py": TOOL_CREATOR.replace("{what}", "Python code")}, select=["LA104"])) == []


def test_la104_a_name_without_explanation_is_still_a_short_answer(project):
    assert codes(project({"tools.py": TOOL_CREATOR.replace("{what}", "tool name")}, select=["LA104"])) == ["LA104"]
