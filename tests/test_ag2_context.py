"""AG2 ``with llm_config:`` blocks (analysis/agcontext.py).

Agents constructed inside the block without an ``llm_config=`` of their own send their requests
with the block's configuration: they are that configuration's users, the related locations of its
LA101, like agents given ``llm_config=llm_config``. Look-alikes: a ``UserProxyAgent`` (AG2 gives it
no configuration by default), an agent with its own ``llm_config=`` or ``**kwargs``, an agent built in
a function defined in the block (it runs later), a ``with`` of something else (``Cache.disk()``).
"""

from __future__ import annotations

import json

from conftest import notebook

TRIP = '''
    import os

    from autogen import AssistantAgent, ConversableAgent, GroupChat, GroupChatManager, LLMConfig, UserProxyAgent
    from autogen.cache import Cache

    llm_config = LLMConfig(api_type="openai", model="gpt-4o-mini", api_key=os.environ["OPENAI_API_KEY"], temperature=0.3)
    capped = LLMConfig(api_type="openai", model="gpt-4o-mini", max_tokens=400)

    with llm_config:
        planner = ConversableAgent(name="planner", system_message="Plan the trip day by day.")
        critic = AssistantAgent("critic", system_message="Point out what the plan misses.")
        user = UserProxyAgent("user", human_input_mode="NEVER", code_execution_config=False)
        summariser = ConversableAgent(name="summariser", llm_config=capped)
        options = {"llm_config": capped}
        extra = ConversableAgent(name="extra", **options)

        def later():
            return ConversableAgent(name="late")

    groupchat = GroupChat(agents=[planner, critic, user], messages=[], max_round=6)
    manager = GroupChatManager(groupchat=groupchat, llm_config=llm_config)

    with Cache.disk(cache_seed=42):
        user.initiate_chat(manager, message="Plan three days in Lisbon.")
'''


def la101(result):
    return [f for f in result.findings if f.code == "LA101"]


def test_agents_made_in_a_with_block_are_the_configs_users(project):
    result = project({"app/__init__.py": "", "app/trip.py": TRIP}, select=["LA101"])
    found = la101(result)
    assert [(f.path, f.line) for f in found] == [("app/trip.py", 7)]  # `capped` has its cap: silent
    assert [(r.line, r.message) for r in found[0].related] == [
        (11, "used by ConversableAgent(...) in `with`"),
        (12, "used by AssistantAgent(...) in `with`"),
        (22, "used by GroupChatManager(...)"),
    ]


def test_an_inline_config_entered_in_a_notebook_cell(project):
    nb = notebook(
        "from autogen import ConversableAgent, LLMConfig",
        'with LLMConfig(config_list=[{"api_type": "openai", "model": "gpt-4o"}]):\n'
        '    writer = ConversableAgent(name="writer", system_message="Write the post.")\n'
        '    editor = ConversableAgent(name="editor", system_message="Edit the post.")',
        'llm_config = LLMConfig(api_type="openai", model="gpt-4o-mini")',
        'with llm_config:\n    reviewer = ConversableAgent(name="reviewer", system_message="Review the post.")',
    )
    result = project({"blog.ipynb": json.dumps(nb)}, select=["LA101"])
    found = la101(result)
    assert [(f.path, f.cell, f.line) for f in found] == [("blog.ipynb", 1, 1), ("blog.ipynb", 2, 1)]
    assert [(r.cell, r.line) for r in found[0].related] == [(1, 2), (1, 3)]  # in the cell, at its own lines
    assert [(r.cell, r.line) for r in found[1].related] == [(3, 2)]  # the config's users in the next cell
