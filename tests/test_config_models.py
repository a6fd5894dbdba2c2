"""Model ids outside code: retirement (LA402) and unknown-model (LA403) checks on .env, YAML, JSON
and TOML configuration files (policy `model-config-paths`), with file and line; the keys and values
that only look like a model stay silent."""

from __future__ import annotations

import json
from datetime import date

import pytest
from conftest import cli, write_tree, LA403_GAPS

DAY = date(2026, 12, 1)


def _found(project, files, policy=None, select=("LA402", "LA403")):
    result = project(files, select=list(select), policy=policy, today=DAY)
    return sorted(((f.path, f.line, f.column, f.code) for f in result.findings), key=lambda x: x), result


# ---------------------------------------------------------------- true cases
def test_env_file_model_ids_are_checked_with_file_and_line(project):
    files = {
        ".env": (
            "# LLM settings\n"
            "OPENAI_MODEL=gpt-4\n"
            "export CHAT_MODEL=\"claude-3-5-sonnet-20241022\"  # old\n"
            "FALLBACK_MODEL=gpt-40-mini\n"
        ),
    }
    found, result = _found(project, files)
    assert found == [(".env", 2, 14, "LA402"), (".env", 3, 19, "LA402"), (".env", 4, 16, "LA403")]
    by_line = {f.line: f for f in result.findings}
    assert "gpt-4 (configured as `OPENAI_MODEL`) fails at runtime since 2026-10-23" in by_line[2].message
    assert by_line[2].severity == "error" and by_line[2].savings is None
    assert "did you mean `gpt-4o-mini`" in by_line[4].message


def test_yaml_json_and_toml_keys_named_like_a_model(project):
    files = {
        "config/app.yaml": (
            "llm:\n"
            "  default_model: gpt-5.4-mini\n"
            "  fallback_model: 'o3-mini'\n"
            "  routes:\n"
            "    - name: summaries\n"
            "      model: gemini-2.5-flash\n"
        ),
        "config/agent.json": '{\n  "agent": {"modelId": "gpt-4-turbo", "temperature": 0.2},\n  "name": "x"\n}\n',
        "pyproject.toml": '[project]\nname = "svc"\n\n[tool.svc.llm]\nmodel = "claude-sonnet-4-5"\n',
    }
    found, result = _found(project, files)
    assert found == [
        ("config/agent.json", 2, 24, "LA402"),
        ("config/app.yaml", 3, 19, "LA402"),
        ("config/app.yaml", 6, 14, "LA402"),
        ("pyproject.toml", 5, 9, "LA402"),
    ]
    messages = {(f.path, f.line): f.message for f in result.findings}
    assert "`llm.routes[0].model`" in messages[("config/app.yaml", 6)]
    assert "answers these calls with gemini-3.5-flash-lite" in messages[("config/app.yaml", 6)]  # routed, not failing
    assert "`tool.svc.llm.model`" in messages[("pyproject.toml", 5)]
    assert all(f.savings is None for f in result.findings)  # no call volume to price, and retired anyway


def test_a_future_retirement_in_config_is_a_warning_without_savings(project):
    _, result = _found(project, {".env": "SUMMARY_MODEL=gpt-4o-mini\n"})
    [f] = result.findings
    assert f.severity == "warning" and "retires on 2027-01-14" in f.message and f.savings is None


def test_fix_swaps_config_values_keeping_their_style(project):
    project({
        ".env": "OPENAI_MODEL=gpt-4\nexport CHAT_MODEL=\"claude-3-5-sonnet-20241022\"\n",
        "config/app.yaml": "llm:\n  fallback_model: 'o3-mini'\n  model: gpt-4-turbo  # legacy\n",
        "config/agent.json": '{"modelId": "gpt-4-turbo"}\n',
    }, select=["LA402"], today=DAY)
    r = cli("fix", ".", "--select", "LA402", "--unsafe-fixes", "--today", "2026-12-01", cwd=project.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (project.root / ".env").read_text() == "OPENAI_MODEL=gpt-5.6-sol\nexport CHAT_MODEL=\"claude-sonnet-4-6\"\n"
    assert (project.root / "config/app.yaml").read_text() == "llm:\n  fallback_model: 'gpt-5.6-sol'\n  model: gpt-5.6-sol  # legacy\n"
    assert json.loads((project.root / "config/agent.json").read_text()) == {"modelId": "gpt-5.6-sol"}
    before = {p: (project.root / p).read_text() for p in (".env", "config/app.yaml", "config/agent.json")}
    cli("fix", ".", "--select", "LA402", "--unsafe-fixes", "--today", "2026-12-01", cwd=project.root)
    assert {p: (project.root / p).read_text() for p in before} == before  # a second fix changes nothing


def test_lists_of_models_under_a_plural_key(project):
    files = {
        ".env.template": "OPENAI_MODELS=gpt-5.5, gpt-4 # comma separated\nANTHROPIC_MODELS=claude-sonnet-4-20250514\n",
        "router.yaml": "allowed_models:\n  - gpt-6-luna\n  - o1-mini\nmodels:\n  - gpt-4\n",
    }
    found, _ = _found(project, files)
    assert found == [(".env.template", 1, 24, "LA402"), (".env.template", 2, 18, "LA402"), ("router.yaml", 3, 5, "LA402")]


def test_policy_paths_with_key_patterns(project):
    files = {
        "deploy/values.yaml": "llm:\n  engine: gpt-4\n  model: gpt-4-turbo\n",
        "ops/notes.txt": "model: gpt-4\n",
    }
    policy = "model-config-paths:\n  - path: deploy/*.yaml\n    keys: [llm.engine]\n  - ops/*.txt\n"
    found, _ = _found(project, files, policy=policy)
    # the keys given replace the *model* heuristic for that file; a policy glob adds a format-less file as .env-style
    assert found == [("deploy/values.yaml", 2, 11, "LA402")]


def test_empty_model_config_paths_turns_the_defaults_off(project):
    found, _ = _found(project, {".env": "OPENAI_MODEL=gpt-4\n"}, policy="model-config-paths: []\n")
    assert found == []


def test_suppression_comment_in_a_config_file(project):
    found, _ = _found(project, {"config/app.yaml": "llm:\n  # llm-audit: ignore[LA402]\n  model: gpt-4\n  other_model: gpt-4\n"})
    assert found == [("config/app.yaml", 4, 16, "LA402")]


def test_check_given_one_config_file(project):
    write_tree(project.root, {".env": "OPENAI_MODEL=gpt-4\n", "config/app.yaml": "model: gpt-4\n"})
    (project.root / ".git").mkdir(exist_ok=True)
    r = cli("check", ".env", "--select", "LA402", "--output-format", "json", "--today", "2026-12-01", cwd=project.root)
    assert [(f["path"], f["line"]) for f in json.loads(r.stdout)] == [(".env", 1)]


# ---------------------------------------------------------------- look-alikes that stay silent
LOOKALIKES = {
    ".env": (
        "MODEL_DIR=./weights\n"
        "MODEL_PATH=/opt/models/llama.gguf\n"
        "MODEL_TEMPLATE=${MODEL}\n"
        "EMBEDDING_MODEL=text-embedding-3-small\n"
        "TTS_MODEL=tts-1\n"
        "HF_MODEL=bert-base-uncased\n"
        "MODEL=auto\n"
        "# OPENAI_MODEL=gpt-4\n"
        "MODEL_VERSION=3\n"
        "COHERE_MODEL=command\n"
    ),
    "train/config.yaml": (
        "model_type: llama\n"
        "model_name: meta-llama/Llama-3.1-8B-Instruct\n"
        "model_kwargs: {torch_dtype: bfloat16}\n"
        "model_path: ./weights/model.bin\n"
        "models: [gpt-4, gpt-4-turbo]\n"
        "model_max_length: 4096\n"
        "reranker_model: rerank-v3.5\n"
        "description: we used gpt-4 before\n"
        "model: true\n"
    ),
    "data/rows.json": json.dumps([{"id": i, "text": "gpt-4 said hi", "model_score": 0.5} for i in range(50)]),
    # an LLM response cache: records that name a model, not configuration
    "data/kv_store_llm_response_cache.json": json.dumps({f"k{i}": {"model": "gpt-4", "return": "..."} for i in range(3)}),
    "runs/transcripts.yaml": "".join(f"- model: gpt-4\n  text: hello {i}\n" for i in range(12)),
    "flows/rag.yaml": "tasks:\n  - embeddingProvider:\n      modelName: gemini-embedding-001\n",
    "package-lock.json": '{"name": "x", "model": "gpt-4"}\n',
    ".llm-audit.yaml": "models:\n  acme-7b: {provider: openai, tier: small, price: {input: 0.1, output: 0.2}, successor: null}\n",
    "embed/settings.toml": '[embedding]\nmodel = "text-embedding-3-large"\n',
    "broken.yaml": "model: [gpt-4\n",
    "app.py": "MODEL_DIR = './weights'\n",
}


def test_lookalike_keys_and_values_stay_silent(project):
    found, result = _found(project, LOOKALIKES)
    assert found == [], [f.message for f in result.findings]
    assert not [f for f in result.findings if f.code == "LA000"]  # a broken or data file the defaults picked is skipped


def test_files_the_policy_names_are_read_even_when_they_look_like_data(project):
    files = {"runs/transcripts.yaml": "".join(f"- model: gpt-4\n  text: hello {i}\n" for i in range(12))}
    found, _ = _found(project, files, policy="model-config-paths: [runs/*.yaml]\n")
    assert len(found) == 12


def test_a_broken_file_the_policy_names_is_la000(project):
    result = project({"cfg/llm.yaml": "model: [gpt-4\n"}, policy="model-config-paths: [cfg/*.yaml]\n", today=DAY)
    assert [(f.code, f.path) for f in result.findings] == [("LA000", "cfg/llm.yaml")]


def test_unknown_values_in_config_are_reported_only_when_written_like_hosted_models(project):
    files = {".env": "A_MODEL=gpt-9-ultra\nB_MODEL=llama3.1:8b\nC_MODEL=my-finetuned-bert\nD_MODEL=claude-sonet-4-6\n"}
    found, result = _found(project, files, policy=LA403_GAPS, select=("LA403",))
    assert [f[1] for f in found] == [1, 4]
    assert "did you mean `claude-sonnet-4-6`" in next(f for f in result.findings if f.line == 4).message


def test_config_model_refs_are_not_call_sites(project):
    result = project({".env": "OPENAI_MODEL=gpt-4\n", "config/app.yaml": "model: gpt-5.4-mini\n"}, today=DAY)
    assert result.project.call_sites() == []
    assert {f.code for f in result.findings} == {"LA402"}  # no LA101/LA404/... on a configuration value


@pytest.mark.parametrize("key,named", [
    ("model", True), ("default_model", True), ("OPENAI_MODEL", True), ("chatModel", True), ("model_name", True),
    ("modelId", True), ("llm.model", True), ("model_dir", False), ("model_type", False), ("models", False),
    ("embedding_model", False), ("modelPath", False), ("model_kwargs", False), ("tts_model", False), ("remodel", False),
    ("unique_model_id", False), ("display_model_name", False), ("model_alias", False),
])
def test_key_heuristic(key, named):
    from auditor.sources.configfile import names_a_model

    assert names_a_model(key.rsplit(".", 1)[-1]) is named


@pytest.mark.parametrize("value,ok", [
    ("gpt-4o", True), ("claude-sonnet-4-5@20250929", True), ("groq/openai/gpt-oss-120b", True), ("./weights", False),
    ("/opt/m.gguf", False), ("${MODEL}", False), ("{{ model }}", False), ("1.5", False), ("auto", False), ("true", False),
    ("https://api.example.com/v1", False), ("model.safetensors", False), ("two words", False),
])
def test_value_heuristic(value, ok):
    from auditor.sources.configfile import looks_like_model_id

    assert looks_like_model_id(value) is ok
