"""The finder's candidate-line regex: the trie form matches exactly what a plain alternation does."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.analysis.callsites import trie_regex

WORDS = ["chat", "chat_stream", "complete", "complete_async", "completion", "create", "c", "OpenAI", "Open", "generate_content", "__call__", "bind"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(WORDS + ["x", "_", " ", ".", "(", "\n", "chatter", "Opened"]), max_size=30), st.lists(st.sampled_from(WORDS), min_size=1, unique=True))
def test_trie_matches_like_alternation(parts, words):
    text = "".join(parts)
    plain = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")
    trie = re.compile(r"\b(?:" + trie_regex(sorted(words)) + r")\b")
    assert [m.start() for m in plain.finditer(text)] == [m.start() for m in trie.finditer(text)]
