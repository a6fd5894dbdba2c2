"""``--show-settings``: which policy applies to a path and the values it resolves to;
``--show-files``: the files a run would analyse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from auditor.config.policy import Policy

SHOWN_KEYS = ("fail-on", "strict", "include", "exclude", "extend-exclude", "prompt-paths", "prompt-names", "prompt-keys",
              "dataframe-names", "per-file-ignores", "routing", "usage", "budgets", "limits", "call-sites")


def settings_data(policy: Policy, target: Path) -> dict[str, Any]:
    selected = {r.code for r in policy.selected_rules()}
    rules = []
    for r in policy.all_rules():
        rules.append({
            "code": r.code, "name": r.name, "selected": r.code in selected, "severity": policy.severity_of(r),
            "fix": r.fix, "params": policy.params_of(r),
        })
    return {
        "target": target.as_posix(),
        "policy_file": str(policy.path) if policy.path else None,
        "root": str(policy.root),
        "settings": {k: policy.data.get(k) for k in SHOWN_KEYS if k in policy.data} | {"fail-on": policy.fail_on, "strict": policy.strict},
        "models_overridden": sorted((policy.data.get("models") or {}).keys()),
        "rules": rules,
    }


def render_settings(policy: Policy, target: Path, fmt: str = "full") -> str:
    data = settings_data(policy, target)
    if fmt == "json":
        return json.dumps(data, indent=2, default=str) + "\n"
    out = [
        f"Settings for: {data['target']}",
        f"Policy file: {data['policy_file'] or '(none found: the built-in default policy)'}",
        f"Project root: {data['root']}",
    ]
    for key, value in data["settings"].items():
        out.append(f"{key}: {json.dumps(value, default=str)}")
    if data["models_overridden"]:
        out.append(f"models (added or overridden): {', '.join(data['models_overridden'])}")
    chosen = [r for r in data["rules"] if r["selected"]]
    out.append(f"Selected rules ({len(chosen)} of {len(data['rules'])}):")
    for r in chosen:
        params = ", ".join(f"{k}={json.dumps(v, default=str)}" for k, v in r["params"].items())
        line = f"  {r['code']} {r['name']}: {r['severity']}, fix {r['fix']}"
        out.append(line + (f"; {_short(params)}" if params else ""))
    others = [f"{r['code']} {r['name']}" for r in data["rules"] if not r["selected"]]
    if others:
        out.append(f"Not selected: {', '.join(others)}")
    return "\n".join(out) + "\n"


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render_files(rels: list[str], fmt: str = "full") -> str:
    if fmt == "json":
        return json.dumps(rels, indent=2) + "\n"
    return "".join(f"{r}\n" for r in rels)
