#!/usr/bin/env bash
# A sharded kgate check through a real Buildbot (Debian's buildbot and
# buildbot-worker): a master and WORKERS workers, each worker with its own kgate
# cache, running pipelines/ci/buildbot/master.cfg as shipped (build once, shards,
# merge, waves until the gate decides), the check's series, tree and revisions
# handed over as `buildbot sendchange` properties. Then the same check on one
# machine, and the two verdicts compared (same samples, seeds and outcome, same exit code).
# usage: benchmarks/buildbot.sh   SERIES=mbox (default: the regressing example),
#        or BASE=rev HEAD=rev (the pull-request form, no series) with TREE or TREE_URL (+TREE_BRANCH),
#        PIPELINE=name|file (default: premerge), TREE=name, WORKERS=n (2),
#        WORKER_CACHE=dir (every worker's kgate cache; default: one fresh cache each),
#        FAULT=1 to add a check whose tree_url does not exist (expects exit 4, EXCEPTION),
#        MORE="label|mbox label|BASE..HEAD ..." more checks on the same master after it
#        (a series, or the pull-request form on TREE), each printed with its exit code and result,
#        SINGLE=0 to skip the single-machine run, SINGLE_REPORT=dir SINGLE_EXIT=code
#        to compare with a single-machine check already run (same series and
#        pipeline), KGATE_CACHE=the build job's cache
# Prints: wall times, the artifact's size; exit 0 when the verdicts agree.
set -euo pipefail
# Time to verdict counts real boots: no seeded boot is replayed from the boot memo
# (docs/DESIGN.md, "Seeds and paired statistics"); KGATE_REMEASURE=0 allows it.
export KGATE_REMEASURE="${KGATE_REMEASURE:-1}"
cd "$(dirname "$0")/.."
ROOT=$PWD
KGATE=${KGATE_BIN:-$ROOT/.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
KGATE=$(readlink -f "$KGATE")
BASE=${BASE:-}
HEAD=${HEAD:-}
if [ -z "$BASE" ]; then SERIES=$(readlink -f "${SERIES:-pipelines/examples/regress-tcp-rcv-audit.mbox}"); else SERIES=""; fi
PIPELINE=${PIPELINE:-premerge}
[ -f "$PIPELINE" ] && PIPELINE=$(readlink -f "$PIPELINE")
TREE=${TREE:-linux-6.12}
TREE_URL=${TREE_URL:-}
TREE_BRANCH=${TREE_BRANCH:-master}
WORKERS=${WORKERS:-2}
SINGLE=${SINGLE:-1}
TIMEOUT=${TIMEOUT:-5400}
BUILD_CACHE=${KGATE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kgate}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kgate-buildbot.XXXXXX")
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PW=$(python3 -c 'import secrets; print(secrets.token_hex(12))')
command -v buildbot >/dev/null && command -v buildbot-worker >/dev/null \
  || { echo "buildbot.sh: buildbot and buildbot-worker missing; fix: bash scripts/install-deps.sh" >&2; exit 4; }

cleanup() {
  for i in $(seq 1 "$WORKERS"); do buildbot-worker stop "$WORK/w$i" >/dev/null 2>&1 || true; done
  buildbot stop "$WORK/master" >/dev/null 2>&1 || true
}
trap cleanup EXIT

buildbot create-master -q "$WORK/master" >/dev/null
cp pipelines/ci/buildbot/master.cfg "$WORK/master/master.cfg"
python3 - "$WORK" "$PORT" "$PW" "$WORKERS" "$KGATE" "$ROOT" "$BUILD_CACHE" "$PIPELINE" "$TREE" "${WORKER_CACHE:-}" <<'PY'
import json, os, sys
work, port, pw, n, kgate, share, cache, pipeline, tree, worker_cache = sys.argv[1:]
json.dump({"listen": "127.0.0.1", "port": int(port), "change_password": pw, "kgate": kgate, "share": share,
           "build_cache": cache, "pipeline": pipeline, "tree": tree, "result_dir": work + "/result",
           "env": {k: os.environ[k] for k in ("KGATE_REMEASURE", "KGATE_TIMINGS", "KGATE_TIMING_CONTEXT") if k in os.environ},
           "workers": {"w%d" % i: {"password": pw, "cache": worker_cache or "%s/cache-w%d" % (work, i)}
                       for i in range(1, int(n) + 1)}},
          open(work + "/master/kgate-buildbot.json", "w"), indent=1)
PY
buildbot checkconfig "$WORK/master" >/dev/null
buildbot start "$WORK/master" >/dev/null
for i in $(seq 1 "$WORKERS"); do
  buildbot-worker create-worker -q "$WORK/w$i" "127.0.0.1:$PORT" "w$i" "$PW" >/dev/null
  buildbot-worker start "$WORK/w$i" >/dev/null
done
for _ in $(seq 1 60); do
  [ "$(grep -c "attaching from" "$WORK/master/twistd.log" 2>/dev/null || true)" -ge "$WORKERS" ] && break
  sleep 1
done

t0=$(date +%s.%N)
props=()
for p in series:"$SERIES" base:"$BASE" head:"$HEAD" tree_url:"$TREE_URL" tree_branch:"$TREE_BRANCH"; do
  [ -n "${p#*:}" ] && props+=(--property "$p")
done
buildbot sendchange --master "127.0.0.1:$PORT" --auth "kgate:$PW" --who benchmark --branch kgate \
  --comments "sharded kgate check" "${props[@]}" kgate >/dev/null
# await_check N: waits for check N's exit code; sets code and bb_result (the build's Buildbot
# result, 0 success, 1 warnings, 2 failure, 4 exception, read from the master's database once
# the build has finished: its last step writes the exit code).
await_check() {
  local end=$(( $(date +%s) + TIMEOUT )) dir=$WORK/result/check-$1
  until [ -f "$dir/exit-code" ]; do
    if [ "$(date +%s)" -gt "$end" ]; then echo "buildbot.sh: no verdict for check $1 after ${TIMEOUT}s; logs in $WORK" >&2; exit 4; fi
    sleep 1
  done
  code=$(cat "$dir/exit-code")
  bb_result=$(python3 -c 'import sqlite3, sys, time
for _ in range(120):
    r = sqlite3.connect(sys.argv[1]).execute("select results from builds b join builders r on b.builderid = r.id"
                                             " where r.name = ? and b.number = ?", ("kgate-check", int(sys.argv[2]))).fetchone()
    if r and r[0] is not None:
        break
    time.sleep(0.5)
print(r[0] if r and r[0] is not None else "none")' "$WORK/master/state.sqlite" "$1")
}
await_check 1
t1=$(date +%s.%N)
result=$WORK/result/check-1
sharded_code=$code
waves=$(grep -c "^" <(ls "$WORK/master/transfer/check-1" | grep -o '^wave[0-9]*' | sort -u))
artifact_bytes=$(stat -c %s "$WORK/master/transfer/check-1/artifact.tar")
printf 'buildbot: %d workers, merged exit %s, build result %s, %d waves, wall %.1f s; artifact %.1f MiB (tar)\n' \
  "$WORKERS" "$sharded_code" "$bb_result" "$waves" "$(echo "$t1 - $t0" | bc)" "$(echo "$artifact_bytes / 1048576" | bc -l)"
# FAULT=1: a second check whose tree_url does not exist: the machine's (or the request's)
# fault, never the patch's: exit 4, Buildbot result EXCEPTION (4); no kernel is built.
if [ "${FAULT:-0}" = 1 ]; then
  buildbot sendchange --master "127.0.0.1:$PORT" --auth "kgate:$PW" --who benchmark --branch kgate \
    --comments "a tree that does not exist" --property series:"${SERIES:-x}" --property tree_url:"$WORK/no-such-tree.git" \
    kgate >/dev/null
  await_check 2
  printf 'buildbot: fault check (a tree_url that does not exist): exit %s, build result %s\n' "$code" "$bb_result"
fi
# MORE: further checks on the same master, in order (a series file, or BASE..HEAD of TREE).
next=2; [ "${FAULT:-0}" = 1 ] && next=3
for spec in ${MORE:-}; do
  label=${spec%%|*} what=${spec#*|}
  case $what in
    *..*) more=(--property base:"${what%%..*}" --property head:"${what##*..}") ;;
    *) more=(--property series:"$(readlink -f "$what")") ;;
  esac
  buildbot sendchange --master "127.0.0.1:$PORT" --auth "kgate:$PW" --who benchmark --branch kgate \
    --comments "$label" "${more[@]}" kgate >/dev/null
  await_check "$next"
  printf 'buildbot: %s check: exit %s, build result %s\n' "$label" "$code" "$bb_result"
  next=$((next + 1))
done
[ "$SINGLE" = 1 ] || exit 0

if [ -n "${SINGLE_REPORT:-}" ]; then
  single_dir=$SINGLE_REPORT
  single_code=${SINGLE_EXIT:?SINGLE_EXIT must come with SINGLE_REPORT}
  printf 'one machine: exit %s (run before, %s)\n' "$single_code" "$single_dir"
else
  single_dir=$WORK/single
  t2=$(date +%s.%N)
  set +e
  if [ -n "$BASE" ]; then what=(--base "$BASE" --head "$HEAD"); else what=(--series "$SERIES"); fi
  KGATE_CACHE=$BUILD_CACHE "$KGATE" check --tree "$TREE" "${what[@]}" --pipeline "$PIPELINE" \
    --report-dir "$single_dir" > "$WORK/single.log" 2>&1
  single_code=$?
  set -e
  t3=$(date +%s.%N)
  printf 'one machine: exit %s, wall %.1f s\n' "$single_code" "$(echo "$t3 - $t2" | bc)"
fi
python3 - "$result/report/report.json" "$single_dir/report.json" "$sharded_code" "$single_code" <<'PY'
import json, sys
def verdicts(path):
    return {w["workload"]: (w["verdict"]["outcome"], w["baseValues"], w["candidateValues"])
            for w in json.load(open(path))["workloads"]}
a, b = verdicts(sys.argv[1]), verdicts(sys.argv[2])
# Each group's samples compared as sorted lists: the merged report may list a group's trials in
# another order than one machine (seen: two tcp-4flows candidate trials swapped, values identical).
pairs = [(x, y) for k in a if k in b for g in (1, 2) for x, y in zip(sorted(a[k][g]), sorted(b[k][g]))]
reordered = sum(a[k][g] != b[k][g] and sorted(a[k][g]) == sorted(b[k][g]) for k in a if k in b for g in (1, 2))
exact = sum(x == y for x, y in pairs)
# Same outcome and trials; values equal up to the residue of a repeated seeded boot (within 2 %).
same = (set(a) == set(b) and sys.argv[3] == sys.argv[4]
        and all(a[k][0] == b[k][0] and len(a[k][1]) == len(b[k][1]) and len(a[k][2]) == len(b[k][2]) for k in a)
        and all(abs(x / y - 1) < 0.02 for x, y in pairs))
for name in sorted(set(a) | set(b)):
    print("%s: sharded %s, one machine %s" % (name, a.get(name, ("-",))[0], b.get(name, ("-",))[0]))
print("samples: %d of %d bit-identical, largest difference %.4f %%; %d group(s) in another trial order" % (
      exact, len(pairs), max([abs(x / y - 1) * 100 for x, y in pairs] or [0]), reordered))
print("verdicts " + ("agree" if same else "DIFFER"))
sys.exit(0 if same else 1)
PY
