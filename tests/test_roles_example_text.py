"""Text inside examples and data is not an instruction (fresh set 9, issue #12):

- a prompt under work after its label is material: llm-cookbook's prompt-optimizer lesson
  (content/选修-Advanced Prompting/3. 提示优化工具.ipynb) hands the model ``Original prompt: {original_prompt}``
  to rewrite, and its system prompt holds ``Original prompt: ... / Optimized prompt: ...`` example pairs;
  LA201 does not trim them. Look-alikes: the optimizer's own instruction, and a sentence that only
  mentions an improved prompt ("Write the improved prompt: ..." does not open with the label).
- labelled records before a live label are few-shot data: self-instruct's templates
  (self_instruct/templates/instance_gen_template.py, clf_task_template.py) repeat ``Task: ...`` blocks and
  end with a bare ``Task:`` the live task is appended to. Look-alikes: the instruction before the blocks,
  a text whose last line is another label, and two blocks only.
"""

from __future__ import annotations

from auditor.analysis.roles import data_regions, role_rules
from conftest import notebook

OPTIMIZER = '''
from openai import OpenAI

client = OpenAI()


def get_completions(system_instruction, llm_prompt, model_endpoint):
    response = client.chat.completions.create(model=model_endpoint,
                                              messages=[{"role": "system", "content": system_instruction},
                                                        {"role": "user", "content": llm_prompt}],
                                              n=1, temperature=0.6, max_tokens=1024)
    return response.choices[0].message.content.strip()


system_instruction = f"""You are an exceptional AI prompt engineer.
In order to write a good prompt, be as clear and specific as possible about what you want from the AI.
Design a new, optimized ChatGPT prompt based on the user-given prompt.
Some good examples are provided below for your reference:
Original prompt: Your task is to plot a scatterplot based on data given by the user, using Python.
Optimized prompt: Your task is to use Python to draw a scatterplot. In addition, you will need to add a title in order to explain the data.
Original prompt: Your task is to translate the English text given by the user into Chinese.
Optimized prompt: Please translate the following English text accurately into Chinese.
"""

'''

# each lesson cell sets the prompt to optimize, then hands it over after its label
LESSON = '''
original_prompt = "Your task is to use Python and draw a heat map based on the data given by the user."
original_prompt = f"""Original prompt: {original_prompt}"""
optimized_prompt = get_completions(system_instruction, original_prompt, "gpt-4o-mini")
'''

SENT_AS_IS = '''
original_prompt = "Your task is to use Python and draw a heat map based on the data given by the user."
result = get_completions("You are an expert at world knowledge.", original_prompt, "gpt-4o-mini")
'''


def _regions(text):
    return [text[a:b] for a, b in data_regions(text, role_rules())]


def test_prompts_under_optimization_are_data(project):
    result = project({"optimizer.ipynb": notebook(OPTIMIZER, LESSON, LESSON.replace("heat map", "bar chart"))}, select=["LA201"])
    said = [f.message for f in result.findings]
    assert any('"In order to"' in m for m in said), said  # the optimizer's own instruction
    assert not any('"Your task is to' in m or '"Please' in m or '"in order to"' in m for m in said), said


def test_a_prompt_sent_as_an_instruction_somewhere_stays_one(project):
    # the same constant also sent as the user's own prompt: it is an instruction there, so it is reported
    result = project({"optimizer.ipynb": notebook(OPTIMIZER, LESSON, SENT_AS_IS)}, select=["LA201"])
    assert any('"Your task is to use"' in f.message for f in result.findings), [f.message for f in result.findings]


def test_a_prompt_label_must_open_the_line():
    text = "Rewrite the user's prompt.\nWrite the improved prompt: please keep it in order to stay short.\nOriginal prompt: Please plot it.\n"
    assert _regions(text) == ["Please plot it."]


TEMPLATE = '''Given the classification task definition and the class labels, generate an input that corresponds to each of the class labels.

Task: Classify the sentiment of the sentence into positive, negative, or mixed.
Class label: mixed
Sentence: I enjoy the flavor of the restaurant but their service is too slow.

Task: Given a dialogue, classify whether the user is satisfied with the service.
Class label: Unsatisfied
Dialogue:
- Agent: I am sorry we will cancel that order for you.
- Customer: oh that takes too long. I want you to take quicker action on this.

Task: Tell me if the following email is a promotion email or not.
Class label: Promotion
Email: Check out our amazing new sale! Please note that it ends soon.

Task:'''

APP = '''
from openai import OpenAI

client = OpenAI()

template = """TEMPLATE"""


def generate(instruction):
    prompt = template + " " + instruction.strip() + "\\n"
    return client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt, max_tokens=300)
'''


def test_labelled_records_before_the_live_label_are_data(project):
    regions = _regions(TEMPLATE)
    assert len(regions) == 1 and regions[0].startswith("Task: Classify the sentiment") and "ends soon." in regions[0], regions
    result = project({"gen.py": APP.replace("TEMPLATE", TEMPLATE)}, select=["LA201"])
    said = [f.message for f in result.findings]
    assert not any("I want you to" in m or "note that" in m.lower() for m in said), said


def test_records_need_the_live_label_and_three_blocks():
    other_last = TEMPLATE[: -len("Task:")] + "Answer:"
    assert _regions(other_last) == []
    two = TEMPLATE.replace("Task: Tell me if the following email", "Kind: Tell me if the following email")
    assert _regions(two) == []
    rules_after = TEMPLATE[: -len("Task:")] + "Rules: Please note that you must answer in English.\n\nTask:"
    assert all("Rules:" not in r and "Given the classification task" not in r for r in _regions(rules_after))


ANSWER_EXAMPLE = """You are a W&B support bot.

8. Examples of good responses:

<answer>
# How to Log Metrics in W&B

Remember to call `wandb.init()` at the beginning of your script to initialize a new run [1].
</answer>

9. Handling edge cases:
   - Please make sure to state clearly when the snippets do not answer the query.
"""


def test_a_tagged_answer_after_an_examples_heading_is_data():
    regions = _regions(ANSWER_EXAMPLE)
    assert any("Remember to call" in r for r in regions), regions
    assert not any("Please make sure" in r or "You are a W&B" in r for r in regions), regions


def test_a_tagged_block_without_an_examples_heading_stays_an_instruction():
    text = ANSWER_EXAMPLE.replace("8. Examples of good responses:", "8. Format your reply like this:").replace("<answer>", "<rules>").replace("</answer>", "</rules>")
    assert not any("Remember to call" in r for r in _regions(text))
    heading_only = "Examples of good answers are short.\n\n<answer>\nPlease note the run.\n</answer>\n"
    assert _regions(heading_only) == []
