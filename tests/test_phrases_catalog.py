"""rules/phrases.yaml: the shape of the phrase catalog, every entry's own examples and look-alikes
run through the real matcher, the slot word lists, and a small reference matcher for the entries
written as plain phrases (no slots or groups) that pins down the rewrite semantics independently.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from auditor.analysis.phrases import PatternError, compile_pattern, gerund, make_entry
from auditor.analysis.rewrites import apply, apply_rewrites, find_phrases, find_rewrites, opens_clause
from auditor.cost.tokens import count_tokens

CATALOG = Path(__file__).resolve().parents[1] / "rules" / "phrases.yaml"
_DATA = YAML(typ="safe").load(CATALOG.read_text(encoding="utf-8"))
TEXT_SECTIONS = ("verbose", "chain-of-thought", "output-inflation", "short-answer")
SYNTAX = re.compile(r"[()<>|]")


@pytest.fixture(scope="module")
def catalog() -> dict:
    return _DATA


def _entries(section: str):
    raw = _DATA[section]
    built = tuple(make_entry(r) for r in raw)
    return raw, built


def _example_params():
    for section in ("verbose", "chain-of-thought"):
        raw, built = _entries(section)
        for i, (r, e) in enumerate(zip(raw, built)):
            for j, ex in enumerate(r.get("examples") or []):
                yield pytest.param(section, e, ex[0], ex[1], id=f"{section}-{i}-{j}")


def _keep_params():
    for section in ("verbose", "chain-of-thought", "output-inflation"):
        raw, built = _entries(section)
        for i, (r, e) in enumerate(zip(raw, built)):
            for j, text in enumerate(r.get("keep") or []):
                yield pytest.param(section, e, text, id=f"{section}-keep-{i}-{j}")


def _flagged_params():
    raw, built = _entries("output-inflation")
    for i, (r, e) in enumerate(zip(raw, built)):
        for j, text in enumerate(r.get("examples") or []):
            yield pytest.param(e, text, id=f"inflation-{i}-{j}")


# --- shape ------------------------------------------------------------------------------


def test_top_level_keys(catalog):
    assert set(catalog) == {"verbose", "chain-of-thought", "output-inflation", "short-answer", "slots", "grammar"}


def test_counts(catalog):
    assert len(catalog["verbose"]) >= 100
    assert len(catalog["chain-of-thought"]) >= 8
    assert len(catalog["output-inflation"]) >= 10
    plain = [e for e in catalog["short-answer"] if "delimiter" not in e]
    delimited = [e for e in catalog["short-answer"] if "delimiter" in e]
    assert len(plain) >= 20
    assert len(delimited) >= 4
    assert len(catalog["slots"]["verb"]) >= 300


def test_entry_keys(catalog):
    for section in ("verbose", "chain-of-thought"):
        for entry in catalog[section]:
            assert {"phrase", "rewrite", "examples"} <= set(entry) <= {"phrase", "rewrite", "context", "examples", "keep", "why", "fix"}, entry
            assert isinstance(entry["rewrite"], str) and entry["rewrite"] == entry["rewrite"].strip(), entry
            assert entry.get("context", "clause") in ("clause", "any", "not-run-on"), entry
            assert entry["examples"] and all(isinstance(x, list) and len(x) == 2 for x in entry["examples"]), entry
    for entry in catalog["output-inflation"]:
        assert set(entry) <= {"phrase", "examples", "keep"} and entry["examples"], entry
        assert all(isinstance(x, str) for x in entry["examples"]), entry
    for entry in catalog["short-answer"]:
        assert set(entry) <= {"phrase", "delimiter", "answer-tokens"}, entry
        if "delimiter" in entry:
            assert isinstance(entry["delimiter"], str) and entry["delimiter"], entry


@pytest.mark.parametrize("section", TEXT_SECTIONS)
def test_phrases_well_formed_and_compile(catalog, section):
    for entry in catalog[section]:
        phrase = entry["phrase"]
        assert isinstance(phrase, str) and phrase, entry
        assert phrase == phrase.lower(), phrase
        assert phrase == phrase.strip(), repr(phrase)
        assert not re.search(r"\s\s|[\t\n]", phrase), repr(phrase)
        compile_pattern(phrase)  # raises on a malformed pattern
        assert make_entry(entry) is not None, entry


@pytest.mark.parametrize("section", TEXT_SECTIONS)
def test_phrases_unique(catalog, section):
    phrases = [e["phrase"] for e in catalog[section]]
    dupes = {p for p in phrases if phrases.count(p) > 1}
    assert not dupes


@pytest.mark.parametrize("bad", ["(a|b", "a)", "a|b", "<nope>", "<verb> and <verb>x)", "<not:>"])
def test_malformed_patterns_are_refused(bad):
    with pytest.raises(PatternError):
        compile_pattern(bad)
    assert make_entry({"phrase": bad, "rewrite": ""}) is None  # a bad team entry never crashes a run


def test_rewrites_never_longer(catalog):
    for section in ("verbose", "chain-of-thought"):
        for entry in catalog[section]:
            for src, want in entry["examples"]:
                if entry.get("fix") == "none":  # reported, never applied: the saving is the deletion's
                    assert want == src, (entry["phrase"], src)
                    _, built = _entries(section)
                    want = apply(src, [r for r in find_rewrites(src, built) if r.phrase == entry["phrase"]])
                assert len(want) < len(src), (entry["phrase"], src)
                assert count_tokens(want, "gpt-4o").tokens < count_tokens(src, "gpt-4o").tokens, (entry["phrase"], src)


# --- every entry's examples and look-alikes, through the real matcher ---------------------


@pytest.mark.parametrize("section,entry,text,expected", list(_example_params()))
def test_entry_example(section, entry, text, expected):
    _, built = _entries(section)
    found = [e for e, _ in find_phrases(text, built)]
    assert entry in found, f"{entry.phrase!r} does not match {text!r}; found {[e.phrase for e in found]}"
    assert apply_rewrites(text, built) == expected
    assert apply_rewrites(expected, built) == expected, "a rewrite must be stable"


@pytest.mark.parametrize("section,entry,text", list(_keep_params()))
def test_entry_look_alike_is_kept(section, entry, text):
    _, built = _entries(section)
    assert entry not in [e for e, _ in find_phrases(text, built)]


@pytest.mark.parametrize("entry,text", list(_flagged_params()))
def test_output_inflation_example_is_found(entry, text):
    _, built = _entries("output-inflation")
    assert entry in [e for e, _ in find_phrases(text, built)]


# --- slots and grammar -------------------------------------------------------------------


def test_slot_lists(catalog):
    slots = catalog["slots"]
    for key in ("verb", "doubling", "adverb", "stop"):
        words = slots[key]
        assert words == sorted(set(words)) or key in ("adverb", "stop"), key
        assert all(w == w.lower().strip() and w for w in words), key
    assert set(slots["doubling"]) <= set(slots["verb"])
    assert not {"have", "know", "need", "want", "get"} & set(slots["verb"])


@pytest.mark.parametrize(
    "verb,ing",
    [("summarize", "summarizing"), ("write", "writing"), ("run", "running"), ("plan", "planning"), ("tie", "tying"),
     ("be", "being"), ("see", "seeing"), ("edit", "editing"), ("answer", "answering"), ("classify", "classifying"), ("fix", "fixing")],
)
def test_gerunds(verb, ing):
    assert gerund(verb, _DATA["slots"]["doubling"] + ["run", "plan"]) == ing


@pytest.mark.parametrize(
    "text,opens",
    [
        ("Make sure", True),
        ("Read it. Make sure", True),
        ("When in doubt, make sure", True),
        ("Read the email and make sure", True),
        ("- make sure", True),
        ("IMPORTANT: make sure", True),
        ("You get a ticket, and make sure", True),
        ("The user will provide a list, and make sure", False),
        ("Number the words to make sure", False),
        ("It helps make sure", False),
    ],
)
def test_clause_openings(text, opens):
    start = text.lower().rindex("make sure")
    assert opens_clause(text + " x", start) is opens


# --- a reference matcher for the plain phrases ----------------------------------------------


def pattern(phrase: str) -> re.Pattern[str]:
    """Case-insensitive; `\\b` at word-character ends; whitespace runs match one space."""
    body = r"\s+".join(re.escape(word) for word in phrase.split(" "))
    start = r"\b" if re.match(r"\w", phrase[0]) else ""
    end = r"\b" if re.match(r"\w", phrase[-1]) else ""
    return re.compile(start + body + end, re.IGNORECASE)


_SENTENCE_START = re.compile(r"(?:\A|[.!?:]\s+|\n)[ \t]*(?:[-*\u2022][ \t]+|\d+[.)][ \t]+)?\Z")


def _reference_apply(text: str, phrase: str, rewrite: str) -> str:
    pat = pattern(phrase)
    pos = 0
    while m := pat.search(text, pos):
        start, end = m.span()
        capital = m.group(0)[0].isupper() and bool(_SENTENCE_START.search(text[:start]))
        if rewrite:
            rep = (rewrite[0].upper() if capital else rewrite[0].lower()) + rewrite[1:]
            text = text[:start] + rep + text[end:]
            pos = start + len(rep)
            continue
        rest = text[end:]
        after = rest.lstrip()
        if after and after[0].isalnum():
            if capital:
                after = after[0].upper() + after[1:]
            text = text[:start] + after
            pos = start
        else:
            head = text[:start].rstrip(" \t")
            text = head + rest
            pos = len(head)
    return text


def _plain(section: str):
    raw, built = _entries(section)
    return [(r, e) for r, e in zip(raw, built) if not SYNTAX.search(r["phrase"])]


@pytest.mark.parametrize("section", ["verbose", "chain-of-thought"])
def test_plain_entries_agree_with_the_reference(section):
    checked = 0
    for r, e in _plain(section):
        for src, _ in r["examples"]:
            assert apply_rewrites(src, (e,)) == _reference_apply(src, r["phrase"], r["rewrite"]), (r["phrase"], src)
            checked += 1
    assert checked >= (30 if section == "verbose" else 0)


@pytest.mark.parametrize("section", ["verbose", "short-answer"])
def test_longer_plain_phrases_come_first(catalog, section):
    """A plain phrase that contains another one (on word boundaries) must be tried before it."""
    phrases = [e["phrase"] for e in catalog[section] if not SYNTAX.search(e["phrase"])]
    wrong = [
        (longer, shorter)
        for i, shorter in enumerate(phrases)
        for j, longer in enumerate(phrases)
        if i != j and pattern(shorter).search(longer) and j > i
    ]
    assert not wrong


def test_delimiter_named_in_phrase(catalog):
    """A delimiter is only set when the prompt names it (blank line is spelled out)."""
    for entry in catalog["short-answer"]:
        delim = entry.get("delimiter")
        if delim is None or delim == "\n\n":
            continue
        assert delim.lower() in entry["phrase"], entry


def test_every_plain_phrase_matches_itself_in_a_sentence(catalog):
    for section in TEXT_SECTIONS:
        for entry in catalog[section]:
            if SYNTAX.search(entry["phrase"]) and section != "short-answer":
                continue
            phrase = entry["phrase"]
            text = "Intro.  " + phrase.upper().replace(" ", " \n ") + " tail"
            built = make_entry(entry)
            assert built.pattern.regex.search(text), phrase


# --- worked examples for the real matcher (tests/test_prompt_rules.py runs them) ------------

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
    (
        "You are a helpful assistant. Please analyze the following ticket carefully. "
        "You have been tasked with assigning it to a queue; it is crucial to pick exactly one. "
        "Make sure the queue exists, and answer to the best of your ability.",
        "Analyze this ticket. Assign it to a queue; pick exactly one. "
        "Ensure the queue exists, and answer.",
    ),
    (
        # purpose clauses, another subject, a list after the opener: kept as written
        "Number the words to make sure you don't lose track. The user will provide a list, and "
        "your goal is to sort it. Your job is to:\n- route\n- label",
        "Number the words to make sure you don't lose track. The user will provide a list, and "
        "your goal is to sort it. Your job is to:\n- route\n- label",
    ),
]
