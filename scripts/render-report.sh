#!/bin/sh
# Renders the HTML report of a run with headless Chromium to a PNG, so a human can
# look at it. Without a run id, records the built-in demo run (`kgate results demo`)
# in a temporary database first.
#
#   scripts/render-report.sh [--run ID --database FILE] [--output report.png]
#
# Needs Chromium: installed here with apt-get when missing (Debian package
# `chromium`); it is not a dependency of kgate itself.
set -eu

cd "$(dirname "$0")/.."
run=""
database=""
output="report.png"
while [ $# -gt 0 ]; do
    case "$1" in
        --run) run="$2"; shift 2 ;;
        --database) database="$2"; shift 2 ;;
        --output) output="$2"; shift 2 ;;
        *) echo "usage: $0 [--run ID --database FILE] [--output FILE.png]" >&2; exit 64 ;;
    esac
done

chromium=""
for candidate in chromium chromium-browser google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then chromium="$(command -v "$candidate")"; break; fi
done
if [ -z "$chromium" ]; then
    echo "render-report: installing chromium (apt-get)" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
    chromium="$(command -v chromium)"
fi

[ -x .build/debug/kgate ] || swift build --product kgate
work="$(mktemp -d "${TMPDIR:-/tmp}/kgate-render.XXXXXX")"
trap 'rm -rf "$work"' EXIT INT TERM

if [ -z "$run" ]; then
    database="$work/results.sqlite"
    run="$(.build/debug/kgate results demo --database "$database" | tail -n 1)"
fi
if [ -n "$database" ]; then db_args="--database $database"; else db_args=""; fi
# shellcheck disable=SC2086
.build/debug/kgate results export "$run" --format html --output "$work/report.html" $db_args

# Height: enough for the whole page (the demo has three workloads).
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=800,2200 \
    --screenshot="$work/report.png" "file://$work/report.html" >"$work/chromium.log" 2>&1 || {
    echo "render-report: chromium failed:" >&2
    tail -n 20 "$work/chromium.log" >&2
    exit 4
}
cp "$work/report.png" "$output"
cp "$work/report.html" "${output%.png}.html"
echo "wrote $output and ${output%.png}.html"
