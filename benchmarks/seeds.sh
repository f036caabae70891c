#!/usr/bin/env bash
# Spread across seeds (issue 13): each built-in workload, SEEDS seeded boots in
# deterministic mode (seed 1..SEEDS, one trial per boot), the CV of the metric
# across seeds, and a repeat of seed 1 that must give the same value.
# usage: benchmarks/seeds.sh <bzImage>   SEEDS=n (default 10), DURATION=s (default 2),
#        WORKLOADS="a b" (default: all built-ins)
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${1:-${KGATE_TEST_KERNEL:-}}
[ -n "$KERNEL" ] && [ -f "$KERNEL" ] || { echo "usage: $0 <bzImage>" >&2; exit 64; }
SEEDS=${SEEDS:-10}
DURATION=${DURATION:-2}
KGATE=${KGATE_BIN:-.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
WORKLOADS=${WORKLOADS:-"tcp-stream-10ms tcp-4flows udp-rate rr-latency tcp-loss-20ms tcp-memcg"}
export CI=1
values() { python3 -c 'import json,sys; [print(json.loads(l)["value"]) for l in sys.stdin if l.startswith("{")]'; }
printf '%-16s %6s %14s %14s %8s %10s %s\n' workload seeds median min cv repeat "wall"
for w in $WORKLOADS; do
  t0=$(date +%s)
  all=$("$KGATE" run --kernel "$KERNEL" --workload "$w" --mode deterministic --trials "$SEEDS" --seed 1 \
        --duration "$DURATION" --json 2>/dev/null | values)
  again=$("$KGATE" run --kernel "$KERNEL" --workload "$w" --mode deterministic --trials 1 --seed 1 \
          --duration "$DURATION" --json 2>/dev/null | values)
  t1=$(date +%s)
  python3 - "$w" "$again" $((t1 - t0)) <<EOF
import statistics, sys
w, again, wall = sys.argv[1], float(sys.argv[2]), sys.argv[3]
v = [float(x) for x in """$all""".split()]
cv = statistics.stdev(v) / statistics.mean(v) * 100 if len(v) > 1 and statistics.mean(v) else float("nan")
same = "same" if again == v[0] else f"DIFFERS ({again} vs {v[0]})"
print(f"{w:<16} {len(v):>6} {statistics.median(v):>14.6g} {min(v):>14.6g} {cv:>7.2f}% {same:>10} {wall} s")
EOF
done
