"""Rule entries: the typed :class:`Rule` of one entry in ``rules/checks/*.yaml`` (code, name,
``check:``, severity, fix, params, docs, examples, ``group-by:``) and loading them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from auditor.config.datafiles import load_yaml_file, rules_dir

PROJECT_URL = "https://github.com/llm-audit/llm-audit"
RULE_PAGES = "docs/rules"  # one generated page per rule (SARIF helpUri, the language server's code links)


@dataclass
class Rule:
    code: str
    name: str
    check: str
    severity: str
    fix: str  # safe | unsafe | none
    params: dict[str, Any] = field(default_factory=dict)
    docs: dict[str, str] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    enabled: bool = True  # off-by-default rules (LA604) run only when selected explicitly
    family: str = ""  # file stem in rules/checks/
    group_by: str = ""  # how findings of one root cause merge (auditor.checks.rootcause)
    param_schema: dict[str, Any] = field(default_factory=dict)  # JSON Schema per parameter (else inferred from the default)

    @classmethod
    def from_entry(cls, entry: dict[str, Any], family: str = "") -> "Rule":
        return cls(
            code=entry["code"],
            name=entry["name"],
            check=entry.get("check", entry["name"].replace("-", "_")),
            severity=entry.get("severity", "warning"),
            fix=entry.get("fix", "none"),
            params=dict(entry.get("params") or {}),
            docs=dict(entry.get("docs") or {}),
            examples=dict(entry.get("examples") or {}),
            enabled=bool(entry.get("enabled", True)),
            family=family,
            group_by=str(entry.get("group-by") or ""),
            param_schema=dict(entry.get("param-schema") or {}),
        )

    @property
    def help_uri(self) -> str | None:
        """The rule's page, ``docs/rules/CODE.md`` (scripts/gen_rule_docs.py writes them);
        rules a policy defines have none."""
        if self.family == "policy":
            return None
        return f"{PROJECT_URL}/blob/main/{RULE_PAGES}/{self.code}.md"


def load_rule_entries() -> list[Rule]:
    rules: list[Rule] = []
    for path in sorted((rules_dir() / "checks").glob("*.yaml")):
        data = load_yaml_file(path) or {}
        for entry in data.get("rules", []) or []:
            rules.append(Rule.from_entry(entry, family=path.stem))
    rules.sort(key=lambda r: r.code)
    return rules
