#!/usr/bin/env bash
# Regenerates docs/images/report.png, the README's picture of the HTML report: builds goroscope, writes the
# report of the demo dump (examples/demo-dump.txt, with the demo service's source) and has headless Chromium
# take a screenshot of its top, in the light colour scheme.
#
# Usage: scripts/screenshot.sh            (from any directory)
#
# Environment:
#   CHROMIUM       the browser (default: chromium, or chromium-browser, on PATH; scripts/setup.sh installs it)
#   WINDOW_SIZE    width,height of the picture in CSS pixels (default: 1280,1000)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=$ROOT/docs/images/report.png
WINDOW_SIZE=${WINDOW_SIZE:-1280,1000}

chromium=${CHROMIUM:-}
if [ -z "$chromium" ]; then
  chromium=$(command -v chromium || command -v chromium-browser || true)
fi
if [ -z "$chromium" ]; then
  echo "screenshot: chromium not found; run scripts/setup.sh or set CHROMIUM" >&2
  exit 2
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$ROOT"
cargo build --quiet --locked -p goroscope
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -nE 's/.*"target_directory":"([^"]*)".*/\1/p')
"$target_dir/debug/goroscope" analyze examples/demo-dump.txt --src examples/leaky-service -q --html "$work/report.html" >/dev/null

mkdir -p "$(dirname "$OUT")"
# A profile of its own, so a running browser's is not touched; scrollbars hidden, sRGB colours, no GPU.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --force-color-profile=srgb \
  --user-data-dir="$work/profile" --no-first-run --disable-extensions \
  --window-size="$WINDOW_SIZE" --screenshot="$work/report.png" "file://$work/report.html" \
  >"$work/chromium.log" 2>&1 || {
  cat "$work/chromium.log" >&2
  echo "screenshot: $chromium failed" >&2
  exit 2
}
if [ ! -s "$work/report.png" ]; then
  cat "$work/chromium.log" >&2
  echo "screenshot: $chromium wrote no picture" >&2
  exit 2
fi
mv "$work/report.png" "$OUT"
echo "screenshot: wrote ${OUT#"$ROOT"/} ($(wc -c <"$OUT") bytes, $WINDOW_SIZE)"
