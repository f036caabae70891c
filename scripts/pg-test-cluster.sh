#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the store tests (docs/DESIGN.md, "The results store").
#   bash scripts/pg-test-cluster.sh start DIR   creates DIR (a new, empty directory), a
#                                               cluster in it listening on a unix socket
#                                               and on 127.0.0.1 with TLS (a self-signed
#                                               certificate made here), database `kgate`;
#                                               prints the socket URL and writes the TLS
#                                               one (no sslmode: libpq's prefer) to DIR/tls-url
#   bash scripts/pg-test-cluster.sh stop DIR    stops it and removes DIR
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres`
# system user (Debian's postgresql package creates it), so DIR's parent must be one
# that user can enter (/tmp is; a `mktemp -d` directory is not). Local connections are
# trusted: the cluster is reachable only through the socket in DIR and on loopback.
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
    # TLS on the TCP listener: a throwaway self-signed certificate.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
      -keyout "$dir/data/server.key" -out "$dir/data/server.crt" 2>/dev/null
    chmod 600 "$dir/data/server.key"
    if [ "$(id -u)" -eq 0 ]; then chown postgres: "$dir/data/server.key" "$dir/data/server.crt"; fi
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # Small and fast: no fsync (the data is thrown away), few connections.
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start \
      -o "-c listen_addresses=127.0.0.1 -p $port -c ssl=on -k $dir/socket -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=40 ${KGATE_PG_OPTIONS:-}" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 4; }
    as_owner "$bin/createdb" -h "$dir/socket" -p "$port" -U postgres kgate
    echo "postgresql://postgres@127.0.0.1:$port/kgate" > "$dir/tls-url"
    echo "postgresql://postgres@/kgate?host=$dir/socket&port=$port"
    ;;
  stop)
    if [ -f "$dir/data/postmaster.pid" ]; then
      as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *) usage ;;
esac
