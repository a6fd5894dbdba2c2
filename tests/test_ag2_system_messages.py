"""AG2 ``UpdateSystemMessage(...)``: the system message an agent sends before each reply (analysis/ag2sysmsg.py).

Apps keep one system message per agent in a dict and return ``system_messages[agent.name]`` (plus
context) from the function given to ``UpdateSystemMessage``; each text is a system prompt, judged
where written. Look-alikes stay silent: the same kind of dict read by a function no
``UpdateSystemMessage`` receives, a dict of non-text values.
"""

from __future__ import annotations

SWARM = '''
    import streamlit as st
    from autogen import SwarmAgent, SwarmResult, UPDATE_SYSTEM_MESSAGE, OpenAIWrapper


    def run(api_key, details):
        system_messages = {
            "assessment_agent": """
            You are an experienced mental health professional. Please make sure to acknowledge their courage.
            """,
            "action_agent": "You are a crisis specialist. Your job is to provide coping strategies.",
        }
        llm_config = {"config_list": [{"model": "gpt-4o", "api_key": api_key, "max_tokens": 2000}]}

        def update_system_message_func(agent, messages) -> str:
            system_prompt = system_messages[agent.name]
            system_prompt += f"\\n\\nBelow are some context for you to refer to: {details}"
            agent.client = OpenAIWrapper(**agent.llm_config)
            return system_prompt

        state_update = UPDATE_SYSTEM_MESSAGE(update_system_message_func)
        agent = SwarmAgent("assessment_agent", llm_config=llm_config, update_agent_state_before_reply=[state_update])
        return agent


    labels = {"assessment_agent": "Please make sure to breathe.", "action_agent": "Your job is to relax."}


    def label_for(agent):
        return labels[agent.name]  # shown in the UI, never sent
'''


def test_texts_of_the_dict_the_updater_indexes(project):
    result = project({"app.py": SWARM}, select=["LA201"])
    lines = sorted(f.line for f in result.findings if f.code == "LA201")
    assert lines == [9, 11]  # both agents' system messages; the UI labels stay silent
    assert all(f.fix is not None for f in result.findings if f.code == "LA201")  # plain literals: fixed in place


def test_template_string_updater(project):
    src = '''
        from autogen import ConversableAgent, UpdateSystemMessage

        planner = ConversableAgent(
            "planner",
            llm_config=False,
            update_agent_state_before_reply=[UpdateSystemMessage("You are a planner. Your task is to plan the {destination} trip.")],
        )
        options = {"planner": 1, "critic": 2}
    '''
    result = project({"plan.py": src}, select=["LA201"])
    (f,) = [f for f in result.findings if f.code == "LA201"]
    assert f.line == 7 and "Your task is to plan" in f.message
