"""The phrase matcher's work is linear in the length of the text: doubling a text doubles the
tries and the characters read (counted by ``rewrites.WORK``, not timed), and a long text gives
the same rewrites, copy by copy, as its parts alone."""

from __future__ import annotations

import pytest

from auditor.analysis import rewrites
from auditor.analysis.phrases import catalog_entries
from auditor.analysis.rewrites import find_phrases, find_rewrites, first_phrase

UNIT = (
    "You are a helpful assistant. Please analyze the following ticket carefully and make sure the queue exists.\n"
    "It is crucial to answer in English; in order to stay accurate, quote the policy.\n"
    'Reply: "Please hold on." Number the words to make sure you don\'t lose track.\n'
    "The user will provide a list, and your goal is to sort it. Your job is to:\n- route\n- label\n"
    "Think step by step and explain your reasoning. Provide a comprehensive overview, as detailed as possible.\n"
    "Kindly answer with one word.\n"
)
ONE_LINE = UNIT.replace("\n", " ")  # no line break at all: quote and clause checks must not read back to the start


def _work(text: str, section: str) -> tuple[int, int, int]:
    entries = catalog_entries(section)
    rewrites.WORK.clear()
    found = find_phrases(text, entries)
    return len(found), rewrites.WORK["tries"] + rewrites.WORK["scans"], rewrites.WORK["chars"]


@pytest.mark.parametrize("unit", [UNIT, ONE_LINE], ids=["lines", "one-line"])
@pytest.mark.parametrize("section", ["verbose", "chain-of-thought", "output-inflation", "short-answer"])
def test_doubling_the_text_doubles_the_work(unit, section):
    n1, tries1, chars1 = _work(unit * 200, section)
    n2, tries2, chars2 = _work(unit * 400, section)
    assert n2 == 2 * n1
    assert tries1 > 0 and 1.9 <= tries2 / tries1 <= 2.1, (tries1, tries2)
    assert 1.9 <= chars2 / chars1 <= 2.1, (chars1, chars2)


def test_long_runs_without_phrases_or_with_many_openers_stay_linear():
    for unit in ("please " * 50 + "\n", " " * 3000 + "Make sure to\n", "word " * 1000, '"' * 500 + " Please summarize it. "):
        _, t1, c1 = _work(unit * 50, "verbose")
        _, t2, c2 = _work(unit * 100, "verbose")
        assert t2 <= 2.1 * max(t1, 1) and c2 <= 2.1 * max(c1, 1), (unit[:20], t1, t2, c1, c2)


def test_a_long_text_gives_each_copy_the_rewrites_of_its_unit():
    entries = catalog_entries("verbose")
    one = [(r.start, r.end, r.replacement) for r in find_rewrites(UNIT, entries)]
    assert len(one) >= 6
    many = [(r.start, r.end, r.replacement) for r in find_rewrites(UNIT * 300, entries)]
    shifted = [(a + k * len(UNIT), b + k * len(UNIT), rep) for k in range(300) for a, b, rep in one]
    assert many == shifted


def test_results_are_memoised_per_text():
    entries = catalog_entries("verbose")
    text = UNIT * 50 + "tail"
    first = find_rewrites(text, entries)
    rewrites.WORK.clear()
    assert find_rewrites(text, entries) == first
    assert rewrites.WORK["tries"] == 0


def test_first_phrase_prefers_a_named_delimiter_far_into_a_long_text():
    entries = catalog_entries("short-answer")
    text = "Answer with one word. " + "Some context here. " * 20000 + "End your answer with ###."
    e, offset = first_phrase(text, entries, prefer=lambda e: bool(e.delimiter))
    assert e.delimiter == "###" and offset == text.index("End your answer")
    assert first_phrase(text, entries)[1] == 0
