#!/usr/bin/env bash
# Results store figures (issue 30): write and query times on SQLite and PostgreSQL
# at a history of 10,000 runs. A run is `kgate results demo` (one check: 2 builds,
# 2 boots, ~40 trials, ~80 samples with their counters, 3 verdicts, stages), each
# write its own transaction as in a real check.
#   1. SEED runs written one by one into a new SQLite file;
#   2. that file imported (one transaction each) until the history holds RUNS runs;
#   3. the whole history copied into PostgreSQL (`kgate results export --to`);
#   4. on each backend: WRITES more runs written at that history, then
#      `kgate results list`, `show` and `export --format json` of one run (median of 5).
# PostgreSQL is a throwaway local cluster (scripts/pg-test-cluster.sh) on a unix socket
# with fsync and synchronous_commit ON, so both backends write durably.
# usage: benchmarks/store.sh   (RUNS=10000 SEED=100 WRITES=50)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-10000}; SEED=${SEED:-100}; WRITES=${WRITES:-50}
KGATE=${KGATE_BIN:-.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
work=$(mktemp -d /tmp/kgate-store-bench.XXXXXX)
pg_dir=$(mktemp -d -u /tmp/kgate-store-pg.XXXXXX)   # the postgres user must enter it
cleanup() { bash scripts/pg-test-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
export CI=1 KGATE_CACHE="$work/cache"
pg=$(KGATE_PG_OPTIONS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on" bash scripts/pg-test-cluster.sh start "$pg_dir")
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
timed() { local t0 t1; t0=$(now); "$@" >/dev/null; t1=$(now); secs "$t0" "$t1"; }
median5() { for _ in 1 2 3 4 5; do timed "$@"; done | median; }

echo "host: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/lib/postgresql/15/bin/postgres --version)"
seed="$work/seed.sqlite"; big="$work/big.sqlite"
t=$(timed "$KGATE" results demo --count "$SEED" --store "$seed")
printf 'seed: %d runs written one by one into SQLite: %.1f s (%.0f ms a run)\n' "$SEED" "$t" "$(echo "$t * 1000 / $SEED" | bc -l)"
t0=$(now)
for _ in $(seq 1 $((RUNS / SEED))); do "$KGATE" results import --from "$seed" --store "$big" >/dev/null; done
t1=$(now)
printf 'grow: %d imports of %d runs into SQLite: %.1f s\n' $((RUNS / SEED)) "$SEED" "$(secs "$t0" "$t1")"
t=$(timed "$KGATE" results export --to "$pg" --store "$big")
rows=$(sqlite3 "$big" "SELECT (SELECT COUNT(*) FROM runs), (SELECT COUNT(*) FROM samples) + (SELECT COUNT(*) FROM counters) + (SELECT COUNT(*) FROM trials)" 2>/dev/null || echo "?")
printf 'copy: the %s-run history (runs|sample+counter+trial rows: %s) into PostgreSQL in one transaction: %.1f s\n' "$RUNS" "$rows" "$t"
echo
printf '%-11s %9s %13s %13s %13s %13s\n' backend history "write ms/run" "list ms" "show ms" "export ms"
for backend in sqlite postgres; do
  store=$big; [ "$backend" = postgres ] && store=$pg
  w=$(timed "$KGATE" results demo --count "$WRITES" --store "$store")
  id=$("$KGATE" results list --limit 1 --store "$store" | awk 'NR==2 {print $1}')
  l=$(median5 "$KGATE" results list --store "$store")
  s=$(median5 "$KGATE" results show "$id" --store "$store")
  e=$(median5 "$KGATE" results export "$id" --format json --store "$store")
  printf '%-11s %9d %13.0f %13.0f %13.0f %13.0f\n' "$backend" "$RUNS" "$(echo "$w * 1000 / $WRITES" | bc -l)" \
    "$(echo "$l * 1000" | bc -l)" "$(echo "$s * 1000" | bc -l)" "$(echo "$e * 1000" | bc -l)"
done
t=$(timed "$KGATE" --help); printf '(kgate --help alone: %.0f ms: process start, included in every query figure)\n' "$(echo "$t * 1000" | bc -l)"
