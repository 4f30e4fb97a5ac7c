#!/usr/bin/env bash
# capture.sh runs the test packages of this module the way a developer or a
# CI job would (plain `go test`, `go test -json`, with and without
# GODEBUG=tracebackancestors) and writes their combined stdout and stderr
# to captured/*.log. The exit code of every run goes to
# captured/exit-codes.txt; README.md describes each file.
#
# Usage: testdata/gotest/capture.sh          (from any directory; ~30 s)
#
# Needs only go and coreutils, and no network: go.uber.org/goleak is
# vendored. Non-zero exit codes are expected for every package but clean/;
# they are recorded, not fatal.
set -euo pipefail

mod_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out_dir=$mod_dir/captured
mkdir -p "$out_dir"
cd "$mod_dir"

export GOFLAGS="-mod=vendor -buildvcs=false"
export GOTOOLCHAIN=local
export GOWORK=off
unset GOTRACEBACK GODEBUG GOEXPERIMENT GOMAXPROCS
ulimit -c 0

codes=$out_dir/exit-codes.txt
{
	echo "# $(go version)"
	echo "# exit<TAB>file<TAB>command (run in testdata/gotest)"
} >"$codes"

# run FILE ENV... -- ARGS...: `go test ARGS` with ENV; stdout and stderr
# both go to captured/FILE, in the order they were written.
run() {
	local file=$1 rc=0
	shift
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	env ${envs[@]+"${envs[@]}"} go test "$@" >"$out_dir/$file" 2>&1 || rc=$?
	printf '%s\t%s\t%s\n' "$rc" "$file" "${envs[*]+${envs[*]} }go test $*" >>"$codes"
	printf '  %-28s exit %s  %7s bytes\n' "$file" "$rc" "$(wc -c <"$out_dir/$file")"
	if (($(wc -c <"$out_dir/$file") > 200 * 1024)); then
		echo "warning: $file is larger than 200 KiB" >&2
	fi
}

go version
run clean.log -- -count=1 ./clean/
run timeout.log -- -count=1 -timeout 5s ./timeout/
run timeout.json.log -- -count=1 -json -timeout 5s ./timeout/
run timeout-ancestors.log GODEBUG=tracebackancestors=5 -- -count=1 -timeout 5s ./timeout/
run goleak.log -- -count=1 ./goleaked/ ./goleakmain/
run goleak.json.log -- -count=1 -json ./goleaked/ ./goleakmain/
run ancestors.log GODEBUG=tracebackancestors=5 -- -count=1 -timeout 5s ./ancestors/
run ancestors-noancestors.log -- -count=1 -timeout 5s ./ancestors/
