#!/usr/bin/env bash
# Measures what `goroscope watch` costs a loaded Go service, in one run against
# one service process under one load.
#
# The service is testdata/go/watch, healthy (-leak-every 0 -busy 8). The load
# is testdata/go/load: an open load of RATE GET requests per second on the
# service's /metrics handler from CONNS kept-alive clients, which leaves most
# of the machine idle. Each phase runs the load for PHASE seconds and records
# the request latency (p50, p99), the service's CPU time (utime + stime from
# /proc/PID/stat over the phase, as % of one core), the load generator's CPU,
# the CPU pressure, and goroscope's own CPU and RSS. The phases:
#
#   none      no watch
#   default   goroscope watch URL URL/metrics (pprof + Prometheus) at the
#             defaults: count every 10 s, debug=1 profile every 1 m
#   1s        goroscope watch URL --interval 1s --profile-interval 1s: pprof
#             alone, so a debug=1 profile every second (the worst case)
#   1s-metrics  (not in the default set) goroscope watch URL URL/metrics
#             --interval 1s: count every second, profile every 1 m
#
# Each phase's load runs SETTLE + 1 seconds unrecorded first; a watch starts
# one second into it, once the load's connections (and the goroutines that
# serve them) exist, so that its first-contact debug=2 dump, and a profile
# fetched early because the count rose with them, fall before the recorded
# time. A phase of 60 s at the defaults then holds six /metrics reads and one
# debug=1 profile (two when the count moves by 10 %). The set of phases is
# repeated REPEATS times, in a rotated order each time.
#
# Then, without load, each endpoint goroscope fetches is fetched repeatedly
# to time it and to measure the service's CPU per fetch, on this service and
# on one holding 10,000 blocked goroutines; and the requests of the second
# are timed while it serves a debug=1 or debug=2 fetch every second.
#
# Prints a Markdown summary; the raw results go to OUT/phases.jsonl (one JSON
# object per phase), OUT/fetches.jsonl and OUT/stalls.jsonl, the watch events
# of each phase to OUT/events-PHASE-RUN.jsonl.
#
# Usage: scripts/bench-watch.sh       (from any directory; about 14 minutes)
#
# Environment:
#   GOROSCOPE       goroscope binary (default: target/release/goroscope, from
#                   `cargo build --release`)
#   BENCH_PHASE     seconds of load per phase (default: 60)
#   BENCH_REPEATS   times the set of phases runs (default: 3)
#   BENCH_PHASES    phases, in order (default: "none default 1s")
#   BENCH_RATE      requests per second (default: 2000)
#   BENCH_CONNS     concurrent clients (default: 64)
#   BENCH_SETTLE    seconds a watch runs before its phase (default: 5)
#   BENCH_QUIET_WAIT  seconds to wait, before each phase, for the machine to
#                   be quiet: below BENCH_QUIET_PCT % of one core (default: 20
#                   and 30). Contention during a phase shows as "CPU pressure":
#                   the share of the time some task waited for a CPU
#                   (/proc/pressure/cpu, "some").
#   BENCH_OUT       directory for the raw results (default: target/bench-watch)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOROSCOPE=${GOROSCOPE:-$ROOT/target/release/goroscope}
PHASE=${BENCH_PHASE:-60}
REPEATS=${BENCH_REPEATS:-3}
PHASES=${BENCH_PHASES:-none default 1s}
RATE=${BENCH_RATE:-2000}
CONNS=${BENCH_CONNS:-64}
SETTLE=${BENCH_SETTLE:-5}
QUIET_WAIT=${BENCH_QUIET_WAIT:-20}
QUIET_PCT=${BENCH_QUIET_PCT:-30}
OUT=${BENCH_OUT:-$ROOT/target/bench-watch}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

for cmd in go jq curl awk; do
	command -v "$cmd" > /dev/null || die "$cmd not found"
done
[[ -x /usr/bin/time ]] || die "/usr/bin/time not found (Debian: apt-get install time)"
[[ -x $GOROSCOPE ]] || die "$GOROSCOPE not found: run cargo build --release, or set GOROSCOPE"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 or later is needed (EPOCHREALTIME)"
for p in $PHASES; do
	case $p in none | default | 1s | 1s-metrics) ;; *) die "unknown phase $p" ;; esac
done

TMP=$(mktemp -d)
SERVICE_PID=
WATCH_PID=
LOAD_PID=
BIG_PID=
cleanup() {
	if [[ -n $BIG_PID ]]; then kill "$BIG_PID" 2> /dev/null || true; fi
	if [[ -n $LOAD_PID ]]; then kill "$LOAD_PID" 2> /dev/null || true; fi
	if [[ -n $WATCH_PID ]]; then kill "$WATCH_PID" 2> /dev/null || true; fi
	if [[ -n $SERVICE_PID ]]; then kill "$SERVICE_PID" 2> /dev/null || true; fi
	wait 2> /dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$OUT"
: > "$OUT/phases.jsonl"
: > "$OUT/fetches.jsonl"
: > "$OUT/stalls.jsonl"
rm -f "$OUT"/events-*.jsonl

HZ=$(getconf CLK_TCK)
NCPU=$(nproc)

# ticks PID: utime + stime of the process, in clock ticks (fields 14 and 15 of
# /proc/PID/stat, counted after the command name, which may hold spaces).
ticks() {
	local stat
	stat=$(< "/proc/$1/stat")
	stat=${stat##*) }
	awk '{ print $12 + $13 }' <<< "$stat"
}

# busy: clock ticks the whole machine spent outside idle and iowait.
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# psi: microseconds in which some task waited for a CPU (0 without PSI).
psi() {
	if [[ -r /proc/pressure/cpu ]]; then
		awk '$1 == "some" { sub("total=", "", $5); print $5 }' /proc/pressure/cpu
	else
		echo 0
	fi
}

# quiet: waits up to QUIET_WAIT seconds for 2 s in which the machine is busy
# for less than QUIET_PCT % of one core (the service alone uses about 5 %),
# so that a phase does not start in the middle of someone else's build.
quiet() {
	local start b0 b1 t0 t1 pct
	start=$(now_ms)
	while :; do
		b0=$(busy)
		t0=$(now_ms)
		sleep 2
		b1=$(busy)
		t1=$(now_ms)
		pct=$(((b1 - b0) * 100000 / HZ / (t1 - t0)))
		((pct < QUIET_PCT)) && return 0
		((t1 - start < QUIET_WAIT * 1000)) || break
	done
	log "the machine is still busy (${pct} % of one core); going on"
}

# rss_kib PID FIELD: VmRSS or VmHWM of the process, in KiB.
rss_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }

now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

log "building the service and the load (testdata/go)"
(cd "$ROOT/testdata/go" && go build -o "$TMP/watchsvc" ./watch && go build -o "$TMP/load" ./load)

read -ra phase_list <<< "$PHASES"
n_phases=${#phase_list[@]}
lifetime=$((REPEATS * n_phases * (PHASE + SETTLE + QUIET_WAIT + 10) + 300))

# The service exits when its standard input ends; a FIFO opened read-write
# never ends, so the service runs until -lifetime or until it is killed.
mkfifo "$TMP/stdin"
"$TMP/watchsvc" -leak-every 0 -busy 8 -lifetime "${lifetime}s" <> "$TMP/stdin" > "$TMP/service.out" 2>&1 &
SERVICE_PID=$!
for _ in $(seq 50); do
	grep -q '^ready' "$TMP/service.out" 2> /dev/null && break
	sleep 0.1
done
URL=$(awk '/^pprof / { print $2 }' "$TMP/service.out")
[[ -n $URL ]] || die "the service did not start: $(cat "$TMP/service.out")"
log "service $URL (pid $SERVICE_PID), lifetime ${lifetime}s"

# run_phase NAME REPEAT: one phase; appends its JSON object to phases.jsonl.
run_phase() {
	local name=$1 rep=$2 args=() gticks0=0 gticks1=0 rss=0 hwm=0 events=$OUT/events-$1-$2.jsonl
	case $name in
	default) args=("$URL" "$URL/metrics" --interval 10s --profile-interval 1m) ;;
	1s) args=("$URL" --interval 1s --profile-interval 1s) ;;
	1s-metrics) args=("$URL" "$URL/metrics" --interval 1s --profile-interval 1m) ;;
	esac
	WATCH_PID=
	quiet
	# The load starts first, so that its connections (and their goroutines)
	# exist before the watch's first contact; the watch starts a second later
	# and runs SETTLE seconds before the load records.
	local load_start load_end
	load_start=$(now_ms)
	/usr/bin/time -f '%U %S' -o "$TMP/load.time" \
		"$TMP/load" -url "$URL/metrics" -rate "$RATE" -conns "$CONNS" -duration "${PHASE}s" \
		-warmup "$((SETTLE + 1))s" -mark > "$TMP/load.json" 2> "$TMP/load.err" &
	LOAD_PID=$!
	if [[ $name != none ]]; then
		sleep 1
		"$GOROSCOPE" watch "${args[@]}" -q --events "$events" --db "$TMP/history-$name-$rep.db" \
			--until "$((SETTLE + PHASE + 60))s" > "$TMP/watch.out" 2>&1 &
		WATCH_PID=$!
	fi
	local i
	for ((i = 0; i < (SETTLE + 30) * 20; i++)); do
		grep -q '^recording' "$TMP/load.err" 2> /dev/null && break
		sleep 0.05
	done
	grep -q '^recording' "$TMP/load.err" || die "the load did not start: $(cat "$TMP/load.err")"
	if [[ -n $WATCH_PID ]]; then
		kill -0 "$WATCH_PID" 2> /dev/null || die "goroscope watch exited: $(cat "$TMP/watch.out")"
		gticks0=$(ticks "$WATCH_PID")
	fi
	local sticks0 busy0 psi0 t0 sticks1 busy1 psi1 t1
	sticks0=$(ticks "$SERVICE_PID")
	busy0=$(busy)
	psi0=$(psi)
	t0=$(now_ms)
	wait "$LOAD_PID" || die "load failed: $(cat "$TMP/load.err")"
	LOAD_PID=
	t1=$(now_ms)
	load_end=$t1
	sticks1=$(ticks "$SERVICE_PID")
	busy1=$(busy)
	psi1=$(psi)
	local fetches='{}'
	if [[ -n $WATCH_PID ]]; then
		gticks1=$(ticks "$WATCH_PID")
		rss=$(rss_kib "$WATCH_PID" VmRSS)
		hwm=$(rss_kib "$WATCH_PID" VmHWM)
		kill -TERM "$WATCH_PID"
		wait "$WATCH_PID" || true
		WATCH_PID=
		# Fetches that ended inside the CPU window, by source.
		fetches=$(jq -s --argjson t0 "$t0" --argjson t1 "$t1" \
			'[.[] | select(.event == "sample" and .at_ms >= $t0 and .at_ms <= $t1) | .source]
			 | group_by(.) | map({key: .[0], value: length}) | from_entries' "$events")
	fi
	local load_cpu pressure
	load_cpu=$(awk '{ print $1 + $2 }' "$TMP/load.time")
	pressure=$(awk -v a="$psi0" -v b="$psi1" -v ms="$((t1 - t0))" 'BEGIN { printf "%.2f", (b - a) / 1000 / ms * 100 }')
	jq -c --arg phase "$name" --argjson rep "$rep" --argjson wall_ms "$((t1 - t0))" \
		--argjson hz "$HZ" --argjson ncpu "$NCPU" \
		--argjson sticks "$((sticks1 - sticks0))" --argjson gticks "$((gticks1 - gticks0))" \
		--argjson busy "$((busy1 - busy0))" --argjson load_cpu "$load_cpu" \
		--argjson load_wall_ms "$((load_end - load_start))" \
		--argjson rss "$rss" --argjson hwm "$hwm" --argjson fetches "$fetches" \
		--argjson pressure "$pressure" \
		'{phase: $phase, run: $rep, wall_s: ($wall_ms / 1000),
		  p50_ms, p90_ms, p99_ms, p999_ms, max_ms, from_due_p99_ms, requests, errors, achieved_rps,
		  service_cpu_pct: ($sticks / $hz / ($wall_ms / 1000) * 100),
		  goroscope_cpu_pct: ($gticks / $hz / ($wall_ms / 1000) * 100),
		  goroscope_rss_mib: ($rss / 1024), goroscope_hwm_mib: ($hwm / 1024),
		  load_cpu_pct: ($load_cpu / ($load_wall_ms / 1000) * 100),
		  machine_busy_pct: ($busy / $hz / ($wall_ms / 1000) * 100), machine_cores: $ncpu,
		  cpu_pressure_pct: $pressure, fetches: $fetches}' "$TMP/load.json" | tee -a "$OUT/phases.jsonl" >&2
}

for ((rep = 1; rep <= REPEATS; rep++)); do
	for ((i = 0; i < n_phases; i++)); do
		name=${phase_list[$(((i + rep - 1) % n_phases))]}
		log "run $rep/$REPEATS, phase $name (${PHASE}s at $RATE req/s)"
		run_phase "$name" "$rep"
	done
done

# Fetch costs, without load: each endpoint at RATE per second for 10 s over
# one kept-alive connection (latency), and the service's CPU over that time
# less its CPU over 10 s of no fetches (the busy goroutines' own work); the
# same endpoints of a service holding 10,000 blocked goroutines in one group
# (testdata/go/leaks/nil-channel -n 10000), which serves no /metrics.
idle_ticks() {
	local a b
	a=$(ticks "$1")
	sleep 10
	b=$(ticks "$1")
	echo $((b - a))
}

# fetch_costs LABEL URL PID KIND|PATH|RATE...: appends to fetches.jsonl.
fetch_costs() {
	local label=$1 url=$2 pid=$3 spec kind path rate size goroutines curl_ms s0 s1 t0 t1 base0 base1
	shift 3
	base0=$(idle_ticks "$pid")
	for spec in "$@"; do
		IFS='|' read -r kind path rate <<< "$spec"
		size=$(curl -sS -o /dev/null -w '%{size_download}' "$url$path")
		goroutines=$(curl -sS "$url/debug/pprof/goroutine?debug=1" | awk 'NR == 1 { print $NF }')
		curl_ms=$(for _ in $(seq 20); do curl -sS -o /dev/null -w '%{time_total}\n' "$url$path"; done |
			sort -n | awk '{ a[NR] = $1 } END { printf "%.3f", a[int((NR + 1) / 2)] * 1000 }')
		s0=$(ticks "$pid")
		t0=$(now_ms)
		"$TMP/load" -url "$url$path" -rate "$rate" -conns 1 -duration 10s -warmup 0s > "$TMP/fetch.json"
		t1=$(now_ms)
		s1=$(ticks "$pid")
		jq -c --arg service "$label" --arg kind "$kind" --arg path "$path" --argjson size "$size" \
			--argjson goroutines "${goroutines:-0}" --argjson curl_ms "$curl_ms" --argjson ticks "$((s1 - s0))" \
			--argjson base "$base0" --argjson wall_ms "$((t1 - t0))" --argjson hz "$HZ" \
			'{service: $service, kind: $kind, path: $path, bytes: $size, goroutines: $goroutines,
			  curl_median_ms: $curl_ms, fetches: .requests, p50_ms, p99_ms, max_ms,
			  service_cpu_ms_per_fetch: ((($ticks - $base * ($wall_ms / 10000)) / $hz * 1000) / .requests)}' \
			"$TMP/fetch.json" | tee -a "$OUT/fetches.jsonl" >&2
	done
	base1=$(idle_ticks "$pid")
	log "$label: CPU without fetches: $base0 and $base1 ticks per 10 s (before and after the fetches)"
	IDLE_PCT=$(awk -v a="$base0" -v b="$base1" -v hz="$HZ" 'BEGIN { printf "%.1f", (a + b) / 2 / hz / 10 * 100 }')
}

log "fetch costs: the healthy service"
fetch_costs healthy "$URL" "$SERVICE_PID" "metrics|/metrics|100" \
	"debug=1|/debug/pprof/goroutine?debug=1|50" "debug=2|/debug/pprof/goroutine?debug=2|50"
SERVICE_IDLE_PCT=$IDLE_PCT

log "fetch costs: 10,000 blocked goroutines"
(cd "$ROOT/testdata/go" && go build -o "$TMP/nil-channel" ./leaks/nil-channel)
"$TMP/nil-channel" -n 10000 <> "$TMP/stdin" > "$TMP/big.out" 2>&1 &
BIG_PID=$!
for _ in $(seq 300); do
	grep -q '^ready' "$TMP/big.out" 2> /dev/null && break
	sleep 0.1
done
grep -q '^ready' "$TMP/big.out" || die "nil-channel did not start: $(cat "$TMP/big.out")"
BIG_URL=$(awk '/^pprof / { print $2 }' "$TMP/big.out")
fetch_costs 10k "$BIG_URL" "$BIG_PID" \
	"debug=1|/debug/pprof/goroutine?debug=1|20" "debug=2|/debug/pprof/goroutine?debug=2|5"

# What a fetch does to the other requests of the 10k service: 10 s of 1000
# requests per second on its cheapest handler (/debug/pprof/cmdline), with no
# fetch, then with one fetch of a kind every second. debug=2 stops the world
# for the whole dump; debug=1 only briefly, at its start and end.
log "stalls: 10,000 blocked goroutines"
for spec in "none|" "debug=1|/debug/pprof/goroutine?debug=1" "debug=2|/debug/pprof/goroutine?debug=2"; do
	IFS='|' read -r kind path <<< "$spec"
	"$TMP/load" -url "$BIG_URL/debug/pprof/cmdline" -rate 1000 -conns 16 -duration 10s -warmup 1s -mark \
		> "$TMP/stall.json" 2> "$TMP/stall.err" &
	LOAD_PID=$!
	for ((i = 0; i < 200; i++)); do
		grep -q '^recording' "$TMP/stall.err" 2> /dev/null && break
		sleep 0.05
	done
	n=0
	if [[ -n $path ]]; then
		for ((i = 0; i < 10; i++)); do
			sleep 0.5
			curl -sS -o /dev/null "$BIG_URL$path"
			n=$((n + 1))
			sleep 0.4
		done
	fi
	wait "$LOAD_PID" || die "load failed: $(cat "$TMP/stall.err")"
	LOAD_PID=
	jq -c --arg kind "$kind" --argjson n "$n" \
		'{fetch: $kind, fetches: $n, requests, p50_ms, p99_ms, p999_ms, max_ms, from_due_p99_ms, from_due_max_ms}' \
		"$TMP/stall.json" | tee -a "$OUT/stalls.jsonl" >&2
done
kill "$BIG_PID" 2> /dev/null || true
wait "$BIG_PID" 2> /dev/null || true
BIG_PID=

# Summary.
echo
echo "Machine: $NCPU CPUs ($(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)), $(uname -sr)."
echo "Load: $RATE req/s on $URL/metrics from $CONNS clients, ${PHASE}s per phase; service -leak-every 0 -busy 8."
echo "Service CPU without load or watch: $SERVICE_IDLE_PCT % of one core."
echo
echo "| Run | Phase | p50 (ms) | p99 (ms) | p99.9 (ms) | Service CPU (% core) | goroscope CPU (% core) | goroscope RSS (MiB) | Load CPU (% core) | CPU pressure (%) | Fetches in phase |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"
jq -r '"| \(.run) | \(.phase) | \(.p50_ms) | \(.p99_ms) | \(.p999_ms) | \(.service_cpu_pct * 100 | round / 100) | \(.goroscope_cpu_pct * 1000 | round / 1000) | \(.goroscope_rss_mib * 10 | round / 10) | \(.load_cpu_pct * 10 | round / 10) | \(.cpu_pressure_pct) | \(.fetches | to_entries | map("\(.key) \(.value)") | join(", ")) |"' "$OUT/phases.jsonl"
echo
echo "Per phase, over the runs (mean; min to max):"
echo
echo "| Phase | p50 (ms) | p99 (ms) | Service CPU (% core) | p99 vs none, same run |"
echo "|---|---|---|---|---|"
jq -rs '
	def r3: . * 1000 | round / 1000;
	def stat(f): (map(f) | (add / length | r3 | tostring) + " (" + (min | r3 | tostring) + " to " + (max | r3 | tostring) + ")");
	. as $all
	| group_by(.phase)[]
	| . as $ph
	| ($ph | map(. as $p | ($all[] | select(.phase == "none" and .run == $p.run) | .p99_ms) as $base
		| ($p.p99_ms / $base - 1) * 100)) as $rel
	| "| \($ph[0].phase) | \(stat(.p50_ms)) | \(stat(.p99_ms)) | \(stat(.service_cpu_pct)) | \($rel | map(. * 10 | round / 10 | tostring + " %") | join(", ")) |"' \
	"$OUT/phases.jsonl"
echo
echo "| Service | Fetch | Bytes | Goroutines | curl, median of 20 (ms) | p50 (ms) | p99 (ms) | Service CPU per fetch (ms) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
jq -r '"| \(.service) | `\(.path)` | \(.bytes) | \(.goroutines) | \(.curl_median_ms) | \(.p50_ms) | \(.p99_ms) | \(.service_cpu_ms_per_fetch * 1000 | round / 1000) |"' "$OUT/fetches.jsonl"
echo
echo "Requests to /debug/pprof/cmdline of the 10k service (1000 per second for 10 s) while it serves a fetch every second:"
echo
echo "| Fetch | Fetches | p50 (ms) | p99 (ms) | p99.9 (ms) | max (ms) |"
echo "|---|---:|---:|---:|---:|---:|"
jq -r '"| \(.fetch) | \(.fetches) | \(.p50_ms) | \(.p99_ms) | \(.p999_ms) | \(.max_ms) |"' "$OUT/stalls.jsonl"
