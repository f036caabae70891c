#!/usr/bin/env bash
# The README's test commands.
#   bash scripts/test.sh          every test, including those that build, boot and
#                                 measure real kernels (what CI runs)
#   bash scripts/test.sh --unit   the unit tests alone (.unit tag: no kernel source,
#                                 no QEMU, no server); the others are skipped
# Extra arguments go to `swift test` (e.g. --filter GateTests).
# Under CI=true a test whose kernel source, QEMU or tool is missing fails instead
# of skipping (Tests/TestSupport/Requirements.swift).
# The shared-store tests (.database) need a PostgreSQL server: unless
# KGATE_TEST_PG_URL names one, a throwaway cluster is started for the run
# (scripts/pg-test-cluster.sh) and stopped when it ends, whatever the outcome.
#
# Where the time went: every kernel build and boot of the run is a line in
# $KGATE_TEST_CACHE/timings/records.jsonl (KGATE_TIMINGS), the swift test log is
# kept beside it, and the end of the run prints the suites, the slowest twenty
# tests, builds and boots (scripts/test-times.py; also in timings/summary.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
unit=0
if [[ "${1:-}" == "--unit" ]]; then unit=1; shift; fi
export KGATE_TEST_CACHE="${KGATE_TEST_CACHE:-$PWD/.ci-cache}"
timings="$KGATE_TEST_CACHE/timings"
mkdir -p "$timings"
export KGATE_TIMINGS="$timings/records.jsonl"
: > "$KGATE_TIMINGS"
parallel=(--no-parallel)
if ((unit)); then
  export KGATE_TESTS=unit
  parallel=()
else
  bash scripts/install-deps.sh
fi
# Temporary files of this run (tests keep theirs for inspection after a failure):
# one directory, removed when every test passed, named on stderr when one failed.
base_tmp="${TMPDIR:-/tmp}"
run_tmp="$(mktemp -d "$base_tmp/kgate-tests.XXXXXX")"
export TMPDIR="$run_tmp"
# The host's CPU every 5 s (/proc/stat), for the share of the run the cores were busy.
( while :; do printf '%s %s\n' "$(date +%s)" "$(head -n1 /proc/stat)"; sleep 5; done ) > "$timings/cpu.txt" &
sampler=$!
status=1
pg_dir=""
finish() {
  kill "$sampler" 2>/dev/null || true
  if [ -n "$pg_dir" ]; then bash scripts/pg-test-cluster.sh stop "$pg_dir" || true; fi
  if ((status == 0)); then rm -rf "$run_tmp"; else echo "test.sh: temporary files kept in $run_tmp" >&2; fi
}
trap finish EXIT
if ((!unit)) && [ -z "${KGATE_TEST_PG_URL:-}" ]; then
  # Beside the run's directory, not in it: the postgres user cannot enter a mktemp -d.
  pg_dir="$(mktemp -d -u "$base_tmp/kgate-pg.XXXXXX")"
  if url="$(bash scripts/pg-test-cluster.sh start "$pg_dir")"; then
    export KGATE_TEST_PG_URL="$url" KGATE_TEST_PG_TLS_URL="$(cat "$pg_dir/tls-url")"
  else
    echo "test.sh: no PostgreSQL test cluster; the .database tests skip (fail under CI=true)" >&2
  fi
fi
started=$SECONDS
swift build --build-tests
built=$((SECONDS - started))
set +e
swift test --skip-build "${parallel[@]}" --disable-xctest "$@" 2>&1 | tee "$timings/swift-test.log"
status=${PIPESTATUS[0]}
set -e
# Tests run in parallel under --unit, where a test's time includes its wait: no table.
if ((!unit)); then
  python3 scripts/test-times.py --log "$timings/swift-test.log" --timings "$KGATE_TIMINGS" \
    --swift-build-seconds "$built" --cpu "$timings/cpu.txt" | tee "$timings/summary.txt"
fi
exit "$status"
