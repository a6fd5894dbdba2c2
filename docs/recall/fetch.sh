#!/bin/bash
# fetch.sh: download the sampled packages (sdist, else wheel) and unpack each into $REALCODE/src/<name>-<version>.
# Nothing here goes into the repository. Needs only a PyPI mirror: `pip download --no-deps`.
set -u
REALCODE=${REALCODE:-/tmp/realcode}
PIP=${PIP:-pip}
mkdir -p "$REALCODE/dl" "$REALCODE/src"
grep -v '^#' "$(dirname "$0")/packages.txt" | while read -r spec _; do
  [ -z "$spec" ] && continue
  name=${spec%%==*}; version=${spec##*==}
  (cd "$REALCODE/dl" && { $PIP download -q --no-deps --no-binary :all: "$spec" 2>/dev/null || $PIP download -q --no-deps "$spec"; }) || echo "skip $spec"
done
cd "$REALCODE/src"
for f in ../dl/*.tar.gz; do d=$(basename "$f" .tar.gz); [ -d "$d" ] || tar xzf "$f"; done
for f in ../dl/*.whl; do d=$(basename "$f" | cut -d- -f1-2); [ -d "$d" ] || (mkdir -p "$d" && cd "$d" && unzip -q -o "../$f"); done
ls "$REALCODE/src"
