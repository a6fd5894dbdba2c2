"""apply_labels.py CANDIDATES.tsv LABELS.tsv > LABELLED.tsv: the hand-written labels applied to the candidates.

LABELS.tsv lines: LABEL<TAB>CAP<TAB>regex<TAB>reason (first match wins, against `key<TAB>source`).
LABEL: T (a generation call of an API in SPEC 2), F (not one), O (a generation call of a provider outside
SPEC 2: neither a miss nor a false positive), S (a framework prompt site such as LangChain `invoke` on a
chat model made elsewhere: the constructor is the call site, so neither a miss nor a false positive).
CAP (T rows): Y the request sets an output cap (or the SDK applies one by default), N it sets none,
D it sets one only when configured (a parameter or config value that is None by default), U cannot be told
from the code. Rows no rule matches go to stderr and count as errors.
"""
import re
import sys

rules = []
for line in open(sys.argv[2], encoding="utf-8"):
    if line.strip() and not line.startswith("#"):
        label, cap, rx, reason = line.rstrip("\n").split("\t")
        rules.append((label, cap, re.compile(rx), reason))
bad = 0
for row in open(sys.argv[1], encoding="utf-8"):
    key, kind, src = row.rstrip("\n").split("\t", 2)
    for label, cap, rx, reason in rules:
        if rx.search(f"{key}\t{src}"):
            print(f"{key}\t{label}\t{cap}\t{reason}")
            break
    else:
        bad += 1
        print("UNLABELLED\t" + row.rstrip("\n")[:240], file=sys.stderr)
sys.exit(1 if bad else 0)
