#!/usr/bin/env bash
# Runs campaign.sh on every harness, one after another, and prints one summary line per harness.
#   bench/fuzz/campaign-all.sh [SECONDS per harness]    (default 300 s)
# The first campaign builds and instruments (FUZZ_REBUILD=1 forces it, e.g. after changing a parser).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${1:-300}
for harness in $(ls "$here/seeds"); do
  "$here/campaign.sh" "$harness" "$seconds" | head -1
  export FUZZ_REBUILD=0
done
