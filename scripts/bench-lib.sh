# Timing helpers shared by scripts/bench.sh and scripts/bench-formats.sh;
# sourced, not run. The caller defines log and die, sets ROOT (the
# repository), DUMPS, TOOLS, DOC and GOROSCOPE (the release binary), and calls
# bench_setup first.
#
# /usr/bin/time gives peak RSS (%M) but wall time (%e) only to 10 ms, which is
# coarse next to the fastest commands measured. Wall time is therefore taken
# from bash's EPOCHREALTIME around the run, less the cost of starting
# /usr/bin/time and timeout themselves (OVERHEAD, best of 10 runs of `true`).

((BASH_VERSINFO[0] >= 5)) || die "bash 5 or later is needed (EPOCHREALTIME)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian: apt-get install time)"

# bench_setup CMD...: checks that each CMD is installed, makes the scratch
# directory TMP (removed on exit) and the directories DUMPS, TOOLS and DOC's.
bench_setup() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" > /dev/null || die "$cmd not found"
	done
	TMP=$(mktemp -d)
	trap 'rm -rf "$TMP"' EXIT
	mkdir -p "$DUMPS" "$TOOLS" "$(dirname "$DOC")"
}

now() { echo "$EPOCHREALTIME"; }

# timed LIMIT OUT CMD...: one run; sets W_WALL (s), W_RSS (KiB), W_RC.
timed() {
	local limit=$1 out=$2 s e
	shift 2
	W_RC=0
	s=$(now)
	/usr/bin/time -f '%e %M' -o "$TMP/time" timeout "$limit" "$@" > "$out" 2> "$TMP/stderr" || W_RC=$?
	e=$(now)
	W_WALL=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }')
	read -r _ W_RSS < <(tail -n1 "$TMP/time")
}

# measure_overhead: sets OVERHEAD (s) and OVERHEAD_MS.
measure_overhead() {
	local i
	OVERHEAD=
	for ((i = 0; i < 10; i++)); do
		timed 10 /dev/null true
		if [[ -z $OVERHEAD ]] || awk -v a="$W_WALL" -v b="$OVERHEAD" 'BEGIN { exit !(a < b) }'; then
			OVERHEAD=$W_WALL
		fi
	done
	OVERHEAD_MS=$(awk -v o="$OVERHEAD" 'BEGIN { printf "%.1f", o * 1000 }')
	log "start-up overhead of /usr/bin/time + timeout: $OVERHEAD_MS ms"
}

# measure RUNS LIMIT OUT CMD...: runs CMD RUNS times, stdout to OUT. Sets
# M_TIME (best wall seconds, 4 decimals), M_RSS (highest peak RSS, KiB) and
# M_STATUS (ok, timeout or failed).
measure() {
	local runs=$1 limit=$2 out=$3 i t
	shift 3
	M_TIME='' M_RSS=0 M_STATUS=ok
	for ((i = 0; i < runs; i++)); do
		timed "$limit" "$out" "$@"
		if ((W_RC != 0)); then
			if ((W_RC == 124)); then M_STATUS=timeout; else M_STATUS=failed; fi
			log "  $* exited with status $W_RC"
			head -c 2000 "$TMP/stderr" >&2 || true
			M_TIME=$limit
			return 0
		fi
		t=$(awk -v w="$W_WALL" -v o="$OVERHEAD" 'BEGIN { t = w - o; if (t < 0.0001) t = 0.0001; printf "%.4f", t }')
		if [[ -z $M_TIME ]] || awk -v a="$t" -v b="$M_TIME" 'BEGIN { exit !(a < b) }'; then M_TIME=$t; fi
		if ((W_RSS > M_RSS)); then M_RSS=$W_RSS; fi
	done
}

# build_goroscope: builds the release binary; sets HAVE_GOROSCOPE (0 or 1) and
# GOROSCOPE_VERSION. A failed build is reported, and the other tools still run.
build_goroscope() {
	HAVE_GOROSCOPE=0
	log "building goroscope (cargo build --release -p goroscope)"
	if (cd "$ROOT" && cargo build --release -p goroscope) > "$TMP/cargo.log" 2>&1 && [[ -x $GOROSCOPE ]]; then
		HAVE_GOROSCOPE=1
		GOROSCOPE_VERSION=$("$GOROSCOPE" --version 2> /dev/null | head -n1 || true)
	else
		tail -n 15 "$TMP/cargo.log" >&2 || true
		log "goroscope did not build: benchmarking the other tools only"
	fi
}

# generator_key: sets GO_VERSION and GEN_SRC (a hash of testdata/gendump's
# sources), which say when generated dumps must be made again.
generator_key() {
	GO_VERSION=$(go env GOVERSION)
	GEN_SRC=$(cd "$ROOT/testdata/gendump" && find . -name '*.go' -o -name go.mod | LC_ALL=C sort | xargs cat | sha256sum | cut -c1-16)
}
