#!/usr/bin/env bash
# Compares goroscope with `go tool pprof` on the counted forms of the goroutine
# profile, in one run, and writes the results to docs/benchmarks.md, between
# the bench-formats:start and bench-formats:end markers. The rest of the file
# is kept; when the markers are absent, a "Counted formats" section holding
# them is added at the end.
#
# The inputs are real profiles of testdata/gendump with 100k goroutines, taken
# with the same seed in the two counted formats that /debug/pprof/goroutine
# serves:
#   goroutine-100k.pb.gz         debug=0, the gzipped profile.proto
#   goroutine-100k-debug1.txt    debug=1, text with one record per stack
# They are written to target/bench-dumps/ and reused while the generator
# sources, the Go version and the seed stay the same.
#
# Each input is read by `goroscope analyze --format json`, `go tool pprof
# -traces` (prints every stack with its count, the closest pprof command to
# what goroscope reads), the same pprof binary started directly (without the
# `go` launcher, which is most of the time of `go tool pprof` on these small
# files), `go tool pprof -top`, and a floor: `wc -l` for the text,
# `gzip -dc | wc -c` for the proto.
#
# Usage: scripts/bench-formats.sh       (from any directory)
#
# Environment:
#   BENCH_DUMPS    dump directory (default: target/bench-dumps)
#   BENCH_TOOLS    Go tools directory (default: target/bench-tools)
#   BENCH_RUNS     runs of each command, the best is kept (default: 3)
#   BENCH_TIMEOUT  time limit of one run in seconds (default: 600)
#   BENCH_SEED     generator seed (default: 1)
#   BENCH_N        goroutines in the profile (default: 100000; the file names
#                  say 100k whatever the count, so change it for trials only)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DUMPS=${BENCH_DUMPS:-$ROOT/target/bench-dumps}
TOOLS=${BENCH_TOOLS:-$ROOT/target/bench-tools}
DOC=$ROOT/docs/benchmarks.md
RUNS=${BENCH_RUNS:-3}
LIMIT=${BENCH_TIMEOUT:-600}
SEED=${BENCH_SEED:-1}
N=${BENCH_N:-100000}
CARGO_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $CARGO_TARGET in /*) ;; *) CARGO_TARGET=$ROOT/$CARGO_TARGET ;; esac
GOROSCOPE=$CARGO_TARGET/release/goroscope

# Inputs: id, file name, gendump -debug level.
INPUTS=(proto debug1)
declare -A FILE_NAME=([proto]=goroutine-100k.pb.gz [debug1]=goroutine-100k-debug1.txt)
declare -A LEVEL=([proto]=0 [debug1]=1)
declare -A INPUT_DESC=([proto]="debug=0 (gzipped profile.proto)" [debug1]="debug=1 (counted text)")

export LC_ALL=C

log() { printf 'bench-formats: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

bench_setup go cargo awk timeout sha256sum gzip wc

input_path() { echo "$DUMPS/${FILE_NAME[$1]}"; }

# ---------------------------------------------------------------- build tools
log "building testdata/gendump"
(cd "$ROOT/testdata/gendump" && go build -o "$TOOLS/gendump" .)

build_goroscope

# -------------------------------------------------------------- generate dumps
generator_key
declare -A GEN_SECS GEN_RSS SIZE RAW_SIZE

for inp in "${INPUTS[@]}"; do
	f=$(input_path "$inp")
	key="n=$N seed=$SEED debug=${LEVEL[$inp]} src=$GEN_SRC go=$GO_VERSION"
	if [[ -s $f && -f $f.gen && $(head -n1 "$f.gen") == "$key" ]]; then
		log "reusing $f"
	else
		log "generating $f ($N goroutines, debug=${LEVEL[$inp]})"
		rm -f "$f" "$f.gen"
		/usr/bin/time -f '%e %M' -o "$TMP/gen.time" \
			timeout "$LIMIT" "$TOOLS/gendump" -n "$N" -seed "$SEED" -debug "${LEVEL[$inp]}" -q -o "$f.tmp"
		mv "$f.tmp" "$f"
		{ echo "$key"; tail -n1 "$TMP/gen.time"; } > "$f.gen"
	fi
	read -r "GEN_SECS[$inp]" "GEN_RSS[$inp]" < <(sed -n 2p "$f.gen")
	SIZE[$inp]=$(stat -c %s "$f")
done
RAW_SIZE[debug1]=${SIZE[debug1]}
RAW_SIZE[proto]=$(gzip -dc "$(input_path proto)" | wc -c)
GOROUTINES=$(head -n1 "$(input_path debug1)" | awk '/^goroutine profile: total [0-9]+$/ { print $4 }')
STACKS=$(grep -c '^[0-9][0-9]* @' "$(input_path debug1)" || true)
[[ -n $GOROUTINES ]] || die "$(input_path debug1) does not start with 'goroutine profile: total N'"

# `go tool pprof` builds pprof on first use (Go 1.24 and later no longer ship
# it prebuilt): run it once so that the build is not timed.
log "warming up go tool pprof"
timeout "$LIMIT" go tool pprof -traces "$(input_path proto)" > /dev/null 2>&1 || die "go tool pprof -traces failed on $(input_path proto)"
PPROF=$(go tool -n pprof)
[[ -x $PPROF ]] || die "go tool -n pprof does not name the pprof binary ($PPROF)"

# --------------------------------------------------------------------- measure
# Timing: see scripts/bench-lib.sh.
measure_overhead

declare -A T R S CMD
TOOL_IDS=(floor goroscope traces pprof top)
declare -A TOOL_NAME=(
	[floor]="floor"
	[goroscope]=goroscope
	[traces]="\`go tool pprof -traces\`"
	[pprof]="pprof binary \`-traces\`, no launcher"
	[top]="\`go tool pprof -top\`"
)

# run_tool TOOL INPUT
run_tool() {
	local tool=$1 inp=$2 f
	f=$(input_path "$inp")
	# shellcheck disable=SC2016 # sh expands $1 in the gzip pipeline
	case $tool,$inp in
	floor,debug1) CMD[$tool,$inp]='wc -l FILE'; set -- wc -l "$f" ;;
	floor,proto) CMD[$tool,$inp]='gzip -dc FILE \| wc -c'; set -- sh -c 'gzip -dc "$1" | wc -c' sh "$f" ;;
	goroscope,*)
		CMD[$tool,$inp]='goroscope analyze --format json FILE > /dev/null'
		if ((!HAVE_GOROSCOPE)); then S[$tool,$inp]=missing; return 0; fi
		set -- "$GOROSCOPE" analyze --format json "$f"
		;;
	traces,*) CMD[$tool,$inp]='go tool pprof -traces FILE > /dev/null'; set -- go tool pprof -traces "$f" ;;
	pprof,*) CMD[$tool,$inp]='$(go tool -n pprof) -traces FILE > /dev/null'; set -- "$PPROF" -traces "$f" ;;
	top,*) CMD[$tool,$inp]='go tool pprof -top FILE > /dev/null'; set -- go tool pprof -top "$f" ;;
	esac
	log "  $tool on ${FILE_NAME[$inp]} ($RUNS run(s), limit ${LIMIT}s)"
	measure "$RUNS" "$LIMIT" /dev/null "$@"
	T[$tool,$inp]=$M_TIME R[$tool,$inp]=$M_RSS S[$tool,$inp]=$M_STATUS
}

warm() { cat "$(input_path "$1")" > /dev/null; }

for inp in "${INPUTS[@]}"; do
	log "comparing tools on $(input_path "$inp")"
	for tool in "${TOOL_IDS[@]}"; do
		warm "$inp"
		run_tool "$tool" "$inp"
	done
done

# -------------------------------------------------------------------- report
calc() { awk "BEGIN { $1 }"; }
kb() { calc "printf \"%.1f\", $1 / 1e3"; }
thousands() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<< "$1"; }
ok() { [[ ${S[$1,$2]:-} == ok ]]; }
ms() { calc "printf \"%.1f\", $1 * 1000"; }
fmt_time() { # tool input: milliseconds
	case ${S[$1,$2]:-missing} in
	ok) ms "${T[$1,$2]}" ;;
	timeout) printf '> %s s (timed out)' "${T[$1,$2]}" ;;
	failed) printf 'failed' ;;
	missing) printf 'not built' ;;
	esac
}
ratio() { calc "if ($2 > 0) printf \"%.1f\", $1 / $2; else printf \"n/a\""; }
rss_mb() { calc "printf \"%.1f\", ${R[$1,$2]} * 1024 / 1e6"; }
verdict() { if [[ $1 == 1 ]]; then echo met; else echo "**not met**"; fi; }

tools_table() {
	local inp tool
	echo "| Tool | Input | Command | Wall (ms) | Peak RSS (MB) | \`go tool pprof -traces\` time ÷ tool time | pprof binary time ÷ tool time |"
	echo "|---|---|---|---:|---:|---:|---:|"
	for inp in "${INPUTS[@]}"; do
		for tool in goroscope traces pprof top floor; do
			local name=${TOOL_NAME[$tool]}
			[[ $tool == floor ]] && name="floor: \`${CMD[$tool,$inp]%% *}\`"
			if ok "$tool" "$inp"; then
				local speed=n/a speed_bin=n/a
				ok traces "$inp" && speed="$(ratio "${T[traces,$inp]}" "${T[$tool,$inp]}")×"
				ok pprof "$inp" && speed_bin="$(ratio "${T[pprof,$inp]}" "${T[$tool,$inp]}")×"
				[[ $tool == goroscope ]] && speed="**$speed**"
				echo "| $name | \`${FILE_NAME[$inp]}\` | \`${CMD[$tool,$inp]}\` | $(fmt_time "$tool" "$inp") | $(rss_mb "$tool" "$inp") | $speed | $speed_bin |"
			else
				echo "| $name | \`${FILE_NAME[$inp]}\` | \`${CMD[$tool,$inp]}\` | $(fmt_time "$tool" "$inp") | | | |"
			fi
		done
	done
}

targets_table() {
	local inp r m
	echo "| Target | Input | Measured | Result |"
	echo "|---|---|---|---|"
	for inp in "${INPUTS[@]}"; do
		if ok goroscope "$inp" && ok traces "$inp"; then
			r=$(ratio "${T[traces,$inp]}" "${T[goroscope,$inp]}")
			m=$(calc "printf \"%d\", ($r >= 10)")
			echo "| ≥ 10× faster than \`go tool pprof -traces\` | \`${FILE_NAME[$inp]}\` | ${r}× faster ($(ms "${T[goroscope,$inp]}") ms against $(ms "${T[traces,$inp]}") ms) | $(verdict "$m") |"
		else
			echo "| ≥ 10× faster than \`go tool pprof -traces\` | \`${FILE_NAME[$inp]}\` | goroscope: $(fmt_time goroscope "$inp")$(ok goroscope "$inp" && echo ' ms'); \`go tool pprof -traces\`: $(fmt_time traces "$inp")$(ok traces "$inp" && echo ' ms') | not measured |"
		fi
	done
}

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
RAM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)

{
	echo "<!-- bench-formats:start -->"
	echo "<!-- Generated by scripts/bench-formats.sh; edits between these markers are overwritten. -->"
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench-formats.sh\`."
	echo
	if rev=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null); then
		echo "- Commit: \`$rev\`$(git -C "$ROOT" diff --quiet HEAD 2> /dev/null || echo ' (with uncommitted changes)')."
	fi
	echo "- Machine: $(nproc) CPUs ($CPU), $RAM RAM, Linux $(uname -r)."
	echo "- Tools: ${GOROSCOPE_VERSION:-goroscope} (\`cargo build --release\`); \`go tool pprof\` of $GO_VERSION; $(wc --version | head -n1); $(gzip --version | head -n1). \`LC_ALL=C\` for all."
	echo "- Method: as in \"Comparison with other tools\": every command runs on the same file, its page cache warmed by \`cat FILE > /dev/null\` first; peak RSS from \`/usr/bin/time -f '%e %M'\`; wall time from bash's \`EPOCHREALTIME\` around the run less the $OVERHEAD_MS ms it takes to start \`/usr/bin/time\` and \`timeout\`. Every command runs $RUNS times: the best wall time and the highest peak RSS are shown. \`go tool pprof\` is timed as users type it, so its times include the \`go\` launcher finding the cached pprof binary (pprof is built once before timing)."
	if ok traces proto && ok pprof proto; then
		echo "- Of the $(fmt_time traces proto) ms of \`go tool pprof -traces\` on the proto, $(calc "printf \"%.1f\", (${T[traces,proto]} - ${T[pprof,proto]}) * 1000") ms are the \`go\` launcher: started directly (\`\$(go tool -n pprof)\`), the same pprof binary takes $(fmt_time pprof proto) ms. The last column compares with that."
	fi
	echo "- \`go tool pprof -traces\` prints every distinct stack with its goroutine count: the same information goroscope reads, without the analysis. The floors show the cost of merely reading the input."
	echo
	echo "### Profiles"
	echo
	echo "The goroutine profile of \`testdata/gendump -n $N -seed $SEED\` ($GO_VERSION), written by \`pprof.Lookup(\"goroutine\").WriteTo(out, debug)\` as \`/debug/pprof/goroutine?debug=0\` and \`?debug=1\` serve it; the same generator and seed as \`goroutines-100k.txt\` above. $(thousands "$GOROUTINES") goroutines in $(thousands "$STACKS") distinct stacks."
	echo
	echo "| File | Format | Size (KB) | Decompressed (KB) | Generated in (s) | Generator peak RSS (MB) |"
	echo "|---|---|---:|---:|---:|---:|"
	for inp in "${INPUTS[@]}"; do
		raw="—"
		[[ ${RAW_SIZE[$inp]} != "${SIZE[$inp]}" ]] && raw=$(kb "${RAW_SIZE[$inp]}")
		echo "| \`${FILE_NAME[$inp]}\` | ${INPUT_DESC[$inp]} | $(kb "${SIZE[$inp]}") | $raw | ${GEN_SECS[$inp]} | $(calc "printf \"%.0f\", ${GEN_RSS[$inp]} * 1024 / 1e6") |"
	done
	echo
	echo "### goroscope against \`go tool pprof\`"
	echo
	tools_table
	echo
	echo "### Targets"
	echo
	targets_table
	echo "<!-- bench-formats:end -->"
} > "$TMP/section.md"

if [[ -f $DOC ]] && grep -q '^<!-- bench-formats:start -->$' "$DOC" && grep -q '^<!-- bench-formats:end -->$' "$DOC"; then
	awk -v section="$TMP/section.md" '
		/^<!-- bench-formats:start -->$/ { while ((getline line < section) > 0) print line; skip = 1; next }
		/^<!-- bench-formats:end -->$/ { skip = 0; next }
		!skip { print }
	' "$DOC" > "$TMP/doc.md"
else
	{
		if [[ -f $DOC ]]; then cat "$DOC"; else echo "# Benchmarks"; fi
		echo
		echo "## Counted formats (debug=1, proto)"
		echo
		echo "goroscope against \`go tool pprof\` on the \`debug=1\` and \`debug=0\` (proto) goroutine profiles of 100k"
		echo "goroutines. Reproduce with \`scripts/bench-formats.sh\`, which writes the part between the \`bench-formats\`"
		echo "markers; text outside them is kept."
		echo
		cat "$TMP/section.md"
	} > "$TMP/doc.md"
fi
cp "$TMP/doc.md" "$DOC"
log "wrote $DOC"
sed -n '/^<!-- bench-formats:start -->$/,/^<!-- bench-formats:end -->$/p' "$DOC"
