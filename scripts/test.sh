#!/usr/bin/env bash
# The README's test command: installs what the tests need, builds kgate and
# runs every test, including those that build and boot a real kernel.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export KGATE_TEST_CACHE="${KGATE_TEST_CACHE:-$PWD/.ci-cache}"
mkdir -p "$KGATE_TEST_CACHE"
swift build
swift test --no-parallel
