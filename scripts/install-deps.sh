#!/usr/bin/env bash
# Installs the Debian packages kgate needs to build and run (idempotent; quiet when
# all present): the runtime set (scripts/install-runtime.sh) plus the Swift build's
# headers, the kernel build tools, the guest image's tools and the test tools.
set -euo pipefail
bash "$(dirname "$0")/install-runtime.sh"
packages=(
  libgit2-dev libcurl4-openssl-dev zlib1g-dev libssl-dev pkg-config
  gcc libc6-dev make flex bison bc perl libelf-dev ccache xz-utils lz4 cpio kmod
  linux-source-6.12
  qemu-system-x86 busybox-static iperf3 sockperf iproute2 python3 git diffutils time
  python3-venv python3-yaml buildbot buildbot-worker
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "kgate: installing ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
# The CI templates' offline schema check (scripts/lint-ci.sh): check-jsonschema from
# PyPI in its own venv; its vendored GitHub/GitLab schemas need no network at run time.
lint_venv="${KGATE_LINT_VENV:-/opt/kgate-lint}"
if [ ! -x "$lint_venv/bin/check-jsonschema" ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "kgate: installing check-jsonschema into $lint_venv" >&2
  $SUDO python3 -m venv "$lint_venv"
  $SUDO "$lint_venv/bin/pip" install -q check-jsonschema
fi
