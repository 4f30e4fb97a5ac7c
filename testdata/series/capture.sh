#!/usr/bin/env bash
# Runs the leaky demo service (examples/leaky-service, built with -trimpath),
# and in each of ROUNDS rounds sends it 5 quote requests (each leaks a goroutine
# blocked on a send) and 3 shipment-tracking requests (each starts a polling
# loop that never ends), waits for the goroutines to park, and saves the
# goroutine dump (debug=2) as roundN.txt here. `goroscope series round*.txt
# --interval 30s` then shows both leaks growing.
#
# Usage: testdata/series/capture.sh [ROUNDS]     (default 4; any cwd)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rounds="${1:-4}"
for cmd in go curl; do
	command -v "$cmd" > /dev/null || { echo "capture.sh: $cmd is not on PATH" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'kill "$pid" 2> /dev/null || true; rm -rf "$work"' EXIT
(cd "$here/../../examples/leaky-service" && go build -trimpath -o "$work/leakyservice" .)
"$work/leakyservice" > "$work/out" &
pid=$!
for _ in $(seq 100); do
	grep -q '^pprof ' "$work/out" 2> /dev/null && break
	sleep 0.1
done
base="$(sed -n 's/^pprof //p' "$work/out")"
[[ -n $base ]] || { echo "capture.sh: the service printed no URL" >&2; exit 1; }

rm -f "$here"/round*.txt
for ((round = 0; round < rounds; round++)); do
	for i in 1 2 3 4 5; do curl -s -o /dev/null "$base/quote?sku=R$round-$i"; done
	for i in 1 2 3; do curl -s -o /dev/null -X POST "$base/shipments/track?order=R$round-$i"; done
	# The pricing call takes 60 ms before its goroutine blocks on the send.
	sleep 0.4
	curl -s -o "$here/round$round.txt" "$base/debug/pprof/goroutine?debug=2"
done
echo "wrote $rounds dumps to $here"
