"""Check that the savings are one number on real code (issue 16): for each repository, run
``llm-audit report --format json``, ``check --output-format json`` and ``check`` (text) and verify

* the report's headline = the sum of its per-site lines = the sum of the savings by rule;
* ``check``'s total (its findings, after root-cause grouping) and its text summary = the headline;
* each site's findings' shares add up to the site's saving, which is never above the site's cost;
* every grouped finding lists each of its sites once, and its saving = the per-call shares of its
  rule at those sites in the report's inventory (no tokens counted twice).

    python docs/precision/savings_check.py /work/corpus/ai-cookbook /work/corpus/llm-zoomcamp ...

Exit 1 when a check fails. ``--llm-audit CMD`` picks the command (default: ``llm-audit``)."""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys

CENT = 0.01


def _run(cmd: list[str], repo: str, *args: str) -> str:
    p = subprocess.run([*cmd, *args, "--no-cache", "--today", TODAY], cwd=repo, capture_output=True, text=True, check=False)
    return p.stdout


def check_repo(cmd: list[str], repo: str) -> list[str]:
    report = json.loads(_run(cmd, repo, "report", ".", "--format", "json"))
    findings = json.loads(_run(cmd, repo, "check", ".", "--output-format", "json", "--exit-zero"))
    text = _run(cmd, repo, "check", ".", "--exit-zero")
    sites = {s["id"]: s for s in report["call_sites"]}
    headline, worst = report["expected_monthly_savings_usd"], report["worst_case_monthly_savings_usd"]
    problems: list[str] = []

    def same(what: str, a: float, b: float, tol: float = CENT) -> None:
        if abs(a - b) > tol:
            problems.append(f"{what}: {a:,.4f} != {b:,.4f}")

    same("sum of per-site lines vs headline", sum(s["monthly_savings_usd"] for s in sites.values()), headline)
    same("sum of per-site worst case vs headline", sum(s["worst_case_monthly_savings_usd"] for s in sites.values()), worst)
    same("savings by rule vs headline", sum(v["monthly_savings_usd"] for v in report["savings_by_rule"].values()), headline, 0.05)
    same("check findings vs headline", sum(f["savings"]["usd_per_month"] for f in findings if f.get("savings")), headline)
    m = re.search(r"Estimated savings: \$([\d,.]+)/month expected", text)
    same("check summary line vs headline", float(m.group(1).replace(",", "")) if m else 0.0, headline)
    for s in sites.values():
        if s["monthly_savings_usd"] > (s["monthly_cost_usd"] or 0.0) + 1e-6:
            problems.append(f"{s['id']}: saves {s['monthly_savings_usd']} of {s['monthly_cost_usd']}")
        same(f"{s['id']}: shares vs site saving", sum(f["monthly_savings_usd"] or 0 for f in s["findings"]), s["monthly_savings_usd"])
    grouped = [f for f in findings if f.get("savings") and len(f["savings"].get("sites", [])) > 1]
    for f in grouped:
        ids = [x["site_id"] for x in f["savings"]["sites"]]
        where = f"{f['code']} {f['path']}:{f['line']}"
        if len(set(ids)) != len(ids):
            problems.append(f"{where}: a site listed twice")
        if all(i in sites for i in ids):
            want = sum(g["monthly_savings_usd"] or 0 for i in ids for g in sites[i]["findings"] if g["code"] == f["code"])
            same(f"{where}: group vs its sites' per-call shares", f["savings"]["usd_per_month"], want)
    name = repo.rstrip("/").split("/")[-1]
    print(
        f"{name}: {len(sites)} call sites, {len(findings)} findings ({len(grouped)} grouped over several sites); "
        f"cost ${report['total_monthly_cost_usd']:,.2f}/month, expected savings ${headline:,.2f}, worst case removed ${worst:,.2f}; "
        f"{'OK' if not problems else str(len(problems)) + ' problem(s)'}"
    )
    for p in problems[:10]:
        print("  " + p)
    return problems


TODAY = "2026-12-01"


def main() -> int:
    global TODAY
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("repos", nargs="+")
    ap.add_argument("--llm-audit", default="llm-audit")
    ap.add_argument("--today", default=TODAY)
    a = ap.parse_args()
    TODAY = a.today
    cmd = shlex.split(a.llm_audit)
    bad = [p for r in a.repos for p in check_repo(cmd, r)]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
