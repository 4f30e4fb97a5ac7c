#!/usr/bin/env bash
# Runs every program under testdata/go and saves its goroutine dump (pprof debug=2) as a fixture in
# testdata/dumps/programs/<leaks|healthy>-<name>.txt. Usage: testdata/go/capture.sh [-n N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/../dumps/programs"
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
mkdir -p "$out"
(cd "$here" && go build -o "$bin/" ./leaks/... ./healthy/...)
for dir in "$here"/leaks/* "$here"/healthy/*; do
  name=$(basename "$dir")
  kind=$(basename "$(dirname "$dir")")
  fifo="$bin/$name.stdin"
  mkfifo "$fifo"
  sleep 60 > "$fifo" &
  keep=$!
  "$bin/$name" "$@" < "$fifo" > "$bin/$name.out" &
  pid=$!
  for _ in $(seq 1 300); do
    grep -qx ready "$bin/$name.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n 's/^pprof //p' "$bin/$name.out")
  curl -fsS "$url/debug/pprof/goroutine?debug=2" > "$out/$kind-$name.txt"
  kill "$keep" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$out/$kind-$name.txt: $(grep -c '^goroutine ' "$out/$kind-$name.txt") goroutines"
done
