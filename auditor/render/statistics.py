"""``--statistics`` (counts per rule, as Ruff prints them) and ``--show-fixes`` (what was fixed).

A rule is marked ``[*]`` when its findings have fixes that the current options apply (safe
fixes; unsafe ones too with ``--unsafe-fixes``), ``[-]`` when only ``--unsafe-fixes`` would
fix them, and ``[ ]`` otherwise. ``--output-format json`` gives the same as a list of
``{code, name, count, fixable, fixable_count}`` (Ruff's keys, plus the count of fixable
findings); every other format prints the table.
"""

from __future__ import annotations

import json
from collections import Counter

from auditor.findings import Finding


def _applicable(f: Finding, unsafe_fixes: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and (f.fix.applicability == "safe" or unsafe_fixes)


def _hidden(f: Finding, unsafe_fixes: bool) -> bool:
    return f.fix is not None and bool(f.fix.edits) and f.fix.applicability == "unsafe" and not unsafe_fixes


def statistics_rows(findings: list[Finding], unsafe_fixes: bool = False) -> list[dict]:
    counts = Counter((f.code, f.name) for f in findings)
    fixable = Counter(f.code for f in findings if _applicable(f, unsafe_fixes))
    hidden = Counter(f.code for f in findings if _hidden(f, unsafe_fixes))
    rows = []
    for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        rows.append({"code": code, "name": name, "count": n, "fixable": fixable[code] > 0, "fixable_count": fixable[code], "_hidden": hidden[code]})
    return rows


def render_statistics(findings: list[Finding], fmt: str = "full", unsafe_fixes: bool = False) -> str:
    rows = statistics_rows(findings, unsafe_fixes)
    if fmt == "json":
        return json.dumps([{k: v for k, v in r.items() if not k.startswith("_")} for r in rows], indent=2) + "\n"
    width = max([len(str(r["count"])) for r in rows] + [1])
    code_width = max([len(r["code"]) for r in rows] + [1])
    lines = []
    for r in rows:
        mark = "[*]" if r["fixable"] else ("[-]" if r["_hidden"] else "[ ]")
        lines.append(f"{str(r['count']).rjust(width)}\t{r['code'].ljust(code_width)}\t{mark} {r['name']}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_fixed(applied: list[Finding], names: dict[str, str] | None = None) -> str:
    """``--show-fixes``: the findings fixed, per file and rule (Ruff's layout)."""
    n = len(applied)
    if not n:
        return "No findings fixed.\n"
    per_file: dict[str, Counter] = {}
    for f in applied:
        per_file.setdefault((names or {}).get(f.path, f.path), Counter())[(f.code, f.name)] += 1
    out = [f"Fixed {n} finding{'s' if n != 1 else ''}:"]
    for path in sorted(per_file):
        out.append(f"- {path}:")
        for (code, name), k in sorted(per_file[path].items()):
            out.append(f"    {k} × {code} ({name})")
    return "\n".join(out) + "\n"
