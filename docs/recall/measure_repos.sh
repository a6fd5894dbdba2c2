#!/bin/sh
# measure_repos.sh OUT [SPLIT] [PYTHONPATH]: dump llm-audit's sites, list candidates and apply the hand labels for
# every repository of docs/recall/repos.yaml (or one split), then score them. Run from the repository root with
# llm-audit installed; the repositories are materialised from /work/.mirror by repos.py (fetch them first).
# PYTHONPATH points dump.py at another checkout's code (e.g. `git archive <commit> | tar -x -C /tmp/base`).
set -e
OUT=$1; SPLIT=${2:-all}; PP=${3:-}
mkdir -p "$OUT/sites" "$OUT/cand" "$OUT/lab"
python docs/recall/repos.py --extract "${RECALL_CORPUS:-/work/recall-corpus}" > "$OUT/repos.txt"
while read -r name split dir; do
  [ "$SPLIT" = all ] || [ "$SPLIT" = "$split" ] || continue
  PYTHONPATH=$PP python docs/recall/dump.py "$dir" "$OUT/sites/$name.json"
  python docs/recall/candidates.py "$dir" "$OUT/sites/$name.json" > "$OUT/cand/$name.tsv"
  python docs/recall/apply_labels.py "$OUT/cand/$name.tsv" "docs/recall/labels/$name.tsv" "$dir" > "$OUT/lab/$name.tsv"
done < "$OUT/repos.txt"
python docs/recall/score_repos.py "$OUT/lab" "$OUT/sites" "$SPLIT" -v
