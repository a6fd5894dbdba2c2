"""label.py CALLS.tsv RULES... > LABELS.tsv: apply the hand-written labelling rules; unlabelled rows go to stderr.

A rules file has lines `LABEL<TAB>regex<TAB>reason`; the regex is matched against
`key<TAB>kind<TAB>source` (llm-audit's api column is deliberately not part of it), first match wins.
T = a generation call in scope (SPEC §2 APIs, OpenAI/Anthropic-shaped clients of other vendors,
instructor-patched clients, LangChain/LlamaIndex model constructors, vLLM SamplingParams);
F = not a generation call; O = a generation call on a provider outside SPEC §2 (neither counted
as a miss nor as a false positive).
"""
import re
import sys

rules = []
for path in sys.argv[2:]:
    for line in open(path):
        if line.strip() and not line.startswith("#"):
            label, rx, reason = line.rstrip("\n").split("\t")
            rules.append((label, re.compile(rx), reason))
for row in open(sys.argv[1]):
    key, kind, api, src = row.rstrip("\n").split("\t", 3)
    subject = f"{key}\t{kind}\t{src}"
    for label, rx, reason in rules:
        if rx.search(subject):
            print(f"{key}\t{label}\t{reason}")
            break
    else:
        print("UNLABELLED\t" + row.rstrip("\n")[:220], file=sys.stderr)
