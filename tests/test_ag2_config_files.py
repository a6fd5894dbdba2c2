"""AG2 / AutoGen configuration lists read from a project file (analysis/configlist.py).

``config_list_from_json("OAI_CONFIG_LIST", filter_dict=...)`` and ``LLMConfig.from_json(path=...)``
load the models from a JSON file that the repository ships; the agents send the first entry the filter
keeps. That entry is the configuration's: LA101 when neither it nor the configuration caps the output
(the entry a related location), LA402/LA403 on its model id at the model's line in the file, once.
Look-alikes stay silent: an entry with ``max_tokens``, a file that is not in the project, a path or a
filter computed at run time, a filter that keeps no entry, a module that does not use AutoGen.
"""

from __future__ import annotations

from conftest import LA403_GAPS

CONFIG_LIST = """[
    {
        "model": "gpt-4-0125-preview",
        "api_key": "<your OpenAI API key here>"
    },
    {
        "model": "gpt-5.6-sol",
        "api_key": "<your OpenAI API key here>",
        "max_tokens": 800
    },
    {
        "model": "gpt-4o-mega",
        "api_key": "<your OpenAI API key here>"
    },
    {
        "model": "<your Azure OpenAI deployment name>",
        "api_key": "<your Azure OpenAI API key here>",
        "base_url": "<your Azure OpenAI API base here>",
        "api_type": "azure",
        "api_version": "2024-02-15-preview"
    }
]
"""

FACTORS = '''
    import autogen

    config_list_gpt4 = autogen.config_list_from_json(
        "OAI_CONFIG_LIST",
        filter_dict={
            "model": ["gpt-4-0125-preview"],
        },
    )

    llm_config = {
        "config_list": config_list_gpt4,
        "cache_seed": 42,
        "temperature": 0,
    }

    leader = autogen.AssistantAgent(name="Group_Leader", system_message="Coordinate the team.", llm_config=llm_config)
    small = autogen.AssistantAgent(
        name="small",
        llm_config={"config_list": autogen.config_list_from_json("../OAI_CONFIG_LIST", filter_dict={"model": ["gpt-5.6-sol"]})},
    )
'''

FROM_JSON = '''
    from autogen import ConversableAgent, LLMConfig

    CONFIG_FILE = "OAI_CONFIG_LIST"

    llm_config = LLMConfig.from_json(path=CONFIG_FILE, filter_dict={"model": ["gpt-4o-mega"]})
    analyst = ConversableAgent(name="analyst", system_message="Analyse the filing.", llm_config=llm_config)
'''

QUIET = '''
    import os

    import autogen
    from autogen import LLMConfig

    everything = {"config_list": autogen.config_list_from_json("OAI_CONFIG_LIST", filter_dict={"model": ["gpt-5.6-sol"]})}
    missing = {"config_list": autogen.config_list_from_json("configs/OAI_CONFIG_LIST")}
    from_env = LLMConfig.from_json(path=os.environ["AG2_CONFIG"])
    chosen = {"config_list": autogen.config_list_from_json("OAI_CONFIG_LIST", filter_dict={"model": [os.environ["MODEL"]]})}
    nothing_kept = {"config_list": autogen.config_list_from_json("OAI_CONFIG_LIST", filter_dict={"model": ["gpt-3"]})}
    agent = autogen.AssistantAgent(name="a", llm_config=everything)
'''

NOT_AUTOGEN = '''
    from mylib.configs import config_list_from_json

    settings = {"config_list": config_list_from_json("OAI_CONFIG_LIST"), "retries": 3}
'''


def found(result):
    return sorted((f.code, f.path, f.line) for f in result.findings)


def test_the_kept_entry_of_the_named_file_is_the_configs_entry(project):
    files = {"OAI_CONFIG_LIST": CONFIG_LIST, "experiments/__init__.py": "", "experiments/factors.py": FACTORS}
    result = project(files, select=["LA101", "LA402", "LA403"])
    assert found(result) == [
        ("LA101", "experiments/factors.py", 11),  # gpt-4-0125-preview's entry has no max_tokens; gpt-5.6-sol's has
        ("LA402", "OAI_CONFIG_LIST", 3),  # the retired id, at its line in the file
    ]
    cap = next(f for f in result.findings if f.code == "LA101")
    assert "gpt-4-turbo" in cap.message  # priced and bounded as the entry's model
    assert sorted((r.path, r.line, r.message) for r in cap.related) == [
        ("OAI_CONFIG_LIST", 3, "its entry in OAI_CONFIG_LIST"), ("experiments/factors.py", 17, "used by AssistantAgent(...)"),
    ]
    site = next(s for s in result.project.call_sites() if s.path == "experiments/factors.py" and s.span.line == 11)
    assert "config_list[0].model" in site.params and not any("api_key" in p for p in site.params)  # keys never copied
    retired = next(f for f in result.findings if f.code == "LA402")
    assert retired.column == 18 and [r.path for r in retired.related] == ["experiments/factors.py"]


def test_llmconfig_from_json_with_a_constant_path_and_an_unknown_model(project):
    files = {"OAI_CONFIG_LIST": CONFIG_LIST, "app.py": FROM_JSON}
    result = project(files, policy=LA403_GAPS, select=["LA101", "LA402", "LA403"])
    assert found(result) == [("LA101", "app.py", 6), ("LA403", "OAI_CONFIG_LIST", 12)]


def test_a_json_config_file_reports_its_model_once(project):
    files = {"OAI_CONFIG_LIST.json": CONFIG_LIST, "app.py": FACTORS.replace('"OAI_CONFIG_LIST"', '"OAI_CONFIG_LIST.json"')}
    result = project(files, select=["LA402"])
    assert found(result) == [("LA402", "OAI_CONFIG_LIST.json", 3)]  # the config file's own ref and the site's: one


def test_capped_entries_unknown_paths_filters_and_other_libraries_stay_silent(project):
    files = {"OAI_CONFIG_LIST": CONFIG_LIST, "quiet.py": QUIET, "mine.py": NOT_AUTOGEN}
    result = project(files, select=["LA101", "LA402", "LA403"])
    assert found(result) == []
