#!/usr/bin/env bash
# The README's test commands.
#   bash scripts/test.sh          every test, including those that build, boot and
#                                 measure real kernels (what CI runs; 50 min at the last landing)
#   bash scripts/test.sh --unit   the unit tests alone (.unit tag: no kernel source,
#                                 no QEMU, no server); the others are skipped
# Extra arguments go to `swift test` (e.g. --filter GateTests).
# Under CI=true a test whose kernel source, QEMU or tool is missing fails instead
# of skipping (Tests/TestSupport/Requirements.swift).
set -euo pipefail
cd "$(dirname "$0")/.."
unit=0
if [[ "${1:-}" == "--unit" ]]; then unit=1; shift; fi
export KGATE_TEST_CACHE="${KGATE_TEST_CACHE:-$PWD/.ci-cache}"
mkdir -p "$KGATE_TEST_CACHE"
if ((unit)); then
  export KGATE_TESTS=unit
  swift build --build-tests
  swift test --skip-build --disable-xctest "$@"
else
  bash scripts/install-deps.sh
  swift build --build-tests
  swift test --skip-build --no-parallel --disable-xctest "$@"
fi
