#!/bin/bash
# measure.sh [OUTDIR]: run llm-audit on every unpacked package, build the candidate lists, label them, score.
# Env: REALCODE (default /tmp/realcode, where fetch.sh unpacked), PYTHON (the one llm-audit is installed in).
# To measure another checkout of llm-audit, put it first on PYTHONPATH.
set -u
here=$(cd "$(dirname "$0")" && pwd)
REALCODE=${REALCODE:-/tmp/realcode}
PYTHON=${PYTHON:-python}
out=${1:-$REALCODE/measure}
mkdir -p "$out/sites" "$out/calls" "$out/labels"
grep -v '^#' "$here/packages.txt" | while read -r spec group folder only; do
  [ -z "$spec" ] && continue
  src="$REALCODE/src/$folder"
  [ -d "$src" ] || { echo "missing $src (run fetch.sh)"; continue; }
  $PYTHON "$here/dump.py" "$src" "$out/sites/$folder.json"
  $PYTHON "$here/calls.py" "$src" "$out/sites/$folder.json" ${only:+"$only"} > "$out/calls/$folder.tsv"
  $PYTHON "$here/label.py" "$out/calls/$folder.tsv" "$here/rules/common.tsv" $( [ -f "$here/rules/$folder.tsv" ] && echo "$here/rules/$folder.tsv" ) "$here/rules/generic.tsv" > "$out/labels/$folder.tsv" 2> "$out/labels/$folder.unlabelled"
done
for set in dev held-out all; do echo "## $set"; $PYTHON "$here/score.py" "$out" "$set"; done
