#!/usr/bin/env bash
# Boot figures (issues 4 and 15): wall time to the guest's init for kgate's
# deterministic mode, kgate's plain TCG mode and raw QEMU (plain TCG, the same
# kernel and image, no kgate), the ratio of kgate's deterministic boot to raw
# plain TCG, and `kgate boot -- true` end to end. Also the image build and the
# KVM probe.
# usage: benchmarks/boot.sh [bzImage]   (default: $KGATE_TEST_KERNEL)
# REPEAT=n boots per row (default 3). Uses a throw-away cache.
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${1:-${KGATE_TEST_KERNEL:-}}
[ -n "$KERNEL" ] && [ -f "$KERNEL" ] || { echo "usage: $0 <bzImage> (or set KGATE_TEST_KERNEL)" >&2; exit 64; }
REPEAT=${REPEAT:-3}
KGATE=${KGATE_BIN:-.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
CACHE=$(mktemp -d /tmp/kgate-bench.XXXXXX)
qpid=
cleanup() { [ -n "$qpid" ] && kill "$qpid" 2>/dev/null; rm -rf "$CACHE"; }
trap cleanup EXIT
export CI=1   # line-oriented progress
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

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

# Raw QEMU, plain TCG: the same kernel and image, QEMU's defaults, wall time
# until init prints its marker on the console.
raw_boot() {
  local log="$CACHE/raw-console.log"
  : >"$log"
  local t0; t0=$(now)
  qemu-system-x86_64 -nographic -nic none -no-reboot -m 1024 -accel tcg -smp 1 -kernel "$KERNEL" -initrd "$img" \
    -append "console=ttyS0 panic=-1 rdinit=/init" -monitor none -serial "file:$log" >/dev/null 2>&1 &
  qpid=$!
  while ! grep -q 'kgate: init reached' "$log" 2>/dev/null; do
    kill -0 "$qpid" 2>/dev/null || { echo "raw QEMU exited before init" >&2; return 1; }
    sleep 0.01
  done
  local t1; t1=$(now)
  kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null || true; qpid=
  elapsed "$t0" "$t1"
}

declare -A init
for i in $(seq 1 "$REPEAT"); do
  w=$(raw_boot); init[raw]+="$w "
  printf 'boot raw-qemu-tcg    #%d: init at %6.2f s wall\n' "$i" "$w"
done
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
    kg=$(elapsed "$t0" "$t1")
    init[$mode]+="${wall_init:-0} "; init[$mode-e2e]+="$kg "
    printf 'boot %-15s #%d: init at %6s s wall, %5s s guest uptime; boot+poweroff %6s s; kgate boot -- true %5.2f s\n' \
      "$mode" "$i" "${wall_init:--}" "${guest_init:--}" "${total:--}" "$kg"
  done
done
m() { tr ' ' '\n' <<<"${init[$1]}" | grep . | median; }
raw=$(m raw); det=$(m deterministic); tcg=$(m tcg); e2e=$(m deterministic-e2e)
printf 'median wall to init: deterministic %.2f s, kgate tcg %.2f s, raw QEMU tcg %.2f s\n' "$det" "$tcg" "$raw"
printf 'ratio deterministic / raw plain TCG: %.2f; kgate boot -- true (deterministic) end to end: %.2f s\n' \
  "$(echo "$det / $raw" | bc -l)" "$e2e"
