"""``--output-format sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run; ``tool.driver.rules`` lists every rule with its docs (short and full description,
help as text and markdown, help URI, default level). Results carry the rule id and index,
level, message, a location relative to ``%SRCROOT%`` (``originalUriBaseIds`` gives its
absolute URI: the current folder, or the run root when the files are not under it), the
region (1-based; ``endColumn`` is exclusive, as in SARIF), ``partialFingerprints`` that
survive line shifts (the baseline fingerprint), fixes as artifact changes, and savings in
``properties``.

Notebooks: SARIF has no notion of a cell, so the region is the position in the ``.ipynb``
text - the line of the cell's ``source`` string element that holds the finding's source line,
the column inside it (see ``sources/nbjson.py``) - and the cell is named in the message and in
``properties.cell`` (0-based) / ``properties.cellNumber`` / ``properties.cellLine``. When the
notebook cannot be read again the location names the file only. Notebook fixes are not
emitted (an edit of JSON-escaped text is not the edit of the cell).

``helpUri`` points at the rule's page, ``docs/rules/LAxxx.md`` (generated from the rule entry
by ``scripts/gen_rule_docs.py``); rules a policy defines have no page and no ``helpUri``.

Validated in the tests against the OASIS schema (``tests/data/sarif-schema-2.1.0.json``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

from auditor import __version__
from auditor.adopt.baseline import display_path, fingerprints
from auditor.config.catalog import Rule
from auditor.config.rules import PROJECT_URL
from auditor.findings import Finding
from auditor.reads import read_text

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = PROJECT_URL
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
        "defaultConfiguration": {"level": LEVELS.get(rule.severity, "warning"), "enabled": rule.enabled},
        "properties": {
            "tags": ["llm", rule.family or "llm-audit", rule.name],
            "precision": "high",
            "problem.severity": {"info": "recommendation"}.get(rule.severity, rule.severity),
            "fix": rule.fix,
        },
    } | ({"helpUri": rule.help_uri} if rule.help_uri else {})


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


def path_uri(path: str) -> str:
    """A relative path as a URI reference (RFC 3986, as SARIF 2.1.0 §3.10 asks): the path's
    bytes percent-encoded, ``/`` kept. A space is ``%20``, ``#`` ``%23``, ``%`` ``%25``, ``:``
    in the first segment ``%3A`` (it would read as a scheme), non-ASCII its UTF-8 bytes,
    and a file name that is not UTF-8 (surrogate-escaped by Python) its own bytes:
    ``unquote_to_bytes`` then ``os.fsdecode`` gives the file name back."""
    try:
        data = os.fsencode(path)
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte (a --stdin-filename)
        data = path.encode("utf-8", "surrogatepass")
    uri = quote_from_bytes(data, safe="/-._~!$&'()*+,;=:@")
    first, slash, rest = uri.partition("/")
    return first.replace(":", "%3A") + slash + rest


def _artifact(path: str) -> dict[str, str]:
    if Path(path).is_absolute():  # a file outside the base folder: its own file URI
        return {"uri": "file://" + path_uri(Path(path).as_posix())}
    return {"uri": path_uri(path), "uriBaseId": "%SRCROOT%"}


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


def _related(r: Any, i: int, notebooks: Any) -> dict[str, Any]:
    """A related location; in a notebook, at its place in the .ipynb text (else the file only)."""
    physical: dict[str, Any] = {"artifactLocation": _artifact(r.path), "region": _region(r.line, r.column, r.line, r.column)}
    if r.cell is not None:
        nb = notebooks.get(r.path, r.cell) if notebooks is not None else None
        pos = nb.locate(r.cell, r.line, r.column) if nb is not None else None
        if pos is None:
            del physical["region"]
        else:
            physical["region"] = _region(pos[0], pos[1], pos[0], pos[1]) | {"message": {"text": f"code cell {r.cell + 1}, line {r.line}"}}
    return {"id": i, "physicalLocation": physical, **({"message": {"text": r.message}} if r.message else {})}


def result(f: Finding, rule_index: dict[str, int], uri: str, fingerprint: str, notebook: Any = None, notebooks: Any = None) -> dict[str, Any]:
    location: dict[str, Any] = {"physicalLocation": {"artifactLocation": _artifact(uri), "region": _region(f.line, f.column, f.end_line, f.end_column)}}
    props: dict[str, Any] = {"severity": f.severity, "name": f.name}
    if f.call_site_id:
        props["callSiteId"] = f.call_site_id
    if f.cell is not None:
        props.update(cell=f.cell, cellNumber=f.cell + 1, cellLine=f.line, cellColumn=f.column)
        start = notebook.locate(f.cell, f.line, f.column) if notebook is not None else None
        end = notebook.locate(f.cell, f.end_line, f.end_column) if notebook is not None else None
        if start is None:  # the .ipynb cannot be read again: name the file, not a wrong line
            del location["physicalLocation"]["region"]
        else:
            end = end if end is not None and end >= start else start
            region = _region(start[0], start[1], end[0], end[1])
            region["message"] = {"text": f"code cell {f.cell + 1}, line {f.line}"}
            location["physicalLocation"]["region"] = region
    if f.savings is not None:
        props["savings"] = {
            "tokensPerCall": f.savings.tokens_per_call,
            "usdPerCall": f.savings.usd_per_call,
            "usdPerMonth": f.savings.usd_per_month,
            "worstCaseUsdPerMonth": f.savings.worst_case_usd_per_month,
            "monthlyCalls": f.savings.monthly_calls,
            "callsSource": f.savings.calls_source,
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
        out["relatedLocations"] = [_related(r, i, notebooks) for i, r in enumerate(f.related, start=1)]
    if f.code in rule_index:
        out["ruleIndex"] = rule_index[f.code]
    fix = _fix(f, uri)
    if fix is not None:
        out["fixes"] = [fix]
    return out


class _Notebooks:
    """The ``.ipynb`` texts of the notebooks findings are in, read once each."""

    def __init__(self, root: Path):
        self.root, self.texts = root, {}

    def get(self, path: str, cell: int | None) -> Any:
        if cell is None:
            return None
        if path not in self.texts:
            from auditor.sources.nbjson import notebook_text

            try:
                text = read_text((self.root / path), encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                text = None
            self.texts[path] = notebook_text(text) if text is not None else None
        return self.texts[path]


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
    notebooks = _Notebooks(root)
    results = [result(f, rule_index, display_path(f.path, root, base), fp, notebooks.get(f.path, f.cell), notebooks) for f, fp in zip(findings, prints)]
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
