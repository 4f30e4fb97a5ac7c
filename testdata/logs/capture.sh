#!/usr/bin/env bash
# capture.sh regenerates every log fixture in testdata/logs/*.log from real
# program output: `go test` runs of the packages under src/ (timeouts,
# goleak reports, a race report) and crash dumps of the programs under
# src/cmd/ wrapped by src/cmd/prefix the way log collectors store them.
# README.md describes each file.
#
# Usage: testdata/logs/capture.sh            (from any directory)
#
# Environment:
#   OLD_TOOLCHAINS  toolchains for gotest-timeout-go1.NN.log, one file each
#                   (default "go1.20.14 go1.19.13", run through GOTOOLCHAIN;
#                   "" to skip)
#
# Needs no network: go.uber.org/goleak is vendored (GOFLAGS=-mod=vendor),
# and the old toolchains are taken from the module cache if they are there.
# cmd/service needs Go 1.21 or later (log/slog); the rest builds with 1.20.
# The race run needs cgo (gcc). Non-zero exit codes of the failing tests
# and crashing programs are expected; they are reported, not fatal.
set -euo pipefail

logs_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=$logs_dir/src
OLD_TOOLCHAINS=${OLD_TOOLCHAINS-go1.20.14 go1.19.13}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

export GOFLAGS="-mod=vendor -buildvcs=false"
export GOTOOLCHAIN=local
unset GOTRACEBACK GODEBUG GOEXPERIMENT GORACE
ulimit -c 0

# count ERE FILE: number of matches of ERE in FILE (several per line count).
count() {
	{ grep -oE "$1" "$2" || true; } | wc -l
}

# note FILE RC: report one captured file: exit code of the program, size,
# goroutine headers ("goroutine 7 [", or "goroutine 7 gp=... [" in a
# crash-level traceback) and goleak's "Goroutine 7 in state" entries.
note() {
	printf '  %-28s exit %3s  %7s bytes  %3s goroutine headers  %2s goleak entries\n' \
		"$(basename "$1")" "$2" "$(wc -c <"$1")" \
		"$(count 'goroutine [0-9]+ (gp=[^ ]* m=[^ ]* (mp=[^ ]* )?)?\[' "$1")" \
		"$(count 'Goroutine [0-9]+ in state' "$1")"
}

# gotest FILE ENV... -- ARGS...: run `go test ARGS` in src/ with ENV;
# stdout and stderr go to FILE.
gotest() {
	local out=$1 rc=0
	shift
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	(cd "$src_dir" && env ${envs[@]+"${envs[@]}"} go test "$@") >"$out" 2>&1 || rc=$?
	note "$out" "$rc"
}

# prefixed STYLE RAW FILE: wrap RAW in STYLE into FILE.
prefixed() {
	"$work/prefix" -style "$1" <"$2" >"$3"
	note "$3" 0
}

echo "building helper programs"
(cd "$src_dir" && CGO_ENABLED=0 go build -o "$work/" ./cmd/...)

echo "go test timeouts"
gotest "$logs_dir/gotest-timeout.log" -- -count=1 -v -timeout 5s ./hang
for tc in $OLD_TOOLCHAINS; do
	minor=${tc#go}
	minor=${minor%.*}
	gotest "$logs_dir/gotest-timeout-go$minor.log" GOTOOLCHAIN="$tc" -- -count=1 -v -timeout 5s ./hang
done
gotest "$logs_dir/gotest-timeout.json.log" -- -count=1 -json -timeout 5s ./hang

# -p 1: one test binary at a time, so that the -json events of the two
# packages are not interleaved differently from run to run.
echo "goleak"
gotest "$logs_dir/goleak.log" -- -count=1 -p 1 -v ./leak ./leakmain
gotest "$logs_dir/goleak.json.log" -- -count=1 -p 1 -json ./leak ./leakmain

echo "race detector"
gotest "$logs_dir/race-and-timeout.log" CGO_ENABLED=1 -- -count=1 -race -v -timeout 5s ./race

echo "service crash (panic, GOTRACEBACK=all)"
raw=$work/crash.raw
rc=0
env GOTRACEBACK=all GODEBUG=tracebacklabels=1 "$work/service" -mode panic >"$raw" 2>&1 || rc=$?
note "$raw" "$rc"
prefixed k8s "$raw" "$logs_dir/crash-k8s.log"
prefixed docker "$raw" "$logs_dir/crash-docker.log"
prefixed syslog "$raw" "$logs_dir/crash-syslog.log"

# JSON records on stdout, the panic on stderr, both into one file in the
# order they were written (as `kubectl logs` or a plain 2>&1 shows them).
echo "service crash with JSON logging"
rc=0
env GOTRACEBACK=all GODEBUG=tracebacklabels=1 "$work/service" -mode panic -log json >"$logs_dir/crash-json.log" 2>&1 || rc=$?
note "$logs_dir/crash-json.log" "$rc"

echo "service SIGQUIT"
raw=$work/sigquit.raw
env GOTRACEBACK=all GODEBUG=tracebacklabels=1 "$work/service" -mode wait >"$raw" 2>&1 &
pid=$!
for _ in $(seq 100); do
	grep -q ' ready$' "$raw" && break
	sleep 0.1
done
sleep 0.2
kill -QUIT "$pid"
rc=0
wait "$pid" || rc=$?
note "$raw" "$rc"
prefixed k8s "$raw" "$logs_dir/sigquit-k8s.log"

echo "two dumps in one log"
"$work/twodumps" >"$work/two-dumps.raw" 2>&1
prefixed logfmt-time "$work/two-dumps.raw" "$logs_dir/two-dumps.log"

echo "goroutine dump inside one JSON record"
rc=0
"$work/zapstack" >"$logs_dir/zap-stack.log" 2>&1 || rc=$?
note "$logs_dir/zap-stack.log" "$rc"

# Fixtures are meant to stay small.
for f in "$logs_dir"/*.log; do
	if (($(wc -c <"$f") > 200 * 1024)); then
		echo "warning: $(basename "$f") is larger than 200 KiB" >&2
	fi
done
