"""Fixit-style: every rule entry's own examples are tests.

For each rule in rules/checks/*.yaml: every `invalid` example must produce exactly the
codes in `expect` (with only that rule selected), every `valid` example must produce none
of the rule's code, and an example with `fixed` must turn into exactly that text after
`fix --unsafe-fixes`, still parse, and be left alone by a second fix.
"""

from __future__ import annotations

import textwrap

import pytest

from auditor.config.catalog import load_catalog
from conftest import run_engine

RULES = load_catalog().rules


def _examples(kind: str):
    for rule in RULES:
        for i, ex in enumerate((rule.examples or {}).get(kind) or []):
            yield pytest.param(rule, ex, id=f"{rule.code}-{kind}-{i}")


def _write(tmp_path, ex) -> str:
    name = ex.get("filename", "example.py")
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(ex["code"]), encoding="utf-8")
    for rel, text in (ex.get("files") or {}).items():
        q = tmp_path / rel
        q.parent.mkdir(parents=True, exist_ok=True)
        q.write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    return name


def test_every_rule_has_docs_and_examples():
    for rule in RULES:
        for key in ("what", "why", "fix-safety", "savings"):
            assert rule.docs.get(key), f"{rule.code} lacks docs.{key}"
        assert (rule.examples or {}).get("invalid"), f"{rule.code} has no invalid example"
        assert (rule.examples or {}).get("valid"), f"{rule.code} has no valid example"
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes)), "rule codes must be unique"


@pytest.mark.parametrize("rule,ex", list(_examples("invalid")))
def test_invalid_example_fires(tmp_path, monkeypatch, rule, ex):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, ex)
    result = run_engine(tmp_path, select=[rule.code] + list(ex.get("also-select", [])))
    got = sorted(f.code for f in result.findings)
    assert got == sorted(ex.get("expect", [rule.code])), [f.message for f in result.findings]


@pytest.mark.parametrize("rule,ex", list(_examples("valid")))
def test_valid_example_is_clean(tmp_path, monkeypatch, rule, ex):
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, ex)
    result = run_engine(tmp_path, select=[rule.code])
    assert [f for f in result.findings if f.code == rule.code] == []


@pytest.mark.parametrize("rule,ex", [p for p in _examples("invalid") if p.values[1].get("fixed")])
def test_fixed_example(tmp_path, monkeypatch, rule, ex):
    from auditor.fix.apply import FixReport, fix_file
    from auditor.fix.edits import parses

    monkeypatch.chdir(tmp_path)
    name = _write(tmp_path, ex)
    result = run_engine(tmp_path, select=[rule.code])
    findings = [f for f in result.findings if f.code == rule.code and f.path == name]
    assert findings and all(f.fix is not None for f in findings), "expected a fix"
    kind = "python" if name.endswith(".py") else "promptfile"
    fix_file(tmp_path, name, kind, findings, write=True, report=FixReport())
    text = (tmp_path / name).read_text(encoding="utf-8")
    assert text == textwrap.dedent(ex["fixed"])
    if name.endswith(".py"):
        assert parses(text) is None
    again = run_engine(tmp_path, select=[rule.code])
    assert not [f for f in again.findings if f.code == rule.code and f.fix and f.path == name], "a second fix must be a no-op"
