"""pick.py RESULTS UNJUDGED OUT [--seed 2026] [--per-split 12] [--all-below 24]

Draws the findings to judge next from a run's unjudged findings (the stubs `score.py RESULTS
--emit-unjudged UNJUDGED` writes): every unjudged finding of a rule that has at most `--all-below`
of them, else a random sample of `--per-split` per split (dev and held-out), drawn with
random.Random(seed) over the sorted finding keys. Writes one JSON line per pick to OUT (`i`, the
finding `key`, its `split` and the finding `f` as the run reported it) and prints the sampled
rules with their populations (record them in sampling.json). Standard library only.
"""
import argparse
import collections
import json
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import load_corpus  # noqa: E402
from score import Sources, finding_key, load_jsonl  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("results")
    ap.add_argument("unjudged")
    ap.add_argument("out")
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--per-split", type=int, default=12)
    ap.add_argument("--all-below", type=int, default=24)
    ap.add_argument("--extract", default="/work/corpus")
    a = ap.parse_args(argv)
    corpus = load_corpus(HERE / "corpus.yaml")
    split = {e["name"]: e["split"] for e in corpus}
    src = Sources(a.extract)
    wanted = {(s["repo"], s["path"], s["code"], s["text"], s["occ"], s["msg"]) for s in load_jsonl(a.unjudged)}
    full = {}
    for e in corpus:
        for f in json.loads((Path(a.results) / f"{e['name']}.json").read_text()) or []:
            k = finding_key(e["name"], f, src)
            if k in wanted:
                full.setdefault(k, (e["name"], f))
    by = collections.defaultdict(lambda: collections.defaultdict(list))
    for k, (repo, f) in sorted(full.items()):
        by[f["code"]][split[repo]].append(k)
    rng = random.Random(a.seed)
    picked = []
    for code in sorted(by):
        d, h = by[code]["dev"], by[code]["held-out"]
        if len(d) + len(h) <= a.all_below:
            picked += d + h
            continue
        nd, nh = min(len(d), a.per_split), min(len(h), a.per_split)
        picked += rng.sample(d, nd) + rng.sample(h, nh)
        print(f"{code}: dev {nd} of {len(d)}, held-out {nh} of {len(h)}")
    with open(a.out, "w", encoding="utf-8") as o:
        for i, k in enumerate(picked):
            repo, f = full[k]
            o.write(json.dumps({"i": i, "key": list(k), "split": split[repo], "f": f}) + "\n")
    print(f"{len(picked)} findings to judge in {a.out}")


if __name__ == "__main__":
    main()
