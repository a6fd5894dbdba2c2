"""The libyaml key screen before ruamel's parse (auditor/sources/yamlkeys.py): a file it answers True
for is not parsed, so True must mean the parse succeeds and reports nothing. True cases are VCR
cassettes (recorded request bodies that spell ``"model": "gpt-4o"`` inside a quoted string, gzip
bodies as ``!!binary``); the look-alikes (a real model key, a key hidden in a flow mapping, what
ruamel refuses or constructs otherwise) are answered False and parsed as before."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.sources import configfile
from auditor.sources.yamlkeys import _parser, no_model_keys

pytestmark = pytest.mark.skipif(
    _parser() is None, reason="PyYAML's libyaml binding is not installed"
)

DEFAULTS = [{"policy": False, "keys": []}]


def _screen(text: str) -> bool:
    return no_model_keys(text, configfile._names_any_model)


def _parsed(text: str):
    return configfile._yaml_refs(text, [], {})


CASSETTE = """\
interactions:
- request:
    body: '{"messages": [{"role": "user", "content": "Say hello!"}], "model": "gpt-4o",
      "stream": false}'
    headers:
      accept:
      - application/json
      content-type:
      - application/json
    method: POST
    uri: https://api.openai.com/v1/chat/completions
  response:
    body:
      string: !!binary |
        H4sIAAAAAAAAA2yRS2/bMBCE7/oVC56tQJYdJ/WtaIEe2kvQRx5FINDkWmZLkSy5LFIE/u8FJVmW
    headers:
      CF-RAY:
      - 8e3e18092f237ace-SJC
      Date:
      - Tue, 15 Oct 2024 10:11:12 GMT
      openai-processing-ms:
      - '530'
    status:
      code: 200
      message: OK
version: 1
"""


def test_a_cassette_is_answered_without_the_parse_and_the_parse_agrees():
    assert _screen(CASSETTE)
    assert _parsed(CASSETTE) == []
    facts = configfile.analyse_config(
        CASSETTE.encode(), "tests/cassettes/test_chat.yaml", DEFAULTS, 2_000_000
    )
    assert "model_refs" not in facts.extra and not facts.extra.get(
        "skipped"
    )  # what the parse gives


LOOK_ALIKES = {
    "a model key": "llm:\n  model: gpt-4o-mini\n",
    "a model key in a flow mapping": "agents: [{name: a, model_name: claude-3-5-sonnet}]\n",
    "a list of models": "allowed_models:\n- gpt-4o\n",
    "a quoted model key": "'chatModel': gpt-4o\n",
    "duplicate keys (ruamel refuses them)": "a: 1\na: 2\nmodel: x\n",
    "an alias": "base: &b {x: 1}\nother: *b\n",
    "a merge key": "base: &b {x: 1}\nother:\n  <<: *b\n",
    "a numeric key": "1: one\n",
    "a boolean key": "yes: one\n",
    "an impossible date (ruamel's error)": "when: 2024-13-45\n",
    "an undecodable binary": "data: !!binary 'not*base64'\n",
    "a custom tag": "x: !Ref something\n",
    "a %YAML 1.1 directive": "%YAML 1.1\n---\nx: 1\n",
    "a collection as a key": "? [a, b]\n: 1\n",
    "broken YAML": "a: [1, 2\n",
}


@pytest.mark.parametrize("name", sorted(LOOK_ALIKES))
def test_what_the_screen_cannot_vouch_for_goes_to_the_parse(name):
    assert not _screen(LOOK_ALIKES[name])


def test_a_model_key_is_still_reported_through_analyse_config():
    facts = configfile.analyse_config(
        b"llm:\n  model: gpt-4o-mini\n", "config.yaml", DEFAULTS, 2_000_000
    )
    assert [s.model.value for s in facts.extra["model_refs"]] == ["gpt-4o-mini"]


KEYS = [
    "model",
    "name",
    "body",
    "headers",
    "Model_Name",
    "uri",
    "x-model",
    "my_models",
    "0x1",
    "true",
    "a",
    "a",
]
VALUES = [
    "gpt-4o",
    '\'{"model": "gpt-4o"}\'',
    "2024-01-02",
    "2024-13-45",
    "8e3e18-SJC",
    "[a, b]",
    "{model: gpt-4o}",
    "!!binary aGk=",
    "=",
    "|\n    text",
]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(KEYS), st.sampled_from(VALUES), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_generated_files_the_screen_vouches_for_parse_to_nothing(entries):
    lines = []
    for i, (key, value, nested) in enumerate(entries):
        lead = "  " if nested and lines else ""
        if nested and lines:
            lines.append(f"block{i}:")
        lines.append(f"{lead}{key}: {value}".replace("\n    ", "\n" + lead + "    "))
    text = "\n".join(lines) + "\n"
    if _screen(text):
        assert _parsed(text) == [], text


def _cassettes() -> list[Path]:
    root = Path(__file__).resolve().parent.parent / "benchmarks" / ".corpus" / "nb"
    return (
        sorted(p for p in root.rglob("*.y*ml") if p.is_file()) if root.is_dir() else []
    )


@pytest.mark.skipif(
    not _cassettes(),
    reason="the notebook benchmark corpus is not built (benchmarks/run.py --corpora nb)",
)
def test_on_the_notebook_benchmark_corpus_what_the_screen_vouches_for_parses_to_nothing():
    vouched = 0
    for p in _cassettes():
        text = p.read_text("utf-8-sig", errors="replace")
        if _screen(text):
            vouched += 1
            assert _parsed(text) == [], p
    assert vouched >= 150  # magentic's cassettes
