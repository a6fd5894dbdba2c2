"""score_repos.py LABELLED_DIR SITES_DIR [SPLIT] [-v]: call-site and missing-cap recall/precision on docs/recall/repos.yaml.

LABELLED_DIR holds <name>.tsv from apply_labels.py (key, label, cap, reason); SITES_DIR holds <name>.json from
dump.py (llm-audit's call sites, each with `la101`). A T site llm-audit reports is found, one it does not is
missed; a reported site labelled F is a false positive; O and S sites count neither way; a reported site nobody
labelled is listed (-v) so it gets a label. Missing cap: the truth is a T site whose label says N (no cap) or
D (a cap only when configured); llm-audit says so when it reports the site with LA101. Sites labelled U are left
out of the cap scores. Tests are left out, and so is what a repository's `only` regex does not match.
"""
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "precision"))
from run import load_corpus

TEST = re.compile(r"(^|/)tests?/|(^|/)test_[^/]*\.py$|_test\.py$|/testing/|conftest\.py$")


def score(name, only, labelled_dir, sites_dir, verbose):
    labels = {}
    for line in open(Path(labelled_dir) / f"{name}.tsv", encoding="utf-8"):
        key, lab, cap, why = line.rstrip("\n").split("\t", 3)
        labels[key] = (lab, cap, why)
    sites = json.load(open(Path(sites_dir) / f"{name}.json"))["sites"]
    found = {}
    for s in sites:
        path = s["path"].split("#cell")[0]
        if TEST.search(path) or not (path.endswith(".py") or path.endswith(".ipynb")) or (only and not only.search(path)):
            continue
        found[f"{s['path']}:{s['line']}"] = s
    labels = {k: v for k, v in labels.items() if not (only and not only.search(k))}
    true = [k for k, v in labels.items() if v[0] == "T"]
    r = dict(true=len(true), found=sum(k in found for k in true), fp=0, other=0, unlabelled=0,
             cap_truth=0, cap_hit=0, cap_flagged=0, cap_wrong=0)
    for k, s in found.items():
        lab = labels.get(k, ("?",))[0]
        if lab == "F":
            r["fp"] += 1
            if verbose:
                print(f"  false positive {name} {k} {s['api']}  ({labels[k][2]})")
        elif lab in ("O", "S"):
            r["other"] += 1
        elif lab == "?":
            r["unlabelled"] += 1
            if verbose:
                print(f"  unlabelled {name} {k} {s['api']}")
    for k in true:
        cap = labels[k][1]
        s = found.get(k)
        if s is None and verbose:
            print(f"  missed {name} {k}  ({labels[k][2]})")
        if cap == "U":
            continue
        missing = cap in ("N", "D")
        flagged = bool(s and s.get("la101"))
        r["cap_truth"] += missing
        r["cap_flagged"] += flagged
        r["cap_hit"] += missing and flagged
        r["cap_wrong"] += flagged and not missing
        if verbose and missing and not flagged and s is not None:
            print(f"  cap missed {name} {k} [{cap}]  ({labels[k][2]})")
        if verbose and flagged and not missing:
            print(f"  cap false alarm {name} {k}  ({labels[k][2]})")
    for k, s in found.items():  # LA101 on a site that is not a generation call
        if s.get("la101") and labels.get(k, ("?",))[0] == "F":
            r["cap_flagged"] += 1
            r["cap_wrong"] += 1
    return r


def pct(a, b):
    return f"{a / b:.1%}" if b else "-"


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    labelled_dir, sites_dir = args[0], args[1]
    split = args[2] if len(args) > 2 else "all"
    verbose = "-v" in sys.argv
    tot = {}
    print("| repository | split | true sites | found | false positives | call-site recall | precision | uncapped (truth) | LA101 right | LA101 wrong | missing-cap recall | precision |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for e in load_corpus(HERE / "repos.yaml"):
        if split != "all" and e["split"] != split:
            continue
        only = re.compile(e["only"]) if e.get("only") else None
        r = score(e["name"], only, labelled_dir, sites_dir, verbose)
        for k, v in r.items():
            tot[k] = tot.get(k, 0) + v
        print(f"| {e['name']} | {e['split']} | {r['true']} | {r['found']} | {r['fp']} | {pct(r['found'], r['true'])} | "
              f"{pct(r['found'] + r['other'], r['found'] + r['other'] + r['fp'])} | {r['cap_truth']} | {r['cap_hit']} | {r['cap_wrong']} | "
              f"{pct(r['cap_hit'], r['cap_truth'])} | {pct(r['cap_hit'], r['cap_flagged'])} |")
    t = tot
    print(f"| **total ({split})** | | {t['true']} | {t['found']} | {t['fp']} | **{pct(t['found'], t['true'])}** | "
          f"**{pct(t['found'] + t['other'], t['found'] + t['other'] + t['fp'])}** | {t['cap_truth']} | {t['cap_hit']} | {t['cap_wrong']} | "
          f"**{pct(t['cap_hit'], t['cap_truth'])}** | **{pct(t['cap_hit'], t['cap_flagged'])}** |")
    if t.get("unlabelled"):
        print(f"\n{t['unlabelled']} reported sites carry no label (-v lists them)")


if __name__ == "__main__":
    main()
