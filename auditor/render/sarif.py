"""``--output-format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` lists every rule with its docs (short and full description,
help as text and markdown, help URI, default level). Results carry the rule id and index,
level, message, a location relative to ``%SRCROOT%`` (``originalUriBaseIds`` gives its
absolute URI: the current folder, or the run root when the files are not under it), the
region (1-based; ``endColumn`` is exclusive, as in SARIF), ``partialFingerprints`` that
survive line shifts (the baseline fingerprint), fixes as artifact changes, and savings in
``properties``.

Notebooks: SARIF has no notion of a cell, so the region is relative to the code cell, and the
cell is named in the message and in ``properties.cell`` (0-based) / ``properties.cellNumber``.
Notebook fixes are not emitted: their positions are cell-relative, not file offsets.

Validated in the tests against the OASIS schema (``tests/data/sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.adopt.baseline import display_path, fingerprints
from auditor.config.catalog import Rule
from auditor.findings import Finding

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/llm-audit/llm-audit"
FINGERPRINT_KEY = "llmAudit/v1"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    from auditor.config.ruledocs import first_sentence, render_rules, rule_sections

    sections = rule_sections(rule)
    what = sections.get("what") or rule.name.replace("-", " ")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": first_sentence(what)},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": render_rules([rule], "text"), "markdown": render_rules([rule], "markdown")},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning"), "enabled": rule.enabled},
        "properties": {
            "tags": ["llm", rule.family or "llm-audit", rule.name],
            "precision": "high",
            "problem.severity": {"info": "recommendation"}.get(rule.severity, rule.severity),
            "fix": rule.fix,
        },
    }


def _region(line: int, column: int, end_line: int, end_column: int) -> dict[str, int]:
    line = max(1, line)
    region = {"startLine": line, "startColumn": max(1, column)}
    end_line = max(line, end_line)
    if end_line > line:
        region["endLine"] = end_line
        region["endColumn"] = max(1, end_column)
    elif end_column > column:
        region["endLine"] = end_line
        region["endColumn"] = end_column
    return region


def _artifact(uri: str) -> dict[str, str]:
    return {"uri": uri, "uriBaseId": "%SRCROOT%"}


def _fix(f: Finding, uri: str) -> dict[str, Any] | None:
    if f.fix is None or not f.fix.edits or f.cell is not None:
        return None
    replacements = []
    for e in f.fix.edits:
        deleted = {"startLine": e.line, "startColumn": e.column, "endLine": e.end_line, "endColumn": e.end_column}
        replacements.append({"deletedRegion": deleted, "insertedContent": {"text": e.content}})
    return {
        "description": {"text": f"{f.fix.message} ({f.fix.applicability} fix)"},
        "artifactChanges": [{"artifactLocation": _artifact(uri), "replacements": replacements}],
        "properties": {"applicability": f.fix.applicability},
    }


def _message(f: Finding) -> str:
    text = f"{f.code} {f.name}: {f.message}"
    if f.cell is not None:
        text = f"cell {f.cell + 1}, line {f.line}: {text}"
    return text


def result(f: Finding, rule_index: dict[str, int], uri: str, fingerprint: str) -> dict[str, Any]:
    location = {"physicalLocation": {"artifactLocation": _artifact(uri), "region": _region(f.line, f.column, f.end_line, f.end_column)}}
    props: dict[str, Any] = {"severity": f.severity, "name": f.name}
    if f.call_site_id:
        props["callSiteId"] = f.call_site_id
    if f.cell is not None:
        props["cell"] = f.cell
        props["cellNumber"] = f.cell + 1
        location["physicalLocation"]["region"]["message"] = {"text": f"code cell {f.cell + 1} (lines counted from the cell's first line)"}
    if f.savings is not None:
        props["savings"] = {
            "tokensPerCall": f.savings.tokens_per_call,
            "usdPerCall": f.savings.usd_per_call,
            "usdPerMonth": f.savings.usd_per_month,
            "basis": f.savings.basis,
        }
    out: dict[str, Any] = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": _message(f)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": props,
    }
    if f.related:
        out["relatedLocations"] = [
            {
                "id": i,
                "physicalLocation": {"artifactLocation": _artifact(r.path), "region": _region(r.line, r.column, r.line, r.column)},
                **({"message": {"text": r.message}} if r.message else {}),
            }
            for i, r in enumerate(f.related, start=1)
        ]
    if f.code in rule_index:
        out["ruleIndex"] = rule_index[f.code]
    fix = _fix(f, uri)
    if fix is not None:
        out["fixes"] = [fix]
    return out


def _base(root: Path) -> Path:
    cwd = Path.cwd().resolve()
    try:
        root.resolve().relative_to(cwd)
        return cwd
    except ValueError:
        return root.resolve()


def sarif_log(findings: list[Finding], *, rules: list[Rule] | None = None, root: Path | None = None, **_: Any) -> dict[str, Any]:
    root = Path(root or Path.cwd())
    base = _base(root)
    rules = list(rules or [])
    rule_index = {r.code: i for i, r in enumerate(rules)}
    prints = fingerprints(findings, root, base)
    results = [result(f, rule_index, display_path(f.path, root, base), fp) for f, fp in zip(findings, prints)]
    run = {
        "tool": {
            "driver": {
                "name": "llm-audit",
                "fullName": "llm-audit: linter and auditor for LLM prompts and call sites",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(r) for r in rules],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "invocations": [{"executionSuccessful": True}],
        "results": results,
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(findings: list[Finding], **kw: Any) -> str:
    return json.dumps(sarif_log(findings, **kw), indent=2, ensure_ascii=False) + "\n"
