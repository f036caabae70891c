#!/usr/bin/env bash
# KernelTree figures on the real Debian 6.12 source, with the built
# .build/debug/kgate and a temporary cache (removed at the end):
# import, first checkout, one-file checkout (mtimes of untouched files kept),
# and a 10-patch apply.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
kgate=${KGATE_BIN:-$root/.build/debug/kgate}
tarball=${1:-/usr/src/linux-source-6.12.tar.xz}
cache=$(mktemp -d /tmp/kgate-bench-tree.XXXXXX)
trap 'rm -rf "$cache"' EXIT
export KGATE_CACHE=$cache CI=1
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

t0=$(now); "$kgate" tree import "$tarball" --name bench >/dev/null; t1=$(now)
echo "import:                 $(secs "$t0" "$t1") s  ($(basename "$tarball"))"

t0=$(now); wt=$("$kgate" tree checkout bench HEAD | cut -f2); t1=$(now)
echo "first checkout:         $(secs "$t0" "$t1") s  ($(find "$wt" -type f -o -type l | wc -l) files)"

# Ten patches, each adding a comment line to a different real file.
patches=$cache/patches; mkdir -p "$patches"
files=(net/ipv4/tcp_input.c net/ipv4/tcp_output.c net/ipv4/tcp.c net/core/dev.c net/core/skbuff.c
       net/ipv4/ip_output.c net/ipv4/route.c net/core/sock.c net/sched/sch_fq.c net/ipv4/tcp_bbr.c)
for i in "${!files[@]}"; do
  f=${files[$i]}
  { head -n 3 "$wt/$f"; echo "/* kgate bench $i */"; tail -n +4 "$wt/$f"; } > "$patches/new"
  printf 'diff --git a/%s b/%s\n' "$f" "$f" > "$patches/$(printf %02d "$i").diff"
  diff -u --label "a/$f" --label "b/$f" "$wt/$f" "$patches/new" >> "$patches/$(printf %02d "$i").diff" || true
done
rm "$patches/new"
t0=$(now); mapfile -t ids < <("$kgate" tree apply bench --onto HEAD --ref bench "$patches"/*.diff); t1=$(now)
echo "apply 10 patches:       $(secs "$t0" "$t1") s  (${#ids[@]} commits, head ${ids[9]:0:12})"

"$kgate" tree checkout bench "${ids[8]}" >/dev/null
probe=(Makefile net/ipv4/tcp_bbr.c net/ipv4/tcp_input.c net/core/dev.c)
before=$(cd "$wt" && stat -c '%n %.9Y' "${probe[@]}")
sleep 0.05
t0=$(now); "$kgate" tree checkout bench "${ids[9]}" 2>"$cache/co.log" >/dev/null; t1=$(now)
after=$(cd "$wt" && stat -c '%n %.9Y' "${probe[@]}")
echo "checkout one-file step: $(secs "$t0" "$t1") s  ($(cut -d: -f2 "$cache/co.log" | cut -d, -f1-2 | xargs))"
changed=$(diff <(echo "$before") <(echo "$after") | grep '^>' | cut -d' ' -f2 | xargs || true)
echo "mtimes changed:         ${changed:-none}  (expected: net/ipv4/tcp_bbr.c only)"
