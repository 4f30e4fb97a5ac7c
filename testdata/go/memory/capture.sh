#!/usr/bin/env bash
# Captures the memory fixtures of testdata/memory from the programs of testdata/go/memory, through their real
# net/http/pprof endpoints (the contract is in testdata/go/internal/memharness).
#
# For each program it takes STEPS captures; before every capture but the first it calls GET /load?n=N (N per
# program below). Into OUT/<name>/ it writes, for step k = 0 .. STEPS-1:
#   goroutine-k.txt   /debug/pprof/goroutine?debug=1
#   heap-k.txt        /debug/pprof/heap?debug=1 (ends with the # runtime.MemStats trailer)
#   heap-k.pb.gz      /debug/pprof/heap (gzipped profile.proto, as served)
# and once, after the last step: allocs.pb.gz (/debug/pprof/allocs) and allocs-1.txt (/debug/pprof/allocs?debug=1);
# times.txt (the wall-clock time of each step's capture, RFC 3339 in UTC, one line per step), rss.txt (VmRSS of
# /proc/PID/status at each step, "N kB", one line per step), loads.txt (the answer of each /load) and version.txt
# (the Go version that built the program). Text files over 200 KB are gzipped (name.txt.gz).
#
# Usage: testdata/go/memory/capture.sh [-s STEPS] [-o OUT] [-r RATE] [NAME...]      (any cwd)
#   -s STEPS  captures per program (default 6)
#   -o OUT    output directory (default testdata/memory)
#   -r RATE   run the programs with -memprofilerate RATE
#   NAME      programs to capture (default: all of them)
#        testdata/go/memory/capture.sh -e
#   -e        rebuild testdata/memory/edge from the fixtures there and a few runs of their own (see the README)
#
# Another Go version: GOTOOLCHAIN=go1.21.13 testdata/go/memory/capture.sh -o testdata/memory/go1.21 subslice-retention
# (Go 1.17 does not know GOFLAGS=-buildvcs=false; if your go env sets it, add GOENV=off.)
# cgo-offheap needs cgo and a C compiler; without them it is skipped with a message and the others still run.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
module="$(cd "$here/.." && pwd)"
fixtures="$(cd "$here/../.." && pwd)/memory"

# Units per /load call: each leaky program keeps about 8 MiB per step (ticker-leak about 6 MB); steady makes about
# 36 MiB of garbage per step and keeps none of it.
declare -A units=(
	[subslice-retention]=16 # 16 x 512 KiB uploads
	[map-cache]=256         # 256 x 32 KiB pages
	[goroutine-heap]=64     # 64 goroutines x 128 KiB
	[ticker-leak]=20000     # 20000 tickers and jobs, ~300 B each
	[steady]=256            # 256 x (128 KiB body + 16 KiB result), cache of 64
	[cgo-offheap]=8         # 8 x 1 MiB of C.malloc
)
all=(subslice-retention map-cache goroutine-heap ticker-leak steady cgo-offheap)

steps=6
out="$fixtures"
rate=""
edge=false
while getopts "s:o:r:e" opt; do
	case $opt in
	s) steps=$OPTARG ;;
	o) out=$OPTARG ;;
	r) rate=$OPTARG ;;
	e) edge=true ;;
	*) sed -n '2,/^set -euo/p' "$0" | sed '$d' >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
names=("$@")
((${#names[@]})) || names=("${all[@]}")
for cmd in go curl gzip; do
	command -v "$cmd" > /dev/null || { echo "capture.sh: $cmd is not on PATH" >&2; exit 2; }
done
for name in "${names[@]}"; do
	[[ -n ${units[$name]:-} ]] || { echo "capture.sh: no program $name (have: ${all[*]})" >&2; exit 2; }
done

work="$(mktemp -d)"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT

version="$(cd "$module" && go env GOVERSION)"

# build NAME...: builds the programs into $work; cgo-offheap only when cgo works.
build() {
	local pkgs=() name
	for name in "$@"; do
		if [[ $name == cgo-offheap && "$(cd "$module" && go env CGO_ENABLED)" != 1 ]]; then
			echo "capture.sh: cgo-offheap skipped: cgo is off (CGO_ENABLED=0 or no C compiler)" >&2
			continue
		fi
		pkgs+=("./memory/$name")
	done
	((${#pkgs[@]})) && (cd "$module" && go build -o "$work/" "${pkgs[@]}")
}

# start NAME [ARGS...]: runs the program until the script ends; sets $pid and $base.
start() {
	local name=$1
	shift
	local fifo="$work/$name.$RANDOM.stdin" log="$work/$name.$RANDOM.out"
	mkfifo "$fifo"
	sleep 300 > "$fifo" &
	pids+=($!)
	"$work/$name" "$@" < "$fifo" > "$log" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		grep -qx ready "$log" 2> /dev/null && break
		sleep 0.1
	done
	grep -qx ready "$log" || { echo "capture.sh: $name did not get ready" >&2; exit 1; }
	base="$(sed -n 's/^pprof //p' "$log")"
}

# stop: ends the program of the last start.
stop() {
	kill "$pid" 2> /dev/null || true
	wait "$pid" 2> /dev/null || true
}

get() { curl -fsS --max-time 60 "$base$1"; }

# gzip_big DIR: gzips the text files over 200 KB.
gzip_big() {
	local f
	for f in "$1"/*.txt; do
		if (($(stat -c %s "$f") > 200000)); then gzip -9 -n -f "$f"; fi
	done
}

capture() {
	local name=$1 dir="$out/$1" n=${units[$1]} args=() k
	[[ -x $work/$name ]] || return 0
	[[ -n $rate ]] && args=(-memprofilerate "$rate")
	rm -rf "$dir"
	mkdir -p "$dir"
	start "$name" "${args[@]}"
	echo "$version" > "$dir/version.txt"
	for ((k = 0; k < steps; k++)); do
		if ((k > 0)); then
			echo "n=$n $(get "/load?n=$n")" >> "$dir/loads.txt"
		fi
		date -u +%Y-%m-%dT%H:%M:%S.%3NZ >> "$dir/times.txt"
		awk '/^VmRSS:/ { print $2, $3 }' "/proc/$pid/status" >> "$dir/rss.txt"
		get "/debug/pprof/goroutine?debug=1" > "$dir/goroutine-$k.txt"
		get "/debug/pprof/heap?debug=1" > "$dir/heap-$k.txt"
		get "/debug/pprof/heap" > "$dir/heap-$k.pb.gz"
	done
	get "/debug/pprof/allocs" > "$dir/allocs.pb.gz"
	get "/debug/pprof/allocs?debug=1" > "$dir/allocs-1.txt"
	stop
	gzip_big "$dir"
	echo "$dir: $steps steps, RSS $(head -1 "$dir/rss.txt") -> $(tail -1 "$dir/rss.txt"), $(du -sh "$dir" | cut -f1)"
}

# cut FILE BYTES OUTPUT: the first BYTES bytes of FILE.
cut_at() { head -c "$2" "$1" > "$3"; }

# offset FILE REGEX NTH: the byte offset of the start of the NTH line matching REGEX.
offset() { grep -b -E "$2" "$1" | sed -n "$3p" | cut -d: -f1; }

make_edge() {
	local e="$fixtures/edge" src
	mkdir -p "$e"
	# Hand-made: real files of map-cache, cut short.
	src="$fixtures/map-cache/heap-3.txt"
	[[ -f $src ]] || { echo "capture.sh: capture map-cache first" >&2; exit 1; }
	# In the middle of the second record: 20 bytes into its third frame line, no final newline.
	local rec2 frame
	rec2=$(offset "$src" '^[0-9]+: [0-9]+ \[' 2)
	frame=$(tail -c +$((rec2 + 1)) "$src" | grep -b -E '^#' | sed -n 3p | cut -d: -f1)
	cut_at "$src" $((rec2 + frame + 20)) "$e/heap-cut-in-record.txt"
	# Inside the MemStats trailer: in the middle of the "# HeapInuse = " line.
	cut_at "$src" $(($(offset "$src" '^# HeapInuse = ' 1) + 14)) "$e/heap-cut-in-memstats.txt"
	# Mismatched pair: the goroutine dump of goroutine-heap and the heap profile of map-cache.
	cp "$fixtures/goroutine-heap/goroutine-3.txt" "$e/mismatch-goroutine.txt"
	cp "$fixtures/map-cache/heap-3.txt" "$e/mismatch-heap.txt"

	# Real captures.
	build subslice-retention
	# Heap sampling off from the start of the process: no records, only the trailer.
	GODEBUG=memprofilerate=0 start subslice-retention
	get "/load?n=16" > /dev/null
	get "/debug/pprof/heap?debug=1" > "$e/heap-memprofilerate-0.txt"
	get "/debug/pprof/heap" > "$e/heap-memprofilerate-0.pb.gz"
	stop
	# The same program and load sampled at two rates: 4096 and the default 524288, by the -memprofilerate flag.
	local r
	for r in 4096 524288; do
		start subslice-retention -memprofilerate "$r"
		get "/load?n=16" > /dev/null
		get "/debug/pprof/heap?debug=1" > "$e/heap-rate-$r.txt"
		get "/debug/pprof/heap" > "$e/heap-rate-$r.pb.gz"
		stop
	done
	echo "$version" > "$e/version.txt"
	gzip_big "$e"
	ls -l "$e"
}

if $edge; then
	make_edge
	exit 0
fi
build "${names[@]}"
for name in "${names[@]}"; do
	capture "$name"
done
