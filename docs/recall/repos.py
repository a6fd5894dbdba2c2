"""repos.py [--extract DIR] [--only NAME,...]: materialise the repositories of docs/recall/repos.yaml
from their bare mirrors (as the `fetch` tool leaves them under /work/.mirror) at the recorded commits,
into DIR/<name> (default /work/recall-corpus), with docs/precision/run.py's materialiser (snapshots lack
blobs of 4 MiB and more; missing blobs are listed in DIR/<name>/.materialised.json). Prints name, split,
folder per repository. Standard library only; third-party code stays outside the repository.
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "precision"))
from run import load_corpus, materialise


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default=str(HERE / "repos.yaml"))
    ap.add_argument("--mirror", default="/work/.mirror")
    ap.add_argument("--extract", default="/work/recall-corpus")
    ap.add_argument("--only")
    a = ap.parse_args(argv)
    only = set(a.only.split(",")) if a.only else None
    for entry in load_corpus(a.corpus):
        if only and entry["name"] not in only:
            continue
        dest = materialise(entry, a.mirror, a.extract)
        print(entry["name"], entry["split"], dest)


if __name__ == "__main__":
    main()
