#!/usr/bin/env bash
# Watches TARGETS services with one `goroscope watch` for DURATION seconds and
# samples goroscope's memory every SAMPLE_EVERY seconds, to show whether it
# stays flat.
#
# The services are separate processes of testdata/go/watch: LEAKING of them
# leak one goroutine every LEAK_EVERY (so that their groups grow, alarms are
# raised and full debug=2 dumps are fetched), the others are healthy. Each
# runs with -busy BUSY (goroutines that come and go) and -lifetime DURATION
# plus two minutes, so none outlives the run. goroscope watches each one's
# pprof endpoint (SOURCES=pprof: a debug=1 profile every INTERVAL, the most
# work per sample) or its pprof and /metrics endpoints (SOURCES=both: the
# count every INTERVAL, a profile every PROFILE_INTERVAL), keeps the history
# in a SQLite database in the work directory and writes its events there.
#
# Prints one CSV line per sample (elapsed seconds, goroscope's RSS and peak
# RSS in KiB, its CPU seconds, the database size, the services alive), then a
# summary: RSS at the first sample, after 10 minutes, at the end, the highest,
# and the slope of RSS after the first 10 minutes. The CSV also goes to
# OUT/memory.csv; the events to OUT/events.jsonl.
#
# Usage: scripts/bench-watch-memory.sh      (from any directory; DURATION + a minute)
#
# Environment:
#   GOROSCOPE         goroscope binary (default: target/release/goroscope, from
#                     `cargo build --release`)
#   DURATION          seconds of watching (default: 3600)
#   SAMPLE_EVERY      seconds between two memory samples (default: 30)
#   TARGETS           services watched (default: 50)
#   LEAKING           how many of them leak (default: 10)
#   LEAK_EVERY        how often a leaking service leaks (default: 10s)
#   BUSY              -busy of every service (default: 1)
#   SOURCES           pprof or both (default: pprof)
#   INTERVAL          goroscope --interval (default: 1s)
#   PROFILE_INTERVAL  goroscope --profile-interval, for SOURCES=both (default: 10s)
#   OUT               work directory: database, events, CSV (default:
#                     a new directory under /tmp, kept)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GOROSCOPE=${GOROSCOPE:-$ROOT/target/release/goroscope}
DURATION=${DURATION:-3600}
SAMPLE_EVERY=${SAMPLE_EVERY:-30}
TARGETS=${TARGETS:-50}
LEAKING=${LEAKING:-10}
LEAK_EVERY=${LEAK_EVERY:-10s}
BUSY=${BUSY:-1}
SOURCES=${SOURCES:-pprof}
INTERVAL=${INTERVAL:-1s}
PROFILE_INTERVAL=${PROFILE_INTERVAL:-10s}
OUT=${OUT:-$(mktemp -d /tmp/bench-watch-memory.XXXXXX)}

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}

command -v go > /dev/null || die "go not found"
[[ -x $GOROSCOPE ]] || die "$GOROSCOPE not found: run cargo build --release, or set GOROSCOPE"
[[ $SOURCES == pprof || $SOURCES == both ]] || die "SOURCES must be pprof or both"
((TARGETS >= 1 && TARGETS <= 500 && LEAKING <= TARGETS)) || die "TARGETS must be 1 to 500, LEAKING at most TARGETS"
((DURATION >= SAMPLE_EVERY && SAMPLE_EVERY >= 1)) || die "DURATION must be at least SAMPLE_EVERY (at least 1)"
((BASH_VERSINFO[0] >= 5)) || die "bash 5 or later is needed (EPOCHREALTIME)"

mkdir -p "$OUT"
BIN=$(mktemp -d)
SERVICE_PIDS=()
WATCH_PID=
cleanup() {
	local pid
	if [[ -n $WATCH_PID ]]; then kill "$WATCH_PID" 2> /dev/null || true; fi
	for pid in "${SERVICE_PIDS[@]}"; do
		kill "$pid" 2> /dev/null || true
	done
	wait 2> /dev/null || true
	rm -rf "$BIN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "building the service (testdata/go/watch); work directory $OUT"
(cd "$ROOT/testdata/go" && go build -o "$BIN/watchsvc" ./watch)

# The services exit when their standard input ends; a FIFO opened read-write
# never ends, so each runs until -lifetime or until it is killed.
mkfifo "$BIN/stdin"
urls=()
for ((i = 0; i < TARGETS; i++)); do
	leak=0
	if ((i < LEAKING)); then leak=$LEAK_EVERY; fi
	"$BIN/watchsvc" -leak-every "$leak" -busy "$BUSY" -lifetime "$((DURATION + 120))s" \
		<> "$BIN/stdin" > "$BIN/service-$i.out" 2>&1 &
	SERVICE_PIDS+=($!)
done
for ((i = 0; i < TARGETS; i++)); do
	for _ in $(seq 50); do
		grep -q '^ready' "$BIN/service-$i.out" 2> /dev/null && break
		sleep 0.1
	done
	url=$(awk '/^pprof / { print $2 }' "$BIN/service-$i.out")
	[[ -n $url ]] || die "service $i did not start: $(cat "$BIN/service-$i.out")"
	urls+=("$url")
	if [[ $SOURCES == both ]]; then urls+=("$url/metrics"); fi
done
log "$TARGETS services up ($LEAKING leaking one goroutine every $LEAK_EVERY, -busy $BUSY)"

args=(--interval "$INTERVAL")
if [[ $SOURCES == both ]]; then args+=(--profile-interval "$PROFILE_INTERVAL"); fi
rm -f "$OUT/history.db" "$OUT/history.db-wal" "$OUT/history.db-shm" "$OUT/events.jsonl"
"$GOROSCOPE" watch "${urls[@]}" "${args[@]}" -q --db "$OUT/history.db" --events "$OUT/events.jsonl" \
	--until "$((DURATION + 30))s" > "$OUT/watch.out" 2>&1 &
WATCH_PID=$!
log "goroscope watch (pid $WATCH_PID): ${#urls[@]} URLs, ${args[*]}, for ${DURATION}s"

HZ=$(getconf CLK_TCK)
status_kib() { awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"; }
cpu_s() {
	local stat
	stat=$(< "/proc/$1/stat")
	stat=${stat##*) }
	awk -v hz="$HZ" '{ printf "%.2f", ($12 + $13) / hz }' <<< "$stat"
}
db_kib() { du -sk "$OUT"/history.db* 2> /dev/null | awk '{ s += $1 } END { print s + 0 }'; }
alive() {
	local pid n=0
	for pid in "${SERVICE_PIDS[@]}"; do
		kill -0 "$pid" 2> /dev/null && n=$((n + 1))
	done
	echo "$n"
}

echo "elapsed_s,rss_kib,hwm_kib,cpu_s,db_kib,services_alive" | tee "$OUT/memory.csv"
start=${EPOCHREALTIME%.*}
for ((t = SAMPLE_EVERY; t <= DURATION; t += SAMPLE_EVERY)); do
	sleep "$((start + t - ${EPOCHREALTIME%.*}))" 2> /dev/null || true
	kill -0 "$WATCH_PID" 2> /dev/null || die "goroscope watch exited: $(tail -5 "$OUT/watch.out")"
	echo "$t,$(status_kib "$WATCH_PID" VmRSS),$(status_kib "$WATCH_PID" VmHWM),$(cpu_s "$WATCH_PID"),$(db_kib),$(alive)" |
		tee -a "$OUT/memory.csv"
done
kill "$WATCH_PID" 2> /dev/null || true
wait "$WATCH_PID" 2> /dev/null || true
WATCH_PID=

samples=$(grep -c '"event":"sample"' "$OUT/events.jsonl" || true)
alarms=$(grep -c '"event":"alarm"' "$OUT/events.jsonl" || true)
echo
echo "Samples: $samples ($(grep -c '"source":"debug2"' "$OUT/events.jsonl" || true) of them debug=2), alarms: $alarms, in $OUT/events.jsonl"
awk -F, -v t10=600 '
	NR == 1 { next }
	{ n++; t[n] = $1; r[n] = $2; if ($2 > max) max = $2; if ($3 > hwm) hwm = $3 }
	$1 <= t10 { at10 = $2 }
	$1 > t10 { m++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2 }
	END {
		printf "RSS (MiB): first sample (%d s) %.1f, at 10 min %.1f, end (%d s) %.1f, highest sample %.1f, peak (VmHWM) %.1f\n",
			t[1], r[1] / 1024, at10 / 1024, t[n], r[n] / 1024, max / 1024, hwm / 1024
		if (m >= 2 && m * sxx - sx * sx > 0)
			printf "Slope after 10 min (least squares over %d samples): %+.3f MiB per hour\n",
				m, (m * sxy - sx * sy) / (m * sxx - sx * sx) * 3600 / 1024
	}' "$OUT/memory.csv"
