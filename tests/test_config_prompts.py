"""Agent instructions written in a framework's YAML configuration (rules/flows.yaml `config-prompts`):
Google ADK agent configs, CrewAI agents.yaml / tasks.yaml. Look-alikes: YAML files of another shape
(an eval's test list, an app config, a CI workflow) hold no prompt."""

from __future__ import annotations

ADK_ROOT = """\
# yaml-language-server: $schema=https://raw.githubusercontent.com/google/adk-python/refs/heads/main/src/google/adk/agents/config_schemas/AgentConfig.json
name: root_agent
model: gemini-2.5-flash
description: 'Please make sure to route every research request to the right agent.'
instruction: |
  You are a web research coordinator agent. Your job is to:
  1. Understand the user's research question about {topic}
  2. Delegate scraping to the research_agent
  It is important that you keep the final answer under 300 words.
sub_agents:
  - config_path: research_agent.yaml
"""

CREW_AGENTS = """\
researcher:
  role: >
    {topic} Senior Data Researcher
  goal: >
    Uncover cutting-edge developments in {topic}
  backstory: >
    You're a seasoned researcher. I would like you to find the latest developments in {topic}.
reporting_analyst:
  role: Reporting Analyst
  goal: Create detailed reports
  backstory: You're a meticulous analyst with a keen eye for detail.
"""

CREW_TASKS = """\
research_task:
  description: >
    Conduct a thorough research about {topic}.
    Please make sure that you find any interesting and relevant information.
  expected_output: >
    A list with 10 bullet points of the most relevant information about {topic}
  agent: researcher
"""


def test_adk_agent_config_instruction(project):
    r = project({"agents/web/root_agent.yaml": ADK_ROOT}, select=["LA201"])
    got = sorted((f.line, f.message.split(":")[0]) for f in r.findings)
    # the instruction's filler; the description is what the parent agent routes on, not an instruction
    assert got == [(6, 'filler "Your job is to'), (9, 'verbose instruction "It is important that you keep"')], got
    by_line = {f.line: f for f in r.findings}
    assert by_line[6].fix is None  # before a list: reported without a fix
    assert by_line[9].fix is not None  # a literal block: the edit lands in its line


def test_crewai_agents_and_tasks(project):
    r = project({"src/crew/config/agents.yaml": CREW_AGENTS, "src/crew/config/tasks.yaml": CREW_TASKS}, select=["LA201"])
    got = sorted((f.path, f.line) for f in r.findings)
    assert got == [("src/crew/config/agents.yaml", 7), ("src/crew/config/tasks.yaml", 4)], [(f.path, f.line, f.message) for f in r.findings]


def test_yaml_of_another_shape_holds_no_prompt(project):
    r = project({
        # an eval's cases: a list of description / expected_output pairs, not a tasks file
        "evals/tests.yaml": "- description: Please make sure to answer in French\n  expected_output: Bonjour\n",
        # an app config naming a model, with a text that is no instruction
        "config/app.yaml": "name: shop\nmodel: gpt-4o-mini\nwelcome: Please make sure to sign in first.\n",
        # a workflow step named like an agent
        ".github/workflows/agent.yml": "name: agent\non: push\njobs:\n  run:\n    steps:\n      - name: run\n        run: echo 'Please make sure to pass'\n",
        # a model-config mapping with `instruction` as a setting, but no agent keys
        "settings/tuning.yaml": "instruction: Please make sure to load the adapter.\nlearning_rate: 0.0001\n",
    }, select=["LA201"])
    assert r.findings == []
