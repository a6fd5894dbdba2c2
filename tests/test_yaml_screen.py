"""The text screen before a YAML config's parse (auditor/sources/yamlscreen.py): a file it turns
away is never parsed, so it must turn away only files whose parse reports no model id. True cases
(every spelling of a model key the parse accepts, including the ones that hide the key's text) are
let through and reported; look-alikes (cassettes' request bodies are let through but stay silent,
docs navigation and framework configs are turned away) report nothing. The same for the agent
config screen of analysis/configprompts.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analysis import configprompts
from auditor.sources import configfile
from auditor.sources.yamlscreen import may_hold_model_ids

DEFAULTS = [{"policy": False, "keys": []}]


def _refs(text: str, rel: str = "config.yaml") -> list[tuple[str, str, int, int]]:
    facts = configfile.analyse_config(text.encode(), rel, DEFAULTS, 2_000_000)
    return [(s.method, s.model.value, s.span.line, s.span.column) for s in facts.extra.get("model_refs", [])]


def _parsed(text: str) -> list[tuple[str, str, int, int]]:
    """What the parse itself finds, screen or not."""
    return [(p, v, line, col) for p, v, _raw, line, col in configfile._yaml_refs(text, [], {})]


# ---------------------------------------------------------------- true cases: let through, reported
LITELLM_PROXY = """\
model_list:
  - model_name: gpt-4o            # the alias clients ask for
    litellm_params:
      model: openai/gpt-4o-2024-05-13
      api_key: os.environ/OPENAI_API_KEY
  - model_name: claude
    litellm_params:
      model: "anthropic/claude-3-opus-20240229"
router_settings:
  fallback_models:
    - gpt-4-0613
"""

TRUE_CASES = {
    "litellm proxy": (LITELLM_PROXY, {"model_list[0].model_name", "model_list[0].litellm_params.model", "model_list[1].litellm_params.model", "router_settings.fallback_models[0]"}),
    "quoted key, spaced colon": ('llm:\n  "model" : \'gpt-4-0613\'\n', {"llm.model"}),
    "value after a comment": ("chat:\n  model:   # pinned in March\n    gpt-4-0613\n", {"chat.model"}),
    "flow mapping": ('agents: [{name: a, chatModel: "gpt-4-0613"}]\n', {"agents[0].chatModel"}),
    "escaped key": ('# model settings\n"mod\\x65l": gpt-4-0613\n', {"model"}),
    "explicit key": ("? model\n: gpt-4-0613\n", {"model"}),
    "alias as a key": ("keys:\n  k: &k model_name\n*k : gpt-4-0613\n", {"model_name"}),
    "list of models, flow": ("ALLOWED_MODELS: [gpt-4-0613, claude-2.1]\n", {"ALLOWED_MODELS[0]", "ALLOWED_MODELS[1]"}),
    "spaced value in quotes": ('default_model: " gpt-4-0613 "\n', {"default_model"}),
}


@pytest.mark.parametrize("name", sorted(TRUE_CASES))
def test_every_spelling_of_a_model_key_is_let_through_and_reported(name):
    text, paths = TRUE_CASES[name]
    assert may_hold_model_ids(text)
    assert {r[0] for r in _refs(text)} == paths == {r[0] for r in _parsed(text)}


# ---------------------------------------------------------------- look-alikes: silent
CASSETTE = """\
interactions:
- request:
    body: '{"messages": [{"role": "user", "content": "Say hello!"}], "model": "gpt-4o-mini",
      "stream": false}'
    headers:
      content-type:
      - application/json
  response:
    body:
      string: '{"id": "chatcmpl-1", "model": "gpt-4o-mini-2024-07-18", "choices": []}'
    status:
      code: 200
version: 1
"""

TURNED_AWAY = {
    "mkdocs nav": "nav:\n  - Guides:\n    - Vision-Language Models: guide/vlm.md\n    - Chat models: guide/chat.md\n",
    "framework config": "models:\n  - type: main\n    engine: openai\n    model: main\nrails:\n  input:\n    flows: [self check input]\n",
    "a bare models list": "models:\n  - openai/gpt-4-0613\n  - claude-2.1\n",
    "model of a nested block": "model:\n  name: main\n  path: ./weights\n",
    "workflow": "jobs:\n  test:\n    steps:\n      - uses: actions/checkout@v4\n      - run: pytest -k model\n",
}


LET_THROUGH_SILENT = {
    "cassette": CASSETTE,  # "model": "gpt-4o-mini" inside a quoted request body: only the parse knows
    "anchors and aliases": "base: &m gpt-4-0613\nmodel: *m\nother_model: &n claude-2.1\n",  # not where the key says
    "block scalar": "model: |\n  gpt-4-0613\n",
    "embedding model": "embedding_model: text-embedding-3-small\n",
}


@pytest.mark.parametrize("name", sorted(LET_THROUGH_SILENT))
def test_what_only_the_parse_can_judge_is_let_through_and_stays_silent(name):
    text = LET_THROUGH_SILENT[name]
    assert may_hold_model_ids(text)
    assert _refs(text) == [] == _parsed(text)


@pytest.mark.parametrize("name", sorted(TURNED_AWAY))
def test_look_alikes_are_turned_away_and_the_parse_agrees(name):
    text = TURNED_AWAY[name]
    assert not may_hold_model_ids(text)
    assert _parsed(text) == []  # what the parse would have said
    facts = configfile.analyse_config(text.encode(), "config.yaml", DEFAULTS, 2_000_000)
    assert facts.extra.get("skipped") and not facts.extra.get("model_refs")


def test_policy_keys_and_policy_files_are_always_parsed():
    text = "settings:\n  llm: gpt-4-0613\n"  # a key only the policy's pattern names
    facts = configfile.analyse_config(text.encode(), "config.yaml", [{"policy": True, "keys": ["llm"]}], 2_000_000)
    assert [s.model.value for s in facts.extra["model_refs"]] == ["gpt-4-0613"]
    broken = configfile.analyse_config(b"model: [unclosed\n", "config.yaml", [{"policy": True, "keys": []}], 2_000_000)
    assert [f.code for f in broken.findings] == ["LA000"]  # a policy's file that does not parse is still reported


# ---------------------------------------------------------------- the screen never hides what the parse finds
KEYS = ["model", "models", "Model", "modelId", "model_name", "chatModel", "OPENAI_MODELS", "allowed models", "embedding_model",
        "model_path", "mod\\x65l", "name", "engine", "fallback-model", "display_model_name"]
VALUES = ["gpt-4-0613", "claude-2.1", "main", "./weights", "text-embedding-3-small", "'gpt-4o'", '" gpt-4o "', "&a gpt-4o",
          "!!str gpt-4o", "[gpt-4o, claude-2.1]", "\n    - gpt-4o\n    - o1", "{model: gpt-4o}", "# c\n    gpt-4o", "|\n    gpt-4o", "1.5"]


def _key(k: str, quote: str) -> str:
    return f'"{k}"' if quote == '"' or "\\" in k else f"'{k}'" if quote == "'" else k


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KEYS), st.sampled_from(["", '"', "'"]), st.sampled_from(VALUES), st.booleans()), min_size=1, max_size=6))
def test_generated_configs_the_screen_turns_away_have_no_model_ids(entries):
    lines = []
    for i, (key, quote, value, nested) in enumerate(entries):
        lead = "  " if nested and lines else ""
        if nested and lines:
            lines.append(f"block{i}:")
        lines.append(f"{lead}{_key(key, quote)}: {value}".replace("\n    ", "\n" + lead + "    "))
    text = "\n".join(lines) + "\n"
    try:
        found = _parsed(text)
    except configfile._Broken:
        return  # broken YAML: skipped either way
    if not may_hold_model_ids(text):
        assert found == [], text


def _yaml_files() -> list[Path]:
    root = Path(__file__).resolve().parent.parent / "benchmarks" / ".corpus" / "nb"
    return sorted(p for p in root.rglob("*.y*ml") if p.is_file()) if root.is_dir() else []


@pytest.mark.skipif(not _yaml_files(), reason="the notebook benchmark corpus is not built (benchmarks/run.py --corpora nb)")
def test_on_the_notebook_benchmark_corpus_the_screen_hides_nothing():
    for p in _yaml_files():
        text = p.read_text("utf-8-sig", errors="replace")
        if "model" in text.lower() and not may_hold_model_ids(text):
            try:
                assert _parsed(text) == [], p
            except configfile._Broken:
                pass


# ---------------------------------------------------------------- agent configs (configprompts)
CREW = """\
researcher:
  "role" : Senior researcher
  goal: Find what is new in {topic}
  backstory: >
    You are a seasoned researcher who finds the newest developments in {topic}.
"""

ACTION = """\
name: Release
description: Builds and publishes the package
runs:
  using: composite
"""


def test_an_agent_config_is_parsed_and_a_look_alike_is_not(monkeypatch):
    calls = []
    real = configprompts.yaml_loader
    monkeypatch.setattr(configprompts, "yaml_loader", lambda: calls.append(1) or real())
    facts = configfile.analyse_config(CREW.encode(), "config/agents.yaml", DEFAULTS, 2_000_000)
    configprompts.config_prompts(CREW.encode(), "config/agents.yaml", facts)
    assert [c.name for c in facts.prompt_constants] == ["researcher(role=)", "researcher(goal=)", "researcher(backstory=)"] and calls == [1]
    other = configfile.analyse_config(ACTION.encode(), "action.yml", DEFAULTS, 2_000_000)
    configprompts.config_prompts(ACTION.encode(), "action.yml", other)  # `name:` and `description:` but no entry's every key
    assert other.prompt_constants == [] and calls == [1]
