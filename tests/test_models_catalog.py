"""Consistency checks for the model catalog, rules/models.yaml.

The YAML is loaded directly with ruamel.yaml (not through the catalog loader), so these tests
pin down the data itself: every entry has every field with the right type, prices and batch
prices agree, lifecycle dates are ordered, successor/downgrade targets exist and are usable
today, aliases are unambiguous, and the facts the product owner gave hold.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ruamel.yaml import YAML

CATALOG = Path(__file__).resolve().parent.parent / "rules" / "models.yaml"
TODAY = dt.date(2026, 11, 21)
CHECKED = dt.date(2026, 11, 15)

PROVIDERS = {"openai", "anthropic", "google", "mistral", "cohere", "meta", "deepseek"}
TIERS = {"small": 0, "medium": 1, "large": 2}
CACHE_KINDS = {"automatic", "explicit", "implicit", "none"}
FIELDS = [
    "provider", "family", "tier", "reasoning", "aliases", "price", "context-window",
    "max-output", "cache-min-tokens", "cache", "rejects", "deprecated", "retired",
    "successor", "downgrade", "checked",
]
PRICE_KEYS = ["input", "output", "cached-input", "batch-input", "batch-output"]
ANTHROPIC_PRICE_KEYS = ["input", "output", "cached-input", "cache-write", "batch-input", "batch-output"]
REASONING_REJECTS = {
    "temperature", "top_p", "presence_penalty", "frequency_penalty",
    "logprobs", "top_logprobs", "logit_bias", "max_tokens",
}


def _load() -> dict:
    with CATALOG.open(encoding="utf-8") as fh:
        return YAML(typ="safe").load(fh)


DATA = _load()
MODELS: dict[str, dict] = DATA["models"]
NAMES = sorted(MODELS)


def _is_num(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _is_date(x) -> bool:
    return isinstance(x, dt.date) and not isinstance(x, dt.datetime)


def _retired(entry: dict) -> bool:
    return entry["retired"] is not None and entry["retired"] <= TODAY


# ------------------------------------------------------------------ whole file


def test_top_level_shape():
    assert set(DATA) == {"checked", "models"}
    assert DATA["checked"] == CHECKED
    assert isinstance(MODELS, dict)


def test_at_least_40_models():
    assert len(MODELS) >= 40


def test_every_provider_is_covered():
    present = {e["provider"] for e in MODELS.values()}
    assert {"openai", "anthropic", "google", "mistral", "cohere", "meta"} <= present


def test_current_and_retired_models_present():
    assert sum(not _retired(e) for e in MODELS.values()) >= 20
    assert sum(_retired(e) for e in MODELS.values()) >= 15


def test_aliases_unique_and_not_entry_names():
    seen: dict[str, str] = {}
    for name, entry in MODELS.items():
        for alias in entry["aliases"]:
            assert alias != name, f"{name}: alias repeats the entry name"
            assert alias not in MODELS, f"{name}: alias {alias!r} is also an entry name"
            assert alias not in seen, f"alias {alias!r} in both {seen[alias]} and {name}"
            seen[alias] = name


# ------------------------------------------------------------------ per entry


@pytest.mark.parametrize("name", NAMES)
def test_fields_and_types(name):
    e = MODELS[name]
    assert list(e) == FIELDS, f"{name}: fields must be exactly, in order, {FIELDS}"
    assert isinstance(name, str) and name.strip() == name and name
    assert e["provider"] in PROVIDERS
    assert isinstance(e["family"], str) and e["family"]
    assert e["tier"] in TIERS
    assert isinstance(e["reasoning"], bool)
    assert isinstance(e["aliases"], list) and all(isinstance(a, str) and a for a in e["aliases"])
    assert isinstance(e["price"], dict)
    assert isinstance(e["context-window"], int) and e["context-window"] > 0
    assert e["max-output"] is None or (isinstance(e["max-output"], int) and 0 < e["max-output"] <= e["context-window"])
    assert e["cache-min-tokens"] is None or (isinstance(e["cache-min-tokens"], int) and e["cache-min-tokens"] > 0)
    assert e["cache"] in CACHE_KINDS
    assert isinstance(e["rejects"], list) and all(isinstance(r, str) for r in e["rejects"])
    assert len(set(e["rejects"])) == len(e["rejects"])
    for f in ("deprecated", "retired"):
        assert e[f] is None or _is_date(e[f]), f"{name}: {f} must be a date or null"
    for f in ("successor", "downgrade"):
        assert e[f] is None or isinstance(e[f], str)
    assert e["checked"] == CHECKED


@pytest.mark.parametrize("name", NAMES)
def test_prices(name):
    e = MODELS[name]
    price = e["price"]
    expected = ANTHROPIC_PRICE_KEYS if e["provider"] == "anthropic" else PRICE_KEYS
    assert list(price) == expected
    for key, value in price.items():
        assert value is None or (_is_num(value) and value >= 0), f"{name}: price.{key}={value!r}"
    assert price["input"] is not None and price["output"] is not None
    assert price["input"] > 0 and price["output"] > 0
    # batch APIs cost 50% of list price; either both batch prices are set or neither
    assert (price["batch-input"] is None) == (price["batch-output"] is None)
    if price["batch-input"] is not None:
        assert price["batch-input"] == pytest.approx(price["input"] / 2)
        assert price["batch-output"] == pytest.approx(price["output"] / 2)
    if price["cached-input"] is not None:
        assert price["cached-input"] < price["input"]


@pytest.mark.parametrize("name", NAMES)
def test_cache_fields_consistent(name):
    e = MODELS[name]
    price = e["price"]
    if e["cache"] == "none":
        assert price["cached-input"] is None
        assert e["cache-min-tokens"] is None
        if e["provider"] == "anthropic":
            assert price["cache-write"] is None
    else:
        assert price["cached-input"] is not None
        assert e["cache-min-tokens"] is not None
    if e["provider"] == "anthropic" and e["cache"] != "none":
        assert e["cache"] == "explicit"
        assert price["cache-write"] is not None and price["cache-write"] > price["input"]


@pytest.mark.parametrize("name", NAMES)
def test_lifecycle_dates(name):
    e = MODELS[name]
    if e["deprecated"] is not None and e["retired"] is not None:
        assert e["deprecated"] <= e["retired"]
    if e["deprecated"] is not None:
        assert e["deprecated"] <= TODAY
    if _retired(e):
        assert e["successor"] is not None, f"{name}: a retired model needs a successor"


@pytest.mark.parametrize("name", NAMES)
def test_successor_is_a_current_entry(name):
    successor = MODELS[name]["successor"]
    if successor is None:
        return
    assert successor != name
    assert successor in MODELS, f"{name}: successor {successor!r} is not an entry name"
    assert not _retired(MODELS[successor]), f"{name}: successor {successor} is retired"


SAME_TIER_DOWNGRADES = {"gemini-2.5-flash"}


@pytest.mark.parametrize("name", NAMES)
def test_downgrade_is_a_cheaper_current_entry_of_same_provider(name):
    e = MODELS[name]
    target = e["downgrade"]
    if e["tier"] == "large" and not _retired(e):
        assert target is not None, f"{name}: a current large model needs a downgrade"
    if target is None:
        return
    assert target in MODELS, f"{name}: downgrade {target!r} is not an entry name"
    d = MODELS[target]
    assert not _retired(d), f"{name}: downgrade {target} is retired"
    assert d["provider"] == e["provider"]
    # a lower tier; the one same-tier case (gemini-2.5-flash -> flash-lite, both small,
    # from the starter catalog) must at least be strictly cheaper on both prices
    if d["tier"] == e["tier"]:
        assert name in SAME_TIER_DOWNGRADES, f"{name}: downgrade {target} is not a lower tier"
        assert d["price"]["input"] < e["price"]["input"]
        assert d["price"]["output"] < e["price"]["output"]
    else:
        assert TIERS[d["tier"]] < TIERS[e["tier"]]
    assert d["price"]["input"] <= e["price"]["input"]


@pytest.mark.parametrize("name", NAMES)
def test_reasoning_models_reject_sampling_params(name):
    e = MODELS[name]
    if e["reasoning"]:
        assert e["provider"] == "openai"
        assert set(e["rejects"]) == REASONING_REJECTS
    elif e["provider"] in {"openai", "anthropic", "google"}:
        assert e["rejects"] == []


# ------------------------------------------------------------------ product-owner facts

OPENAI_SHUTDOWN = dt.date(2026, 10, 23)


@pytest.mark.parametrize(
    "name,successor",
    [
        ("gpt-3.5-turbo", {"gpt-4o-mini", "gpt-4.1-mini"}),
        ("gpt-4", {"gpt-4.1"}),
        ("gpt-4-turbo", {"gpt-4.1"}),
        ("o1", {"o3"}),
        ("o3-mini", {"gpt-5-mini"}),
        ("o4-mini", {"gpt-5-mini"}),
        ("gpt-4.1-nano", {"gpt-5-nano"}),
    ],
)
def test_openai_october_2026_shutdown(name, successor):
    e = MODELS[name]
    assert e["retired"] == OPENAI_SHUTDOWN
    assert e["successor"] in successor


@pytest.mark.parametrize(
    "name,successors",
    [
        ("claude-sonnet-4-20250514", {"claude-sonnet-4-5"}),
        ("claude-opus-4-20250514", {"claude-opus-4-1", "claude-opus-4-5"}),
    ],
)
def test_claude_4_retired(name, successors):
    e = MODELS[name]
    assert e["retired"] == dt.date(2026, 6, 15)
    assert e["successor"] in successors


@pytest.mark.parametrize(
    "name",
    [
        "claude-3-haiku", "claude-3-5-haiku", "claude-3-5-sonnet", "claude-3-7-sonnet",
        "claude-3-opus", "claude-3-sonnet",
        "gemini-1.5-pro", "gemini-1.5-flash", "gemini-2.0-flash", "gemini-2.0-flash-lite",
    ],
)
def test_old_families_retired_with_dates(name):
    e = MODELS[name]
    assert e["deprecated"] is not None
    assert e["retired"] is not None
    assert dt.date(2025, 1, 1) <= e["retired"] < TODAY


@pytest.mark.parametrize(
    "name,inp,out",
    [
        ("gpt-4o", 2.5, 10), ("gpt-4o-mini", 0.15, 0.6), ("gpt-4.1", 2, 8), ("gpt-4.1-mini", 0.4, 1.6),
        ("gpt-5", 1.25, 10), ("gpt-5-mini", 0.25, 2), ("gpt-5-nano", 0.05, 0.4), ("gpt-5.1", 1.25, 10),
        ("o3", 2, 8),
        ("claude-haiku-4-5", 1, 5), ("claude-sonnet-4-5", 3, 15), ("claude-opus-4-1", 15, 75),
        ("claude-opus-4-5", 5, 25),
        ("gemini-2.5-flash", 0.3, 2.5), ("gemini-2.5-pro", 1.25, 10), ("gemini-2.5-flash-lite", 0.1, 0.4),
        ("gemini-3-pro-preview", 2, 12),
        ("mistral-large-latest", 2, 6), ("mistral-medium-latest", 0.4, 2), ("mistral-small-latest", 0.1, 0.3),
        ("command-r-plus", 2.5, 10), ("command-r", 0.15, 0.6), ("command-a-03-2025", 2.5, 10),
        ("llama-3.3-70b-versatile", 0.59, 0.79), ("llama-3.1-8b-instant", 0.05, 0.08),
        ("meta-llama/Llama-3.3-70B-Instruct-Turbo", 0.88, 0.88), ("meta.llama3-3-70b-instruct-v1:0", 0.72, 0.72),
    ],
)
def test_current_prices(name, inp, out):
    e = MODELS[name]
    assert not _retired(e)
    assert e["price"]["input"] == pytest.approx(inp)
    assert e["price"]["output"] == pytest.approx(out)


def test_gpt_4o_batch_is_half():
    price = MODELS["gpt-4o"]["price"]
    assert (price["batch-input"], price["batch-output"]) == (pytest.approx(1.25), pytest.approx(5.0))


@pytest.mark.parametrize(
    "name,ratio",
    [
        ("gpt-4o", 0.5), ("gpt-4o-mini", 0.5),
        ("gpt-4.1", 0.25), ("gpt-4.1-mini", 0.25), ("o3", 0.25), ("o4-mini", 0.25),
        ("gpt-5", 0.1), ("gpt-5-mini", 0.1), ("gpt-5-nano", 0.1), ("gpt-5.1", 0.1),
        ("gemini-2.5-pro", 0.1), ("gemini-2.5-flash", 0.1), ("gemini-2.5-flash-lite", 0.1),
    ],
)
def test_cached_input_ratio(name, ratio):
    price = MODELS[name]["price"]
    assert price["cached-input"] == pytest.approx(price["input"] * ratio)


@pytest.mark.parametrize("name", [n for n in NAMES if MODELS[n]["provider"] == "openai"])
def test_openai_caching_is_automatic_from_1024(name):
    e = MODELS[name]
    if e["cache"] != "none":
        assert e["cache"] == "automatic"
        assert e["cache-min-tokens"] == 1024


# Anthropic publishes these two rounded (0.30 write / 0.03 read on a 0.25 input price).
ANTHROPIC_ROUNDED = {"claude-3-haiku"}


@pytest.mark.parametrize(
    "name", [n for n in NAMES if MODELS[n]["provider"] == "anthropic" and MODELS[n]["cache"] != "none"]
)
def test_anthropic_cache_prices(name):
    e = MODELS[name]
    price = e["price"]
    tol = {"abs": 0.02} if name in ANTHROPIC_ROUNDED else {}
    assert price["cache-write"] == pytest.approx(price["input"] * 1.25, **tol)
    assert price["cached-input"] == pytest.approx(price["input"] * 0.1, **tol)
    assert 1024 <= e["cache-min-tokens"] <= 4096


@pytest.mark.parametrize(
    "name,minimum",
    [
        ("claude-sonnet-4-5", 1024), ("claude-opus-4-1", 1024), ("claude-haiku-4-5", 4096),
        ("claude-opus-4-5", 4096), ("claude-3-haiku", 2048), ("claude-3-5-haiku", 2048),
        ("gemini-2.5-flash", 1024), ("gemini-2.5-flash-lite", 1024), ("gemini-2.5-pro", 2048),
    ],
)
def test_cache_minimums(name, minimum):
    assert MODELS[name]["cache-min-tokens"] == minimum


@pytest.mark.parametrize("name", ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-pro-preview"])
def test_gemini_implicit_caching(name):
    assert MODELS[name]["cache"] == "implicit"


@pytest.mark.parametrize(
    "name", ["o1", "o3", "o3-mini", "o4-mini", "o3-pro", "gpt-5", "gpt-5-mini", "gpt-5-nano", "gpt-5.1"]
)
def test_openai_reasoning_models(name):
    e = MODELS[name]
    assert e["reasoning"] is True
    assert set(e["rejects"]) == REASONING_REJECTS


@pytest.mark.parametrize("name", ["gpt-4o", "gpt-4.1", "claude-sonnet-4-5", "claude-haiku-4-5", "gemini-2.5-pro"])
def test_non_reasoning_models_reject_nothing(name):
    assert MODELS[name]["reasoning"] is False
    assert MODELS[name]["rejects"] == []


@pytest.mark.parametrize(
    "name,max_output",
    [
        ("gpt-4o", 16384), ("gpt-4.1", 32768), ("gpt-5", 128000), ("o3", 100000),
        ("claude-sonnet-4-5", 64000), ("claude-opus-4-1", 32000), ("gemini-2.5-pro", 65536),
        ("gemini-2.5-flash", 65536), ("gpt-3.5-turbo", 4096), ("gpt-4", 8192),
    ],
)
def test_max_output(name, max_output):
    assert MODELS[name]["max-output"] == max_output


@pytest.mark.parametrize(
    "name,tier",
    [
        ("gpt-4o-mini", "small"), ("gpt-4.1-mini", "small"), ("gpt-5-nano", "small"),
        ("gemini-2.5-flash", "small"), ("gemini-2.5-flash-lite", "small"), ("claude-haiku-4-5", "small"),
        ("mistral-small-latest", "small"), ("ministral-8b-latest", "small"), ("llama-3.1-8b-instant", "small"),
        ("command-r", "small"), ("command-r7b-12-2024", "small"), ("mistral-medium-latest", "medium"),
        ("gpt-4o", "large"), ("gpt-4.1", "large"), ("gpt-5", "large"), ("gpt-5.1", "large"), ("o3", "large"),
        ("o3-pro", "large"), ("claude-sonnet-4-5", "large"), ("claude-opus-4-5", "large"),
        ("gemini-2.5-pro", "large"), ("mistral-large-latest", "large"), ("command-r-plus", "large"),
        ("command-a-03-2025", "large"), ("llama-3.3-70b-versatile", "large"),
    ],
)
def test_tiers(name, tier):
    assert MODELS[name]["tier"] == tier


@pytest.mark.parametrize(
    "alias,name",
    [
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("claude-sonnet-4-5@20250929", "claude-sonnet-4-5"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("mistral-large-2411", "mistral-large-latest"),
    ],
)
def test_known_aliases(alias, name):
    assert alias in MODELS[name]["aliases"]


def test_completion_style_examples_retired():
    for name in ("text-davinci-003", "gpt-3.5-turbo-instruct"):
        assert _retired(MODELS[name])
