#!/usr/bin/env bash
# Installs what a job that RUNS a built kgate needs (CI shard and merge jobs, a
# runner image): the shared libraries kgate links (libgit2, libcurl, OpenSSL,
# SQLite, zlib; apt pulls their own dependencies), QEMU for the boots, git and
# python3 (the CI templates call them) and CA certificates. Not the Swift
# toolchain (the templates' images carry the Swift runtime) and not the kernel
# build tools: scripts/install-deps.sh installs those, and calls this script.
# Idempotent; quiet when all present. RuntimeInstallTests checks that `ldd` of
# the built kgate resolves only to these packages, their dependencies, base
# Debian and the Swift runtime.
set -euo pipefail
runtime_packages=(
  libgit2-1.5 libcurl4 libssl3 libsqlite3-0 zlib1g
  qemu-system-x86 git python3 ca-certificates
)
if [ "${1:-}" = "--list" ]; then printf '%s\n' "${runtime_packages[@]}"; exit 0; fi
missing=()
for p in "${runtime_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "kgate: installing the runtime packages ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
