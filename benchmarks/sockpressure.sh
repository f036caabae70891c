#!/usr/bin/env bash
# The memcg-sockpressure showcase (issue 14), measured on the embedded 6.12 tree:
#   1. kgate check --pipeline sockpressure with the shipped fix: improvement, exit 0
#   2. its revert checked on top of the fix (base = the fixed commit): regression, exit 1
#   3. a control patch that touches nothing in mm/ or net/: unchanged, exit 0
#   4. cgroup.memory=nosocket on the base kernel: the clamp and the difference gone
#   5. the spread across SEEDS seeds of the base and the fixed kernel
# Prints the verdict lines, trials and wall time of each check, then the figures.
# usage: benchmarks/sockpressure.sh        SEEDS=n (default 10), STEPS="1 2 3 4 5"
set -euo pipefail
# Time to verdict counts real boots: no seeded boot is replayed from the boot memo
# (docs/DESIGN.md, "Seeds and paired statistics"); KGATE_REMEASURE=0 allows it.
export KGATE_REMEASURE="${KGATE_REMEASURE:-1}"
cd "$(dirname "$0")/.."
KGATE=${KGATE_BIN:-.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
STEPS=${STEPS:-"1 2 3 4 5"}
SEEDS=${SEEDS:-10}
TREE=linux-6.12
FIX=pipelines/examples/vmpressure-costly-order.mbox
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cache=${KGATE_CACHE:-$HOME/.cache/kgate}
"$KGATE" tree import /usr/src/linux-source-6.12.tar.xz --name $TREE >/dev/null
gitdir="$cache/trees/$TREE.git"

timed_check() { # label, args...
  local label=$1; shift
  local t0=$(date +%s) rc=0
  "$KGATE" check --tree $TREE --pipeline sockpressure --report-dir "$work/$label" "$@" > "$work/$label.out" 2> "$work/$label.err" || rc=$?
  echo "== $label: exit $rc, $(( $(date +%s) - t0 )) s"
  grep -E "memcg-sockpressure:|stage breakdown" -A0 "$work/$label.out" "$work/$label.err" | sed 's/^[^:]*://' | head -5
  python3 - "$work/$label/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for w in r["workloads"]:
    v = w["verdict"]; a = v["analysis"]
    print(f'  trials {len(w["baseValues"])}+{len(w["candidateValues"])}, base median {a["baseMedian"]/1e6:.4g} Mbit/s, '
          f'candidate {a["candidateMedian"]/1e6:.4g} Mbit/s, effect {a["effect"]*100:+.2f} % '
          f'[{a["lower"]*100:+.2f}, {a["upper"]*100:+.2f}], p = {a["pValue"]:.3g}')
    for c in w["counterChanges"][:8]:
        print(f'  {c["name"]}: {c["baseMedian"]:.6g} -> {c["candidateMedian"]:.6g}')
PY
}

mail() { # subject, diff file
  printf 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\nFrom: Bench Mark <bench@example.org>\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nSubject: [PATCH] %s\n\n%s\n---\n' "$1" "kgate benchmark patch."
  cat "$2"
  printf -- '-- \n2.39.5\n\n'
}

for step in $STEPS; do
  case $step in
  1) timed_check fix --series "$FIX" ;;
  2) fixed=$("$KGATE" series apply "$FIX" --tree $TREE --base HEAD --ref bench/vmpressure | tail -1)
     git --git-dir "$gitdir" diff --full-index "$fixed" HEAD > "$work/revert.diff"
     mail 'Revert "mm/vmpressure: skip socket pressure for costly order reclaim"' "$work/revert.diff" > "$work/revert.mbox"
     timed_check revert --series "$work/revert.mbox" --base "$fixed" ;;
  3) git --git-dir "$gitdir" show HEAD:kernel/sys.c > "$work/a"
     sed '3s|$| (system calls; kgate control patch)|' "$work/a" > "$work/b"
     { echo "diff --git a/kernel/sys.c b/kernel/sys.c"; diff -u --label a/kernel/sys.c --label b/kernel/sys.c "$work/a" "$work/b" || true; } > "$work/control.diff"
     grep -q '^+' "$work/control.diff" || { echo "control patch is empty" >&2; exit 1; }
     mail "kernel/sys: reword a comment (kgate control)" "$work/control.diff" > "$work/control.mbox"
     timed_check control --series "$work/control.mbox" ;;
  4|5) base=$("$KGATE" build --tree $TREE --rev HEAD | tail -1)
     fixed=$("$KGATE" series apply "$FIX" --tree $TREE --base HEAD --ref bench/vmpressure | tail -1)
     fixedk=$("$KGATE" build --tree $TREE --rev "$fixed" | tail -1)
     summarize() { python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.startswith("{")]
v = [r["value"] for r in rows]
ss = [r["counters"].get("rcv.ss.rcv_ssthresh.max", 0) for r in rows]
cv = statistics.stdev(v) / statistics.mean(v) * 100 if len(v) > 1 else float("nan")
print(f"  {sys.argv[1]}: {len(v)} seeds, median {statistics.median(v)/1e6:.4g} Mbit/s, min {min(v)/1e6:.4g}, max {max(v)/1e6:.4g}, CV {cv:.2f} %, rcv_ssthresh max median {statistics.median(ss):.0f}")
' "$1"; }
     if [ "$step" = 4 ]; then
       echo "== cgroup.memory=nosocket (3 seeds each)"
       for k in base fixedk; do
         "$KGATE" run --kernel "${!k}" --workload memcg-sockpressure --mode deterministic --trials 3 --duration 3 --json \
             --append cgroup.memory=nosocket 2>/dev/null | summarize "$k nosocket"
       done
     else
       echo "== spread across $SEEDS seeds"
       for k in base fixedk; do
         "$KGATE" run --kernel "${!k}" --workload memcg-sockpressure --mode deterministic --trials "$SEEDS" --duration 3 --json \
             2>/dev/null | summarize "$k"
       done
     fi ;;
  esac
done
