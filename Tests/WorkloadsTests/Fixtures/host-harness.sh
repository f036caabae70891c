#!/bin/sh
# Runs a generated workload plan on the HOST with busybox sh and stub protocol
# functions (blobs become files in $1). Used during development to validate plans
# and capture real tool outputs; needs root, ip, tc, iperf3, sockperf.
# usage: host-harness.sh OUTDIR PLAN.sh
out=$1; plan=$2
mkdir -p "$out"
cat > "$out/.stubs.sh" <<STUBS
kgate_put() { if cat "\$2" > "$out/\$1" 2>/dev/null; then echo 0 > "$out/\$1.rc"; else echo 1 > "$out/\$1.rc"; return 1; fi; }
kgate_run() { kg_name=\$1; shift; "\$@" > "$out/\$kg_name.out" 2> "$out/\$kg_name.err"; kg_rc=\$?; echo \$kg_rc > "$out/\$kg_name.out.rc"; echo \$kg_rc > "$out/\$kg_name.err.rc"; return \$kg_rc; }
kgate_note() { echo "kgate: \$*" >&2; }
. "$plan"
echo "@@KGATE DONE \$?" >&2
STUBS
busybox sh "$out/.stubs.sh"
