#!/usr/bin/env bash
# Guest image and boot figures (issue 4): image build time and size (cold and
# cached), boot to init in guest time and wall time per mode, KVM probe cost.
# usage: benchmarks/boot.sh [bzImage]   (default: $KGATE_TEST_KERNEL)
# REPEAT=n boots per mode (default 2). Uses a throw-away cache.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${1:-${KGATE_TEST_KERNEL:-}}
[ -n "$KERNEL" ] && [ -f "$KERNEL" ] || { echo "usage: $0 <bzImage> (or set KGATE_TEST_KERNEL)" >&2; exit 64; }
REPEAT=${REPEAT:-2}
KGATE=${KGATE_BIN:-.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
CACHE=$(mktemp -d /tmp/kgate-bench.XXXXXX)
trap 'rm -rf "$CACHE"' EXIT
export CI=1   # line-oriented progress
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }

echo "host: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(qemu-system-x86_64 --version | head -1)"
echo "kernel: $KERNEL ($(file -b "$KERNEL" | grep -o 'version [^ ]*'))"

t0=$(now); img=$("$KGATE" image build --cache "$CACHE" 2>/dev/null | tail -1); t1=$(now)
size=$(stat -c %s "$img")
printf 'image build cold:   %6.2f s wall, %d bytes (%.1f MiB)\n' "$(elapsed "$t0" "$t1")" "$size" "$(echo "$size/1048576" | bc -l)"
t0=$(now); img2=$("$KGATE" image build --cache "$CACHE" 2>/dev/null | tail -1); t1=$(now)
[ "$img" = "$img2" ] || { echo "cached build gave another image" >&2; exit 1; }
printf 'image build cached: %6.2f s wall, same path %s\n' "$(elapsed "$t0" "$t1")" "$(basename "$img")"

probe=$("$KGATE" boot --cache "$CACHE" --kernel "$KERNEL" --probe-kvm 2>/dev/null | tail -1)
echo "kvm probe: $probe"

for mode in deterministic tcg kvm; do
  if [ "$mode" = kvm ] && ! grep -q 'usable=true' <<<"$probe"; then
    echo "boot kvm: skipped (probe says unusable)"; continue
  fi
  for i in $(seq 1 "$REPEAT"); do
    t0=$(now)
    line=$("$KGATE" boot --cache "$CACHE" --kernel "$KERNEL" --mode "$mode" --timeout 300 -- true 2>&1 >/dev/null | grep '^boot: ' | head -1)
    t1=$(now)
    wall_init=$(sed -n 's/.*init reached after \([0-9.]*\) s wall.*/\1/p' <<<"$line")
    guest_init=$(sed -n 's/.*guest uptime \([0-9.]*\) s.*/\1/p' <<<"$line")
    total=$(sed -n 's/.*), \([0-9.]*\) s in all.*/\1/p' <<<"$line")
    printf 'boot %-13s #%d: init at %6s s wall, %5s s guest uptime; boot+poweroff %6s s; kgate %5.2f s\n' \
      "$mode" "$i" "${wall_init:--}" "${guest_init:--}" "${total:--}" "$(elapsed "$t0" "$t1")"
  done
done
