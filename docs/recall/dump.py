"""dump.py PKGDIR OUT.json: every call site llm-audit finds under PKGDIR (path, line, api, provider, model),
and whether LA101 (missing-output-cap) is reported for it.

Runs the engine the way `llm-audit check` does (discovery, pre-scan, cross-module resolution)
with LA101-LA103 selected; notebook sites get `#cellN` appended to their path. `la101` is true when
an LA101 finding names the site (its call-site id) or lists it among its related locations.
"""
import json
import os
import re
import sys
import time
from pathlib import Path

from auditor.engine import RunOptions, run
from auditor.config.policy import Policy

root, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
os.chdir(root)
t = time.time()
policy = Policy.load(None, start=root)
policy.cli_select = ["LA101", "LA102", "LA103"]
res = run(RunOptions(paths=[root], policy=policy, use_cache=False))
flagged_ids, flagged_at = set(), set()
for f in res.findings:
    if f.code != "LA101":
        continue
    if f.call_site_id:
        flagged_ids.add(f.call_site_id)
    else:  # one finding for several call sites with one root cause: it stands at the first of them
        flagged_at.add((f.path, f.cell, f.line))
    for r in getattr(f, "related", None) or []:
        flagged_at.add((r.path, r.cell, r.line))


def key(s):
    return s.path + (f"#cell{s.cell}" if getattr(s, "cell", None) is not None else "")


# The call sites written in code (what the labels name), including those that derived call sites at the callers of
# wrappers stand on (project.call_sites() lists the derived ones instead of those since issue 11). A written site
# counts as flagged when an LA101 finding names it, or names a derived site whose chain stands on it.
# Derived sites that stand for others further up (abstract: checked, not counted) carry LA101 as well
# ("reached from 2 call sites"): their chains are followed too, the outermost first; not from test code,
# which the labels leave out (a test's call of a wrapper does not say whether the application's is capped).
TEST = re.compile(r"(^|/)tests?/|(^|/)test_[^/]*\.py$|_test\.py$|/testing/|conftest\.py$")
derived = [s for s in res.project.call_sites() if "derived" in s.extra]
chains = [s for s in res.project.checked_sites() if "derived" in s.extra and not TEST.search(s.path)]
for d in sorted(chains, key=lambda s: -len(s.extra["derived"].get("line", []))):
    if d.id in flagged_ids:
        flagged_ids.update(d.extra["derived"].get("line", [])[1:])
sites = [
    {"path": key(s), "line": s.span.line,
     "api": s.api, "provider": s.provider, "model": s.model.value if s.model is not None and s.model.is_literal else None,
     "la101": s.id in flagged_ids or (s.path, getattr(s, "cell", None), s.span.line) in flagged_at}
    for f in res.project.facts for s in f.call_sites
]
out.parent.mkdir(parents=True, exist_ok=True)
json.dump({"sites": sites, "derived": len(derived), "stats": res.stats, "notes": list(res.notes)}, open(out, "w"), indent=1)
print(f"{root.name}: {len(sites)} sites, {res.stats['files']} files in {time.time() - t:.1f}s", file=sys.stderr)
