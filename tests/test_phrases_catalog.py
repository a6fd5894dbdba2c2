"""rules/phrases.yaml: shape of the phrase catalog, plus a reference matcher.

The reference matcher below is deliberately tiny. It pins down the semantics the catalog is
written for (see the file's header comment) so the real LA201 / LA104 matcher can be checked
against the same worked examples.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

CATALOG = Path(__file__).resolve().parents[1] / "rules" / "phrases.yaml"


@pytest.fixture(scope="module")
def catalog() -> dict:
    return YAML(typ="safe").load(CATALOG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def verbose(catalog) -> list[dict]:
    return catalog["verbose"]


@pytest.fixture(scope="module")
def short_answer(catalog) -> list[dict]:
    return catalog["short-answer"]


# --- reference matcher ------------------------------------------------------------------


def pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive; `\\b` at word-character ends; whitespace runs match one space."""
    body = r"\s+".join(re.escape(word) for word in phrase.split(" "))
    start = r"\b" if re.match(r"\w", phrase[0]) else ""
    end = r"\b" if re.match(r"\w", phrase[-1]) else ""
    return re.compile(start + body + end, re.IGNORECASE)


# Start of text, or after a sentence end / colon / line break, optionally inside a list item.
_SENTENCE_START = re.compile(r"(?:\A|[.!?:]\s+|\n)[ \t]*(?:[-*\u2022][ \t]+|\d+[.)][ \t]+)?\Z")


def _begins_sentence(text: str, start: int, matched: str) -> bool:
    return matched[0].isupper() and bool(_SENTENCE_START.search(text[:start]))


def _apply(text: str, phrase: str, rewrite: str) -> str:
    pat = pattern(phrase)
    pos = 0
    while m := pat.search(text, pos):
        start, end = m.span()
        capital = _begins_sentence(text, start, m.group(0))
        if rewrite:
            first = rewrite[0].upper() if capital else rewrite[0].lower()
            rep = first + rewrite[1:]
            text = text[:start] + rep + text[end:]
            pos = start + len(rep)
            continue
        rest = text[end:]
        after = rest.lstrip()
        if after and after[0].isalnum():
            # Deleting an opener: drop the whitespace after it, capitalise the next word.
            if capital:
                after = after[0].upper() + after[1:]
            text = text[:start] + after
            pos = start
        else:
            # Deleting a closer (end of text, or punctuation follows): drop the space before.
            head = text[:start].rstrip(" \t")
            text = head + rest
            pos = len(head)
    return text


def rewrite(text: str, entries: list[dict]) -> str:
    for entry in entries:
        text = _apply(text, entry["phrase"], entry["rewrite"])
    return text


def asks_short_answer(text: str, entries: list[dict]) -> dict | None:
    for entry in entries:
        if pattern(entry["phrase"]).search(text):
            return entry
    return None


# --- shape ------------------------------------------------------------------------------


def test_top_level_keys(catalog):
    assert set(catalog) == {"verbose", "short-answer", "grammar"}


def test_counts(verbose, short_answer):
    assert len(verbose) >= 80
    plain = [e for e in short_answer if "delimiter" not in e]
    delimited = [e for e in short_answer if "delimiter" in e]
    assert len(plain) >= 20
    assert len(delimited) >= 4


def test_entry_keys(verbose, short_answer):
    for entry in verbose:
        assert {"phrase", "rewrite"} <= set(entry) <= {"phrase", "rewrite", "context"}, entry
        assert entry.get("context", "clause") in ("clause", "any"), entry
        assert isinstance(entry["rewrite"], str), entry
    for entry in short_answer:
        assert set(entry) <= {"phrase", "delimiter", "answer-tokens"}, entry
        if "answer-tokens" in entry:
            assert isinstance(entry["answer-tokens"], int) and entry["answer-tokens"] >= 1, entry
        if "delimiter" in entry:
            assert isinstance(entry["delimiter"], str) and entry["delimiter"], entry


@pytest.mark.parametrize("section", ["verbose", "short-answer"])
def test_phrases_well_formed(catalog, section):
    for entry in catalog[section]:
        phrase = entry["phrase"]
        assert isinstance(phrase, str) and phrase, entry
        assert phrase == phrase.lower(), phrase
        assert phrase == phrase.strip(), repr(phrase)
        assert not re.search(r"\s\s|[\t\n]", phrase), repr(phrase)


@pytest.mark.parametrize("section", ["verbose", "short-answer"])
def test_phrases_unique(catalog, section):
    phrases = [e["phrase"] for e in catalog[section]]
    dupes = {p for p in phrases if phrases.count(p) > 1}
    assert not dupes


def test_rewrites_shorter(verbose):
    for entry in verbose:
        rw = entry["rewrite"]
        assert len(rw) <= len(entry["phrase"]), entry
        assert rw == rw.strip(), entry


@pytest.mark.parametrize("section", ["verbose", "short-answer"])
def test_longer_phrases_come_first(catalog, section):
    """A phrase that contains another one (on word boundaries) must be tried before it."""
    phrases = [e["phrase"] for e in catalog[section]]
    wrong = [
        (longer, shorter)
        for i, shorter in enumerate(phrases)
        for j, longer in enumerate(phrases)
        if i != j and pattern(shorter).search(longer) and j > i
    ]
    assert not wrong


def test_delimiter_named_in_phrase(short_answer):
    """A delimiter is only set when the prompt names it (blank line is spelled out)."""
    for entry in short_answer:
        delim = entry.get("delimiter")
        if delim is None or delim == "\n\n":
            continue
        assert delim.lower() in entry["phrase"], entry


def test_every_phrase_matches_itself_in_a_sentence(verbose, short_answer):
    for entry in verbose + short_answer:
        phrase = entry["phrase"]
        text = "Intro.  " + phrase.upper().replace(" ", " \n ") + " tail"
        assert pattern(phrase).search(text), phrase


# --- worked examples for the real matcher ----------------------------------------------

EXAMPLES = [
    (
        "I would like you to summarize the following article in three bullet points. "
        "It is very important that you keep the original tone.",
        "Summarize the following article in three bullet points. Keep the original tone.",
    ),
    (
        "Please analyze the following data carefully and provide insights:\n{rows}",
        "Analyze this data:\n{rows}",
    ),
    (
        "You are a support agent. Your task is to classify customer emails. "
        "In order to do this, please note that refunds are handled\n  by billing. "
        "Make sure to answer with one word.",
        "You are a support agent. Classify customer emails. "
        "To do this, refunds are handled\n  by billing. Answer with one word.",
    ),
    (
        "I want you to act as a SQL expert. Due to the fact that the schema changes often, "
        "take into account the column comments. In the event that a column is missing, "
        "return null.",
        "Act as a SQL expert. Because the schema changes often, consider the column "
        "comments. If a column is missing, return null.",
    ),
    (
        "Take a deep breath and work on this problem step by step.\n"
        "Rules:\n"
        "- Kindly provide a summary of each section.\n"
        "- Feel free to skip sections with a large number of tables.\n"
        "Thank you in advance for your help.",
        "Work on this problem step by step.\n"
        "Rules:\n"
        "- Summarize each section.\n"
        "- Skip sections with many tables.\n",
    ),
]


@pytest.mark.parametrize("prompt,expected", EXAMPLES)
def test_reference_rewrites(verbose, prompt, expected):
    assert rewrite(prompt, verbose) == expected


def test_rewrite_is_idempotent(verbose):
    for prompt, _ in EXAMPLES:
        once = rewrite(prompt, verbose)
        assert rewrite(once, verbose) == once


def test_word_boundaries(verbose):
    # "kindly" inside a longer word, "in order to" inside "in order today" are left alone.
    text = "Be unkindly blunt; list items in order today."
    assert rewrite(text, verbose) == text


@pytest.mark.parametrize(
    "prompt,delimiter",
    [
        ("Is this review positive? Answer with yes or no.", None),
        ("Classify the ticket. Return ONLY the category, nothing else.", None),
        ("Give the sentiment as a label. End your answer with ###.", "###"),
        ("Think, then put the result in <answer> tags and end your answer with\n</answer>", "</answer>"),
    ],
)
def test_short_answer_detection(short_answer, prompt, delimiter):
    entry = asks_short_answer(prompt, short_answer)
    assert entry is not None
    assert entry.get("delimiter") == delimiter


def test_long_answer_not_flagged(short_answer):
    prompt = "Write a detailed report on the quarterly results, with one section per region."
    assert asks_short_answer(prompt, short_answer) is None
