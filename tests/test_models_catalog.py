"""The model catalog, rules/models.yaml, is generated and stays true to its inputs.

- It is what scripts/gen_models.py makes of the pinned LiteLLM map and rules/models-overlay.yaml
  today (regenerated in a temporary directory and compared byte for byte).
- Every matched model's prices, context window, max output and shutdown date equal its LiteLLM
  key's, read straight from the pinned JSON (not through the generator's own code), and that key
  belongs to the model's own provider (no Vertex/Bedrock/Azure figures on a direct API).
- Coverage: >= 95% of the current chat/responses models of OpenAI, Anthropic, Google (Gemini
  API), Mistral, xAI, DeepSeek, Cohere, Groq and Together in the map resolve to an entry of their
  provider with their own facts and a tier; no model of those providers in the map is unknown.
- The data is coherent: types, successors of the same API family that are still available,
  lower-tier downgrades, sourced lifecycle dates, reasoning models that reject sampling.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.util
import json
import math
import zipfile
from pathlib import Path

import pytest
from ruamel.yaml import YAML

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "rules"
CATALOG = RULES / "models.yaml"
PINNED = RULES / "sources" / "litellm-model-prices.json"
PIN = RULES / "sources" / "litellm-model-prices.pin.json"
TODAY = dt.date(2026, 12, 1)
COVERED = ["openai", "anthropic", "google", "mistral", "xai", "deepseek", "cohere", "groq", "together"]
TIERS = {"small": 0, "medium": 1, "large": 2}
FIELDS = [
    "provider", "family", "tier", "reasoning", "api", "aliases", "price", "context-window", "max-output",
    "cache-min-tokens", "cache", "rejects", "deprecated", "retired", "lifecycle-source", "routes-to",
    "successor", "successor-source", "downgrade", "litellm", "checked",
]
PRICE_FIELDS = {
    "input": "input_cost_per_token", "output": "output_cost_per_token", "cached-input": "cache_read_input_token_cost",
    "cache-write": "cache_creation_input_token_cost", "batch-input": "input_cost_per_token_batches",
    "batch-output": "output_cost_per_token_batches",
}
OPENAI_REASONING = {"temperature", "top_p", "presence_penalty", "frequency_penalty", "logprobs", "top_logprobs", "logit_bias", "max_tokens"}

DATA = YAML(typ="safe").load(CATALOG.read_text(encoding="utf-8"))
MODELS: dict[str, dict] = DATA["models"]
NAMES = sorted(MODELS)
OVERLAY = YAML(typ="safe").load((RULES / "models-overlay.yaml").read_text(encoding="utf-8"))
MAP = {k: v for k, v in json.loads(PINNED.read_text(encoding="utf-8")).items() if isinstance(v, dict) and k != "sample_spec"}


@functools.lru_cache(maxsize=1)
def _gen():
    spec = importlib.util.spec_from_file_location("gen_models", REPO / "scripts" / "gen_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _section(provider: str) -> dict:
    return (OVERLAY.get("providers") or {}).get(provider) or (OVERLAY.get("hosts") or {}).get(provider) or {}


def _native(key: str, entry: dict, provider: str) -> str | None:
    """The id a key names on ``provider``'s own API, straight from the overlay's provider table."""
    sec = _section(provider)
    if entry.get("litellm_provider") not in sec.get("litellm", [provider]):
        return None
    for prefix in sec.get("prefixes") or []:
        if key.startswith(prefix):
            return key[len(prefix):]
    return key


def _per_million(x) -> float | None:
    return None if x is None else round(float(x) * 1_000_000, 6)


def _retired(e: dict) -> bool:
    return e["retired"] is not None and e["retired"] <= TODAY


def _catalog():
    from auditor.config.catalog import load_catalog

    return load_catalog().models


# ------------------------------------------------------------------ the inputs and the output


def test_pinned_map_is_the_recorded_litellm_release():
    pin = json.loads(PIN.read_text(encoding="utf-8"))
    assert pin["package"] == "litellm" and pin["member"] == "litellm/model_prices_and_context_window_backup.json"
    assert hashlib.sha256(PINNED.read_bytes()).hexdigest() == pin["sha256"]
    assert DATA["litellm"] == {"version": pin["version"], "sha256": pin["sha256"]}
    assert DATA["checked"] == OVERLAY["checked"]


def test_generated_file_is_up_to_date_with_its_inputs(tmp_path):
    gen = _gen()
    out = tmp_path / "models.yaml"
    assert gen.main(["--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == CATALOG.read_text(encoding="utf-8"), "run `python scripts/gen_models.py`"
    assert gen.main(["--check"]) == 0
    out.write_text(out.read_text(encoding="utf-8").replace("tier: large", "tier: small", 1), encoding="utf-8")
    assert gen.main(["--check", "--output", str(out)]) == 1


def test_generator_refuses_a_changed_pinned_map(tmp_path):
    gen = _gen()
    changed = tmp_path / "prices.json"
    changed.write_bytes(PINNED.read_bytes() + b"\n")
    with pytest.raises(gen.GenError, match="does not match the sha256"):
        gen.generate(pinned=changed)


def test_refresh_pins_the_newest_wheel_and_records_it(tmp_path, monkeypatch):
    gen = _gen()
    monkeypatch.setattr(gen, "PINNED", tmp_path / "litellm-model-prices.json")
    monkeypatch.setattr(gen, "PIN", tmp_path / "litellm-model-prices.pin.json")
    payload = json.dumps({"gpt-x": {"litellm_provider": "openai", "mode": "chat"}}).encode()
    calls = []

    def fake_run(cmd, **kw):
        calls.append(cmd)
        if cmd[3] == "index":
            return type("R", (), {"stdout": "litellm (9.9.9)\nAvailable versions: 9.9.9, 9.9.8\n"})()
        with zipfile.ZipFile(Path(cmd[-1]) / "litellm-9.9.9-py3-none-any.whl", "w") as z:
            z.writestr(gen.WHEEL_MEMBER, payload)
        return type("R", (), {"stdout": ""})()

    monkeypatch.setattr(gen.subprocess, "run", fake_run)
    pin = gen.refresh(None)
    assert calls[0][3:] == ["index", "versions", "litellm"]
    assert calls[1][3:7] == ["download", "--no-deps", "--only-binary=:all:", "litellm==9.9.9"]
    assert pin["version"] == "9.9.9" and (tmp_path / "litellm-model-prices.json").read_bytes() == payload
    assert json.loads((tmp_path / "litellm-model-prices.pin.json").read_text())["sha256"] == hashlib.sha256(payload).hexdigest()


# ------------------------------------------------------------------ against the pinned map


MATCHED = [n for n in NAMES if MODELS[n]["litellm"]]


def test_most_entries_come_from_the_map():
    assert len(MATCHED) >= 300 and len(MATCHED) / len(NAMES) > 0.85


@pytest.mark.parametrize("name", MATCHED)
def test_matched_model_agrees_with_its_litellm_key(name):
    e = MODELS[name]
    raw = MAP[e["litellm"]]
    # the key is the model's own provider's: no Vertex, Bedrock or Azure figures on a direct API
    assert _native(e["litellm"], raw, e["provider"]) is not None, f"{name}: {e['litellm']} is {raw.get('litellm_provider')}'s key"
    complete = bool(raw.get("input_cost_per_token") or raw.get("output_cost_per_token"))
    for ours, theirs in PRICE_FIELDS.items():
        value = _per_million(raw.get(theirs))
        if not complete or (ours not in ("input", "output") and not value):
            value = None  # incomplete entries (zero prices) and zero cache/batch prices are not prices
        assert e["price"][ours] == value or (value is not None and math.isclose(e["price"][ours], value)), (name, ours)
    assert e["context-window"] == raw.get("max_input_tokens")
    assert e["max-output"] == raw.get("max_output_tokens")
    assert e["retired"] == (dt.date.fromisoformat(raw["deprecation_date"][:10]) if raw.get("deprecation_date") else e["retired"])
    if raw.get("deprecation_date") is None and e["retired"] is not None:
        assert e["lifecycle-source"], f"{name}: a date LiteLLM lacks needs its source"


@pytest.mark.parametrize("name", MATCHED)
def test_every_spelling_of_a_matched_model_has_the_same_facts(name):
    """Each alias that LiteLLM lists on the same provider names the same prices, limits and date."""
    e = MODELS[name]
    own = MAP[e["litellm"]]
    for key, raw in MAP.items():
        ident = _native(key, raw, e["provider"])
        if ident not in [name, *e["aliases"]] or raw.get("mode") not in ("chat", "responses", "completion"):
            continue
        if key.startswith("bedrock_mantle/") and not e["litellm"].startswith("bedrock_mantle/"):
            continue  # Bedrock's Mantle endpoint prices a few runtime ids higher: the runtime's figures are used
        for f in ("input_cost_per_token", "output_cost_per_token", "max_input_tokens", "max_output_tokens", "deprecation_date"):
            assert raw.get(f) == own.get(f), f"{name}: {key} and {e['litellm']} differ on {f}"


def test_vertex_and_bedrock_dates_stay_off_the_direct_apis():
    # LiteLLM: vertex gemini-2.5-flash retires 2026-10-20, the Gemini API's gemini/gemini-2.5-flash 2026-12-01
    assert MODELS["gemini-2.5-flash"]["retired"] == dt.date(2026, 12, 1)
    assert MODELS["gemini-2.5-flash"]["litellm"] == "gemini/gemini-2.5-flash"
    # Anthropic retires claude-sonnet-4-5 on 2026-11-30, Bedrock on 2027-04-08, Vertex on 2026-09-29
    assert MODELS["claude-sonnet-4-5"]["retired"] == dt.date(2026, 11, 30)
    assert MODELS["anthropic.claude-sonnet-4-5-20250929-v1:0"]["retired"] == dt.date(2027, 4, 8)
    assert MODELS["claude-sonnet-4-5@20250929"]["retired"] == dt.date(2026, 9, 29)
    for e in MODELS.values():
        if e["provider"] in COVERED and e["litellm"]:
            assert MAP[e["litellm"]]["litellm_provider"] not in ("vertex_ai-language-models", "vertex_ai-anthropic_models", "bedrock", "bedrock_converse", "azure")


def test_no_zero_prices_from_incomplete_entries():
    assert MAP["codestral/codestral-latest"]["input_cost_per_token"] == 0.0  # LiteLLM's incomplete entry
    assert MODELS["codestral-latest"]["litellm"] == "mistral/codestral-latest"  # La Plateforme's key, priced
    assert MODELS["codestral-latest"]["price"]["input"] == 0.3
    assert MODELS["command-a-plus-05-2026"]["price"]["input"] is None  # 0/0 in the map: unknown, not free
    for name, e in MODELS.items():
        p = e["price"]
        assert not (p["input"] == 0 and p["output"] == 0), name


# ------------------------------------------------------------------ coverage


def _current_map_models(provider: str) -> list[tuple[str, str]]:
    skip = set(_section(provider).get("skip") or {})
    out = []
    for key, raw in MAP.items():
        ident = _native(key, raw, provider)
        if ident is None or ident in skip or raw.get("mode") not in ("chat", "responses"):
            continue
        date = raw.get("deprecation_date")
        if date and dt.date.fromisoformat(date[:10]) <= TODAY:
            continue
        out.append((key, ident))
    return out


def _agrees(m, raw) -> bool:
    price = _per_million(raw.get("input_cost_per_token")) if raw.get("input_cost_per_token") or raw.get("output_cost_per_token") else None
    return m.price_of("input") == price and m.max_output == raw.get("max_output_tokens") and m.context_window == raw.get("max_input_tokens")


@pytest.mark.parametrize("provider", COVERED)
def test_current_chat_models_of_each_provider_are_in_the_catalog(provider):
    models = _catalog()
    current = _current_map_models(provider)
    assert current, provider
    covered = []
    for key, ident in current:
        m = models.lookup(ident, provider)
        if m is not None and m.provider == provider and m.tier in TIERS and _agrees(m, MAP[key]):
            covered.append(key)
    missing = sorted({k for k, _ in current} - set(covered))
    assert len(covered) / len(current) >= 0.95, f"{provider}: {missing}"


def test_coverage_over_all_providers_is_at_least_95_percent():
    models = _catalog()
    total = hits = 0
    for provider in COVERED:
        for key, ident in _current_map_models(provider):
            total += 1
            m = models.lookup(ident, provider)
            hits += m is not None and m.provider == provider and _agrees(m, MAP[key])
    assert total >= 250 and hits / total >= 0.95, (hits, total)


def test_no_chat_model_of_the_covered_providers_is_unknown():
    """What LA403 asks: every generation model those providers list, current or retired, as
    written in code (the id) and as LiteLLM writes it (the key)."""
    models = _catalog()
    unknown = []
    for provider in COVERED:
        skip = set(_section(provider).get("skip") or {})
        for key, raw in MAP.items():
            ident = _native(key, raw, provider)
            if ident is None or ident in skip or raw.get("mode") not in ("chat", "responses", "completion"):
                continue
            if models.lookup(ident, provider) is None or models.lookup(key) is None:
                unknown.append(key)
    assert unknown == []


def test_models_the_issue_named_are_catalogued():
    models = _catalog()
    for name in ("gpt-5.4-mini", "gpt-5.2", "gpt-6.1-sol", "claude-sonnet-4-6", "claude-opus-4-6", "gemini-3.5-flash",
                 "gemini-4-argon", "mistral-large-4", "deepseek-v4-pro", "grok-4.3", "xai/grok-4.5"):
        m = models.lookup(name)
        assert m is not None and m.price_of("input"), name
    assert models.lookup("mistral-large-latest").price_of("input") == 0.5  # not the old $2


# ------------------------------------------------------------------ coherence


@pytest.mark.parametrize("name", NAMES)
def test_fields_and_types(name):
    e = MODELS[name]
    assert list(e) == FIELDS, f"{name}: fields must be exactly, in order, {FIELDS}"
    assert e["tier"] in TIERS and isinstance(e["reasoning"], bool)
    assert e["api"] and set(e["api"]) <= {"chat", "responses", "completions"}
    assert list(e["price"]) == list(PRICE_FIELDS)
    assert all(v is None or (isinstance(v, (int, float)) and v >= 0) for v in e["price"].values())
    assert (e["price"]["input"] is None) == (e["price"]["output"] is None)
    for f in ("context-window", "max-output", "cache-min-tokens"):
        assert e[f] is None or (isinstance(e[f], int) and e[f] > 0)
    assert e["cache"] in ("automatic", "explicit", "implicit", "none")
    if e["cache"] == "none":
        assert e["price"]["cached-input"] is None and e["cache-min-tokens"] is None
    for f in ("deprecated", "retired", "checked"):
        assert e[f] is None or isinstance(e[f], dt.date)
    if e["deprecated"] and e["retired"]:
        assert e["deprecated"] <= e["retired"]
    if e["deprecated"] or e["retired"]:
        assert str(e["lifecycle-source"]).startswith("https://"), f"{name}: a lifecycle date without its source"
    assert e["checked"] == OVERLAY["checked"]


def _index():
    idx: dict[str, list[str]] = {}
    for n, e in MODELS.items():
        for a in [n, *e["aliases"]]:
            idx.setdefault(a, []).append(n)
    return idx


def test_names_are_unique_within_a_provider():
    for alias, names in _index().items():
        providers = [MODELS[n]["provider"] for n in names]
        assert len(providers) == len(set(providers)), f"{alias} names {names}"


@pytest.mark.parametrize("name", [n for n in NAMES if _retired(MODELS[n])])
def test_a_retired_model_names_a_current_successor_of_its_api_family(name):
    e = MODELS[name]
    family = "completions" if e["api"] == ["completions"] else ("responses" if "chat" not in e["api"] else "chat")
    if e["successor"] is None:
        # no same-API replacement exists (completions), a cloud without the vendor's successor, or a documented gap
        assert family == "completions" or e["provider"] in ("bedrock", "vertex") or name in {"gemini-2.5-pro-preview-tts"}, name
        return
    s = MODELS[e["successor"]]
    assert s["provider"] == e["provider"] and not _retired(s)
    assert family in s["api"], f"{name} ({family}) -> {e['successor']} ({s['api']})"


@pytest.mark.parametrize("name", [n for n in NAMES if MODELS[n]["downgrade"]])
def test_downgrade_is_a_lower_tier_of_the_same_provider(name):
    e, d = MODELS[name], MODELS[MODELS[name]["downgrade"]]
    assert d["provider"] == e["provider"] and TIERS[d["tier"]] < TIERS[e["tier"]]


def test_completions_models_are_never_succeeded_by_chat_models():
    for name, e in MODELS.items():
        if e["api"] == ["completions"] and e["successor"]:
            assert "completions" in MODELS[e["successor"]]["api"], name


@pytest.mark.parametrize("name", [n for n in NAMES if MODELS[n]["provider"] == "openai" and MODELS[n]["reasoning"]])
def test_openai_reasoning_models_reject_sampling_and_max_tokens(name):
    assert set(MODELS[name]["rejects"]) == OPENAI_REASONING


def test_routed_retirements_point_at_a_model_of_the_same_provider():
    routed = {n: e["routes-to"] for n, e in MODELS.items() if e["routes-to"]}
    assert {"gemini-2.5-flash", "gemini-2.5-pro", "grok-code-fast-1", "grok-3"} <= set(routed)
    for n, target in routed.items():
        assert MODELS[target]["provider"] == MODELS[n]["provider"]


def test_lifecycle_sources_are_the_providers_pages():
    domains = {
        "openai": "openai.com", "anthropic": "claude.com", "google": "ai.google.dev", "mistral": "mistral.ai", "xai": "x.ai",
        "deepseek": "deepseek.com", "cohere": "cohere.com", "groq": "groq.com", "together": "together.ai",
        "bedrock": "aws.amazon.com", "vertex": "cloud.google.com",
    }
    for name, e in MODELS.items():
        for f in ("lifecycle-source", "successor-source"):
            if e[f]:
                assert domains[e["provider"]] in e[f], f"{name}: {f} {e[f]}"


def test_overlay_dates_agree_with_the_map_where_both_have_one():
    for models in (OVERLAY.get("models") or {}).values():
        for name, ov in models.items():
            if ov.get("retired") and name in MODELS and MODELS[name]["litellm"]:
                raw = MAP[MODELS[name]["litellm"]].get("deprecation_date")
                assert raw is None or dt.date.fromisoformat(raw[:10]) == ov["retired"], name


# ------------------------------------------------------------------ the generator's rules, on small inputs


def _tiny(overlay_models: dict, litellm: dict, providers: dict | None = None) -> tuple[dict, dict]:
    gen = _gen()
    overlay = {
        "checked": TODAY,
        "providers": providers or {
            "google": {"litellm": ["gemini"], "prefixes": ["gemini/"], "deprecations": "https://ai.google.dev/gemini-api/docs/deprecations", "cache": "implicit"},
            "openai": {"litellm": ["openai", "text-completion-openai"], "deprecations": "https://developers.openai.com/api/docs/deprecations"},
        },
        "models": overlay_models,
    }
    return gen.build(overlay, litellm)


def _entry(provider, inp, out, **kw):
    return {"litellm_provider": provider, "mode": kw.pop("mode", "chat"), "input_cost_per_token": inp, "output_cost_per_token": out, **kw}


def test_build_takes_figures_from_the_models_own_provider_only():
    models, _ = _tiny(
        {"google": {"gemini-x": {"tier": "small"}}},
        {"gemini-x": _entry("vertex_ai-language-models", 5e-7, 3e-6, deprecation_date="2026-10-20"),
         "gemini/gemini-x": _entry("gemini", 3e-7, 2.5e-6, deprecation_date="2026-12-01")},
    )
    assert models["gemini-x"]["litellm"] == "gemini/gemini-x"
    assert models["gemini-x"]["price"]["input"] == 0.3 and models["gemini-x"]["retired"] == dt.date(2026, 12, 1)


def test_build_refuses_a_model_only_another_provider_lists():
    gen = _gen()
    with pytest.raises(gen.GenError, match="not in the pinned LiteLLM map"):
        _tiny({"google": {"gemini-x": {"tier": "small"}}}, {"vertex_ai/gemini-x": _entry("vertex_ai-language-models", 5e-7, 3e-6)})


def test_build_wants_a_tier_for_every_model_and_no_contradicting_date():
    gen = _gen()
    with pytest.raises(gen.GenError, match="no tier to 1 LiteLLM model"):
        _tiny({"openai": {"gpt-a": {"tier": "small"}}}, {"gpt-a": _entry("openai", 1e-6, 2e-6), "gpt-b": _entry("openai", 1e-6, 2e-6)})
    with pytest.raises(gen.GenError, match="overlay retired"):
        _tiny({"openai": {"gpt-a": {"tier": "small", "retired": dt.date(2026, 1, 1)}}}, {"gpt-a": _entry("openai", 1e-6, 2e-6, deprecation_date="2026-02-01")})


def test_build_snapshots_alias_or_inherit():
    models, _ = _tiny(
        {"openai": {"gpt-a": {"tier": "large", "reasoning": True}}},
        {"gpt-a": _entry("openai", 1e-6, 2e-6), "gpt-a-2026-01-01": _entry("openai", 1e-6, 2e-6),
         "gpt-a-2025-01-01": _entry("openai", 5e-6, 9e-6, deprecation_date="2026-06-01")},
    )
    assert models["gpt-a"]["aliases"] == ["gpt-a-2026-01-01"]  # same facts: an alias
    old = models["gpt-a-2025-01-01"]  # other facts: its own entry, with the base model's tier and flags
    assert old["tier"] == "large" and old["reasoning"] is True and old["price"]["input"] == 5.0


def test_build_never_replaces_a_completions_model_with_a_chat_model():
    gen = _gen()
    with pytest.raises(gen.GenError, match="does not serve the completions API"):
        _tiny(
            {"openai": {"old-instruct": {"tier": "small", "successor": "gpt-a"}, "gpt-a": {"tier": "small"}}},
            {"old-instruct": _entry("text-completion-openai", 1e-6, 2e-6, mode="completion"), "gpt-a": _entry("openai", 1e-6, 2e-6)},
        )


def test_build_zero_prices_are_unknown_not_free():
    models, _ = _tiny({"openai": {"gpt-a": {"tier": "small"}}}, {"gpt-a": _entry("openai", 0.0, 0.0, max_output_tokens=8191)})
    assert models["gpt-a"]["price"]["input"] is None and models["gpt-a"]["max-output"] == 8191
