#!/usr/bin/env bash
# Runs the leaky demo service, drives every endpoint and writes its goroutine
# dump (debug=2) to examples/demo-dump.txt.
#
# Usage: examples/capture-demo.sh [ROUNDS]     (default 30; any cwd)
# Another Go release: GOTOOLCHAIN=go1.22.12 examples/capture-demo.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rounds="${1:-30}"
out="$here/demo-dump.txt"

command -v go >/dev/null || { echo "capture-demo.sh: the go command is not on PATH" >&2; exit 2; }
cd "$here/leaky-service"
# -trimpath: frames read goroscope.test/leakyservice/orders.go, not this machine's paths.
go run -trimpath . -drive "$rounds" -dump "$out"
echo "goroutine dump written to $out"
