"""Model-choice rules on realistic code: LA105, LA106, LA401, LA402, LA403; the model lookup;
the LiteLLM price import."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from conftest import REPO, cli, codes, notebook

from auditor.config.catalog import load_catalog

FIXTURES = Path(__file__).parent / "fixtures"

LABELER = {
    "app/__init__.py": "",
    "app/prompts.py": """
        SENTIMENT_PROMPT = (
            "Classify the sentiment of the customer review. "
            "Answer with one word: positive, negative or neutral."
        )
    """,
    "app/labeler.py": """
        from openai import OpenAI

        from app.prompts import SENTIMENT_PROMPT


        class Labeler:
            def __init__(self):
                self.client = OpenAI(timeout=10)

            def label(self, review: str) -> str:
                resp = self.client.chat.completions.create(
                    model="gpt-4.1",
                    messages=[
                        {"role": "system", "content": SENTIMENT_PROMPT},
                        {"role": "user", "content": review},
                    ],
                    max_tokens=3,
                )
                return resp.choices[0].message.content
    """,
}


def _only(result, code):
    return [f for f in result.findings if f.code == code]


# ---------------------------------------------------------------- LA401
def test_la401_frontier_model_labelling_sentiment(project):
    result = project(LABELER, select=["LA401"])
    [f] = _only(result, "LA401")
    assert f.path == "app/labeler.py" and f.line == 13  # the `model=` argument
    assert "gpt-4.1 is a large-tier model" in f.message
    assert "classification" in f.message and "gpt-4.1-mini" in f.message
    assert "short output (cap 3 tokens)" in f.message
    assert f.fix is not None and f.fix.applicability == "unsafe"
    assert f.savings is not None and f.savings.usd_per_month > 0
    # gpt-4.1 -> gpt-4.1-mini is 5x cheaper on both prices: the saving is 80% of the site's cost
    est = result.cost.estimate(result.project.call_sites()[0])
    assert f.savings.usd_per_month == pytest.approx(est.monthly_cost * 0.8, rel=1e-3)


def test_la401_fix_swaps_the_literal_and_is_stable(project):
    project(LABELER)
    root = project.root
    r = cli("fix", ".", "--select", "LA401", "--unsafe-fixes", cwd=root)
    assert r.returncode == 0, r.stdout + r.stderr
    text = (root / "app/labeler.py").read_text()
    assert 'model="gpt-4.1-mini",' in text and 'model="gpt-4.1"' not in text
    again = cli("check", ".", "--select", "LA401", "--output-format", "json", cwd=root)
    assert json.loads(again.stdout) == []


def test_no_la401_on_a_small_model(project):
    files = dict(LABELER)
    files["app/labeler.py"] = LABELER["app/labeler.py"].replace('model="gpt-4.1"', 'model="gpt-4o-mini"')
    assert "LA401" not in codes(project(files, select=["LA401"]))


def test_no_la401_when_the_prompt_asks_for_reasoning(project):
    result = project({
        "plan.py": """
            from openai import OpenAI
            client = OpenAI()

            def plan(schema: str) -> str:
                return client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": f"Classify the risks of this migration, then think step by step and write a plan:\\n{schema}"}],
                    max_tokens=2000,
                ).choices[0].message.content
        """,
    }, select=["LA401"])
    assert codes(result) == []


def test_la401_anthropic_yes_no_downgrades_within_provider(project):
    result = project({
        "spam.py": """
            import anthropic

            SYSTEM_PROMPT = "Is this message spam? Answer yes or no."

            class Filter:
                def __init__(self):
                    self.claude = anthropic.Anthropic()

                def is_spam(self, text: str) -> bool:
                    msg = self.claude.messages.create(
                        model="claude-opus-4-1",
                        system=SYSTEM_PROMPT,
                        messages=[{"role": "user", "content": text}],
                        max_tokens=5,
                    )
                    return msg.content[0].text.strip().lower() == "yes"
        """,
    }, select=["LA401"])
    [f] = _only(result, "LA401")
    assert "claude-haiku-4-5" in f.message and "yes-no" in f.message


def test_la401_enum_only_schema_without_phrases(project):
    result = project({
        "route.py": """
            from google import genai
            from google.genai import types

            client = genai.Client()

            def route(ticket: str) -> str:
                resp = client.models.generate_content(
                    model="gemini-2.5-pro",
                    contents=f"Ticket:\\n{ticket}",
                    config=types.GenerateContentConfig(
                        max_output_tokens=200,
                        response_mime_type="application/json",
                        response_schema={"type": "OBJECT", "properties": {"queue": {"type": "STRING", "enum": ["orders", "returns", "safety"]}}},
                    ),
                )
                return resp.text
        """,
    }, select=["LA401"])
    [f] = _only(result, "LA401")
    assert "enum-only schema" in f.message and "gemini-2.5-flash" in f.message


def test_la401_nested_schema_is_not_simple(project):
    result = project({
        "route.py": """
            from openai import OpenAI
            client = OpenAI()
            SCHEMA = {"type": "json_schema"}

            def summarise(doc: str):
                return client.chat.completions.create(
                    model="gpt-4o",
                    messages=[{"role": "user", "content": doc}],
                    max_tokens=800,
                    response_format={"type": "json_schema", "json_schema": {"name": "s", "schema": {"type": "object", "properties": {
                        "tone": {"type": "string", "enum": ["a", "b"]},
                        "points": {"type": "array", "items": {"type": "object", "properties": {"text": {"type": "string"}}}},
                    }}}},
                )
        """,
    }, select=["LA401"])
    assert codes(result) == []


def test_la401_model_from_constant_has_no_fix(project):
    files = dict(LABELER)
    files["app/settings.py"] = 'LABEL_MODEL = "gpt-4o"\n'
    files["app/labeler.py"] = LABELER["app/labeler.py"].replace(
        "from app.prompts import SENTIMENT_PROMPT", "from app.prompts import SENTIMENT_PROMPT\n        from app.settings import LABEL_MODEL"
    ).replace('model="gpt-4.1"', "model=LABEL_MODEL")
    [f] = _only(project(files, select=["LA401"]), "LA401")
    assert "gpt-4o" in f.message and "gpt-4o-mini" in f.message
    assert f.fix is None


def test_routing_policy_tier_and_downgrade_override(project):
    result = project(LABELER, select=["LA401"], policy="routing:\n  simple-task-tier: large\n")
    assert codes(result) == []
    result = project(LABELER, select=["LA401"], policy="routing:\n  simple-task-tier: small\n  downgrade: {gpt-4.1: gpt-5-nano}\n")
    [f] = _only(result, "LA401")
    assert "gpt-5-nano" in f.message


# ---------------------------------------------------------------- LA402
def test_la402_shut_down_model_is_an_error_with_successor_fix(project):
    result = project({
        "legacy.py": """
            import openai
            client = openai.OpenAI()

            def summarise(text):
                return client.chat.completions.create(
                    model="gpt-4-0613",
                    messages=[{"role": "user", "content": f"Summarise: {text}"}],
                    max_tokens=300,
                )
        """,
    }, select=["LA402"])
    [f] = _only(result, "LA402")
    assert f.severity == "error"
    assert "gpt-4-0613 (gpt-4) was shut down on 2026-10-23" in f.message and "gpt-4.1" in f.message
    assert f.fix is not None and f.fix.edits[0].content == '"gpt-4.1"'
    assert f.savings is not None and f.savings.usd_per_month > 0  # gpt-4.1 is far cheaper than gpt-4


def test_la402_before_the_shutdown_is_a_warning(project):
    files = {"a.py": 'import openai\nopenai.OpenAI().chat.completions.create(model="gpt-4", messages=[], max_tokens=10)\n'}
    [f] = _only(project(files, select=["LA402"], today=date(2026, 10, 1)), "LA402")
    assert f.severity == "warning" and "retires on 2026-10-23 (in 22 days)" in f.message
    assert codes(project(files, select=["LA402"], today=date(2024, 1, 1))) == ["LA402"]  # still announced


def test_la402_bedrock_id_and_env_default(project):
    result = project({
        "jobs.py": """
            import os
            import boto3
            from openai import OpenAI

            bedrock = boto3.client("bedrock-runtime")
            client = OpenAI()

            def a(msgs):
                return bedrock.converse(modelId="anthropic.claude-3-5-sonnet-20240620-v1:0", messages=msgs, inferenceConfig={"maxTokens": 300})

            def b(msgs):
                return client.chat.completions.create(model=os.getenv("MODEL", "o3-mini"), messages=msgs, max_completion_tokens=300)
        """,
    }, select=["LA402"])
    found = sorted(_only(result, "LA402"), key=lambda f: f.line)
    assert len(found) == 2
    assert "claude-3-5-sonnet" in found[0].message and "claude-sonnet-4-5" in found[0].message
    assert found[0].fix is None  # a Bedrock id cannot be replaced by a catalog name
    assert "environment variable" in found[1].message and found[1].fix is None


def test_la402_in_a_notebook_fixes_the_cell(project):
    nb = notebook(
        "import anthropic\nclaude = anthropic.Anthropic()\n",
        'msg = claude.messages.create(model="claude-3-haiku-20240307", max_tokens=50,\n    messages=[{"role": "user", "content": "hi"}])\n',
    )
    result = project({"explore.ipynb": nb}, select=["LA402"])
    [f] = _only(result, "LA402")
    assert f.cell == 1 and f.line == 1
    r = cli("fix", ".", "--select", "LA402", "--unsafe-fixes", cwd=project.root)
    assert r.returncode == 0, r.stderr
    cells = json.loads((project.root / "explore.ipynb").read_text())["cells"]
    assert '"claude-haiku-4-5"' in "".join(cells[2]["source"])


def test_model_swaps_keep_the_written_style(project):
    result = project({
        "jobs.py": """
            import litellm

            def short(text):
                return litellm.completion(model='anthropic/claude-3-haiku-20240307', messages=[{"role": "user", "content": text}], max_tokens=50)
        """,
        "prompts/summary.prompt": "---\nmodel: googleai/gemini-1.5-flash\nconfig:\n  maxOutputTokens: 200\n---\nSummarise {{text}}.\n",
        "prompts/route.prompty": (
            "---\nname: Route\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    model: gpt-4o\n"
            "  parameters:\n    max_tokens: 5\n---\nsystem:\nClassify the ticket into one queue: orders, returns or other.\n\nuser:\n{{ticket}}\n"
        ),
    }, select=["LA401", "LA402"])
    by_path = {f.path: f for f in result.findings}
    assert set(by_path) == {"jobs.py", "prompts/summary.prompt", "prompts/route.prompty"}
    assert by_path["jobs.py"].fix.edits[0].content == "'anthropic/claude-haiku-4-5'"
    assert by_path["prompts/summary.prompt"].fix.edits[0].content == "googleai/gemini-2.5-flash"
    assert by_path["prompts/route.prompty"].code == "LA401"
    r = cli("fix", ".", "--select", "LA401,LA402", "--unsafe-fixes", cwd=project.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model: googleai/gemini-2.5-flash\n" in (project.root / "prompts/summary.prompt").read_text()
    assert "    model: gpt-4o-mini\n" in (project.root / "prompts/route.prompty").read_text()
    assert "model='anthropic/claude-haiku-4-5'" in (project.root / "jobs.py").read_text()


# ---------------------------------------------------------------- LA403
def test_la403_unknown_model_suggests_the_near_miss(project):
    result = project({"a.py": 'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-40", messages=[], max_tokens=5)\n'}, select=["LA403"])
    [f] = _only(result, "LA403")
    assert "gpt-40" in f.message and "did you mean `gpt-4o`" in f.message


def test_la403_quiet_for_local_models_and_policy_models(project):
    result = project({
        "a.py": """
            import ollama
            from openai import OpenAI
            ollama.chat(model="llama3.1:8b", messages=[], options={"num_predict": 100})
            OpenAI().chat.completions.create(model="acme-7b", messages=[], max_tokens=5)
        """,
    }, select=["LA403"], policy="models:\n  acme-7b: {provider: openai, tier: small, price: {input: 0.1, output: 0.2}}\n")
    assert codes(result) == []


# ---------------------------------------------------------------- LA105 / LA106
def test_la105_samples_through_params_dict_and_config(project):
    result = project({
        "gen.py": """
            from openai import OpenAI
            from google import genai
            from google.genai import types

            client = OpenAI()
            gclient = genai.Client()

            def names(product: str):
                params = {"model": "gpt-4o-mini", "max_tokens": 20, "n": 4}
                return client.chat.completions.create(messages=[{"role": "user", "content": product}], **params)

            def taglines(product: str):
                return gclient.models.generate_content(
                    model="gemini-2.5-flash", contents=product,
                    config=types.GenerateContentConfig(max_output_tokens=30, candidate_count=3),
                )
        """,
    }, select=["LA105"])
    found = _only(result, "LA105")
    assert sorted(f.message.split(":")[0] for f in found) == ["`config.candidate_count=3`", "`n=4`"]
    n4 = next(f for f in found if f.message.startswith("`n=4`"))
    assert n4.savings is not None and n4.savings.tokens_per_call == pytest.approx(3 * 10)  # 3 extra x cap 20 x 0.5


def test_la106_removes_rejected_sampling_params_safely(project):
    src = """
        from openai import OpenAI

        client = OpenAI()

        def plan(goal: str) -> str:
            resp = client.chat.completions.create(
                model="o3",
                temperature=0.3,
                messages=[{"role": "user", "content": goal}],
                max_completion_tokens=4000,
                logprobs=True,
            )
            return resp.choices[0].message.content
    """
    result = project({"plan.py": src}, select=["LA106"])
    found = _only(result, "LA106")
    assert sorted(f.message.split("`")[1] for f in found) == ["logprobs=True", "temperature=0.3"]
    assert all(f.fix and f.fix.applicability == "safe" for f in found)
    r = cli("fix", ".", "--select", "LA106", cwd=project.root)
    assert r.returncode == 0, r.stderr
    text = (project.root / "plan.py").read_text()
    assert "temperature" not in text and "logprobs" not in text
    assert "max_completion_tokens=4000,\n    )" in text
    compile(text, "plan.py", "exec")


def test_la106_accepts_defaults_and_leaves_max_tokens_to_la103(project):
    result = project({
        "a.py": """
            import os
            from openai import OpenAI
            client = OpenAI()
            client.chat.completions.create(model="gpt-5", messages=[], temperature=1, max_tokens=100)
            client.chat.completions.create(model=os.getenv("M", "o4-mini"), messages=[], top_p=0.5, max_completion_tokens=100)
        """,
    }, select=["LA106", "LA103"])
    got = sorted((f.code, f.line) for f in result.findings)
    assert got == [("LA103", 5), ("LA106", 6)]
    la106 = _only(result, "LA106")[0]
    assert la106.fix is not None and la106.fix.applicability == "unsafe"  # env default: production may differ


# ---------------------------------------------------------------- lookup
@pytest.mark.parametrize(
    "written,entry",
    [
        ("gpt-4o-2024-11-20", "gpt-4o"),
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("azure/gpt-4.1", "gpt-4.1"),
        ("openrouter/openai/gpt-4o", "gpt-4o"),
        ("ft:gpt-4o-mini-2024-07-18:acme::9abc", "gpt-4o-mini"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku"),
        ("vertex_ai/claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini-2.5-flash-001", "gemini-2.5-flash"),
        ("googleai/gemini-2.5-pro", "gemini-2.5-pro"),
        ("mistral-large-2502", "mistral-large-latest"),
        ("groq/llama-3.3-70b-versatile", "llama-3.3-70b-versatile"),
        ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
        ("GPT-4O", "gpt-4o"),
    ],
)
def test_lookup_resolves_aliases_snapshots_and_prefixes(written, entry):
    m = load_catalog().models.lookup(written)
    assert m is not None and m.name == entry


@pytest.mark.parametrize("written", ["gpt-40", "gpt-4o-mini-tts", "llama3.1", "", "claude"])
def test_lookup_does_not_guess(written):
    assert load_catalog().models.lookup(written) is None


# ---------------------------------------------------------------- models command and LiteLLM import
def test_models_search_lists_and_resolves(tmp_path):
    (tmp_path / ".git").mkdir()
    r = cli("models", "--search", "haiku", "--output-format", "json", cwd=tmp_path)
    names = {m["name"] for m in json.loads(r.stdout)}
    assert {"claude-haiku-4-5", "claude-3-haiku", "claude-3-5-haiku"} <= names and "gpt-4o" not in names
    r = cli("models", "--search", "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", cwd=tmp_path)
    assert "claude-sonnet-4-5" in r.stdout and "resolves to claude-sonnet-4-5" in r.stdout


def test_import_litellm_writes_an_overlay_policy_can_extend(tmp_path):
    (tmp_path / ".git").mkdir()
    r = cli("models", "--import-litellm", str(FIXTURES / "litellm_prices.json"), "-o", "prices.yaml", "--today", "2026-11-21", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    overlay = (tmp_path / "prices.yaml").read_text()
    assert "gpt-4.1:" in overlay and "input: 1.8" in overlay and "batch-input: 0.9" in overlay
    assert "gpt-4o:" not in overlay  # unchanged (and azure/gpt-4o's different price is not used)
    assert "gpt-4o-mini" not in overlay and "text-embedding" not in overlay and "brand-new" not in overlay
    assert "&id" not in overlay  # no YAML anchors
    (tmp_path / ".llm-audit.yaml").write_text("extends: [default, prices.yaml]\n")
    listed = {m["name"]: m for m in json.loads(cli("models", "--search", "gpt-4.1", "--output-format", "json", cwd=tmp_path).stdout)}
    assert listed["gpt-4.1"]["price_per_1m"]["input"] == pytest.approx(1.8)
    assert listed["gpt-4.1"]["price_per_1m"]["output"] == pytest.approx(7.2)
    assert listed["gpt-4.1"]["checked"] == "2026-11-21"
    assert listed["gpt-4.1-mini"]["price_per_1m"]["input"] == pytest.approx(0.4)  # untouched


def test_import_litellm_in_place_keeps_comments(tmp_path):
    from ruamel.yaml import YAML

    from auditor.config.catalog import ModelCatalog, model_from_entry
    from auditor.config.litellm import (
        plan_import,
        read_litellm,
        update_catalog_in_place,
    )

    copy = tmp_path / "models.yaml"
    shutil.copy(REPO / "rules" / "models.yaml", copy)
    data = YAML(typ="safe").load(copy.read_text())
    catalog = ModelCatalog({n: model_from_entry(n, e) for n, e in data["models"].items()})
    result = plan_import(read_litellm(FIXTURES / "litellm_prices.json"), catalog, date(2026, 11, 21))
    assert result.matched["gpt-4o"] == "gpt-4o" and result.matched["gemini-2.5-flash"] == "gemini/gemini-2.5-flash"
    assert update_catalog_in_place(copy, result) == len(result.by_model())
    text = copy.read_text()
    assert text.startswith("# Model catalog: prices (USD per 1M tokens)")
    assert "# ------------------------------------------------------------ OpenAI (current)" in text
    after = YAML(typ="safe").load(text)["models"]
    assert after["gpt-4.1"]["price"]["input"] == pytest.approx(1.8)
    assert after["gpt-4.1"]["checked"] == date(2026, 11, 21)
    assert after["gpt-4o"] == data["models"]["gpt-4o"]
    assert len(after) == len(data["models"])


def test_import_litellm_rejects_a_broken_file(tmp_path):
    bad = tmp_path / "prices.json"
    bad.write_text("{not json")
    r = cli("models", "--import-litellm", str(bad), cwd=tmp_path)
    assert r.returncode == 2 and "not a JSON file" in r.stderr


@pytest.mark.parametrize(
    "prompt,fires",
    [
        ("Is the following review positive or negative?", True),
        ("Which category does this ticket belong to: billing, bugs or sales?", True),
        ("Detect the language of this message.", True),
        ("Determine whether this email is spam.", True),
        ("Extract the invoice number and the total.", True),
        ("Fix the spelling in this paragraph.", True),
        ("Write a blog post about our spring collection.", False),
        ("Determine whether the clause is enforceable and explain why.", False),
        ("Summarise the meeting notes for the team.", False),
    ],
)
def test_la401_simple_task_phrases(project, prompt, fires):
    src = (
        "from openai import OpenAI\n"
        "client = OpenAI()\n\n\n"
        "def run(text):\n"
        f"    return client.chat.completions.create(model='gpt-4.1', max_tokens=400, messages=[{{'role': 'user', 'content': f'{prompt}\\n\\n{{text}}'}}])\n"
    )
    result = project({"task.py": src}, select=["LA401"])
    assert (codes(result) == ["LA401"]) is fires, [f.message for f in result.findings]
