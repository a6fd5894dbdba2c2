"""AG2 ``LLMConfig(...)`` and AutoGen 0.2 ``llm_config`` dicts as generation configurations (analysis/agconfig.py).

The agents send the requests, the configuration holds the model and the cap: LA101 is reported once at
the configuration, with the agents that use it as related locations, priced by its model, and fixed by
adding ``max_tokens`` to the entry when the entry is written there. Look-alikes stay silent: a config
with ``max_tokens`` (in the entry or at the top), AG2's Anthropic entry (4096 by default), an entry
read from a JSON file, a ``config_list`` dict in a module that does not use AutoGen, a retriever's
``config_list`` without a model.
"""

from __future__ import annotations

import textwrap

from conftest import cli, notebook, write_tree


def la101(result):
    return sorted((f.path, f.cell, f.line) for f in result.findings if f.code == "LA101")


GROUP_CHAT = '''
    import os

    from autogen import ConversableAgent, GroupChat, GroupChatManager, LLMConfig

    llm_config = LLMConfig(
        {
            "api_type": "openai",
            "model": "gpt-4o-mini",
            "api_key": os.environ["OPENAI_API_KEY"],
            "temperature": 0.2,
        }
    )

    planner = ConversableAgent(name="planner", system_message="Plan the trip.", llm_config=llm_config)
    critic = ConversableAgent(name="critic", system_message="Criticise the plan.", llm_config=llm_config)
    groupchat = GroupChat(agents=[planner, critic], messages=[], max_round=6)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)

    capped = LLMConfig({"api_type": "openai", "model": "gpt-4o-mini", "max_tokens": 800})
    top_capped = LLMConfig(config_list=[{"api_type": "openai", "model": "gpt-4o-mini"}], max_tokens=600)
    claude = LLMConfig({"api_type": "anthropic", "model": "claude-sonnet-4-5", "api_key": os.environ["ANTHROPIC_API_KEY"]})
    from_file = LLMConfig.from_json(path="OAI_CONFIG_LIST")
    reviewer = ConversableAgent(name="reviewer", llm_config=capped)
'''


def test_llmconfig_is_the_call_site_with_its_agents_related(project):
    result = project({"app/__init__.py": "", "app/chat.py": GROUP_CHAT}, select=["LA101"])
    assert la101(result) == [("app/chat.py", None, 6)]  # capped, top-level cap, Anthropic default, JSON file: silent
    f = next(f for f in result.findings if f.code == "LA101")
    assert "up to 16,384 tokens for gpt-4o-mini" in f.message  # the model comes from the entry
    assert [(r.line, r.message) for r in f.related] == [
        (15, "used by ConversableAgent(...)"), (16, "used by ConversableAgent(...)"), (18, "used by GroupChatManager(...)"),
    ]
    assert f.fix is not None and [e.content for e in f.fix.edits] == ['\n        "max_tokens": 1024,']
    assert f.savings is not None and f.savings.worst_case_usd_per_month > 0  # priced as gpt-4o-mini, worst case


KWARGS_AND_LIST = '''
    from autogen import AssistantAgent, LLMConfig

    def build(topic):
        cfg = LLMConfig(api_type="openai", model="gpt-4.1-mini")
        listed = LLMConfig(config_list=[{"api_type": "google", "model": "gemini-2.5-flash"}], temperature=0.3)
        return AssistantAgent("writer", llm_config=cfg), AssistantAgent("searcher", llm_config=listed)
'''


def test_keyword_form_and_config_list_form_are_fixed_where_written(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"agents.py": KWARGS_AND_LIST})
    proc = cli("fix", "--unsafe-fixes", "--select", "LA101", "agents.py", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    fixed = (tmp_path / "agents.py").read_text()
    assert 'LLMConfig(api_type="openai", model="gpt-4.1-mini", max_tokens=1024)' in fixed  # the keywords are the entry
    assert '[{"api_type": "google", "model": "gemini-2.5-flash", "max_tokens": 1024}]' in fixed  # into the entry, not the call
    assert cli("check", "--select", "LA101", "agents.py", cwd=tmp_path).returncode == 0


def test_reasoning_model_gets_max_completion_tokens(project):
    src = '''
        from autogen import LLMConfig
        cfg = LLMConfig({"api_type": "openai", "model": "gpt-5-nano"})
    '''
    result = project({"r.py": src}, select=["LA101"])
    (f,) = [f for f in result.findings if f.code == "LA101"]
    assert f.fix is not None and f.fix.edits[0].content == ', "max_completion_tokens": 1024'  # gpt-5 rejects max_tokens


AUTOGEN_DICTS = '''
    import os
    import autogen

    api_key = os.environ["OPENAI_API_KEY"]
    white_config_list = [{"model": "gpt-4o-mini", "api_key": api_key}]

    player_white = autogen.ConversableAgent(
        name="Player_White",
        system_message="You play white.",
        llm_config={"config_list": white_config_list, "cache_seed": None},
    )

    def team(key):
        llm_config = {"config_list": [{"model": "gpt-4o", "api_key": key}], "temperature": 0}
        story = autogen.AssistantAgent(name="story", llm_config=llm_config, system_message="Write the story.")
        world = autogen.AssistantAgent(name="world", llm_config=llm_config, system_message="Build the world.")
        return story, world

    capped = {"config_list": [{"model": "gpt-4o", "api_key": api_key}], "max_tokens": 4096}
    entry_capped = {"config_list": [{"model": "gpt-4o", "api_key": api_key, "max_tokens": 500}]}
    from_json = {"config_list": autogen.config_list_from_json("OAI_CONFIG_LIST"), "timeout": 120}
    retriever = {"config_list": [{"collection": "docs"}]}
    local = {"config_list": [{"model": "llama3", "base_url": "http://localhost:11434/v1", "api_key": "ollama"}]}
'''


def test_autogen_llm_config_dicts(project):
    result = project({"chess.py": AUTOGEN_DICTS}, select=["LA101", "LA403"])
    assert la101(result) == [("chess.py", None, 11), ("chess.py", None, 15), ("chess.py", None, 24)]
    by_line = {f.line: f for f in result.findings if f.code == "LA101"}
    assert by_line[11].message.startswith("the llm_config dict sets no output-token cap")
    assert by_line[11].fix is None  # the entry is written in white_config_list, maybe shared: not edited from here
    assert [r.message for r in by_line[15].related] == ["used by AssistantAgent(...)"] * 2
    assert by_line[15].fix is not None and by_line[15].fix.edits[0].content == ', "max_tokens": 1024'
    assert not [f for f in result.findings if f.code == "LA403"]  # llama3 on a local Ollama server: no unknown model


def test_config_list_dicts_without_autogen_stay_silent(project):
    src = '''
        import openai

        settings = {"config_list": [{"model": "gpt-4o", "api_key": "k"}]}

        def ask(q):
            return openai.OpenAI().chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": q}], max_tokens=50)
    '''
    result = project({"settings.py": src}, select=["LA101"])
    assert la101(result) == []


def test_notebook_config_cell(project):
    nb = notebook(
        '''
        import autogen
        config_list = [{"model": "gpt-4o", "api_key": "sk-..."}]
        ''',
        '''
        assistant = autogen.AssistantAgent("assistant", llm_config={"config_list": config_list, "seed": 42})
        user = autogen.UserProxyAgent("user", code_execution_config=False)
        user.initiate_chat(assistant, message="Plot NVDA's price this year.")
        ''',
    )
    import json

    result = project({"demo.ipynb": json.dumps(nb)}, select=["LA101"])
    assert la101(result) == [("demo.ipynb", 1, 2)]  # the cell source starts with a blank line
    (f,) = [f for f in result.findings if f.code == "LA101"]
    assert "gpt-4o" in f.message


def test_config_is_reported_in_check_of_one_file(tmp_path):
    (tmp_path / ".git").mkdir()
    write_tree(tmp_path, {"a.py": textwrap.dedent(GROUP_CHAT), "b.py": "x = 1\n"})
    proc = cli("check", "--select", "LA101", "--output-format", "concise", "a.py", cwd=tmp_path)
    assert proc.returncode == 1 and "a.py:6:" in proc.stdout


def test_sampling_parameters_ag2_drops_for_o1_models(project):
    src = '''
        from autogen import LLMConfig
        o1 = LLMConfig({"api_type": "openai", "model": "o1-mini", "temperature": 0, "max_completion_tokens": 2000})
        nano = LLMConfig({"api_type": "openai", "model": "gpt-5-nano", "temperature": 0, "max_completion_tokens": 2000})
    '''
    result = project({"m.py": src}, select=["LA106"])
    # AG2's OpenAI client removes temperature for o1* models only: gpt-5-nano receives it and answers 400
    assert [(f.line, f.message.split(" is ")[0]) for f in result.findings if f.code == "LA106"] == [(4, "`config_list[0].temperature=0`")]
    without = project({"m.py": src}, select=["LA106"], policy="""
        params:
          LA106: {dropped-by-sdk: []}
    """)
    assert sorted(f.line for f in without.findings if f.code == "LA106") == [3, 4]  # o1-mini rejects it when sent directly
