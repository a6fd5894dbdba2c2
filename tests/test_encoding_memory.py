"""The encodings llm-audit builds keep no Python copy of their ranks (the Rust encoder has its own).

tiktoken's ``Encoding`` stores the ``mergeable_ranks`` dict it was built from only to pickle itself;
for ``o200k_base`` that dict is ~21 MiB of the main process's RSS, ~10 MiB for ``cl100k_base``
(auditor/cost/encodings.py drops it). Counting must stay exact without it.
"""

from __future__ import annotations

import gc
import pickle
import sys

import pytest

from auditor.cost import encodings, tokens

TEXT = (
    "You are a careful assistant. Résumé naïve café: 日本語のテキスト, emoji 🎉🎉, code `def f(x): return x**2`\n"
    "    indented\tTabs and    spaces   ,;:!? <|endoftext|> 12345678901234567890"
)


@pytest.mark.parametrize("name", ["o200k_base", "cl100k_base"])
def test_built_encoding_keeps_no_rank_dict_and_counts_exactly(name: str) -> None:
    data = encodings._bundled_ranks(name)
    assert data is not None
    ranks = encodings._decode_ranks(data)
    expected = len(ranks)
    enc = encodings._from_ranks(name, ranks)
    assert not hasattr(enc, "_mergeable_ranks")
    assert enc.n_vocab >= expected
    # the tokens of the reference encoder (built from the same verified ranks, dict kept)
    import tiktoken

    reference = tiktoken.Encoding(name=name, pat_str=enc._pat_str, mergeable_ranks=ranks, special_tokens=enc._special_tokens)
    assert enc.encode_ordinary(TEXT) == reference.encode_ordinary(TEXT)
    assert enc.decode(enc.encode_ordinary(TEXT)) == TEXT
    assert len(enc.encode_ordinary(TEXT)) == tokens.count_tokens(TEXT, "gpt-4o" if name == "o200k_base" else "gpt-4").tokens


def test_pickling_a_slim_encoding_fails_loudly() -> None:
    data = encodings._bundled_ranks("cl100k_base")
    assert data is not None
    enc = encodings._from_ranks("cl100k_base", encodings._decode_ranks(data))
    with pytest.raises(AttributeError):
        pickle.dumps(enc)  # never an Encoding silently rebuilt from no ranks


def test_nothing_keeps_the_rank_dict_alive() -> None:
    """Once built, the Encoding holds no reference to the dict (so the run's only copy is freed
    with its last local; RSS itself is not asserted: an allocator may keep freed pages)."""
    data = encodings._bundled_ranks("o200k_base")
    assert data is not None
    ranks = encodings._decode_ranks(data)
    enc = encodings._from_ranks("o200k_base", ranks)
    holders = [r for r in gc.get_referrers(ranks) if r is not globals() and r is not sys._getframe().f_locals]
    assert not any(r is enc.__dict__ or r is enc for r in holders), holders
    assert enc.encode_ordinary("hello world") == [24912, 2375]
