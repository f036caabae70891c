#!/usr/bin/env bash
# The README's main job: on the embedded default tree (Debian's Linux 6.12
# source, imported on first use), check the bundled example series that costs
# TCP throughput, with the pre-merge pipeline, and report the regression.
# Installs what the main job needs (not the test-only packages: scripts/test.sh
# installs those); exits with kgate check's exit code (1 = regression).
#
# kgate is compiled in debug mode: 50 s against 137 s for -c release on 2 cores,
# and the job's time is QEMU's, make's and libgit2's, not kgate's Swift code
# (the cold build's configuration step 7-11 s either way).
# Side by side (issue 27): kgate compiles while apt installs the kernel source,
# QEMU and the guest's tools (apt mostly waits for the network and the disk;
# `swift build` links only against the first group). Inside `kgate check` the
# guest image and the KVM probe run while the candidate builds. At the end it
# prints where its time went (also in $out/demo-times.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${KGATE_REPORT_DIR:-$PWD/kgate-report}"
mkdir -p "$out"
logs=$(mktemp -d /tmp/kgate-demo.XXXXXX)
trap 'rm -rf "$logs"' EXIT
start=$(date +%s%N)
declare -a steps=()
elapsed() { echo $((($(date +%s%N) - $1 + 500000000) / 1000000000)); }  # bc may not be installed yet
step() {  # step NAME START: records NAME's seconds since START
  steps+=("$(printf '%-44s %5s s' "$1" "$(elapsed "$2")")")
}

t=$(date +%s%N)
bash scripts/install-deps.sh --swift
step "apt: what swift build links against" "$t"

t=$(date +%s%N)
# Its own process group (setsid), so that an apt failure stops the compilers too.
setsid swift build --product kgate >"$logs/swift-build.log" 2>&1 &
swift_pid=$!
# shellcheck disable=SC2064
trap "kill -- -$swift_pid 2>/dev/null; rm -rf '$logs'" EXIT
t_apt=$(date +%s%N)
bash scripts/install-deps.sh --main
step "apt: the rest of the main job (beside swift build)" "$t_apt"
if ! wait "$swift_pid"; then
  tail -30 "$logs/swift-build.log" >&2
  echo "swift build failed (log above)" >&2
  exit 4
fi
trap 'rm -rf "$logs"' EXIT
step "swift build of kgate, debug (beside apt)" "$t"

t=$(date +%s%N)
set +e
.build/debug/kgate check --series pipelines/examples/regress-tcp-rcv-audit.mbox --report-dir "$out" "$@" \
  2> >(tee "$logs/check.err" >&2)
code=$?
set -e
wait
step "kgate check (import, builds, probe, trials)" "$t"
# kgate's own stage breakdown (tree import, base and candidate builds, image, mode probe, trials).
stages=$(grep -o 'stage breakdown: .*' "$logs/check.err" | tail -1 || true)
case $code in
  0) what="pass: no regression found" ;;
  1) what="throughput regression (the expected verdict for this example series)" ;;
  2) what="the patch is broken" ;;
  3) what="inconclusive at the trial cap" ;;
  4) what="infrastructure failure" ;;
  *) what="usage error" ;;
esac
{
  echo "where the demo's time went (goal: 8 min on a new machine; load $(cut -d' ' -f1-3 /proc/loadavg)):"
  printf '  %s\n' "${steps[@]}"
  [ -z "$stages" ] || echo "  kgate check, $stages"
  printf '  %-44s %5s s\n' "in all" "$(elapsed "$start")"
} | tee "$out/demo-times.txt" >&2
echo "kgate check exit code $code: $what. Reports: $out (summary.md, report.html, junit.xml, kcidb.json)" >&2
exit $code
