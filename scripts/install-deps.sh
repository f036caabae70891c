#!/usr/bin/env bash
# Installs the Debian packages kgate needs (idempotent; quiet when all present):
# the runtime set (scripts/install-runtime.sh: what a job running a built kgate
# needs) plus the Swift build's headers, the kernel build tools, the guest's tools.
#   bash scripts/install-deps.sh           everything: kgate, its tests and the CI lint
#   bash scripts/install-deps.sh --swift   what `swift build` links against (the first
#                                          step of scripts/demo.sh; the rest installs
#                                          while kgate compiles)
#   bash scripts/install-deps.sh --main    what the main job needs (`kgate check`:
#                                          build, boot, measure): no test-only packages
set -euo pipefail
swift_packages=(libgit2-dev libcurl4-openssl-dev zlib1g-dev libssl-dev libpq-dev pkg-config)
main_packages=(
  gcc libc6-dev make flex bison bc perl libelf-dev ccache xz-utils lz4 cpio kmod
  linux-source-6.12
  qemu-system-x86 busybox-static iperf3 sockperf iproute2 git diffutils
)
# Only the tests and benchmarks use these: scripts/test-times.py, /usr/bin/time,
# the Buildbot end-to-end tests, the CI templates' schema check (venv below), the
# shared-store tests' throwaway PostgreSQL cluster (scripts/pg-test-cluster.sh), the
# trend page looked at in headless Chromium (TrendBrowserTests, NightlyTrendEndToEndTests).
test_packages=(python3 time python3-venv python3-yaml buildbot buildbot-worker postgresql openssl chromium)
case "${1:-}" in
  --swift) packages=("${swift_packages[@]}") ;;
  --main) packages=("${swift_packages[@]}" "${main_packages[@]}") ;;
  "") packages=("${swift_packages[@]}" "${main_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: $0 [--swift|--main]" >&2; exit 64 ;;
esac
# The runtime set first, except for --swift (compiling needs none of it); then this
# mode's set through the same installer. The newcomer's modes skip recommends; the
# full set keeps them (Buildbot's, for one).
here="$(dirname "$0")"
[ "${1:-}" = "--swift" ] || bash "$here/install-runtime.sh"
recommends=(); [ -z "${1:-}" ] || recommends=(--no-install-recommends)
bash "$here/install-runtime.sh" --packages "${recommends[@]}" "${packages[@]}"
[ -z "${1:-}" ] || exit 0
# The CI templates' offline schema check (scripts/lint-ci.sh): check-jsonschema from
# PyPI in its own venv; its vendored GitHub/GitLab schemas need no network at run time.
lint_venv="${KGATE_LINT_VENV:-/opt/kgate-lint}"
if [ ! -x "$lint_venv/bin/check-jsonschema" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "kgate: installing check-jsonschema into $lint_venv" >&2
  $SUDO python3 -m venv "$lint_venv"
  $SUDO "$lint_venv/bin/pip" install -q check-jsonschema
fi
