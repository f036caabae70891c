#!/usr/bin/env bash
# The GitLab template's cache, measured: pipelines/ci/gitlab-ci.yml as shipped, run
# twice by the local executor (scripts/ci-local/gitlab.py) on the same series with
# an EMPTY cache store at first: the first run cold-builds both kernels (no built
# kernels, no compiler cache), the second restores the GitLab cache the first saved.
# usage: benchmarks/gitlab.sh   SERIES=path in this checkout (default: the regressing example),
#        PIPELINE=name (premerge), TREE_URL=git URL (default: the test cache's linux-6.12 tree),
#        TREE_BRANCH=main, BOOT_MEMO=dir (a kgate boot memo to start the shards' caches from,
#        so the figures are the build's; default: none, every boot is real)
# The jobs clone this checkout's HEAD (commit first). Prints: each run's wall time, its
# build job's time and whether it built; exit 0 when the second run built nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KGATE=${KGATE_BIN:-$ROOT/.build/debug/kgate}
[ -x "$KGATE" ] || swift build >&2
SERIES=${SERIES:-pipelines/examples/regress-tcp-rcv-audit.mbox}
PIPELINE=${PIPELINE:-premerge}
TREE_URL=${TREE_URL:-${KGATE_TEST_CACHE:-$ROOT/.ci-cache}/trees/linux-6.12.git}
TREE_BRANCH=${TREE_BRANCH:-main}
REF=$(git rev-parse HEAD)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kgate-gitlab-bench.XXXXXX")
STORE=$WORK/cache-store
if [ -n "${BOOT_MEMO:-}" ]; then
  for n in 1 2; do
    mkdir -p "$STORE/kgate-boots-$REF-$PIPELINE-$n/.kgate-cache"
    cp -a "$BOOT_MEMO" "$STORE/kgate-boots-$REF-$PIPELINE-$n/.kgate-cache/boot-memo"
  done
fi
run() {
  local t0 t1 code
  t0=$(date +%s.%N)
  set +e
  python3 scripts/ci-local/gitlab.py pipelines/ci/gitlab-ci.yml --project "$ROOT" --work "$WORK/$1" \
    --cache-store "$STORE" --summary "$WORK/$1.json" --var KGATE_BIN="$KGATE" --var KGATE_GIT_URL="$ROOT" \
    --var KGATE_GIT_REF="$REF" --var KGATE_SERIES="$SERIES" --var KGATE_PIPELINE="$PIPELINE" \
    --var KGATE_TREE_URL="$TREE_URL" --var KGATE_TREE_BRANCH="$TREE_BRANCH" > "$WORK/$1.log" 2>&1
  code=$?
  set -e
  t1=$(date +%s.%N)
  python3 - "$WORK/$1.json" "$1" "$(echo "$t1 - $t0" | bc)" "$code" <<'PY'
import json, re, sys
summary, name, wall, code = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
jobs = {j["name"]: j for j in json.load(open(summary))["jobs"]}
build = jobs["kgate-build"]
log = open(build["log"]).read()
built = re.findall(r"build (base|candidate) [0-9a-f]{12}: [^,\n]+, ([0-9.]+ s)", log)
verdict = jobs.get("kgate-verdict", {}).get("exit_code")
print("gitlab %s run: wall %.1f s, verdict exit %s (pipeline exit %s); build job %.1f s, %s" % (
    name, wall, verdict, code, build["seconds"],
    "built " + ", ".join("%s in %s" % b for b in built) if built else "both kernels from the cache"))
PY
}
run cold
run warm
# The second run's build job: both kernels result-cache hits ("…, cached"), no make.
python3 - "$WORK/warm.json" <<'PY' || { echo "gitlab.sh: the second run built a kernel; logs in $WORK" >&2; exit 1; }
import json, re, sys
jobs = {j["name"]: j for j in json.load(open(sys.argv[1]))["jobs"]}
sys.exit(0 if len(re.findall(r"build (base|candidate) [0-9a-f]{12}: [^,\n]+, cached", open(jobs["kgate-build"]["log"]).read())) == 2 else 1)
PY
echo "gitlab.sh: logs in $WORK"
