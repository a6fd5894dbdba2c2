"""Machine output: ``json`` (a list of findings) and ``jsonl`` (one finding a line).

Each finding is an object with ``code, name, severity, message, path`` (relative, forward
slashes), ``line, column, end_line, end_column`` (1-based), ``cell`` (0-based code-cell
index, null outside notebooks), ``call_site_id``, ``fix`` (null or
``{applicability, message, edits: [{line, column, end_line, end_column, content}]}``) and
``savings`` (null or ``{tokens_per_call, usd_per_call, usd_per_month, worst_case_usd_per_month,
monthly_calls, calls_source, basis, sites: [{site_id, usd_per_month, worst_case_usd_per_month,
monthly_calls, calls_source}]}``: expected and worst case apart, per site the finding's share) and ``related``
(``[{path, line, column, cell, message}]``: the call sites a root cause stands for, or a call chain).
The schema ships as ``auditor/schema/findings.schema.json``.
"""

from __future__ import annotations

import json

from auditor.findings import Finding


def finding_json(f: Finding) -> dict:
    data = f.to_dict()
    data.pop("snippet", None)
    if data.get("savings") is not None:
        data["savings"].pop("changes", None)  # the simulation's input, not part of the output
    if data.get("fix") is not None:
        data["fix"].pop("changes", None)
    return data


def render_json(findings: list[Finding], **_: object) -> str:
    return json.dumps([finding_json(f) for f in findings], indent=2, ensure_ascii=False) + "\n"


def render_jsonl(findings: list[Finding], **_: object) -> str:
    return "".join(json.dumps(finding_json(f), ensure_ascii=False) + "\n" for f in findings)
