#!/bin/sh
# For each built-in workload: the coefficient of variation over N trials in
# deterministic and in tcg mode on one kernel, and the wall time per trial.
# usage: benchmarks/workloads.sh [bzImage]
#   env: TRIALS (10), DURATION (2 s measured), WARMUP (1 s), MODES ("deterministic tcg"),
#        WORKLOADS (all built-ins), KGATE (.build/debug/kgate), KGATE_CACHE (kgate's default)
# Trials of one workload and mode run in one boot; "wall/trial" is the command's
# wall time (boot included) divided by the trials.
set -eu
cd "$(dirname "$0")/.."
KERNEL=${1:-${KGATE_TEST_KERNEL:-/work/fixtures/obj/arch/x86/boot/bzImage}}
TRIALS=${TRIALS:-10}
DURATION=${DURATION:-2}
WARMUP=${WARMUP:-1}
MODES=${MODES:-deterministic tcg}
KGATE=${KGATE:-.build/debug/kgate}
WORKLOADS=${WORKLOADS:-tcp-stream-10ms tcp-loss-20ms tcp-4flows udp-rate rr-latency tcp-memcg}
[ -x "$KGATE" ] || swift build
[ -f "$KERNEL" ] || { echo "kernel not found: $KERNEL" >&2; exit 64; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "kernel: $KERNEL  trials: $TRIALS  duration: ${DURATION}s + ${WARMUP}s warm-up"
printf '%-16s %-14s %6s %16s %8s %8s %11s\n' workload mode valid median cv% range% wall/trial
for w in $WORKLOADS; do
    for m in $MODES; do
        start=$(date +%s.%N)
        if ! "$KGATE" run --kernel "$KERNEL" --workload "$w" --mode "$m" --trials "$TRIALS" \
                --duration "$DURATION" --warmup "$WARMUP" --json > "$tmp/out" 2> "$tmp/err"; then
            echo "$w $m: kgate run failed:" >&2; tail -20 "$tmp/err" >&2
        fi
        end=$(date +%s.%N)
        grep -v '"failure"' "$tmp/out" | grep -o '"value":[-0-9.e+]*' | cut -d: -f2 > "$tmp/values" || true
        unit=$(grep -o '"unit":"[^"]*"' "$tmp/out" | head -1 | cut -d'"' -f4 | sed 's:\\/:/:g')
        total=$(wc -l < "$tmp/out")
        awk -v w="$w" -v m="$m" -v total="$total" -v start="$start" -v end="$end" -v trials="$TRIALS" -v unit="$unit" '
            { v[NR] = $1; s += $1 }
            END {
                n = NR; wall = (end - start) / trials
                if (n == 0) { printf "%-16s %-14s %3d/%-2d %16s %8s %8s %10.1fs\n", w, m, 0, total, "-", "-", "-", wall; exit }
                mean = s / n; ss = 0; lo = v[1]; hi = v[1]
                for (i = 1; i <= n; i++) { ss += (v[i] - mean) ^ 2; if (v[i] < lo) lo = v[i]; if (v[i] > hi) hi = v[i] }
                sd = n > 1 ? sqrt(ss / (n - 1)) : 0
                # median
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
                med = n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
                shown = unit == "bit/s" ? sprintf("%.3f Gbit/s", med / 1e9) : sprintf("%.2f %s", med, unit)
                printf "%-16s %-14s %3d/%-2d %16s %7.2f%% %7.2f%% %10.1fs\n", w, m, n, total, shown, 100 * sd / mean, 100 * (hi - lo) / mean, wall
            }' "$tmp/values"
    done
done
