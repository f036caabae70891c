#!/usr/bin/env bash
# Issue 27's figures against their goals, each next to the old way in the same run
# where the old way can still be run:
#   1. trials: premerge's workloads at today's settings and image against the
#      settings and image of OLD (default: the commit before issue 27), in ABBA
#      order, SEEDS seeded boots each: spread across seeds and QEMU CPU seconds
#      per trial (deterministic mode: CPU seconds follow the guest's instructions,
#      not the host's load), the guest's seconds per phase; then the gate's
#      simulated error rates (`kgate gate simulate`) at the spreads measured;
#   2. time to verdict: `kgate check` of the benign example, base built, with
#      premerge and with the old pipeline (CHECK=1; real boots, KGATE_REMEASURE=1);
#      2b: a new benign series whose candidate is a new kernel, with the boot memo
#      on: first on a base nobody measured, then the list bot's steady state (the
#      base's boots replayed, the candidate's real);
#   3. cold build: kgate against plain `make -j2` of the same .config, ABBA
#      (BUILD=1: benchmarks/build.sh, an untimed warm-up and 4 rounds, ~40 min);
#   4. the newcomer path: `scripts/demo.sh` prints where its time went (run it on a
#      fresh machine; its last breakdown is printed here when one is found).
# usage: benchmarks/speed.sh [bzImage]   (default: the premerge base in $CACHE)
# Environment: KGATE_BIN, CACHE (default $KGATE_CACHE or ~/.cache/kgate), SEEDS (8),
#   OLD (a commit: the old settings and guest helper), CHECK=1, BUILD=1,
#   OLD_BIN (a kgate built from an earlier commit: rows 1b and the check compare
#   its machine and plan with this binary's at today's settings).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
K=${KGATE_BIN:-$ROOT/.build/debug/kgate}
[ -x "$K" ] || swift build >&2
CACHE=${CACHE:-${KGATE_CACHE:-$HOME/.cache/kgate}}
SEEDS=${SEEDS:-8}
OLD=${OLD:-281d81d7784e84c11464e2be9c04e03bf59ea103}  # main before issue 27
WORK=$(mktemp -d /tmp/kgate-speed.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
export CI=1 KGATE_REMEASURE=1
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "kgate speed (issue 27); old = ${OLD:0:12}; cores $(nproc); load before: $(load)"

KERNEL=${1:-}
if [ -z "$KERNEL" ]; then
  KERNEL=$("$K" build --cache "$CACHE" --pipeline premerge 2>/dev/null | tail -1)
fi
[ -f "$KERNEL" ] || { echo "usage: $0 <bzImage> (no premerge base kernel in $CACHE)" >&2; exit 64; }

# The old guest: the old helper source (no `kgate-mm seed`: the crng waits for
# jitter entropy as before) in a copy of today's recipe.
cp -r vm-images "$WORK/old-images"
git show "$OLD:vm-images/files/kgate-mm.c" > "$WORK/old-images/files/kgate-mm.c"
OLD_IMAGE=$("$K" image build --cache "$CACHE" --recipe "$WORK/old-images/guest.recipe" 2>/dev/null | tail -1)
NEW_IMAGE=$("$K" image build --cache "$CACHE" 2>/dev/null | tail -1)
# Each premerge workload's duration and warm-up (a missing warmup: the workload's, 1).
settings() {  # premerge YAML on stdin -> "workload:duration:warmup" lines
  awk '/- workload:/{if(w)print w":"d":"u; w=$3; d=5; u=1} /^ +duration:/{d=$2} /^ +warmup:/{u=$2} END{if(w)print w":"d":"u}'
}
OLD_SET=$(git show "$OLD:pipelines/premerge.yaml" | settings)
NEW_SET=$(settings < pipelines/premerge.yaml)

trials() {  # trials LABEL IMAGE workload:duration:warmup   (BIN=kgate binary, default this one)
  local label=$1 image=$2 w d u
  IFS=: read -r w d u <<<"$3"
  KGATE_TIMINGS=$WORK/$label-$w.jsonl "${BIN:-$K}" run --cache "$CACHE" --kernel "$KERNEL" --workload "$w" \
    --mode deterministic --trials "$SEEDS" --seed 1 --duration "$d" --warmup "$u" --image "$image" --json \
    2>/dev/null | grep '^{' > "$WORK/$label-$w.json" || true
  python3 benchmarks/trial-cost.py "$label $w ${d}s+${u}s" "$WORK/$label-$w.json" "$WORK/$label-$w.jsonl" \
    | tee -a "$WORK/rows"
}
echo
echo "== 1. trials: $SEEDS seeded boots per row, ABBA (old, new, new, old per workload)"
python3 benchmarks/trial-cost.py --header
for s in $OLD_SET; do trials old "$OLD_IMAGE" "$s"; trials new "$NEW_IMAGE" "$(grep "^${s%%:*}:" <<<"$NEW_SET")"; done
for s in $NEW_SET; do trials new2 "$NEW_IMAGE" "$s"; trials old2 "$OLD_IMAGE" "$(grep "^${s%%:*}:" <<<"$OLD_SET")"; done
if [ -n "${OLD_BIN:-}" ]; then
  echo "== 1b. today's settings and image, the kgate binary OLD_BIN ($OLD_BIN: its machine and plan) against this one, ABBA"
  for s in $NEW_SET; do BIN=$OLD_BIN trials before "$NEW_IMAGE" "$s"; trials now "$NEW_IMAGE" "$s"; done
  for s in $NEW_SET; do trials now2 "$NEW_IMAGE" "$s"; BIN=$OLD_BIN trials before2 "$NEW_IMAGE" "$s"; done
fi
echo "(load after: $(load); CPU s are QEMU's user+sys per boot, from wait4; guest s from the guest's clock)"

# Per trial of base or candidate: the sum over premerge's workloads (both ABBA halves).
python3 - "$WORK/rows" <<'EOF' | tee "$WORK/summary"
import sys, re, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 10 or f[3] == "no": continue
    side = f[0].rstrip("2"); cv = float(f[6].rstrip("%")); cpu = float(f[8])
    rows.setdefault(side, {}).setdefault(f[1], []).append((cv, cpu))
for side in ("old", "new", "before", "now"):
    w = rows.get(side, {})
    if not w: continue
    cpu = sum(statistics.mean(c for _, c in v) for v in w.values())
    cvs = " ".join(f"{k} {max(c for c, _ in v):.2f} %" for k, v in sorted(w.items()))
    print(f"{side}: CPU s per trial of every workload {cpu:.1f}; worst CV {cvs}")
EOF

echo
echo "== gate simulation at the spreads measured (premerge trials, threshold 2 %, 1000 runs, normal noise)"
CVS=$(python3 - "$WORK/rows" <<'EOF'
import sys
seen = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) < 10 or f[3] == "no": continue
    seen[(f[0].rstrip("2"), f[1])] = max(seen.get((f[0].rstrip("2"), f[1]), 0), float(f[6].rstrip("%")))
print(" ".join(f"--cv {max(v, 0.01) / 100:.5f}" for v in sorted(set(seen.values()))))
EOF
)
TRIALS=$(awk '/^trials:/{t=1} t&&/min:/{a=$2} t&&/max:/{b=$2} t&&/step:/{c=$2} END{print "--min-trials "a" --max-trials "b" --step "c}' pipelines/premerge.yaml)
# shellcheck disable=SC2086
"$K" gate simulate --mode deterministic --threshold 2% $TRIALS $CVS --correlation 0 --correlation 0.9 \
  --pairing auto --effect 0 --effect 0.02 --effect 0.03 --runs 1000 --noise normal 2>/dev/null | tail -n +4

if [ "${CHECK:-0}" = 1 ]; then
  echo
  echo "== 2. time to verdict: kgate check of the benign example, base built (goal <= 60 s)"
  git show "$OLD:pipelines/premerge.yaml" | sed "s|^guest:|guest:\n  recipe: $WORK/old-images/guest.recipe|; s|\.\./vm-images|$ROOT/vm-images|" \
    > "$WORK/old-premerge.yaml"
  # Variants NAME|BINARY|PIPELINE, run A B B A: the settings before issue 27 against
  # today's, or with OLD_BIN today's settings under that binary against this one.
  if [ -n "${OLD_BIN:-}" ]; then A="OLD_BIN|$OLD_BIN|premerge"; B="this kgate|$K|premerge"
  else A="old premerge|$K|$WORK/old-premerge.yaml"; B="new premerge|$K|premerge"; fi
  timed_check() {  # timed_check LABEL BINARY ARGS...: one `kgate check`, its exit, wall, CPU and stage breakdown
    local label=$1 bin=$2 start code wall u s
    shift 2
    start=$(date +%s.%N)
    set +e
    KGATE_TIMINGS=$WORK/check.jsonl /usr/bin/time -f '%U %S' -o "$WORK/check.time" "$bin" check --cache "$CACHE" "$@" \
      >"$WORK/check.out" 2>"$WORK/check.err"
    code=$?
    set -e
    wall=$(echo "$(date +%s.%N) - $start" | bc -l)
    read -r u s <"$WORK/check.time"
    printf '%-14s exit %d, %6.1f s wall, %6.1f s CPU (kgate, make, QEMU), load %s\n' "$label" "$code" "$wall" \
      "$(echo "$u + $s" | bc -l)" "$(load)"
    grep -o 'base [0-9a-f]*: [0-9]* of [0-9]* seeded boots replayed' "$WORK/check.err" || true
    grep -o 'stage breakdown: .*' "$WORK/check.err" | tail -1 || true
  }
  for v in "$A" "$B" "$B" "$A"; do
    IFS='|' read -r name bin p <<<"$v"
    timed_check "$name" "$bin" --series pipelines/examples/benign-tcp-cleanup.mbox --pipeline "$p"
  done

  echo
  echo "== 2b. time to verdict of a new benign series whose candidate is a new kernel (goal <= 60 s):"
  echo "   run 1 boots every trial (KGATE_REMEASURE=1: a base nobody measured yet); runs 2-4 replay the"
  echo "   base's boots where a check stored them (run 2 stores them if none did): the list bot's steady state"
  # The benign series: a string the kernel keeps but no code reads, appended to
  # net/ipv4/tcp.c with a stamp new to every run, so that no boot memo and no
  # build holds its candidate (the example above changes comments only: its
  # kernel is the base's byte for byte, and with the memo on it would replay).
  repo=$WORK/stamp-repo
  mkdir -p "$repo/net/ipv4"
  git --git-dir="$CACHE/trees/linux-6.12.git" show HEAD:net/ipv4/tcp.c > "$repo/net/ipv4/tcp.c"
  git -C "$repo" init -q -b base && git -C "$repo" add -A
  git -C "$repo" -c user.name=b -c user.email=b@b commit -qm base
  stamped() {  # stamped N: a one-patch mbox on stdout
    git -C "$repo" checkout -q -B "s$1" base
    printf '\n/* kgate benchmarks/speed.sh: kept by the kernel, read by no code */\nstatic const char kgate_speed_stamp[] __used = "%s";\n' \
      "$1 $(date +%s%N)" >> "$repo/net/ipv4/tcp.c"
    git -C "$repo" -c user.name="kgate speed" -c user.email=speed@kgate.invalid commit -qam "tcp: keep a benchmark stamp ($1)"
    git -C "$repo" format-patch -q -1 --stdout
  }
  for n in 1 2 3 4; do
    stamped "$n" > "$WORK/stamp-$n.mbox"
    [ "$n" = 1 ] && remeasure=1 || remeasure=0
    KGATE_REMEASURE=$remeasure timed_check "run $n" "$K" --series "$WORK/stamp-$n.mbox"
  done
fi

if [ "${BUILD:-0}" = 1 ]; then
  echo
  echo "== 3. cold build, kgate against plain make -j$(nproc), ABBA (goal <= 1.05 x)"
  ROUNDS=${ROUNDS:-4} REBUILDS=0 VERIFY=0 bash benchmarks/build.sh | sed -n '/== results/,$p'
fi

echo
echo "== 4. newcomer path: bash scripts/demo.sh on a fresh machine (goal <= 8 min)"
if [ -f "${DEMO_TIMES:-kgate-report/demo-times.txt}" ]; then cat "${DEMO_TIMES:-kgate-report/demo-times.txt}"
else echo "no breakdown here: scripts/demo.sh writes kgate-report/demo-times.txt"; fi
