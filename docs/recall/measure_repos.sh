#!/bin/sh
# measure_repos.sh OUT [SPLIT] [PYTHONPATH]: dump llm-audit's sites, list candidates and apply the hand labels for
# every repository of docs/recall/repos.yaml (or one split), then score them. Run from the repository root with
# llm-audit installed; the repositories are materialised from /work/.mirror by repos.py (fetch them first).
# PYTHONPATH points dump.py at another checkout's code (e.g. `git archive <commit> | tar -x -C /tmp/base`).
# A candidate no label row matches (a label gap) does not stop the run: apply_labels.py lists it on stderr, the
# repository is named in OUT/gaps.txt with the count, every repository is still scored, and the script exits 1.
set -e
OUT=$1; SPLIT=${2:-all}; PP=${3:-}
mkdir -p "$OUT/sites" "$OUT/cand" "$OUT/lab"
: > "$OUT/gaps.txt"
python docs/recall/repos.py --extract "${RECALL_CORPUS:-/work/recall-corpus}" > "$OUT/repos.txt"
while read -r name split dir; do
  [ "$SPLIT" = all ] || [ "$SPLIT" = "$split" ] || continue
  PYTHONPATH=$PP python docs/recall/dump.py "$dir" "$OUT/sites/$name.json"
  python docs/recall/candidates.py "$dir" "$OUT/sites/$name.json" > "$OUT/cand/$name.tsv"
  if ! python docs/recall/apply_labels.py "$OUT/cand/$name.tsv" "docs/recall/labels/$name.tsv" "$dir" \
      > "$OUT/lab/$name.tsv" 2> "$OUT/lab/$name.unlabelled"; then
    n=$(grep -c '^UNLABELLED' "$OUT/lab/$name.unlabelled" || true)
    echo "$name $split: $n candidate(s) without a label row (see $OUT/lab/$name.unlabelled)" | tee -a "$OUT/gaps.txt" >&2
  fi
done < "$OUT/repos.txt"
python docs/recall/score_repos.py "$OUT/lab" "$OUT/sites" "$SPLIT" -v
if [ -s "$OUT/gaps.txt" ]; then
  echo "label gaps (unlabelled candidates are not scored):" >&2
  cat "$OUT/gaps.txt" >&2
  exit 1
fi
