#!/usr/bin/env bash
# Time-to-verdict of `kgate check` on a one-patch net series (the bundled
# regressing example), with the premerge pipeline (or $PIPELINE):
#   1. from cold: an empty cache (tree import, base and candidate builds, ...)
#   2. with the base already built: a one-patch series on the same base
# Prints each run's stage breakdown and wall time. Uses a release build
# (or the binary in $KGATE_BIN).
set -euo pipefail
# Time to verdict counts real boots: no seeded boot is replayed from the boot memo
# (docs/DESIGN.md, "Seeds and paired statistics"); KGATE_REMEASURE=0 allows it.
export KGATE_REMEASURE="${KGATE_REMEASURE:-1}"
cd "$(dirname "$0")/.."
if [ -z "${KGATE_BIN:-}" ]; then swift build -c release >/dev/null; fi
K=${KGATE_BIN:-$PWD/.build/release/kgate}
PIPELINE=${PIPELINE:-premerge}
CACHE=${BENCH_CACHE:-$(mktemp -d /tmp/kgate-bench-check.XXXXXX)}
mkdir -p "$CACHE"
SERIES=pipelines/examples/regress-tcp-rcv-audit.mbox
BENIGN=pipelines/examples/benign-tcp-cleanup.mbox

run() {
  local label=$1 series=$2
  local start end code
  start=$(date +%s.%N)
  set +e
  "$K" check --cache "$CACHE" --series "$series" --pipeline "$PIPELINE" --report-dir "$CACHE/report-$label" \
    >"$CACHE/$label.out" 2>"$CACHE/$label.err"
  code=$?
  set -e
  end=$(date +%s.%N)
  printf '%-28s exit %d  wall %7.1f s\n' "$label" "$code" "$(echo "$end - $start" | bc)"
  grep -h "stage breakdown" "$CACHE/$label.err" | sed 's/^/    /'
  grep -h -E "^tcp|^rr|^udp" "$CACHE/$label.err" | sed 's/^/    /' || true
}

echo "cache: $CACHE  pipeline: $PIPELINE  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
run cold-regressing "$SERIES"
run warm-base-benign "$BENIGN"
run warm-base-regressing-again "$SERIES"
