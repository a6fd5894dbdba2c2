"""Rule documentation, generated from the rule entries in ``rules/checks/*.yaml``.

Sections: What it does / Why it matters / Example / Use instead / Fix safety / Savings model.
*Example* and *Use instead* come from the entry's first invalid example and its ``fixed``
form (or the first valid example) unless the entry gives them explicitly.
"""

from __future__ import annotations

import json
import re

from auditor.config.catalog import Rule

SECTIONS = [
    ("what", "What it does"),
    ("why", "Why it matters"),
    ("example", "Example"),
    ("use-instead", "Use instead"),
    ("fix-safety", "Fix safety"),
    ("savings", "Savings model"),
]


def rule_sections(rule: Rule) -> dict[str, str]:
    docs = dict(rule.docs)
    invalid = (rule.examples or {}).get("invalid") or []
    valid = (rule.examples or {}).get("valid") or []
    if "example" not in docs and invalid:
        docs["example"] = invalid[0].get("code", "")
    if "use-instead" not in docs:
        if invalid and invalid[0].get("fixed"):
            docs["use-instead"] = invalid[0]["fixed"]
        elif valid:
            docs["use-instead"] = valid[0].get("code", "")
    return {key: docs.get(key, "") for key, _ in SECTIONS}


def rule_json(rule: Rule) -> dict:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity,
        "fix": rule.fix,
        "enabled_by_default": rule.enabled,
        "params": rule.params,
        "docs": rule_sections(rule),
        "help_uri": rule.help_uri,
    }


_ABBREVIATIONS = ("e.g", "i.e", "etc", "vs", "cf", "approx")


def first_sentence(text: str) -> str:
    """The first sentence of a docs paragraph (abbreviations like "e.g." do not end it)."""
    text = " ".join(text.split())
    for m in re.finditer(r"[.!?](?=\s|$)", text):
        before = text[: m.start()].lower()
        if m.group() == "." and before.endswith(_ABBREVIATIONS):
            continue
        return text[: m.end()]
    return text


def rule_table(rules: list[Rule]) -> str:
    """The README's rule table (markdown): code, name, what it does, severity, fix."""
    fixes = {"safe": "safe", "unsafe": "unsafe", "none": "—"}
    rows = ["| Code | Name | What it does | Severity | Fix |", "|---|---|---|---|---|"]
    for r in sorted(rules, key=lambda r: r.code):
        what = first_sentence(rule_sections(r).get("what", "")).replace("|", "\\|")
        if not r.enabled:
            what += " *(off by default)*"
        rows.append(f"| {r.code} | `{r.name}` | {what} | {r.severity} | {fixes.get(r.fix, r.fix)} |")
    return "\n".join(rows) + "\n"


def render_rules(rules: list[Rule], fmt: str = "text") -> str:
    if fmt == "markdown-table":
        return rule_table(rules)
    if fmt == "json":
        return json.dumps([rule_json(r) for r in rules], indent=2, default=str) + "\n"
    out = []
    for r in rules:
        sections = rule_sections(r)
        md = fmt == "markdown"
        title = f"## {r.code} {r.name}" if md else f"{r.code} {r.name}"
        out.append(title)
        if not md:
            out.append("=" * len(title))
        meta = f"Severity: {r.severity}. Fix: {r.fix}." + ("" if r.enabled else " Off by default: select it explicitly.")
        if r.params:
            meta += " Parameters: " + ", ".join(f"`{k}` (default {v!r})" for k, v in r.params.items()) + "."
        out.append(meta)
        out.append("")
        for key, heading in SECTIONS:
            body = sections[key].rstrip()
            if not body:
                continue
            out.append(f"### {heading}" if md else heading)
            if not md:
                out.append("-" * len(heading))
            if key in ("example", "use-instead"):
                out.append("```python" if md else "")
                out.extend(("    " + line if not md else line) for line in body.splitlines())
                out.append("```" if md else "")
            else:
                out.append(body)
            out.append("")
    return "\n".join(out).rstrip() + "\n"
