"""dump.py PKGDIR OUT.json: every call site llm-audit finds under PKGDIR (path, line, api, provider, model).

Runs the engine the way `llm-audit check` does (discovery, pre-scan, cross-module resolution)
with LA101-LA103 selected; notebook sites get `#cellN` appended to their path.
"""
import json
import os
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
sites = [
    {"path": s.path + (f"#cell{s.cell}" if getattr(s, "cell", None) is not None else ""), "line": s.span.line,
     "api": s.api, "provider": s.provider, "model": s.model.value if s.model is not None and s.model.is_literal else None}
    for s in res.project.call_sites()
]
out.parent.mkdir(parents=True, exist_ok=True)
json.dump({"sites": sites, "stats": res.stats}, open(out, "w"), indent=1)
print(f"{root.name}: {len(sites)} sites, {res.stats['files']} files in {time.time() - t:.1f}s", file=sys.stderr)
