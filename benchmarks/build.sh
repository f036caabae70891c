#!/usr/bin/env bash
# Kernel build stage benchmark: cold build, cache hit, incremental rebuild after
# a change to net/ipv4/tcp_input.c, a rebuild after switching to another revision
# and back (ccache), and plain `make -j$JOBS` of the same config for comparison.
#
#   benchmarks/build.sh            (needs `swift build` first; takes 30-60 min on 2 cores)
#
# Environment: KGATE_BIN (default .build/debug/kgate), BENCH_SOURCE (a git clone
# of a kernel tree; default /work/fixtures/linux-src, else the Debian tarball is
# unpacked and committed), BENCH_DIR (scratch, default mktemp), JOBS (default nproc).
# Everything runs in a fresh cache: empty ccache, empty object directory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KGATE=${KGATE_BIN:-$ROOT/.build/debug/kgate}
JOBS=${JOBS:-$(nproc)}
WORK=${BENCH_DIR:-$(mktemp -d /tmp/kgate-bench.XXXXXX)}
SRC=$WORK/src
CACHE=$WORK/cache
PLAIN=$WORK/plain-obj
[ -x "$KGATE" ] || { echo "build kgate first: swift build" >&2; exit 1; }

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.1f'; }
declare -A T
kbuild() {  # kbuild LABEL: kgate build of the checkout as it is; records wall seconds
  local t0 t1; t0=$(now)
  "$KGATE" build --cache "$CACHE" --source "$SRC" --jobs "$JOBS" --timings >"$WORK/$1.out" 2>"$WORK/$1.err" \
    || { echo "kgate build failed ($1):" >&2; tail -20 "$WORK/$1.err" >&2; exit 1; }
  t1=$(now); T[$1]=$(secs "$t0" "$t1")
  grep '^timings:' "$WORK/$1.err" | sed "s/^/  [$1] /" || true
}

echo "bench dir: $WORK  jobs: $JOBS  cpus: $(nproc)  load before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${BENCH_SOURCE:-}" ] || [ -d /work/fixtures/linux-src/.git ]; then
  git clone -q "${BENCH_SOURCE:-/work/fixtures/linux-src}" "$SRC"
else
  mkdir -p "$SRC" && tar -xJf /usr/src/linux-source-6.12.tar.xz -C "$SRC" --strip-components=1
  git -C "$SRC" init -q && git -C "$SRC" add -A && git -C "$SRC" -c user.name=b -c user.email=b@b commit -qm base
fi
G() { git -C "$SRC" -c user.name=bench -c user.email=bench@kgate.invalid "$@"; }
STAMP=$(date +%s)
G checkout -q -b bench-base
# rev-tcp: a real code change in tcp_input.c (unique per run so ccache cannot have it).
G checkout -q -b bench-tcp bench-base
echo "static const int kgate_bench_tcp_$STAMP __maybe_unused = $STAMP;" >> "$SRC/net/ipv4/tcp_input.c"
G commit -qam "bench: tcp_input.c change"
# rev-hdr: another revision changing a header most of net/ includes.
G checkout -q -b bench-hdr bench-base
sed -i "0,/^#include/s//static inline int kgate_bench_hdr_$STAMP(void) { return $STAMP; }\n#include/" "$SRC/include/net/tcp.h"
G commit -qam "bench: include/net/tcp.h change"
# rev-back: the base's code again under a new tree id (a documentation change),
# so the result cache cannot answer and make must rebuild what rev-hdr touched.
G checkout -q -b bench-back bench-base
echo "kgate bench $STAMP" >> "$SRC/Documentation/.gitignore"
G commit -qam "bench: documentation only"
G checkout -q bench-base

echo "== kgate (fresh cache: empty ccache and object directory)"
kbuild cold
kbuild hit
G checkout -q bench-tcp;  kbuild incremental_tcp
G checkout -q bench-hdr;  kbuild other_revision
G checkout -q bench-back; kbuild back_ccache
CONFIG=$(ls "$CACHE"/builds/*/*/config | head -1)
CCSTATS=$(CCACHE_DIR=$CACHE/ccache ccache -s 2>/dev/null | grep -E 'Hits|Misses' | tr -s ' ' | paste -sd' ' || true)

echo "== plain make -j$JOBS (same .config, gcc without ccache, fresh O= directory)"
G checkout -q bench-base
mkdir -p "$PLAIN" && cp "$CONFIG" "$PLAIN/.config"
t0=$(now)
make -s -C "$SRC" O="$PLAIN" ARCH=x86_64 olddefconfig >/dev/null
t1=$(now)
make -s -C "$SRC" O="$PLAIN" ARCH=x86_64 -j"$JOBS" bzImage >"$WORK/plain.log" 2>&1
t2=$(now)
T[plain_config]=$(secs "$t0" "$t1"); T[plain_cold]=$(secs "$t1" "$t2")
cmp -s "$CONFIG" "$PLAIN/.config" && same="identical" || same="DIFFERENT"
# A developer's plain configuration of the same inputs (no compile): what kgate's
# configure step does, by hand with the kernel's own tools.
mkdir -p "$WORK/plain-cfg"
t0=$(now)
make -s -C "$SRC" O="$WORK/plain-cfg" ARCH=x86_64 tinyconfig >/dev/null
"$SRC/scripts/kconfig/merge_config.sh" -m -O "$WORK/plain-cfg" "$WORK/plain-cfg/.config" "$ROOT"/vm-images/kconfig/*.config >/dev/null
make -s -C "$SRC" O="$WORK/plain-cfg" ARCH=x86_64 olddefconfig >/dev/null
t1=$(now); T[plain_devconfig]=$(secs "$t0" "$t1")
cmp -s "$CONFIG" "$WORK/plain-cfg/.config" && devsame="identical" || devsame="DIFFERENT"
touch "$SRC/net/ipv4/tcp_input.c"
t0=$(now); make -s -C "$SRC" O="$PLAIN" ARCH=x86_64 -j"$JOBS" bzImage >>"$WORK/plain.log" 2>&1; t1=$(now)
T[plain_touch]=$(secs "$t0" "$t1")

echo
echo "== results (wall seconds; load after: $(cut -d' ' -f1-3 /proc/loadavg))"
printf '%-48s %8s\n' "kgate cold build (tinyconfig+fragments, make)" "${T[cold]}"
printf '%-48s %8s\n' "kgate cache-hit return" "${T[hit]}"
printf '%-48s %8s\n' "kgate incremental, tcp_input.c changed" "${T[incremental_tcp]}"
printf '%-48s %8s\n' "kgate other revision (include/net/tcp.h)" "${T[other_revision]}"
printf '%-48s %8s\n' "kgate back to base code (ccache)" "${T[back_ccache]}"
printf '%-48s %8s\n' "plain make olddefconfig (copied .config)" "${T[plain_config]}"
printf '%-48s %8s\n' "plain tinyconfig + merge_config.sh + olddefconfig" "${T[plain_devconfig]}"
printf '%-48s %8s\n' "plain make -j$JOBS bzImage, cold" "${T[plain_cold]}"
printf '%-48s %8s\n' "plain make after touch tcp_input.c" "${T[plain_touch]}"
plain_total=$(echo "${T[plain_config]} + ${T[plain_cold]}" | bc -l)
dev_total=$(echo "${T[plain_devconfig]} + ${T[plain_cold]}" | bc -l)
printf 'kgate cold vs plain (copied .config: olddefconfig + make): %+.1f %%   (config %s)\n' \
  "$(echo "(${T[cold]} / $plain_total - 1) * 100" | bc -l)" "$same"
printf 'kgate cold vs plain (tinyconfig + merge_config.sh + olddefconfig + make): %+.1f %%   (config %s)\n' \
  "$(echo "(${T[cold]} / $dev_total - 1) * 100" | bc -l)" "$devsame"
printf 'kgate incremental vs plain after touch: %+.1f s\n' "$(echo "${T[incremental_tcp]} - ${T[plain_touch]}" | bc -l)"
echo "ccache: $CCSTATS"
echo "(shared CPU: other jobs on the host add noise to every figure)"
