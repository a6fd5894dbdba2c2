"""The precision suite: for every rule, at least ten true cases (the rule must report) and ten
look-alikes (realistic code that resembles a true case and must stay silent), written the way
LLM code is written in applications, notebooks and cookbooks.

Cases are data in ``tests/precision/cases/*.yaml``, keyed by rule code::

    LA101:
      true:
        - name: what the case is
          code: |            # app.py (or `files: {path: text}`, or `notebook: [cell, ...]`)
            ...
          fix: true          # optional: the finding must (true) or must not (false) carry a fix
          policy: |          # optional .llm-audit.yaml
            ...
          locked: {path: text} # optional: files locked with `llm-audit lock` before the case's files
          bytes: {path: text}  # optional: files written byte for byte (latin-1)
      lookalike:
        - name: ...
          code: |
            ...

Each case is its own project (one engine run with only that rule selected, fixed date).
"""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest
from ruamel.yaml import YAML

HERE = Path(__file__).resolve().parent
TODAY = date(2026, 11, 21)
MIN_CASES = 10


def _load() -> dict[str, dict[str, list[dict]]]:
    out: dict[str, dict[str, list[dict]]] = {}
    for path in sorted((HERE / "cases").glob("*.yaml")):
        data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
        for code, kinds in data.items():
            entry = out.setdefault(code, {"true": [], "lookalike": []})
            for kind in ("true", "lookalike"):
                entry[kind].extend(kinds.get(kind) or (kinds.get(True) if kind == "true" else None) or [])  # YAML reads `true:` as a boolean
    return out


CASES = _load()


def _params():
    for code, kinds in sorted(CASES.items()):
        for kind in ("true", "lookalike"):
            for i, case in enumerate(kinds[kind]):
                yield pytest.param(code, kind, case, id=f"{code}-{kind}-{i:02d}-{case.get('name', '')[:40]}")


def _notebook(cells: list[str]) -> str:
    return json.dumps({
        "cells": [
            {"cell_type": "code", "id": f"c{i}", "metadata": {}, "execution_count": None, "outputs": [], "source": textwrap.dedent(src).splitlines(keepends=True)}
            for i, src in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)


def _write(tmp_path: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text if rel.endswith(".ipynb") else textwrap.dedent(text), encoding="utf-8")


def _run(tmp_path: Path, code: str, case: dict):
    from auditor.config.policy import Policy
    from auditor.engine import RunOptions, run

    (tmp_path / ".git").mkdir()
    if case.get("locked"):  # LA603: lock these versions first (llm-audit lock), then edit
        from auditor.analysis.lockfile import current_prompts, render_lock

        _write(tmp_path, case["locked"])
        before = run(RunOptions(paths=[tmp_path], policy=Policy.load(None, start=tmp_path), use_cache=False, jobs=1, today=TODAY))
        (tmp_path / "llm-audit.lock").write_text(render_lock({k: p.digest for k, p in current_prompts(before.project).items()}), encoding="utf-8")
    for rel, data in (case.get("bytes") or {}).items():  # raw bytes, written as given (latin-1 escapes)
        (tmp_path / rel).write_bytes(data.encode("latin-1"))
    files = dict(case.get("files") or {})
    if "code" in case:
        files[case.get("path", "app.py")] = case["code"]
    if "notebook" in case:
        files[case.get("path", "notebook.ipynb")] = _notebook(case["notebook"])
    _write(tmp_path, files)
    if case.get("policy"):
        (tmp_path / ".llm-audit.yaml").write_text(textwrap.dedent(case["policy"]), encoding="utf-8")
    policy = Policy.load(None, start=tmp_path)
    policy.cli_select = list(case.get("select") or [code])
    return run(RunOptions(paths=[tmp_path], policy=policy, use_cache=False, jobs=1, today=TODAY))


@pytest.mark.parametrize("code,kind,case", list(_params()))
def test_case(code, kind, case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _run(tmp_path, code, case)
    found = [f for f in result.findings if f.code == code]
    if kind == "true":
        assert found, f"{code} should report: {case.get('name')}"
        if "fix" in case:
            assert any(f.fix is not None and f.fix.edits for f in found) == bool(case["fix"]), [f.fix for f in found]
        if "severity" in case:
            assert {f.severity for f in found} == {case["severity"]}
        if "count" in case:
            assert len(found) == case["count"], [f.message for f in found]
        for text in case.get("message") or []:
            assert any(text in f.message for f in found), [f.message for f in found]
    else:
        assert not found, f"{code} must stay silent on: {case.get('name')}: " + "; ".join(f"{f.location} {f.message}" for f in found)


def test_every_rule_has_enough_cases():
    from auditor.config.catalog import load_catalog

    short = []
    for rule in load_catalog().rules:
        kinds = CASES.get(rule.code, {"true": [], "lookalike": []})
        if len(kinds["true"]) < MIN_CASES or len(kinds["lookalike"]) < MIN_CASES:
            short.append(f"{rule.code}: {len(kinds['true'])} true, {len(kinds['lookalike'])} look-alike")
    assert not short, short
