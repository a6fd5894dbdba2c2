"""``--output-format junit``: JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure).

One ``<testsuite>`` per file with findings, one failing ``<testcase>`` per finding (its
``<failure>`` carries the message, location, fix and savings). With no findings the report
holds one passing test case, so CI shows the check ran. Text is XML-escaped by ElementTree,
and characters XML 1.0 forbids (control characters) are dropped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from auditor.adopt.baseline import display_path
from auditor.findings import Finding

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _details(f: Finding, path: str) -> str:
    where = f"{path}:cell {f.cell + 1}:{f.line}:{f.column}" if f.cell is not None else f"{path}:{f.line}:{f.column}"
    lines = [f"{where}: {f.code} {f.name} ({f.severity})", f.message]
    if f.fix is not None and f.fix.edits:
        lines.append(f"{f.fix.applicability} fix: {f.fix.message}")
    if f.savings is not None and (f.savings.usd_per_month or f.savings.worst_case_usd_per_month):
        from auditor.render.text import _savings

        lines.append(_savings(f))
    if f.call_site_id:
        lines.append(f"call site: {f.call_site_id}")
    return "\n".join(lines)


def render_junit(findings: list[Finding], *, root: Path | None = None, project: Any = None, **_: Any) -> str:
    root = Path(root or Path.cwd())
    suites = ET.Element("testsuites", name="llm-audit", tests=str(max(1, len(findings))), failures=str(len(findings)), errors="0")
    by_file: dict[str, list[Finding]] = {}
    for f in findings:
        by_file.setdefault(display_path(f.path, root), []).append(f)
    for path, fs in sorted(by_file.items()):
        suite = ET.SubElement(suites, "testsuite", name=_clean(path), tests=str(len(fs)), failures=str(len(fs)), errors="0", skipped="0")
        for f in fs:
            where = f"cell {f.cell + 1} line {f.line}" if f.cell is not None else f"line {f.line}"
            case = ET.SubElement(suite, "testcase", name=_clean(f"{f.code} {f.name} ({where})"), classname=_clean(path), file=_clean(path), line=str(f.line))
            failure = ET.SubElement(case, "failure", message=_clean(f.message), type=f.code)
            failure.text = _clean(_details(f, path))
    if not findings:
        files = len(getattr(project, "facts", []) or [])
        suite = ET.SubElement(suites, "testsuite", name="llm-audit", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name=f"no findings in {files} file{'s' if files != 1 else ''}", classname="llm-audit")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
