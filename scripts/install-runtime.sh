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
  libgit2-1.5 libcurl4 libssl3 libsqlite3-0 libpq5 zlib1g
  qemu-system-x86 git python3 ca-certificates
)
# --packages [--no-install-recommends] P...: the same install of other packages (the one
# place kgate's scripts call apt; scripts/install-deps.sh uses it for the build set).
packages=("${runtime_packages[@]}"); options=(--no-install-recommends); what="the runtime packages "
case "${1:-}" in
  --list) printf '%s\n' "${runtime_packages[@]}"; exit 0 ;;
  --packages)
    shift; options=(); what=""
    if [ "${1:-}" = "--no-install-recommends" ]; then options=("$1"); shift; fi
    packages=("$@") ;;
esac
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "kgate: installing $what${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${options[@]}" "${missing[@]}"
fi
