#!/bin/bash
# Coverage-guided fuzzing of the mail/series parser (PatchSeries) with
# libFuzzer through swiftc -sanitize=fuzzer.
#
#   benchmarks/fuzz-series.sh            # 120 s
#   FUZZ_SECONDS=600 benchmarks/fuzz-series.sh
#
# Builds KGateCore as a static library and the parser sources plus
# benchmarks/fuzz/FuzzSeries.swift as the fuzzer (outside `swift build`),
# seeds the corpus from Tests/PatchSeriesTests/Fixtures (every mail, mbox and
# format-patch file), runs for FUZZ_SECONDS on one core, and prints the
# executions and crashes. Crash inputs land in $OUT/crashes; add each as a
# regression fixture under Tests/PatchSeriesTests/Fixtures/fuzz/.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${FUZZ_OUT:-$ROOT/.build/fuzz-series}
SECONDS_BUDGET=${FUZZ_SECONDS:-120}
mkdir -p "$OUT/obj" "$OUT/corpus" "$OUT/crashes"

# Parser sources only: the loader and patchwork client need HTTPClient (network).
PARSER=()
for f in "$ROOT"/Sources/PatchSeries/*.swift; do
    case "$(basename "$f")" in SeriesLoader.swift|PatchworkClient.swift) ;; *) PARSER+=("$f") ;; esac
done

echo "fuzz-series: building (swiftc -sanitize=fuzzer) into $OUT" >&2
cd "$OUT/obj"
# KGateCore imports CSpawn (a C target SwiftPM gives a module map): write one and compile spawn.c.
mkdir -p "$OUT/obj/CSpawn"
printf 'module CSpawn {\n    header "%s"\n    export *\n}\n' "$ROOT/Sources/CSpawn/include/CSpawn.h" >"$OUT/obj/CSpawn/module.modulemap"
clang -O -g -c "$ROOT/Sources/CSpawn/spawn.c" -I "$ROOT/Sources/CSpawn/include" -o "$OUT/obj/spawn.o"
swiftc -O -g -parse-as-library -sanitize=fuzzer -module-name KGateCore \
    -I "$ROOT/Sources/CCrypto" -I "$OUT/obj/CSpawn" -emit-module -emit-module-path "$OUT/obj/KGateCore.swiftmodule" \
    -emit-library -static -o "$OUT/obj/libKGateCore.a" "$ROOT"/Sources/KGateCore/*.swift
swiftc -O -g -parse-as-library -sanitize=fuzzer -module-name PatchSeries \
    -I "$OUT/obj" -I "$ROOT/Sources/CCrypto" -I "$OUT/obj/CSpawn" -L "$OUT/obj" -lKGateCore -lcrypto "$OUT/obj/spawn.o" \
    -o "$OUT/fuzz-series" "${PARSER[@]}" "$ROOT/benchmarks/fuzz/FuzzSeries.swift"

# Seed corpus: every fixture file (mails, mboxes, format-patch files).
find "$ROOT/Tests/PatchSeriesTests/Fixtures" -type f \( -name '*.mbox' -o -name '*.eml' -o -name '*.patch' -o -name '*.txt' \) \
    -exec cp -f {} "$OUT/corpus/" \;
echo "fuzz-series: $(ls "$OUT/corpus" | wc -l) corpus files, budget ${SECONDS_BUDGET}s" >&2

cd "$OUT"
set +e
# The Swift runtime's backtracer would take the trap before libFuzzer can save the input.
SWIFT_BACKTRACE=enable=no ./fuzz-series "$OUT/corpus" -max_total_time="$SECONDS_BUDGET" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$OUT/crashes/" -print_final_stats=1 2>"$OUT/fuzz.log"
STATUS=$?
set -e
EXECS=$(grep -m1 'stat::number_of_executed_units' "$OUT/fuzz.log" | awk '{print $2}' || true)
[ -n "$EXECS" ] || EXECS=$(grep -oE '^#[0-9]+' "$OUT/fuzz.log" | tail -1 | tr -d '#' || true)
CRASHES=$(find "$OUT/crashes" -type f | wc -l)
grep -E '^#[0-9]+.*(DONE|pulse)' "$OUT/fuzz.log" | tail -1 >&2 || true
echo "fuzz-series: executions ${EXECS:-?}, crashes $CRASHES, libFuzzer exit $STATUS (log $OUT/fuzz.log)"
[ "$CRASHES" -eq 0 ] && [ "$STATUS" -eq 0 ]
