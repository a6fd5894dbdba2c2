"""Fresh set 5's model, call-site and loop false classes (precfix10, session 14), each as a realistic
true case beside the look-alike that must stay silent: LA105 intended sampling (beam search, a
local engine, HyDE's consumed samples, ``best_of == n``)."""

from __future__ import annotations

from conftest import codes


def _msgs(result, code):
    return [f.message for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA105 intended sampling
def test_la105_beam_width_in_local_vllm_engine_is_silent(project):
    result = project({
        "labeler/vllm_model.py": """
            from vllm import LLM, SamplingParams


            class VLLMLabeler:
                def __init__(self, model_name: str):
                    self.params = SamplingParams(
                        max_tokens=128, temperature=0.0, use_beam_search=True, best_of=5, logprobs=1,
                    )
                    self.llm = LLM(model=model_name)

                def label(self, prompts):
                    out = self.llm.generate(prompts, sampling_params=self.params, use_tqdm=False)
                    return [o.outputs[0].text for o in out]
        """,
    }, select=["LA105"])
    assert codes(result) == []


def test_la105_best_of_on_hosted_completions_still_reported(project):
    result = project({
        "gen.py": """
            from openai import OpenAI

            client = OpenAI()

            def tagline(product: str) -> str:
                resp = client.completions.create(
                    model="gpt-3.5-turbo-instruct", prompt=f"A tagline for {product}:", max_tokens=20, best_of=5,
                )
                return resp.choices[0].text
        """,
    }, select=["LA105"])
    assert [m.split(":")[0] for m in _msgs(result, "LA105")] == ["`best_of=5`"]


HYDE = """
    from langchain.chains import HypotheticalDocumentEmbedder
    from langchain.embeddings import OpenAIEmbeddings
    from langchain.llms import OpenAI

    base_embeddings = OpenAIEmbeddings()
    multi_llm = OpenAI(n=4, best_of=4)
    embeddings = HypotheticalDocumentEmbedder.from_llm(multi_llm, base_embeddings, "web_search")
    result = embeddings.embed_query("which factors limit the nutrition of fast-food meals?")
"""


def test_la105_samples_consumed_by_hyde_are_intended(project):
    result = project({"hyde.py": HYDE}, select=["LA105"])
    assert codes(result) == []


def test_la105_same_object_invoked_directly_reads_one_sample(project):
    # the look-alike: the same four-sample LLM, but invoke() returns the first generation only;
    # best_of == n adds no candidate, so one finding (n), not a second "x4"
    result = project({
        "ask.py": """
            from langchain.llms import OpenAI

            multi_llm = OpenAI(n=4, best_of=4)
            answer = multi_llm.invoke("Name three limits of fast-food nutrition.")
            print(answer)
        """,
    }, select=["LA105"])
    assert [m.split(":")[0] for m in _msgs(result, "LA105")] == ["`n=4`"]


# ---------------------------------------------------------------- LA606 short-answer cap
INTENT = """
    from mistralai import Mistral

    VALID = ["DEBTCONSOLIDATION", "EDUCATION", "HOMEIMPROVEMENT", "MEDICAL", "PERSONAL", "VENTURE"]


    class LoanAgent:
        def __init__(self, model: str):
            self.client = Mistral(api_key="k")
            self.model = model

        def extract_intent(self, query: str) -> str:
            prompt = f\"\"\"
            Given the query: '{query}', classify the intent into one of: {', '.join(VALID)}.
            Respond with only the intent in uppercase (e.g., 'HOMEIMPROVEMENT').
            If unsure, respond with 'PERSONAL'.
            \"\"\"
            response = self.client.chat.complete(
                model=self.model, messages=[{"role": "user", "content": prompt}], max_tokens=CAP,
            )
            return response.choices[0].message.content.strip().upper()
"""

RETRY = '''
    import json

    from anthropic import Anthropic

    client = Anthropic()


    def decide_retry(edit_results, checker_answer):
        response = client.messages.create(
            model="claude-sonnet-4-5",
            max_tokens=CAP,
            system="""You decide whether to retry editing files. Respond with a JSON object containing 'retry' (boolean) and 'files_to_retry' (list of file paths).

    Example of the expected JSON response:
    {
        "retry": true,
        "files_to_retry": ["/path/to/file1.py", "/path/to/file2.py"]
    }

    Only return the JSON object, nothing else.""",
            messages=[{"role": "user", "content": f"Edit results: {json.dumps(edit_results)}\\n\\n{checker_answer}"}],
        )
        return json.loads(response.content[0].text)
'''


def test_la606_cap_far_above_the_example_answer_is_never_reached(project):
    result = project({"agent.py": INTENT.replace("CAP", "20"), "retry.py": RETRY.replace("CAP", "1000")}, select=["LA606"])
    assert codes(result) == []


def test_la606_cap_near_the_example_answer_is_still_reported(project):
    # the same prompts with caps that an answer like the example can reach
    result = project({"agent.py": INTENT.replace("CAP", "18").replace("'HOMEIMPROVEMENT'", "'HOME_IMPROVEMENT_AND_RENOVATION_LOANS'"),
                      "retry.py": RETRY.replace("CAP", "100")}, select=["LA606"])
    assert sorted(f.path for f in result.findings if f.code == "LA606") == ["agent.py", "retry.py"]


def test_la606_prose_answer_without_an_example_is_still_reported(project):
    result = project({
        "summ.py": """
            from openai import OpenAI

            client = OpenAI()

            def summarise(doc: str) -> str:
                resp = client.chat.completions.create(
                    model="gpt-4o-mini", max_tokens=1000,
                    messages=[{"role": "system", "content": "Write a detailed summary of the document (e.g., 'key findings')."},
                              {"role": "user", "content": doc}],
                )
                return resp.choices[0].message.content
        """,
    }, select=["LA606"])
    assert codes(result) == ["LA606"]


# ---------------------------------------------------------------- one chain per root cause
def test_la503_through_a_dispatching_wrapper_names_one_chain_and_counts_the_rest(project):
    result = project({
        "llm.py": """
            import anthropic
            import openai


            def get_response(msg: str, client, model: str, system: str) -> str:
                if "claude" in model:
                    r = client.messages.create(model=model, max_tokens=4096, system=system,
                                               messages=[{"role": "user", "content": msg}])
                    return r.content[0].text
                elif model.startswith("gpt"):
                    r = client.chat.completions.create(model=model, max_tokens=4096,
                                                       messages=[{"role": "system", "content": system}, {"role": "user", "content": msg}])
                    return r.choices[0].message.content
                r = client.chat.completions.create(model="deepseek-chat", max_tokens=4096,
                                                   messages=[{"role": "system", "content": system}, {"role": "user", "content": msg}])
                return r.choices[0].message.content
        """,
        "label.py": """
            import openai

            from llm import get_response

            client = openai.OpenAI()


            def label_all(reviews: list[str]) -> list[str]:
                out = []
                for review in reviews:
                    out.append(get_response(review, client, "gpt-4.1", "Label the review's sentiment."))
                return out
        """,
    }, select=["LA503"])
    found = [f for f in result.findings if f.code == "LA503"]
    assert len(found) == 1 and found[0].path == "label.py"
    assert found[0].message.count("(via ") == 1 and "(and via" not in found[0].message
    assert found[0].message.endswith("more requests reached through the same call)")


# ---------------------------------------------------------------- LA503 agent per item
PIPELINE_LLM = """
    import openai

    client = openai.OpenAI()


    def get_response(msg: str, system: str) -> str:
        r = client.chat.completions.create(model="gpt-4.1", max_tokens=4096,
                                           messages=[{"role": "system", "content": system}, {"role": "user", "content": msg}])
        return r.choices[0].message.content
"""

LAUNCH = """
    from aider.coders import Coder
    from aider.models import Model

    from llm import get_response


    def do_idea(idea: dict, folder: str) -> bool:
        coder = Coder.create(main_model=Model("gpt-4.1"), fnames=[f"{folder}/experiment.py"], edit_format="diff")
        coder.run(f"Implement the experiment: {idea['Experiment']}")
        review = get_response(open(f"{folder}/paper.tex").read(), "Review this paper as a NeurIPS reviewer.")
        return "Accept" in review


    def main(ideas: list[dict]) -> None:
        for idea in ideas:
            do_idea(idea, f"results/{idea['Name']}")
"""


def test_la503_loop_over_a_callee_that_builds_a_coding_agent_is_silent(project):
    result = project({"llm.py": PIPELINE_LLM, "launch.py": LAUNCH}, select=["LA503"])
    assert codes(result) == []


def test_la503_loop_over_a_callee_without_an_agent_is_still_reported(project):
    plain = LAUNCH.replace(
        '        coder = Coder.create(main_model=Model("gpt-4.1"), fnames=[f"{folder}/experiment.py"], edit_format="diff")\n'
        '        coder.run(f"Implement the experiment: {idea[\'Experiment\']}")\n', "")
    assert "Coder.create" not in plain
    result = project({"llm.py": PIPELINE_LLM, "launch.py": plain}, select=["LA503"])
    assert [(f.code, f.path) for f in result.findings] == [("LA503", "launch.py")]


# ---------------------------------------------------------------- Groq: a retired model, a deprecated cap
GROQ = """
    from groq import Groq

    client = Groq(api_key="YOUR API KEY")

    ORCHESTRATOR_MODEL = "@@M@@"


    def opus_orchestrator(objective: str) -> str:
        response = client.chat.completions.create(
            model=ORCHESTRATOR_MODEL,
            messages=[{"role": "system", "content": "Break the objective into sub-tasks."},
                      {"role": "user", "content": objective}],
            max_tokens=8000,
        )
        if response.choices[0].finish_reason == "length":
            raise RuntimeError("cut")
        return response.choices[0].message.content
"""


def test_groq_mixtral_is_retired_not_unknown(project):
    result = project({"maestro_groq.py": GROQ.replace("@@M@@", "mixtral-8x7b-32768")}, select=["LA402", "LA403"])
    found = [(f.code, f.line) for f in result.findings]
    assert found == [("LA402", 6)]
    msg = result.findings[0].message
    assert "2025-03-20" in msg and "console.groq.com/docs/deprecations" in msg


def test_groq_current_model_has_no_lifecycle_finding(project):
    result = project({"maestro_groq.py": GROQ.replace("@@M@@", "openai/gpt-oss-120b")}, select=["LA402", "LA403"])
    assert codes(result) == []


def test_la103_on_groq_says_deprecated_not_rejected(project):
    result = project({"maestro_groq.py": GROQ.replace("@@M@@", "openai/gpt-oss-120b")}, select=["LA103"])
    [msg] = _msgs(result, "LA103")
    assert msg.startswith("`max_tokens` is deprecated here") and "not accepted" not in msg
    assert result.findings[0].fix is not None and result.findings[0].fix.applicability == "safe"


# ---------------------------------------------------------------- LA101: a cap that fits a reasoning model
R1_APP = """
    import streamlit as st
    from langchain_ollama.llms import OllamaLLM

    st.title("DeepSeek R1 vs GPT-4o")
    question = st.text_input("Ask a question")
    if question:
        llm = OllamaLLM(model="@@M@@", base_url="http://localhost:11434")
        st.write(llm.invoke(question))
"""


def _cap_fix(result):
    [f] = [f for f in result.findings if f.code == "LA101"]
    return f.fix.description if hasattr(f.fix, "description") else f.fix.message


def test_la101_proposes_a_reasoning_sized_cap_for_deepseek_r1(project):
    result = project({"app.py": R1_APP.replace("@@M@@", "deepseek-r1:1.5b")}, select=["LA101"])
    assert _cap_fix(result) == "Add `num_predict=16384`"


def test_la101_keeps_the_reply_sized_cap_for_a_model_that_does_not_reason(project):
    result = project({"app.py": R1_APP.replace("@@M@@", "llama3.1:8b")}, select=["LA101"])
    assert _cap_fix(result) == "Add `num_predict=1024`"


# ---------------------------------------------------------------- LA402 in configuration files
AZURE_SETTINGS = """\
completion_models:
  default_completion_model:
    model_provider: azure
    api_key: ${GRAPHRAG_API_KEY}
    api_base: ${GRAPHRAG_API_BASE}
    api_version: "2025-04-01-preview"
    model: gpt-4.1
    azure_deployment_name: gpt-4.1
"""

OPENAI_SETTINGS = """\
completion_models:
  default_completion_model:
    api_key: ${CUSTOM_API_KEY}
    model_provider: openai
    model: gpt-4.1
"""


def test_la402_azure_model_block_is_the_deployments_label(project):
    result = project({"tests/fixtures/min-csv/settings.yml": AZURE_SETTINGS,
                      "settings.yaml": AZURE_SETTINGS.replace("    azure_deployment_name: gpt-4.1\n", "")}, select=["LA402"])
    msgs = sorted((f.path, f.message) for f in result.findings if f.code == "LA402")
    assert [p for p, _ in msgs] == ["settings.yaml", "tests/fixtures/min-csv/settings.yml"]
    for _, m in msgs:  # the deployment decides, on Azure's schedule: not OpenAI's page as the model's own dates
        assert "labels the Azure deployment `gpt-4.1`" in m and "developers.openai.com" not in m


def test_la402_openai_model_block_keeps_openais_dates(project):
    result = project({"settings.yaml": OPENAI_SETTINGS}, select=["LA402"])
    [m] = _msgs(result, "LA402")
    assert "retires on" in m and "developers.openai.com" in m and "Azure" not in m


def test_la402_unit_test_config_fixture_is_parsed_never_called(project):
    # the same block as the look-alike above, as a config loader's unit-test input: silent
    result = project({"tests/unit/config/fixtures/minimal_config/settings.yaml": OPENAI_SETTINGS,
                      "tests/smoke/fixtures/settings.yaml": OPENAI_SETTINGS}, select=["LA402"])
    assert [f.path for f in result.findings if f.code == "LA402"] == ["tests/smoke/fixtures/settings.yaml"]


def test_la606_json_example_with_an_elided_list_gives_no_size(project):
    # one verdict per rubric criterion: the answer grows with the data, and a 4096 cap can be reached
    result = project({
        "judge.py": '''
            import json

            from openai import OpenAI

            client = OpenAI()
            SYSTEM = (
                "You are a strict rubric grader. Respond with exactly one JSON object and no commentary: "
                '{"verdicts": [{"index": 1, "pass": true}, ...]}. Include a JSON array entry for every criterion.'
            )


            def grade(rubric_lines: str, answer: str) -> dict:
                resp = client.chat.completions.create(
                    model="gpt-4.1-mini", max_tokens=4096,
                    messages=[{"role": "system", "content": SYSTEM}, {"role": "user", "content": rubric_lines + answer}],
                )
                return json.loads(resp.choices[0].message.content)
        ''',
    }, select=["LA606"])
    assert codes(result) == ["LA606"]


def test_la606_conditional_json_ask_is_one_answer_mode_of_several(project):
    # tool calls as JSON, every other answer free text (a chat answer of a few paragraphs): the JSON
    # example gives no size, and a cap of 800 can be reached (4000 would be a guard, session 17)
    result = project({
        "mcp_chat.py": '''
            import anthropic

            client = anthropic.Anthropic()


            def ask(prompt: str, tool_descriptions: str) -> str:
                system_prompt = f"""You are an assistant with access to tools.

            Available tools:
            {tool_descriptions}

            When you need to use a tool, respond with a JSON object in the following format:
            {{
                "tool": "tool_name",
                "arguments": {{"arg1": "value1"}}
            }}

            For regular responses, simply respond normally.
            """
                response = client.messages.create(model="claude-sonnet-4-6", max_tokens=800, system=system_prompt,
                                                  messages=[{"role": "user", "content": prompt}])
                return response.content[0].text
        ''',
    }, select=["LA606"])
    assert codes(result) == ["LA606"]
