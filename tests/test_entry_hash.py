"""A catalog entry's hash is kept once computed (auditor/analysis/phrases.py ``Entry.__hash__``):
the lru_caches of rewrites.py hash whole tuples of entries for every prompt. It must stay the
generated one - equal entries hash equal, a different field hashes apart - and never travel in a
pickle (string hashes are salted per process)."""

from __future__ import annotations

import pickle

from auditor.analysis.phrases import Entry, Pattern, catalog_entries
from auditor.analysis.rewrites import find_rewrites


def _entry(rewrite: str | None = "") -> Entry:
    return Entry("make sure that", rewrite, "clause", Pattern("make sure that", r"\bmake sure that\b", ()))


def test_equal_entries_hash_equal_and_a_changed_field_apart():
    a, b = _entry(), _entry()
    assert hash(a) == hash(b) == hash(a) and a == b
    assert hash(a) == hash((a.phrase, a.rewrite, a.context, a.pattern, a.delimiter, a.why, a.fixable))
    assert _entry("ensure") != a and hash(_entry("ensure")) != hash(a)
    assert {a: 1}[b] == 1


def test_the_kept_hash_does_not_travel_in_a_pickle():
    a = _entry()
    hash(a)
    b = pickle.loads(pickle.dumps(a))
    assert "_hash" not in b.__dict__ and b == a and hash(b) == hash(a)


def test_rewrites_of_the_catalog_are_found_twice_alike():
    entries = catalog_entries("verbose")
    text = "Please make sure that you answer in JSON. It is important to note that the answer is short."
    first = find_rewrites(text, entries)
    assert first and find_rewrites(text, entries) == first
