"""Model-choice rules on realistic code: LA105, LA106, LA401, LA402, LA403, LA404; the model lookup;
the LiteLLM price import."""

from __future__ import annotations

import json
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
                        model="claude-opus-4-8",
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
    assert "gpt-4-0613 fails at runtime since 2026-10-23" in f.message and "move to gpt-5.6-sol" in f.message
    assert "developers.openai.com/api/docs/deprecations" in f.message  # where the date comes from
    assert f.fix is not None and f.fix.edits[0].content == '"gpt-5.6-sol"'
    assert f.savings is None  # its calls fail: moving saves nothing, it makes them work


def test_la402_before_the_shutdown_is_a_warning(project):
    files = {"a.py": 'import openai\nopenai.OpenAI().chat.completions.create(model="gpt-4", messages=[], max_tokens=10)\n'}
    [f] = _only(project(files, select=["LA402"], today=date(2026, 10, 1)), "LA402")
    assert f.severity == "warning" and "retires on 2026-10-23 (in 22 days)" in f.message
    assert f.savings is not None and f.savings.usd_per_month > 0  # it still works: the cheaper successor saves money
    assert codes(project(files, select=["LA402"], today=date(2024, 1, 1))) == ["LA402"]  # still announced


def test_la402_routed_retirement_says_who_answers_and_claims_nothing(project):
    files = {"g.py": """
        from google import genai
        client = genai.Client()
        client.models.generate_content(model="gemini-2.5-flash", contents="Summarise", config={"max_output_tokens": 100})
    """}
    [f] = _only(project(files, select=["LA402"], today=date(2026, 12, 1)), "LA402")
    assert f.severity == "error" and f.savings is None
    assert "retired on 2026-12-01" in f.message and "answers these calls with gemini-3.5-flash-lite" in f.message
    assert f.fix is not None and f.fix.edits[0].content == '"gemini-3.5-flash-lite"'
    # the day before, it still works: a warning with the date
    [g] = _only(project(files, select=["LA402"], today=date(2026, 11, 30)), "LA402")
    assert g.severity == "warning" and "retires on 2026-12-01 (in 1 day)" in g.message


def test_la402_completions_model_is_never_swapped_to_a_chat_model(project):
    files = {"legacy.py": """
        from openai import OpenAI
        client = OpenAI()
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=5)
        client.chat.completions.create(model="gpt-3.5-turbo", messages=[], max_tokens=5)
    """}
    found = sorted(_only(project(files, select=["LA402"]), "LA402"), key=lambda f: f.line)
    assert [f.severity for f in found] == ["error", "error"]
    assert "no current openai model serves the completions API" in found[0].message and found[0].fix is None
    assert "move to gpt-5.6-terra" in found[1].message and found[1].fix is not None


def test_la402_bedrock_and_vertex_ids_keep_their_own_schedule(project):
    result = project({
        "jobs.py": """
            import os
            import boto3
            from anthropic import AnthropicVertex
            from openai import OpenAI

            bedrock = boto3.client("bedrock-runtime")
            vertex = AnthropicVertex(region="us-east5", project_id="p")
            client = OpenAI()

            def a(msgs):
                return bedrock.converse(modelId="anthropic.claude-sonnet-4-20250514-v1:0", messages=msgs, inferenceConfig={"maxTokens": 300})

            def b(msgs):
                return bedrock.converse(modelId="us.anthropic.claude-sonnet-4-5-20250929-v1:0", messages=msgs, inferenceConfig={"maxTokens": 300})

            def c(msgs):
                return vertex.messages.create(model="claude-sonnet-4-5@20250929", messages=msgs, max_tokens=300)

            def d(msgs):
                return client.chat.completions.create(model=os.getenv("MODEL", "o3-mini"), messages=msgs, max_completion_tokens=300)
        """,
    }, select=["LA402"], today=date(2026, 12, 1))
    found = sorted(_only(result, "LA402"), key=lambda f: f.line)
    assert len(found) == 4, [f.message for f in found]
    # Bedrock retired Claude Sonnet 4 on 2026-10-14 (Anthropic's API: 2026-06-15)
    assert "fails at runtime since 2026-10-14" in found[0].message and found[0].fix is None
    assert "bedrock/latest/userguide/model-lifecycle" in found[0].message
    # Claude Sonnet 4.5: Anthropic shut it down on 2026-11-30, Bedrock keeps it until 2027-04-08
    assert found[1].severity == "warning" and "retires on 2027-04-08" in found[1].message
    assert "2026-11-30" not in found[1].message
    # ... and Vertex AI shut it down on 2026-09-29
    assert found[2].severity == "error" and "since 2026-09-29" in found[2].message
    assert "environment variable" in found[3].message and found[3].fix is None


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
            "---\nname: Route\nmodel:\n  api: chat\n  configuration:\n    type: openai\n    model: gpt-5.4\n"
            "  parameters:\n    max_completion_tokens: 5\n---\nsystem:\nClassify the ticket into one queue: orders, returns or other.\n\nuser:\n{{ticket}}\n"
        ),
    }, select=["LA401", "LA402"])
    by_path = {f.path: f for f in result.findings}
    assert set(by_path) == {"jobs.py", "prompts/summary.prompt", "prompts/route.prompty"}
    assert by_path["jobs.py"].fix.edits[0].content == "'anthropic/claude-haiku-4-5'"
    assert by_path["prompts/summary.prompt"].fix.edits[0].content == "googleai/gemini-3.5-flash-lite"
    assert by_path["prompts/route.prompty"].code == "LA401"
    r = cli("fix", ".", "--select", "LA401,LA402", "--unsafe-fixes", "--today", "2026-11-21", cwd=project.root)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "model: googleai/gemini-3.5-flash-lite\n" in (project.root / "prompts/summary.prompt").read_text()
    assert "    model: gpt-5.4-mini\n" in (project.root / "prompts/route.prompty").read_text()
    assert "model='anthropic/claude-haiku-4-5'" in (project.root / "jobs.py").read_text()


def test_model_swap_is_withheld_when_the_new_model_rejects_a_parameter(project):
    # claude-opus-4-5 is deprecated for claude-opus-5-5, which rejects temperature (400)
    files = {"a.py": """
        import anthropic
        client = anthropic.Anthropic()
        client.messages.create(model="claude-opus-4-5", messages=[], max_tokens=300, temperature=0.2)
        client.messages.create(model="claude-opus-4-5", messages=[], max_tokens=300)
    """}
    found = sorted(_only(project(files, select=["LA402"], today=date(2026, 12, 1)), "LA402"), key=lambda f: f.line)
    assert ["deprecated since 2026-11-23" in f.message and "claude-opus-5-5" in f.message for f in found] == [True, True]
    assert found[0].fix is None and found[1].fix is not None


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
        ("gpt-4o-2024-05-13", "gpt-4o-2024-05-13"),  # its own prices and shutdown date
        ("openai/gpt-4o-mini", "gpt-4o-mini"),
        ("gpt-5.4-mini-2026-03-17", "gpt-5.4-mini"),
        ("azure/gpt-4.1", "gpt-4.1"),
        ("openrouter/openai/gpt-4o", "gpt-4o"),
        ("ft:gpt-4o-mini-2024-07-18:acme::9abc", "ft:gpt-4o-mini-2024-07-18"),  # the fine-tuned rate
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("vertex_ai/claude-sonnet-4-5", "claude-sonnet-4-5@20250929"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash"),
        ("gemini/gemini-3.5-flash", "gemini-3.5-flash"),
        ("googleai/gemini-2.5-pro", "gemini-2.5-pro"),
        ("mistral-large-2502", "mistral-large-3"),
        ("mistral/mistral-medium-2604", "mistral-medium-latest"),
        ("xai/grok-4.3", "grok-4.3"),
        ("grok-4.3-latest", "grok-4.3"),
        ("deepseek/deepseek-v4-pro", "deepseek-v4-pro"),
        ("together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "meta-llama/Llama-3.3-70B-Instruct-Turbo"),
        ("GPT-4O", "gpt-4o"),
    ],
)
def test_lookup_resolves_aliases_snapshots_and_prefixes(written, entry):
    m = load_catalog().models.lookup(written)
    assert m is not None and m.name == entry


def test_lookup_picks_the_call_sites_host_for_a_shared_id():
    models = load_catalog().models
    assert models.lookup("openai/gpt-oss-120b", "groq").provider == "groq"
    assert models.lookup("openai/gpt-oss-120b", "together").provider == "together"
    assert models.lookup("groq/openai/gpt-oss-120b").provider == "groq"
    assert models.lookup("together_ai/openai/gpt-oss-120b").provider == "together"


def test_a_cloud_id_without_its_own_entry_never_takes_the_vendors_dates():
    # Bedrock and Vertex retire on their own schedule: unknown there, so no date at all
    for written in ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "claude-opus-4-1@20250805"):
        m = load_catalog().models.lookup(written)
        assert m is not None and m.provider in ("bedrock", "vertex")
        assert m.retired is None and m.deprecated is None and m.successor is None
        assert m.price_of("input") == load_catalog().models.lookup(m.name).price_of("input")  # the vendor's price, as an estimate


@pytest.mark.parametrize("written", ["gpt-40", "gpt-4o-mini-tts", "llama3.1", "", "claude"])
def test_lookup_does_not_guess(written):
    assert load_catalog().models.lookup(written) is None


# ---------------------------------------------------------------- models command and LiteLLM import
def test_models_search_lists_and_resolves(tmp_path):
    (tmp_path / ".git").mkdir()
    r = cli("models", "--search", "haiku", "--output-format", "json", cwd=tmp_path)
    names = {m["name"] for m in json.loads(r.stdout)}
    assert {"claude-haiku-4-5", "claude-haiku-5-5", "claude-3-haiku", "claude-3-5-haiku"} <= names and "gpt-4o" not in names
    r = cli("models", "--search", "bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0", cwd=tmp_path)
    assert "resolves to anthropic.claude-sonnet-4-5-20250929-v1:0" in r.stdout and "2027-04-08" in r.stdout


def test_import_litellm_writes_an_overlay_policy_can_extend(tmp_path):
    (tmp_path / ".git").mkdir()
    r = cli("models", "--import-litellm", str(FIXTURES / "litellm_prices.json"), "-o", "prices.yaml", "--today", "2026-11-21", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    overlay = (tmp_path / "prices.yaml").read_text()
    assert "gpt-4.1:" in overlay and "input: 1.8" in overlay and "batch-input: 0.9" in overlay
    assert "gpt-4o:" not in overlay  # unchanged (and azure/gpt-4o's different price is not used)
    assert "gpt-4o-2024-05-13:" not in overlay  # its own entry, matched exactly: unchanged
    assert "text-embedding" not in overlay and "brand-new" not in overlay
    # the Vertex key is another provider's: the Gemini API entry takes gemini/gemini-2.5-flash's 65535 only
    assert "gemini-2.5-flash:" in overlay and "input: 0.35" not in overlay
    assert "mistral-large-3:" in overlay and "input: 2.0" in overlay  # matched through its alias mistral-large-latest
    assert "&id" not in overlay  # no YAML anchors
    (tmp_path / ".llm-audit.yaml").write_text("extends: [default, prices.yaml]\n")
    listed = {m["name"]: m for m in json.loads(cli("models", "--search", "gpt-4.1", "--output-format", "json", cwd=tmp_path).stdout)}
    assert listed["gpt-4.1"]["price_per_1m"]["input"] == pytest.approx(1.8)
    assert listed["gpt-4.1"]["price_per_1m"]["output"] == pytest.approx(7.2)
    assert listed["gpt-4.1"]["checked"] == "2026-11-21"
    assert listed["gpt-4.1-mini"]["price_per_1m"]["input"] == pytest.approx(0.4)  # untouched


def test_import_litellm_matches_like_the_generator(tmp_path):
    from auditor.config.litellm import plan_import, provider_specs, read_litellm

    catalog = load_catalog().models
    result = plan_import(read_litellm(FIXTURES / "litellm_prices.json"), catalog, date(2026, 11, 21))
    assert result.matched["gpt-4o"] == "gpt-4o" and result.matched["gemini-2.5-flash"] == "gemini/gemini-2.5-flash"
    assert result.matched["claude-sonnet-4-5"] == "claude-sonnet-4-5-20250929"  # through its alias, on its own provider
    assert "azure/gpt-4o" not in result.matched.values() and "vertex_ai/gemini-2.5-flash" not in result.matched.values()
    # Cohere's command-r-08-2024 is not LiteLLM's `command-r`, and groq's llama entry is kept by hand
    assert "llama-3.3-70b-versatile" not in result.matched or result.matched["llama-3.3-70b-versatile"] == "groq/llama-3.3-70b-versatile"
    changed = result.by_model()
    assert {k: changed["gpt-4.1"]["price"][k] for k in ("input", "output", "batch-input")} == {"input": 1.8, "output": 7.2, "batch-input": 0.9}
    assert "gpt-4o-mini" not in changed and "gpt-4o" not in changed
    # the generator's own matcher gives the same key for every matched model
    from auditor.config.litellm import match_model, native_index

    index = native_index(read_litellm(FIXTURES / "litellm_prices.json"), provider_specs())
    for name, key in result.matched.items():
        m = catalog.lookup(name)
        assert match_model(m.name, m.aliases, m.provider, index).key == key


def test_import_litellm_ignores_zero_prices_of_incomplete_entries(tmp_path):
    from auditor.config.litellm import plan_import

    data = {"codestral-latest": {"litellm_provider": "mistral", "mode": "chat", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "max_output_tokens": 8191},
            "mistral/codestral-latest": {"litellm_provider": "mistral", "mode": "chat", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0}}
    result = plan_import(data, load_catalog().models, date(2026, 11, 21))
    fields = {c.field for c in result.changes if c.model == "codestral-latest"}
    assert not any(f.startswith("price.") for f in fields)  # never priced at $0
    assert "max-output" in fields  # its limits still count


def test_import_litellm_in_place_points_at_the_generator(tmp_path):
    r = cli("models", "--import-litellm", str(FIXTURES / "litellm_prices.json"), "--in-place", cwd=tmp_path)
    assert r.returncode == 2 and "scripts/gen_models.py --refresh" in r.stderr


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


# ---------------------------------------------------------------- LA404
SUPERSEDED = {
    "svc/writer.py": """
        import anthropic
        from google import genai


        class Writer:
            def __init__(self):
                self.claude = anthropic.Anthropic()
                self.gemini = genai.Client()

            def draft(self, notes: str) -> str:
                msg = self.claude.messages.create(
                    model="claude-sonnet-4-6",
                    max_tokens=800,
                    messages=[{"role": "user", "content": f"Draft release notes from:\\n{notes}"}],
                )
                return msg.content[0].text

            def tldr(self, text: str) -> str:
                return self.gemini.models.generate_content(
                    model="gemini-3.5-flash", contents=f"Summarise:\\n{text}", config={"max_output_tokens": 200}
                ).text
    """,
}


def test_la404_newer_cheaper_same_tier_model(project):
    found = sorted(_only(project(SUPERSEDED, select=["LA404"], today=date(2026, 12, 1)), "LA404"), key=lambda f: f.line)
    assert len(found) == 2
    claude, gemini = found
    assert claude.severity == "info"
    assert "claude-sonnet-4-6 still works, but claude-sonnet-5-5, a newer anthropic model of the same large tier, costs less" in claude.message
    assert claude.fix is not None and claude.fix.applicability == "unsafe" and claude.fix.edits[0].content == '"claude-sonnet-5-5"'
    assert claude.savings is not None and claude.savings.usd_per_month > 0
    assert "gemini-3.8-flash" in gemini.message and gemini.savings.usd_per_month > 0


def test_la404_recommended_but_not_cheaper_claims_no_saving(project):
    policy = "models:\n  claude-sonnet-5: {successor-source: https://platform.claude.com/docs/en/about-claude/models/overview}\n"
    files = {"a.py": 'import anthropic\nanthropic.Anthropic().messages.create(model="claude-sonnet-5", messages=[], max_tokens=100)\n'}
    [f] = _only(project(files, select=["LA404"], policy=policy), "LA404")
    assert "claude-sonnet-5-5" in f.message and "is what the provider recommends" in f.message
    assert f.savings is None
    # without the provider's word, the same price is no reason to move
    assert _only(project(files, select=["LA404"], policy="models: {}\n"), "LA404") == []


@pytest.mark.parametrize(
    "code",
    [
        # retired or deprecated: LA402's finding, not LA404's
        'OpenAI().chat.completions.create(model="gpt-4", messages=[], max_tokens=5)',
        'OpenAI().chat.completions.create(model="gpt-4o", messages=[], max_tokens=5)',
        # the newest of its line, no successor
        'OpenAI().chat.completions.create(model="gpt-6.1-sol", messages=[], max_completion_tokens=5)',
        # same price and no recommendation
        'genai.Client().models.generate_content(model="gemini-3.6-flash", contents="x", config={"max_output_tokens": 5})',
        # a responses-only successor cannot take a chat call
        'OpenAI().chat.completions.create(model="gpt-5.2-pro", messages=[], max_completion_tokens=5)',
        # unknown models are LA403's
        'OpenAI().chat.completions.create(model="acme-9b", messages=[], max_tokens=5)',
        # a model name in a string that is not a call
        'NOTES = "we moved from claude-sonnet-4-6 to claude-sonnet-5-5"',
    ],
)
def test_la404_lookalikes_stay_silent(project, code):
    src = "from openai import OpenAI\nfrom google import genai\n" + code + "\n"
    assert _only(project({"a.py": src}, select=["LA404"], today=date(2026, 12, 1)), "LA404") == []


def test_la404_other_tier_successor_is_not_superseding(project):
    files = {"a.py": 'from openai import OpenAI\nOpenAI().chat.completions.create(model="gpt-5.4", messages=[], max_completion_tokens=5)\n'}
    assert codes(project(files, select=["LA404"], today=date(2026, 12, 1))) == ["LA404"]  # gpt-6.1-sol: large and cheaper
    assert _only(project(files, select=["LA404"], policy="models:\n  gpt-5.4: {successor: gpt-6-luna}\n", today=date(2026, 12, 1)), "LA404") == []


def test_la404_model_from_env_default_has_no_fix(project):
    files = {"a.py": 'import os\nimport anthropic\nanthropic.Anthropic().messages.create(model=os.getenv("M", "claude-haiku-4-5"), messages=[], max_tokens=50)\n'}
    [f] = _only(project(files, select=["LA404"], today=date(2026, 12, 1)), "LA404")
    assert "claude-haiku-5-5" in f.message and f.fix is None


# ---------------------------------------------------------------- whole-catalog properties through the engine
def _retired_chat_models(today):
    return sorted(
        m.name for m in load_catalog().models
        if m.retired is not None and m.retired <= today and m.provider in ("openai", "anthropic", "google", "mistral", "xai", "deepseek", "cohere", "groq", "together")
        and "chat" in m.api and "/" not in m.name and not m.name.startswith("ft:")
    )


def test_no_finding_claims_savings_for_a_retired_model(project):
    today = date(2026, 12, 1)
    names = _retired_chat_models(today)
    assert len(names) >= 60
    body = "".join(f"litellm.completion(model={n!r}, messages=[{{'role': 'user', 'content': 'Classify this: ' + t}}])\n" for n in names)
    src = "import litellm\n\n\ndef run(t):\n" + "".join("    " + line + "\n" for line in body.splitlines())
    result = project({"legacy.py": src}, today=today)
    on_retired = [f for f in result.findings if f.path == "legacy.py" and f.code != "LA000"]
    assert {f.code for f in on_retired} >= {"LA101", "LA402"}
    assert [f for f in on_retired if f.savings is not None] == []
    la402 = [f for f in on_retired if f.code == "LA402"]
    assert len(la402) == len(names) and all(f.severity == "error" for f in la402)
    assert all("fails at runtime since" in f.message or "answers these calls with" in f.message for f in la402)


def test_la403_fires_on_none_of_the_pinned_maps_models(project):
    """Every chat/responses model of the covered providers, written the way LiteLLM users write it."""
    from auditor.config.litellm import (
        GENERATION_MODES,
        native_id,
        provider_specs,
        read_litellm,
    )

    specs = provider_specs()
    data = read_litellm(REPO / "rules" / "sources" / "litellm-model-prices.json")
    providers = load_catalog_overlay()["providers"]
    skips = {p: set((providers[p] or {}).get("skip") or {}) for p in providers}
    keys = []
    for key, entry in data.items():
        for p in ("openai", "anthropic", "google", "mistral", "xai", "deepseek", "cohere", "groq", "together"):
            ident = native_id(key, entry, specs[p])
            if ident is not None and ident not in skips[p] and entry.get("mode") in GENERATION_MODES:
                keys.append(key)
    assert len(keys) > 350
    src = "import litellm\n" + "".join(f"litellm.completion(model={k!r}, messages=[], max_tokens=5)\n" for k in keys)
    result = project({"all_models.py": src}, select=["LA403"], today=date(2026, 12, 1))
    assert [f.message for f in result.findings] == []


def load_catalog_overlay():
    from ruamel.yaml import YAML

    return YAML(typ="safe").load((REPO / "rules" / "models-overlay.yaml").read_text(encoding="utf-8"))
