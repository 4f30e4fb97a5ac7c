#!/usr/bin/env bash
# capture.sh builds testdata/go/formats, runs it once and fetches, from that
# one process, the goroutine profile at debug=2, 1 and 0, then the
# goroutineleak profile at debug=1, 0 and 2, then the goroutine profile at
# debug=2 again (now with "(leaked)" marks). The files land next to this
# script; README.md describes them.
#
# Usage: testdata/dumps/formats/capture.sh      (from any directory)
#
# Environment:
#   TOOLCHAIN  GOTOOLCHAIN value for the build (default local, i.e. the
#              installed Go 1.26, built with GOEXPERIMENT=goroutineleakprofile;
#              1.27+ needs no experiment)
#   OUT        directory for the files (default: this script's directory)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../../go" && pwd)
out=${OUT:-$here}
mkdir -p "$out"
TOOLCHAIN=${TOOLCHAIN:-local}

work=$(mktemp -d)
pid=
cleanup() {
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

unset GODEBUG GOTRACEBACK GOEXPERIMENT
version=$(cd "$src" && GOTOOLCHAIN=$TOOLCHAIN go env GOVERSION)
minor=${version#go1.}
minor=${minor%%.*}
experiment=
if ((minor == 26)); then
	# The goroutineleak profile is an experiment in 1.26 only (on in 1.27+).
	experiment=goroutineleakprofile
elif ((minor < 26)); then
	echo "capture.sh: $version has no goroutineleak profile" >&2
	exit 1
fi
echo "== $version${experiment:+ GOEXPERIMENT=$experiment}"
(cd "$src" && CGO_ENABLED=0 GOTOOLCHAIN=$TOOLCHAIN GOEXPERIMENT=$experiment \
	GOFLAGS=-buildvcs=false go build -o "$work/formats" ./formats)

# The program runs until its stdin reaches EOF: feed it from a FIFO held
# open on fd 3, and close fd 3 to stop it.
mkfifo "$work/stdin"
"$work/formats" <"$work/stdin" >"$work/stdout" 2>"$work/stderr" &
pid=$!
exec 3>"$work/stdin"
for _ in $(seq 1 300); do
	grep -qx ready "$work/stdout" && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
if ! grep -qx ready "$work/stdout"; then
	echo "capture.sh: the program did not get ready" >&2
	cat "$work/stdout" "$work/stderr" >&2
	exit 1
fi
url=$(sed -n 's/^pprof //p' "$work/stdout")

# fetch FILE PATH: GET url+PATH into FILE.
fetch() {
	curl -fsS -o "$out/$1" "$url$2"
	printf '  %-36s %8s bytes\n' "$1" "$(wc -c <"$out/$1")"
}

# Order matters: the goroutine profile first, untouched by leak detection;
# each goroutineleak request runs a leak-detection GC, which marks the
# leaked goroutines until the next such GC.
fetch goroutine_debug2.txt '/debug/pprof/goroutine?debug=2'
fetch goroutine_debug1.txt '/debug/pprof/goroutine?debug=1'
fetch goroutine_debug0.pb.gz '/debug/pprof/goroutine?debug=0'
fetch goroutineleak_debug1.txt '/debug/pprof/goroutineleak?debug=1'
fetch goroutineleak_debug0.pb.gz '/debug/pprof/goroutineleak?debug=0'
fetch goroutineleak_debug2.txt '/debug/pprof/goroutineleak?debug=2'
fetch goroutine_debug2_after_leak.txt '/debug/pprof/goroutine?debug=2'

exec 3>&-
rc=0
wait "$pid" || rc=$?
pid=
if ((rc != 0)); then
	echo "capture.sh: the program exited with status $rc" >&2
	cat "$work/stderr" >&2
	exit 1
fi

# Quick check of what README.md promises.
echo "  $(head -n 1 "$out/goroutine_debug1.txt")"
echo "  $(head -n 1 "$out/goroutineleak_debug1.txt") (expected 110)"
echo "  leaked records in goroutine_debug2_after_leak.txt: $(grep -c '^goroutine .*(leaked)' "$out/goroutine_debug2_after_leak.txt" || true) (expected 110)"
