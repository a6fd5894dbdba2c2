"""Reach gaps found on real code in session 16 (docs/precision.md, "Reach at the end of session 16").

1. A wrapper that forwards ``**kwargs`` to the SDK (``def completions_with_backoff(**kwargs):
   return openai.ChatCompletion.create(**kwargs)``, Tree of Thoughts' ``models.py``): the model a caller passes
   by keyword (a literal, or the caller's own parameter default ``def gpt(prompt, model="gpt-4")``) is the
   request's model, so the model rules (LA402) see it. A model the caller takes from the environment stays
   unknown, and a wrapper that fixes the model itself keeps its own.
2. A project helper that builds the messages list (``def build_input_prompt(x): ... return messages``)
   passed whole to a wrapper (``get_completion(build_input_prompt(x))``, Anthropic's eval course notebooks):
   the helper's text is the wrapper's request, so LA201 reports the filler in the helper, with the chain. A
   helper whose result is only printed, while the wrapper gets other messages, stays silent.
3. A framework object made behind a conditional (``agent = Agent(...) if api_key else None``, agno): the
   text given to ``agent.run(query)`` is a prompt as for an unconditional constructor; the project's own
   ``Agent`` class in the same shape stays silent.
"""

from __future__ import annotations

import textwrap

from conftest import notebook

WRAPPER = """
    import os

    import backoff
    import openai


    @backoff.on_exception(backoff.expo, openai.error.OpenAIError)
    def completions_with_backoff(**kwargs):
        return openai.ChatCompletion.create(**kwargs)


    def chatgpt(messages, model="gpt-4", temperature=0.7, max_tokens=1000, n=1, stop=None) -> list:
        outputs = []
        res = completions_with_backoff(model=model, messages=messages, temperature=temperature, max_tokens=max_tokens, n=n, stop=stop)
        outputs.extend([choice["message"]["content"] for choice in res["choices"]])
        return outputs


    def gpt(prompt, model="gpt-4", temperature=0.7, max_tokens=1000, n=1, stop=None) -> list:
        messages = [{"role": "user", "content": prompt}]
        return chatgpt(messages, model=model, temperature=temperature, max_tokens=max_tokens, n=n, stop=stop)
"""


def _la402(result):
    return sorted((f.path.rsplit("/", 1)[-1], f.line) for f in result.findings if f.code == "LA402")


def test_model_through_kwargs_wrapper_reaches_model_rules(project):
    tasks = """
        from models import gpt


        def score(output):
            return gpt("Score this passage from 1 to 10:\\n" + output, n=5, model="gpt-4")


        def propose(state):
            return gpt("Propose the next step for: " + state, n=3)
    """
    result = project({"models.py": WRAPPER, "tasks.py": tasks}, select=["LA402"])
    found = _la402(result)
    # the default of gpt() (propose() passes no model; reached through chatgpt() and the **kwargs wrapper)
    # and the literal score() passes
    assert found == [("models.py", 20), ("tasks.py", 6)]
    f = next(f for f in result.findings if f.code == "LA402" and f.path.endswith("tasks.py"))
    assert "gpt-4" in f.message and "completions_with_backoff()" in f.message


def test_model_through_kwargs_wrapper_lookalikes_stay_silent(project):
    wrapper = """
        import os

        import openai


        def completions_with_backoff(**kwargs):
            return openai.ChatCompletion.create(**kwargs)


        def pinned(**kwargs):
            return openai.ChatCompletion.create(model="gpt-5.5", **kwargs)


        def ask(prompt):
            msgs = [{"role": "user", "content": prompt}]
            a = completions_with_backoff(model=os.environ["OPENAI_MODEL"], messages=msgs, max_tokens=200)
            b = pinned(messages=msgs, max_tokens=200)
            return a, b
    """
    result = project({"models.py": wrapper}, select=["LA402"])
    assert _la402(result) == []


HELPER = """
    def build_input_prompt(animal_statement):
        user_content = f\"\"\"You will be provided a statement about an animal and your job is to determine how many legs that animal has.

        Here is the animal statement.
        <animal_statement>{animal_statement}</animal_statement>

        How many legs does the animal have? Answer with a number.\"\"\"

        messages = [{'role': 'user', 'content': user_content}]
        return messages
"""
CLIENT = """
    from anthropic import Anthropic

    client = Anthropic()
    MODEL_NAME = "claude-haiku-5-5"

    def get_completion(messages):
        response = client.messages.create(model=MODEL_NAME, max_tokens=200, messages=messages)
        return response.content[0].text
"""


def _filler(result):
    return [(f.cell, f.line, f.message) for f in result.findings if f.code == "LA201"]


def test_messages_built_by_a_helper_reach_the_wrapper(project):
    nb = notebook(HELPER, CLIENT, """
        eval_data = [{"animal_statement": "The animal is a human."}, {"animal_statement": "The animal is a snake."}]
        outputs = [get_completion(build_input_prompt(question['animal_statement'])) for question in eval_data]
    """)
    result = project({"03_code_graded.ipynb": nb}, select=["LA201"])
    found = _filler(result)
    assert len(found) == 1
    cell, line, message = found[0]
    assert (cell, line) == (0, 3) and "your job is to determine" in message  # the helper's cell (code cells count from 0)
    assert "(via get_completion() -> messages.create)" in message


def test_messages_helper_assigned_then_passed(project):
    app = textwrap.dedent(CLIENT) + "\n\nfrom prompts import build_input_prompt\n\nfull_prompt = build_input_prompt('The animal is a cat.')\nprint(get_completion(full_prompt))\n"
    result = project({"prompts.py": HELPER, "app.py": app}, select=["LA201"])
    found = [(f.path.rsplit("/", 1)[-1], f.line) for f in result.findings if f.code == "LA201"]
    assert found == [("prompts.py", 3)]


def test_messages_helper_not_sent_stays_silent(project):
    nb = notebook(HELPER, CLIENT, """
        print(build_input_prompt("The animal is a cat."))
        history = [{"role": "user", "content": "How many legs does a cat have?"}]
        answer = get_completion(history)
    """)
    result = project({"03_code_graded.ipynb": nb}, select=["LA201"])
    assert _filler(result) == []


AGNO_TERNARY = """
    import streamlit as st
    from agno.agent import Agent
    from agno.models.google import Gemini
    from agno.tools.duckduckgo import DuckDuckGoTools

    medical_agent = Agent(
        model=Gemini(id="gemini-2.5-pro", api_key=st.session_state.GOOGLE_API_KEY),
        tools=[DuckDuckGoTools()],
        markdown=True,
    ) if st.session_state.GOOGLE_API_KEY else None

    if not medical_agent:
        st.warning("Please configure your API key in the sidebar to continue")

    query = \"\"\"
    You are a highly skilled medical imaging expert. Analyze the patient's medical image.
    - Provide a list of relevant medical links of them too
    \"\"\"

    if st.button("Analyze"):
        response = medical_agent.run(query)
        st.markdown(response.content)
"""


def test_agent_made_behind_a_conditional_reaches_its_run_sink(project):
    # 3. `agent = Agent(...) if key else None` (awesome-llm-apps' medical imaging agent): the text given to
    # agent.run() is the agent's request, as for an unconditional constructor
    result = project({"app.py": AGNO_TERNARY}, select=["LA201"])
    found = [(f.line, f.message) for f in result.findings if f.code == "LA201"]
    assert [line for line, _ in found] == [18] and '"Provide a list of"' in found[0][1]


def test_project_object_behind_a_conditional_stays_silent(project):
    code = AGNO_TERNARY.replace("from agno.agent import Agent", "from reporting import Agent")
    reporting = """
        class Agent:
            def __init__(self, **kwargs):
                self.kwargs = kwargs

            def run(self, text):
                return text.upper()
    """
    result = project({"app.py": code, "reporting.py": reporting}, select=["LA201"])
    assert [f for f in result.findings if f.code == "LA201"] == []
