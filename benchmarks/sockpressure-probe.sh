#!/usr/bin/env bash
# Feasibility probe for the memcg-sockpressure scenario (issue 14): boots a kernel
# in deterministic mode with a guest image that adds ss and kgate-mm (compiled
# here from vm-images/files/kgate-mm.c) and runs vm-images/files/sockpressure-probe.sh:
# ext2 on a loop device, hot mapped file pages in the receiver's memcg, a cold
# page-cache stream in another memcg, memory fragmented by pinned pages, order-9
# (THP) allocations while an iperf3 receiver in the memcg runs behind 10 ms netem.
# It prints the receiver memcg's memory.stat before/after, the throughput and the
# receiver's rcv_ssthresh (ss) sampled three times.
# usage: benchmarks/sockpressure-probe.sh <bzImage> [probe args: TRIGGER DUR HOT_MIB EXTFRAG DEFRAG COLD_MIB COLD_SLEEP]
#        SEED=n (default 1), APPEND="kernel words" (e.g. cgroup.memory=nosocket)
set -euo pipefail
cd "$(dirname "$0")/.."
KERNEL=${1:?usage: $0 <bzImage> [probe args]}
shift
KGATE=${KGATE_BIN:-.build/debug/kgate}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -Wall -o "$work/kgate-mm" vm-images/files/kgate-mm.c
here=$(pwd)
sed -e "s#^file files/#file $here/vm-images/files/#" -e "s#^init init#init $here/vm-images/init#" \
    vm-images/guest.recipe > "$work/guest.recipe"
cat >> "$work/guest.recipe" <<R
binary /usr/bin/ss /usr/bin/ss
binary $work/kgate-mm /usr/bin/kgate-mm
dir /mnt
file $here/vm-images/files/sockpressure-probe.sh /usr/bin/sockpressure-probe 0755
R
append=()
for w in ${APPEND:-}; do append+=(--append "$w"); done
"$KGATE" boot --kernel "$KERNEL" --mode deterministic --seed "${SEED:-1}" --recipe "$work/guest.recipe" \
    --timeout 400 "${append[@]}" -- sh /usr/bin/sockpressure-probe "$@"
