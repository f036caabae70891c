#!/usr/bin/env bash
# A sharded kgate check through a real Buildbot (Debian's buildbot and
# buildbot-worker): a master and WORKERS workers on 127.0.0.1, each worker with its
# own kgate cache, running pipelines/ci/buildbot/master.cfg (build once, shards,
# merge, second wave when asked). Then the same check on one machine, and the two
# verdicts compared (same samples, seeds and outcome, same exit code).
# usage: benchmarks/buildbot.sh   SERIES=mbox (default: the regressing example),
#        PIPELINE=name|file (default: the e2e pipeline), TREE=name, WORKERS=n (2),
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
SERIES=$(readlink -f "${SERIES:-pipelines/examples/regress-tcp-rcv-audit.mbox}")
PIPELINE=${PIPELINE:-Tests/EndToEndTests/Fixtures/e2e.yaml}
[ -f "$PIPELINE" ] && PIPELINE=$(readlink -f "$PIPELINE")
TREE=${TREE:-linux-6.12}
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
python3 - "$WORK" "$PORT" "$PW" "$WORKERS" "$KGATE" "$ROOT" "$BUILD_CACHE" "$SERIES" "$PIPELINE" "$TREE" <<'PY'
import json, sys
work, port, pw, n, kgate, repo, cache, series, pipeline, tree = sys.argv[1:]
json.dump({"port": int(port), "change_password": pw, "kgate": kgate, "repo": repo, "build_cache": cache,
           "series": series, "pipeline": pipeline, "tree": tree, "result_dir": work + "/result",
           "workers": {"w%d" % i: {"password": pw, "cache": "%s/cache-w%d" % (work, i)} for i in range(1, int(n) + 1)}},
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
buildbot sendchange --master "127.0.0.1:$PORT" --auth "kgate:$PW" --who benchmark --branch kgate \
  --comments "sharded kgate check" kgate >/dev/null
end=$(( $(date +%s) + TIMEOUT ))
until [ -f "$WORK/result/exit-code" ]; do
  if [ "$(date +%s)" -gt "$end" ]; then echo "buildbot.sh: no merged verdict after ${TIMEOUT}s; logs in $WORK" >&2; exit 4; fi
  sleep 2
done
t1=$(date +%s.%N)
sharded_code=$(cat "$WORK/result/exit-code")
artifact_bytes=$(stat -c %s "$WORK/master/transfer/artifact.tar")
printf 'buildbot: %d workers, merged exit %s, wall %.1f s; artifact %.1f MiB (tar)\n' "$WORKERS" "$sharded_code" \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$artifact_bytes / 1048576" | bc -l)"
[ "$SINGLE" = 1 ] || exit 0

if [ -n "${SINGLE_REPORT:-}" ]; then
  single_dir=$SINGLE_REPORT
  single_code=${SINGLE_EXIT:?SINGLE_EXIT must come with SINGLE_REPORT}
  printf 'one machine: exit %s (run before, %s)\n' "$single_code" "$single_dir"
else
  single_dir=$WORK/single
  t2=$(date +%s.%N)
  set +e
  KGATE_CACHE=$BUILD_CACHE "$KGATE" check --tree "$TREE" --series "$SERIES" --pipeline "$PIPELINE" \
    --report-dir "$single_dir" > "$WORK/single.log" 2>&1
  single_code=$?
  set -e
  t3=$(date +%s.%N)
  printf 'one machine: exit %s, wall %.1f s\n' "$single_code" "$(echo "$t3 - $t2" | bc)"
fi
python3 - "$WORK/result/report/report.json" "$single_dir/report.json" "$sharded_code" "$single_code" <<'PY'
import json, sys
def verdicts(path):
    return {w["workload"]: (w["verdict"]["outcome"], w["baseValues"], w["candidateValues"])
            for w in json.load(open(path))["workloads"]}
a, b = verdicts(sys.argv[1]), verdicts(sys.argv[2])
pairs = [(x, y) for k in a if k in b for x, y in zip(a[k][1] + a[k][2], b[k][1] + b[k][2])]
exact = sum(x == y for x, y in pairs)
# Same outcome and trials; values equal up to the residue of a repeated seeded boot (within 2 %).
same = (set(a) == set(b) and sys.argv[3] == sys.argv[4]
        and all(a[k][0] == b[k][0] and len(a[k][1]) == len(b[k][1]) and len(a[k][2]) == len(b[k][2]) for k in a)
        and all(abs(x / y - 1) < 0.02 for x, y in pairs))
for name in sorted(set(a) | set(b)):
    print("%s: sharded %s, one machine %s" % (name, a.get(name, ("-",))[0], b.get(name, ("-",))[0]))
print("samples: %d of %d bit-identical, largest difference %.4f %%" % (exact, len(pairs),
      max([abs(x / y - 1) * 100 for x, y in pairs] or [0])))
print("verdicts " + ("agree" if same else "DIFFER"))
sys.exit(0 if same else 1)
PY
