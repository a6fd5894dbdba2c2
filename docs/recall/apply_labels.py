"""apply_labels.py CANDIDATES.tsv LABELS.tsv > LABELLED.tsv: the hand-written labels applied to the candidates.

LABELS.tsv lines: LABEL<TAB>CAP<TAB>regex<TAB>reason (first match wins, against `key<TAB>source`).
LABEL: T (a generation call of an API in SPEC 2), F (not one), O (a generation call of a provider outside
SPEC 2: neither a miss nor a false positive), S (a framework prompt site such as LangChain `invoke` on a
chat model made elsewhere: the constructor is the call site, so neither a miss nor a false positive).
CAP (T rows): Y the request sets an output cap (or the SDK applies one by default), N it sets none,
D it sets one only when configured (a parameter or config value that is None by default), U cannot be told
from the code, A: read mechanically (then spot-checked by hand): Y when the call's source names a cap parameter,
or passes a name (`config=cfg`, `generation_config=gc`, `options=o`, `**params`) whose assignments in the same
file or notebook name one; else N. Lines `+KEY<TAB>LABEL<TAB>CAP<TAB>reason` add a site the candidate net does not catch. Rows no rule matches go to stderr and count as errors.
With REPODIR as a third argument, A is resolved against the repository's files.
"""
import json
import re
import sys
from pathlib import Path

CAPS = re.compile(r"max_tokens|max_output_tokens|max_completion_tokens|maxOutputTokens|num_predict|max_new_tokens|maxTokens|max_tokens_to_sample|max_gen_len|maxTokenCount")
PASSED = re.compile(r"(?:config|generation_config|options|inferenceConfig|body)\s*=\s*([A-Za-z_][\w.]*)|\*\*([A-Za-z_][\w.]*)")
_texts = {}


def file_text(root, key):
    path = key.rsplit(":", 1)[0].split("#cell")[0]
    if path not in _texts:
        p = Path(root) / path
        if p.suffix == ".ipynb":
            nb = json.loads(p.read_text(encoding="utf-8"))
            _texts[path] = "\n".join("".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                                     for c in nb.get("cells", []) if c.get("cell_type") == "code")
        else:
            _texts[path] = p.read_text(encoding="utf-8", errors="replace")
    return _texts[path]


def auto_cap(root, key, src):
    if CAPS.search(src):
        return "Y"
    if root is None:
        return "A"
    text = file_text(root, key)
    for m in PASSED.finditer(src):
        name = (m.group(1) or m.group(2)).split(".")[-1]
        for a in re.finditer(r"(?m)^[ \t]*(?:self\.)?" + re.escape(name) + r"\s*(?::[^=\n]*)?=(?!=)(.*(?:\n[ \t]+.*){0,25})", text):
            if CAPS.search(a.group(1)):
                return "Y"
        if re.search(re.escape(name) + r"\[[\"'](?:" + CAPS.pattern + r")[\"']\]\s*=", text):
            return "Y"
    return "N"

rules, manual = [], []
for line in open(sys.argv[2], encoding="utf-8"):
    if line.startswith("+"):  # +KEY<TAB>LABEL<TAB>CAP<TAB>reason: a site found by reading that the net does not catch
        key, label, cap, reason = line[1:].rstrip("\n").split("\t")
        manual.append(f"{key}\t{label}\t{cap}\t{reason} (found by reading)")
    elif line.strip() and not line.startswith("#"):
        label, cap, rx, reason = line.rstrip("\n").split("\t")
        rules.append((label, cap, re.compile(rx), reason))
root = sys.argv[3] if len(sys.argv) > 3 else None
bad = 0
for row in open(sys.argv[1], encoding="utf-8"):
    key, kind, src = row.rstrip("\n").split("\t", 2)
    for label, cap, rx, reason in rules:
        if rx.search(f"{key}\t{src}"):
            if cap == "A":
                cap = auto_cap(root, key, src)
                reason += " (cap read mechanically)"
            print(f"{key}\t{label}\t{cap}\t{reason}")
            break
    else:
        bad += 1
        print("UNLABELLED\t" + row.rstrip("\n")[:240], file=sys.stderr)
for row in manual:
    print(row)
sys.exit(1 if bad else 0)
