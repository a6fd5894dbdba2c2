"""score.py OUTDIR SET [SITESDIR]: recall and precision of llm-audit's call sites against the labels, per package.

SITESDIR (default OUTDIR/sites) scores another run's call sites (e.g. an older checkout's) against
the same labels.

SET is dev, held-out or all (packages.txt). A labelled-T call llm-audit reports is found, one it
does not is missed; a reported call labelled F is a false positive; a reported call nobody
labelled is listed so it gets a label. Prompt files (also call sites for llm-audit) are not counted.
"""
import json
import re
import sys
from pathlib import Path

here = Path(__file__).parent
args = [a for a in sys.argv[1:] if not a.startswith("-")]
out, which = Path(args[0]), args[1]
sites_dir = Path(args[2]) if len(args) > 2 else out / "sites"
verbose = "-v" in sys.argv
rows, tot = [], dict(true=0, found=0, missed=0, fp=0, other=0)
for line in open(here / "packages.txt"):
    if line.startswith("#") or not line.strip():
        continue
    spec, group, folder, *rest = line.split()
    if which != "all" and group != which:
        continue
    only = re.compile(rest[0]) if rest else None
    labels = {}
    for l in open(out / "labels" / f"{folder}.tsv"):
        k, lab, why = l.rstrip("\n").split("\t")
        labels[k] = (lab, why)
    sites = json.load(open(sites_dir / f"{folder}.json"))["sites"]
    test = re.compile(r"(^|/)tests?/|(^|/)test_[^/]*\.py|_test\.py|/testing/|conftest\.py")
    found = {f"{s['path']}:{s['line']}": s for s in sites
             if not test.search(s["path"]) and (s["path"].endswith(".py") or ".ipynb#" in s["path"]) and (not only or only.search(s["path"]))}
    true = [k for k, (lab, _) in labels.items() if lab == "T"]
    missed = [k for k in true if k not in found]
    fp = [k for k in found if labels.get(k, ("?",))[0] == "F"]
    other = [k for k in found if labels.get(k, ("?",))[0] == "O"]
    unlabelled = [k for k in found if k not in labels]
    rows.append((folder, len(true), len(true) - len(missed), len(missed), len(fp), len(other), len(unlabelled)))
    for k, v in zip(("true", "found", "missed", "fp", "other"), rows[-1][1:6]):
        tot[k] += v
    if verbose:
        for k in missed:
            print(f"  missed {folder} {k}  ({labels[k][1]})")
        for k in fp:
            print(f"  false positive {folder} {k} {found[k]['api']}  ({labels[k][1]})")
        for k in unlabelled:
            print(f"  unlabelled {folder} {k} {found[k]['api']}")
print(f"| package | true sites | found | missed | false positives | other-provider sites found | unlabelled |")
print(f"|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    print("| " + " | ".join(str(x) for x in r) + " |")
recall = tot["found"] / tot["true"] if tot["true"] else 0.0
precision = (tot["found"] + tot["other"]) / (tot["found"] + tot["other"] + tot["fp"]) if tot["found"] + tot["fp"] else 0.0
print(f"| **total ({which})** | {tot['true']} | {tot['found']} | {tot['missed']} | {tot['fp']} | {tot['other']} | |")
print(f"\nrecall {recall:.1%}, precision {precision:.1%}")
