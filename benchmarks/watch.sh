#!/usr/bin/env bash
# Series per hour of one `kgate watch` runner: the watcher checks the bundled
# example series (three series, four patches) from a local patchwork stand-in
# (Tests/TestSupport/fake_patchwork.py) with the premerge pipeline (or $PIPELINE),
# in a cache whose tree is imported and base built ($BENCH_CACHE, e.g. the cache
# benchmarks/check.sh leaves). Prints one line per series (verdict, time), the
# stage breakdowns, the wall time and series per hour. Real boots: no seeded
# boot is replayed from the boot memo unless KGATE_REMEASURE=0.
set -euo pipefail
export KGATE_REMEASURE="${KGATE_REMEASURE:-1}"
cd "$(dirname "$0")/.."
if [ -z "${KGATE_BIN:-}" ]; then swift build -c release >/dev/null; fi
K=${KGATE_BIN:-$PWD/.build/release/kgate}
PIPELINE=${PIPELINE:-premerge}
CACHE=${BENCH_CACHE:?set BENCH_CACHE to a kgate cache with the tree imported and the base built}
DIR=$(mktemp -d /tmp/kgate-bench-watch.XXXXXX)
PW=
cleanup() { if [ -n "$PW" ]; then kill "$PW" 2>/dev/null || true; wait "$PW" 2>/dev/null || true; fi; rm -rf "$DIR"; }
trap cleanup EXIT

python3 - "$DIR" <<'EOF'
import json, sys
d = sys.argv[1]
examples = ["benign-tcp-cleanup.mbox", "regress-tcp-rcv-audit.mbox", "vmpressure-costly-order.mbox"]
series, events = [], []
for i, name in enumerate(examples):
    sid = 900 + i
    mbox = open("pipelines/examples/" + name).read()
    n = max(1, sum(1 for l in mbox.splitlines() if l.startswith("Subject: [PATCH") and " 0/" not in l))
    series.append({"id": sid, "project": "bench", "version": 1, "name": name, "date": "2026-12-07T10:00:00.000000",
                   "receivedAll": True, "patches": [sid * 100 + k for k in range(1, n + 1)], "mbox": mbox, "messageIDs": []})
    events.append({"id": i + 1, "category": "series-completed", "project": "bench",
                   "date": "2026-12-07T10:00:%02d.000000" % i, "series": sid})
json.dump({"token": "bench-token", "pageSize": 30, "series": series, "events": events, "failPosts": {}, "filters": True},
          open(d + "/world.json", "w"))
EOF
python3 Tests/TestSupport/fake_patchwork.py "$DIR" bench &
PW=$!
for _ in $(seq 100); do [ -s "$DIR/port" ] && break; sleep 0.1; done
PORT=$(cat "$DIR/port")

echo "cache: $CACHE  pipeline: $PIPELINE  cores: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
set +e
KGATE_PATCHWORK_TOKEN=bench-token "$K" watch --once --cache "$CACHE" --patchwork "http://127.0.0.1:$PORT/bench" \
  --project bench --since 2026-01-01T00:00:00 --pipeline "$PIPELINE" --report-root "$DIR/reports" \
  >"$DIR/watch.out" 2>"$DIR/watch.err"
code=$?
set -e
end=$(date +%s.%N)
grep -h -E "^watch: bench series|stage breakdown" "$DIR/watch.err" | sed 's/^/    /'
checked=$(grep -c "^watch: bench series" "$DIR/watch.err" || true)
posted=$(wc -l <"$DIR/checks.jsonl" 2>/dev/null || echo 0)
wall=$(echo "$end - $start" | bc)
printf 'kgate watch --once: exit %d, %d series checked, %d checks posted, wall %.1f s\n' "$code" "$checked" "$posted" "$wall"
if [ "$checked" -gt 0 ]; then
  printf 'series per hour on this runner: %.1f (%.0f s a series)\n' "$(echo "$checked * 3600 / $wall" | bc -l)" \
    "$(echo "$wall / $checked" | bc -l)"
fi
exit "$code"
