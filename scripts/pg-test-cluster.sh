#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (docs/DESIGN.md, "The results store").
#   bash scripts/pg-test-cluster.sh start DIR   creates DIR (a new, empty directory), a
#                                               cluster in it listening on a unix socket
#                                               only, database `kgate`; prints its URL
#   bash scripts/pg-test-cluster.sh stop DIR    stops it and removes DIR
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres`
# system user (Debian's postgresql package creates it), so DIR's parent must be one
# that user can enter (/tmp is; a `mktemp -d` directory is not). Local connections are
# trusted: the cluster is reachable only through the socket in DIR.
# KGATE_PG_OPTIONS adds server options (benchmarks/store.sh: "-c fsync=on -c synchronous_commit=on").
set -euo pipefail
bin="${KGATE_PG_BIN:-/usr/lib/postgresql/15/bin}"
usage() { echo "usage: $0 start|stop DIR" >&2; exit 64; }
[ $# -eq 2 ] || usage
action="$1"; dir="$2"
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "$action" in
  start)
    [ -x "$bin/initdb" ] || { echo "$0: $bin/initdb missing (bash scripts/install-deps.sh installs postgresql)" >&2; exit 4; }
    mkdir -p "$dir"
    [ -z "$(ls -A "$dir")" ] || { echo "$0: $dir is not empty" >&2; exit 64; }
    mkdir -p "$dir/data" "$dir/socket"
    if [ "$(id -u)" -eq 0 ]; then
      chown -R postgres: "$dir"; chmod 755 "$dir"
      runuser -u postgres -- test -x "$dir" \
        || { echo "$0: the postgres user cannot enter $dir (put DIR under /tmp)" >&2; rm -rf "$dir"; exit 64; }
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 4; }
    # Small and fast: no fsync (the data is thrown away), few connections.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      -o "-c listen_addresses='' -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40 ${KGATE_PG_OPTIONS:-}" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 4; }
    as_owner "$bin/createdb" -h "$dir/socket" -U postgres kgate
    echo "postgresql://postgres@/kgate?host=$dir/socket"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
