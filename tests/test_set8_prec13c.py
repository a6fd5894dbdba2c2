"""Fresh set 8's false classes (prec13c, session 16), each as a realistic true case beside the
look-alike that must stay silent: text and bounds written in unit tests that make no request (LA201,
LA605), answers the prompt bounds itself (LA606), prompt templates from a paper (LA201), Python 3.12
f-string escapes (LA000), samples read through a batch's results (LA105)."""

from __future__ import annotations

import sys

import pytest

from conftest import codes


def _lines(result, code):
    return sorted((f.path, f.line) for f in result.findings if f.code == code)


# ---------------------------------------------------------------- LA201 / LA605 in unit tests
GOAL = """
    import importlib
    import json

    from app.config import get_app_config


    def create_chat_model(**kwargs):
        cfg = get_app_config().model  # the class and its settings come from config.yaml
        module, _, cls = cfg.use.rpartition(":")
        return getattr(importlib.import_module(module), cls)(**cfg.settings, **kwargs)


    async def evaluate_goal_completion(state, messages, model=None):
        model = model or create_chat_model(thinking_enabled=False)
        reply = await model.ainvoke([("system", "Judge whether the goal is met."), *messages])
        return json.loads(reply.content)
"""

MOCKED_TEST = """
    import asyncio
    from unittest.mock import AsyncMock, MagicMock

    from langchain_core.messages import AIMessage, HumanMessage

    from app import goal


    def test_evaluate_goal_completion_uses_non_thinking_model(monkeypatch):
        fake_model = MagicMock()
        fake_model.ainvoke = AsyncMock(return_value=MagicMock(content='{"satisfied": true}'))
        monkeypatch.setattr(goal, "create_chat_model", lambda **_kw: fake_model)
        result = asyncio.run(goal.evaluate_goal_completion({}, [
            HumanMessage(content="Please finish this task."),
            AIMessage(content="Done."),
        ]))
        assert result["satisfied"] is True
"""


def test_la201_text_of_a_unit_test_over_a_mocked_model_is_silent(project):
    config = "def get_app_config():\n    raise NotImplementedError\n"
    result = project({"app/__init__.py": "", "app/config.py": config, "app/goal.py": GOAL, "tests/test_goal.py": MOCKED_TEST}, select=["LA201"])
    assert _lines(result, "LA201") == []


def test_la201_same_message_in_application_code_still_reports(project):
    app = GOAL + """

    async def finish(state):
        from langchain_core.messages import HumanMessage
        return await evaluate_goal_completion(state, [HumanMessage(content="Please finish this task.")])
    """
    config = "def get_app_config():\n    raise NotImplementedError\n"
    result = project({"app/__init__.py": "", "app/config.py": config, "app/goal.py": app}, select=["LA201"])
    assert [p for p, _ in _lines(result, "LA201")] == ["app/goal.py"]


def test_la201_message_of_a_function_under_test_that_is_no_client_is_silent(project):
    result = project({
        "app/__init__.py": "",
        "app/memory.py": """
            def detect_correction(messages):
                return any("wrong" in m.content.lower() for m in messages)
        """,
        "tests/test_memory.py": """
            from langchain_core.messages import AIMessage, HumanMessage

            from app.memory import detect_correction


            def test_detects_correction():
                msgs = [HumanMessage(content="Please help me run the project."), AIMessage(content="Use npm start.")]
                assert detect_correction(msgs) is False
        """,
    }, select=["LA201"])
    assert _lines(result, "LA201") == []


def test_la201_integration_test_with_a_real_client_still_reports(project):
    result = project({
        "tests/test_live.py": """
            import os

            import pytest
            from langchain_core.messages import HumanMessage
            from langchain_openai import ChatOpenAI


            @pytest.mark.skipif(not os.getenv("OPENAI_API_KEY"), reason="live")
            def test_live_answer():
                llm = ChatOpenAI(model="gpt-4o-mini", max_tokens=200)
                reply = llm.invoke([HumanMessage(content="Please explain quantum computing in one paragraph.")])
                assert reply.content
        """,
    }, select=["LA201"])
    assert _lines(result, "LA201") == [("tests/test_live.py", 12)]


def test_la201_prompt_module_under_a_test_package_still_reports(project):
    """agentless's ``test/`` package builds prompts that generate tests: not a unit test module."""
    result = project({
        "agentless/test/select_tests.py": '''
            select_tests_prompt = """Below are the existing tests of the repository.
            {tests}
            Please identify the tests that should not be run after applying the patch.
            """
        ''',
    }, select=["LA201"])
    assert _lines(result, "LA201") == [("agentless/test/select_tests.py", 4)]


GATEWAY = """
    def build_run_config(thread_id, overrides, max_recursion_limit=1000):
        limit = min(int((overrides or {}).get("recursion_limit", 100)), max_recursion_limit)
        return {"configurable": {"thread_id": thread_id}, "recursion_limit": limit}
"""


def test_la605_bound_handed_to_a_config_builder_in_a_unit_test_is_silent(project):
    result = project({
        "app/__init__.py": "",
        "app/gateway.py": GATEWAY,
        "tests/test_gateway.py": """
            from app.gateway import build_run_config


            def test_recursion_limit_is_clamped():
                config = build_run_config("thread-1", {"recursion_limit": 100_000_000}, None)
                assert config["recursion_limit"] == 1000
        """,
    }, select=["LA605"])
    assert codes(result) == []


def test_la605_same_bound_in_application_code_still_reports(project):
    result = project({
        "app/__init__.py": "",
        "app/gateway.py": GATEWAY,
        "app/runner.py": """
            from langgraph.prebuilt import create_react_agent

            from app.gateway import build_run_config


            def start(graph, thread_id, question):
                config = build_run_config(thread_id, {"recursion_limit": 100_000_000})
                return graph.invoke({"messages": [("user", question)]}, config={"recursion_limit": 100_000_000})
        """,
    }, select=["LA605"])
    assert [f.path for f in result.findings] == ["app/runner.py", "app/runner.py"]


# ---------------------------------------------------------------- LA606 answers bounded by the prompt
def _analyzer(prompt_lines: str, cap: int, model: str = "gpt-4o-mini", returns: str = "return resp.choices[0].message.content") -> dict:
    return {"notes/analyzer.py": f'''
        from openai import OpenAI

        client = OpenAI()


        def ask(transcript: str, speakers: list) -> str:
            prompt = f"""
{prompt_lines}

            Meeting Transcript:
            {{transcript}}
            """
            resp = client.chat.completions.create(
                model="{model}",
                messages=[{{"role": "user", "content": prompt}}],
                max_tokens={cap},
            )
            {returns}
    '''}


TITLE = """            Generate a concise, descriptive title for this meeting based on its content.
            - Return ONLY the title, no additional text
            - Make it 3-8 words maximum"""


def test_la606_word_bound_title_under_a_cap_above_it_is_silent(project):
    assert codes(project(_analyzer(TITLE, 20), select=["LA606"])) == []


def test_la606_word_bound_near_the_cap_still_reports(project):
    summary = "            Summarise the meeting in at most 200 words."
    assert codes(project(_analyzer(summary, 200), select=["LA606"])) == ["LA606"]


def test_la606_word_bound_per_item_gives_no_bound(project):
    per_item = "            List the decisions of the meeting, each in at most 12 words."
    assert codes(project(_analyzer(per_item, 60), select=["LA606"])) == ["LA606"]


def test_la606_json_example_after_a_hole_is_read(project):
    mapping = """            Return ONLY a JSON object mapping speaker IDs to names.
            Use these speaker IDs: {[s for s in speakers]}

            Example format: {{"A": "Juan", "B": "Ana", "C": "Facilitator", "D": "Sofia"}}"""
    assert codes(project(_analyzer(mapping, 300, returns="return json.loads(resp.choices[0].message.content)"), select=["LA606"])) == []


def test_la606_named_fields_json_object_is_far_below_the_cap(project):
    fields = """            Extract the following fields from this invoice: vendor, date, amount, currency.
            Return valid JSON only."""
    assert codes(project(_analyzer(fields, 512), select=["LA606"])) == []


def test_la606_named_fields_of_every_line_item_give_no_bound(project):
    rows = """            For each line item, extract the following fields: description, quantity, unit_price, total.
            Return valid JSON only."""
    assert codes(project(_analyzer(rows, 512), select=["LA606"])) == ["LA606"]


def test_la606_reasoning_model_thinking_counts_against_the_cap(project):
    fields = """            Extract the following fields from this invoice: vendor, date, amount, currency.
            Return valid JSON only."""
    files = _analyzer(fields, 512, model="o3-mini")
    files["notes/analyzer.py"] = files["notes/analyzer.py"].replace("max_tokens=", "max_completion_tokens=")
    assert codes(project(files, select=["LA606"])) == ["LA606"]


def test_la606_concise_answer_under_a_roomy_cap_is_silent(project):
    concise = "            User question about the invoice above. Answer concisely. If unknown reply 'data not available'."
    assert codes(project(_analyzer(concise, 300), select=["LA606"])) == []


def test_la606_open_answer_under_the_same_cap_still_reports(project):
    open_answer = "            Answer the user's question about their insurance policy and explain the options."
    assert codes(project(_analyzer(open_answer, 300), select=["LA606"])) == ["LA606"]


# ---------------------------------------------------------------- LA201 prompt templates from a paper
PAPER = '''
    from vllm import LLM, SamplingParams

    {note}
    REASONING_PROMPT_TEMPLATE = """You are a reasoning question generator assistant. Your goal is to create a novel reasoning question.
    Seed Question 1: {{seed1}}
    Please reply strictly in the following format:
    [New Question Begin]{{{{question}}}}[New Question End]"""

    INSTRUCTION_PROMPT_TEMPLATE = """You are a prompt generator assistant.
    Please follow the steps below to create synthetic prompts.
    #Prompt 1#:
    {{prompt1}}"""

    llm = LLM(model="Qwen/Qwen3-8B")


    def generate(seed1, prompt1):
        params = SamplingParams(max_tokens=1024)
        a = llm.generate([REASONING_PROMPT_TEMPLATE.format(seed1=seed1)], params)
        b = llm.generate([INSTRUCTION_PROMPT_TEMPLATE.format(prompt1=prompt1)], params)
        return a, b
'''


def test_la201_templates_noted_as_from_the_paper_are_silent(project):
    result = project({"cot_self_instruct.py": PAPER.format(note="# Prompt templates from the paper")}, select=["LA201"])
    assert codes(result) == []


def test_la201_templates_without_a_paper_note_still_report(project):
    result = project({"cot_self_instruct.py": PAPER.format(note="# Prompt templates")}, select=["LA201"])
    assert len(codes(result)) >= 3 and {p for p, _ in _lines(result, "LA201")} == {"cot_self_instruct.py"}


def test_la201_singular_paper_note_covers_only_the_next_template(project):
    result = project({"cot_self_instruct.py": PAPER.format(note="# Prompt from the paper (Table 7)")}, select=["LA201"])
    lines = [line for _, line in _lines(result, "LA201")]
    assert lines and all(line >= 10 for line in lines)  # INSTRUCTION_PROMPT_TEMPLATE's filler only


# ---------------------------------------------------------------- LA000: Python 3.12 f-string escapes
NESTED_ESCAPE = '''
    from openai import OpenAI

    client = OpenAI()


    def card(model_id: str, max_len: int | None) -> str:
        prompt = f"""Please make sure to write a dataset card for this run:
        uv run generate-responses.py --model-id {model_id}{f" \\\\\\n    --max-model-len {max_len}" if max_len else ""}
        """
        resp = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
        return resp.choices[0].message.content
'''


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="valid syntax on Python 3.12+: parsed as is")
def test_la000_backslash_in_a_nested_fstring_is_analysed_not_reported(project):
    result = project({"card.py": NESTED_ESCAPE}, select=["LA000", "LA201"])
    assert codes(result) == ["LA201"]  # the file is read: its filler is found, no LA000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="valid syntax on Python 3.12+: parsed as is")
def test_la000_backslash_outside_a_nested_string_stays_info(project):
    code = 'import openai\nx = 3\ny = f"{x \\\n + 1}"\n'  # a line continuation in the expression itself
    result = project({"cont.py": code}, select=["LA000"])
    assert [(f.code, f.severity) for f in result.findings] == [("LA000", "info")]
    assert "needs Python 3.12+" in result.findings[0].message


# ---------------------------------------------------------------- LA105 samples of a batch
VLLM = """
    from vllm import LLM, SamplingParams


    class Decoder:
        def __init__(self, name):
            self.llm = LLM(model=name)

        def codegen(self, prompts, num_samples=200):
            outs = self.llm.generate(prompts, SamplingParams(n=num_samples, temperature=0.8, max_tokens=512))
            {read}
"""


def test_la105_every_sample_of_each_batch_result_read_is_silent(project):
    read = "return [[x.text for x in o.outputs] for o in outs]"
    assert codes(project({"decoder.py": VLLM.format(read=read)}, select=["LA105"])) == []


def test_la105_first_sample_of_each_result_only_still_reports(project):
    read = "return [o.outputs[0].text for o in outs]"
    assert codes(project({"decoder.py": VLLM.format(read=read)}, select=["LA105"])) == ["LA105"]


def test_la606_concise_answer_of_a_thinking_model_still_reports(project):
    """MiniMax M-series write their thinking into the answer under the same cap (weaviate-recipes)."""
    concise = "            Answer concisely based on the provided context."
    files = _analyzer(concise, 512, model="MiniMax-M3")
    files["notes/analyzer.py"] = files["notes/analyzer.py"].replace("client = OpenAI()", 'client = OpenAI(base_url="https://api.minimax.io/v1")')
    assert codes(project(files, select=["LA606"])) == ["LA606"]


# ---------------------------------------------------------------- LA601 a solution's \boxed{} answer
BOXED = '''
    import re

    from vllm import LLM, SamplingParams

    llm = LLM(model="Qwen/Qwen3-8B")


    def answers(question: str, k: int = 4) -> list[str]:
        outs = llm.generate([f"Solve step by step, then give the final answer.\\n{question}"], SamplingParams(n=k, max_tokens=2048))
        found = []
        for o in outs[0].outputs:
            text = o.text
            match = re.search({pattern}, text)
            if match:
                found.append(match.group(1))
        return found
'''


def test_la601_boxed_answer_cut_from_a_solution_is_silent(project):
    result = project({"filter.py": BOXED.replace("{pattern}", "r'\\\\boxed\\{(.*?)\\}'")}, select=["LA601"])
    assert codes(result) == []


def test_la601_regex_over_a_key_value_answer_still_reports(project):
    result = project({"filter.py": BOXED.replace("{pattern}", "r'Answer:\\s*(\\{.*\\})'")}, select=["LA601"])
    assert codes(result) == ["LA601"]
