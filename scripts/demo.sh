#!/usr/bin/env bash
# The README's main job: on the embedded default tree (Debian's Linux 6.12
# source, imported on first use), check the bundled example series that costs
# TCP throughput, with the pre-merge pipeline, and report the regression.
# Installs what it needs; exits with kgate check's exit code (1 = regression).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
out="${KGATE_REPORT_DIR:-$PWD/kgate-report}"
set +e
.build/release/kgate check --series pipelines/examples/regress-tcp-rcv-audit.mbox --report-dir "$out" "$@"
code=$?
set -e
case $code in
  0) what="pass: no regression found" ;;
  1) what="throughput regression (the expected verdict for this example series)" ;;
  2) what="the patch is broken" ;;
  3) what="inconclusive at the trial cap" ;;
  4) what="infrastructure failure" ;;
  *) what="usage error" ;;
esac
echo "kgate check exit code $code: $what. Reports: $out (summary.md, report.html, junit.xml, kcidb.json)" >&2
exit $code
