#!/usr/bin/env bash
# Compares goroscope with `wc -l`, `grep -c '^goroutine '`, DataDog's
# gostackparse and panicparse (`pp`) on the same goroutine dumps, in one run,
# and writes the results to docs/benchmarks.md (between the bench:start and
# bench:end markers; the rest of the file is kept).
#
# The dumps are real runtime.Stack(buf, true) output of testdata/gendump
# (10k, 100k, 600k and 1M goroutines, about 1.15 KB per goroutine). They are
# written to target/bench-dumps/ and reused while the generator sources, the
# Go version and the seed stay the same. Generating them needs about 5 GB of
# RAM (1M goroutines) and 2 GB of disk.
#
# Usage: scripts/bench.sh            (from any directory)
#
# Environment:
#   BENCH_DUMPS         dump directory (default: target/bench-dumps)
#   BENCH_TOOLS         Go tools directory (default: target/bench-tools)
#   BENCH_RUNS          runs of each fast tool, the best is kept (default: 3)
#   BENCH_TIMEOUT       time limit of one run in seconds (default: 600)
#   BENCH_PP_TIMEOUT    time limit of panicparse on the big dump (default: 600;
#                       pp 2.5.0 did not finish the 600k dump in 30 minutes)
#   BENCH_PP_BIG        0 to skip panicparse on the big dump (default: 1)
#   BENCH_SEED          generator seed (default: 1)
#   PANICPARSE_VERSION  version of panicparse to install (default: v2.5.0)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DUMPS=${BENCH_DUMPS:-$ROOT/target/bench-dumps}
TOOLS=${BENCH_TOOLS:-$ROOT/target/bench-tools}
DOC=$ROOT/docs/benchmarks.md
RUNS=${BENCH_RUNS:-3}
LIMIT=${BENCH_TIMEOUT:-600}
PP_LIMIT=${BENCH_PP_TIMEOUT:-600}
PP_BIG=${BENCH_PP_BIG:-1}
SEED=${BENCH_SEED:-1}
PP_VERSION=${PANICPARSE_VERSION:-v2.5.0}
CARGO_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $CARGO_TARGET in /*) ;; *) CARGO_TARGET=$ROOT/$CARGO_TARGET ;; esac
GOROSCOPE=$CARGO_TARGET/release/goroscope

# Dumps: name, goroutine count. BIG is the one all tools are compared on.
NAMES=(10k 100k 600k 1m)
COUNTS=(10000 100000 600000 1000000)
MID=100k
BIG=600k

export LC_ALL=C # byte-wise grep; the same for every tool

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
# shellcheck source=scripts/bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

bench_setup go cargo awk timeout sha256sum

dump_path() { echo "$DUMPS/goroutines-$1.txt"; }

# ---------------------------------------------------------------- build tools
log "building testdata/gendump and bench/go/gostackparse"
(cd "$ROOT/testdata/gendump" && go build -o "$TOOLS/gendump" .)
(cd "$ROOT/bench/go" && go build -o "$TOOLS/gostackparse" ./gostackparse)
GSP_VERSION=$(cd "$ROOT/bench/go" && go list -m -f '{{.Version}}' github.com/DataDog/gostackparse)

if [[ ! -x $TOOLS/pp || ! -f $TOOLS/pp.version || $(cat "$TOOLS/pp.version") != "$PP_VERSION" ]]; then
	log "installing panicparse $PP_VERSION into $TOOLS"
	(cd "$TMP" && GOBIN=$TOOLS GOFLAGS=-mod=mod go install "github.com/maruel/panicparse/v2/cmd/pp@$PP_VERSION")
	echo "$PP_VERSION" > "$TOOLS/pp.version"
fi

build_goroscope

# -------------------------------------------------------------- generate dumps
generator_key
declare -A GEN_SECS GEN_RSS SIZE

for i in "${!NAMES[@]}"; do
	name=${NAMES[$i]} n=${COUNTS[$i]}
	f=$(dump_path "$name")
	key="n=$n seed=$SEED src=$GEN_SRC go=$GO_VERSION"
	if [[ -s $f && -f $f.gen && $(head -n1 "$f.gen") == "$key" ]]; then
		log "reusing $f"
	else
		log "generating $f ($n goroutines)"
		rm -f "$f" "$f.gen"
		/usr/bin/time -f '%e %M' -o "$TMP/gen.time" \
			"$TOOLS/gendump" -n "$n" -seed "$SEED" -q -o "$f.tmp"
		mv "$f.tmp" "$f"
		{ echo "$key"; tail -n1 "$TMP/gen.time"; } > "$f.gen"
	fi
	read -r "GEN_SECS[$name]" "GEN_RSS[$name]" < <(sed -n 2p "$f.gen")
	SIZE[$name]=$(stat -c %s "$f")
done

# --------------------------------------------------------------------- measure
# Timing: see scripts/bench-lib.sh.
measure_overhead

declare -A T R S CMD OUT
TOOL_IDS=(wc grep gostackparse pp goroscope)
declare -A TOOL_NAME=(
	[wc]="\`wc -l\`"
	[grep]="\`grep -c '^goroutine '\`"
	[gostackparse]="gostackparse $GSP_VERSION"
	[pp]="panicparse $PP_VERSION"
	[goroscope]=goroscope
)

# run_tool TOOL NAME RUNS LIMIT
run_tool() {
	local tool=$1 name=$2 runs=$3 limit=$4 f
	f=$(dump_path "$name")
	local out=/dev/null
	case $tool in
	wc) CMD[$tool]='wc -l FILE'; set -- wc -l "$f"; out=$TMP/out ;;
	grep) CMD[$tool]="grep -c '^goroutine ' FILE"; set -- grep -c '^goroutine ' "$f"; out=$TMP/out ;;
	gostackparse) CMD[$tool]='bench/go/gostackparse FILE'; set -- "$TOOLS/gostackparse" "$f"; out=$TMP/out ;;
	pp) CMD[$tool]='pp -parse=false FILE > /dev/null'; set -- "$TOOLS/pp" -parse=false "$f" ;;
	goroscope)
		CMD[$tool]='goroscope analyze FILE --format json > /dev/null'
		if ((!HAVE_GOROSCOPE)); then S[$tool,$name]=missing; return 0; fi
		set -- "$GOROSCOPE" analyze "$f" --format json
		;;
	esac
	log "  $tool on $name ($runs run(s), limit ${limit}s)"
	measure "$runs" "$limit" "$out" "$@"
	T[$tool,$name]=$M_TIME R[$tool,$name]=$M_RSS S[$tool,$name]=$M_STATUS
	if [[ $out != /dev/null && $M_STATUS == ok ]]; then OUT[$tool,$name]=$(head -n1 "$out"); fi
}

warm() { cat "$(dump_path "$1")" > /dev/null; }

for name in "$BIG" "$MID"; do
	log "comparing tools on $(dump_path "$name")"
	for tool in "${TOOL_IDS[@]}"; do
		warm "$name"
		if [[ $tool == pp ]]; then
			if [[ $name == "$BIG" ]]; then
				if ((PP_BIG)); then run_tool pp "$name" 1 "$PP_LIMIT"; else S[pp,$name]=skipped; fi
			else
				run_tool pp "$name" 1 "$LIMIT"
			fi
		else
			run_tool "$tool" "$name" "$RUNS" "$LIMIT"
		fi
	done
done

log "goroscope and grep on every dump"
for name in "${NAMES[@]}"; do
	warm "$name"
	[[ -n ${S[grep,$name]:-} ]] || run_tool grep "$name" 1 "$LIMIT"
	[[ -n ${S[goroscope,$name]:-} ]] || run_tool goroscope "$name" "$RUNS" "$LIMIT"
done

# Goroutine count of each dump, from grep -c.
declare -A GOROUTINES
for name in "${NAMES[@]}"; do
	GOROUTINES[$name]=${OUT[grep,$name]:-?}
done

# -------------------------------------------------------------------- report
calc() { awk "BEGIN { $1 }"; }
mb() { calc "printf \"%.1f\", $1 / 1e6"; }
thousands() { sed ':a; s/\B[0-9]\{3\}\>/,&/; ta' <<< "$1"; }
fmt_time() { # tool name
	case ${S[$1,$2]:-missing} in
	ok) printf '%s' "${T[$1,$2]}" ;;
	timeout) printf '> %s (timed out)' "${T[$1,$2]}" ;;
	failed) printf 'failed' ;;
	missing) printf 'not built' ;;
	skipped) printf 'not run' ;;
	esac
}
ok() { [[ ${S[$1,$2]:-} == ok ]]; }
# ratio A B: A / B with two decimals, or n/a
ratio() { calc "if ($2 > 0) printf \"%.2f\", $1 / $2; else printf \"n/a\""; }
tput() { # tool name: MB/s
	calc "t = ${T[$1,$2]}; if (t > 0) printf \"%.0f\", ${SIZE[$2]} / 1e6 / t; else printf \"n/a\""
}
rss_mb() { calc "printf \"%.1f\", ${R[$1,$2]} * 1024 / 1e6"; }
rss_pct() { calc "printf \"%.1f\", ${R[$1,$2]} * 1024 * 100 / ${SIZE[$2]}"; }

tools_table() { # name
	local name=$1 tool
	echo "| Tool | Command | Wall (s) | Peak RSS (MB) | Throughput (MB/s) | Time ÷ \`wc -l\` | gostackparse time ÷ tool time | Peak RSS ÷ file size |"
	echo "|---|---|---:|---:|---:|---:|---:|---:|"
	for tool in "${TOOL_IDS[@]}"; do
		if ok "$tool" "$name"; then
			local vs_wc=n/a vs_gsp=n/a
			ok wc "$name" && vs_wc="$(ratio "${T[$tool,$name]}" "${T[wc,$name]}")×"
			ok gostackparse "$name" && vs_gsp="$(ratio "${T[gostackparse,$name]}" "${T[$tool,$name]}")×"
			echo "| ${TOOL_NAME[$tool]} | \`${CMD[$tool]}\` | ${T[$tool,$name]} | $(rss_mb "$tool" "$name") | $(tput "$tool" "$name") | $vs_wc | $vs_gsp | $(rss_pct "$tool" "$name") % |"
		else
			echo "| ${TOOL_NAME[$tool]} | \`${CMD[$tool]}\` | $(fmt_time "$tool" "$name") | | | | | |"
		fi
	done
}

check_counts() { # name: the goroutine counts the tools print must agree
	local name=$1 g=${GOROUTINES[$1]} gsp
	gsp=${OUT[gostackparse,$name]:-}
	if [[ -n $gsp ]]; then
		local n groups
		n=$(awk '{ print $2 }' <<< "$gsp") groups=$(awk '{ print $4 }' <<< "$gsp")
		if [[ $n == "$g" ]]; then
			echo "gostackparse parsed all $(thousands "$g") goroutines into $(thousands "$groups") groups of identical stacks."
		else
			echo "**Warning:** gostackparse parsed $n goroutines, \`grep\` counts $g."
			log "warning: gostackparse found $n goroutines in $name, grep $g"
		fi
	fi
}

verdict() { if [[ $1 == 1 ]]; then echo met; else echo "**not met**"; fi; }

targets_table() {
	local b=$BIG
	echo "| Target | Measured | Result |"
	echo "|---|---|---|"
	if ! ok goroscope "$b"; then
		local why
		why="goroscope $(fmt_time goroscope "$b")"
		echo "| Within 3× of \`wc -l\` (big dump) | $why | not measured |"
		echo "| ≥ 3× faster than gostackparse (big dump) | $why | not measured |"
		echo "| Peak RSS ≤ 10 % of file size (big dump) | $why | not measured |"
		echo "| Linear in goroutines (100k → 1M) | $why | not measured |"
		return
	fi
	local r m
	if ok wc "$b"; then
		r=$(ratio "${T[goroscope,$b]}" "${T[wc,$b]}")
		m=$(calc "printf \"%d\", ($r <= 3)")
		echo "| Within 3× of \`wc -l\` (big dump) | ${r}× the time of \`wc -l\` | $(verdict "$m") |"
	else
		echo "| Within 3× of \`wc -l\` (big dump) | \`wc -l\` $(fmt_time wc "$b") | not measured |"
	fi
	if ok gostackparse "$b"; then
		r=$(ratio "${T[gostackparse,$b]}" "${T[goroscope,$b]}")
		m=$(calc "printf \"%d\", ($r >= 3)")
		echo "| ≥ 3× faster than gostackparse (big dump) | ${r}× faster | $(verdict "$m") |"
	else
		echo "| ≥ 3× faster than gostackparse (big dump) | gostackparse $(fmt_time gostackparse "$b") | not measured |"
	fi
	r=$(rss_pct goroscope "$b")
	m=$(calc "printf \"%d\", ($r <= 10)")
	echo "| Peak RSS ≤ 10 % of file size (big dump) | $r % ($(rss_mb goroscope "$b") MB of $(mb "${SIZE[$b]}") MB) | $(verdict "$m") |"
	if ok goroscope 100k && ok goroscope 1m; then
		# Time per goroutine at 1M over time per goroutine at 100k.
		r=$(calc "printf \"%.2f\", (${T[goroscope,1m]} / ${GOROUTINES[1m]}) / (${T[goroscope,100k]} / ${GOROUTINES[100k]})")
		m=$(calc "printf \"%d\", ($r <= 1.25)")
		echo "| Linear in goroutines (100k → 1M) | time per goroutine at 1M is ${r}× that at 100k (limit 1.25×) | $(verdict "$m") |"
	else
		echo "| Linear in goroutines (100k → 1M) | goroscope failed on 100k or 1M | not measured |"
	fi
}

CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
RAM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
PP_VER_LINE="panicparse $PP_VERSION (\`pp\`, run with \`-parse=false\` so that it does not read source files, which the others do not do either)"

{
	echo "<!-- bench:start -->"
	echo "<!-- Generated by scripts/bench.sh; edits between these markers are overwritten. -->"
	echo "## Comparison with other tools"
	echo
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench.sh\`."
	echo
	if rev=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null); then
		echo "- Commit: \`$rev\`$(git -C "$ROOT" diff --quiet HEAD 2> /dev/null || echo ' (with uncommitted changes)')."
	fi
	echo "- Machine: $(nproc) CPUs ($CPU), $RAM RAM, Linux $(uname -r)."
	echo "- Tools: ${GOROSCOPE_VERSION:-goroscope} (\`cargo build --release\`); gostackparse $GSP_VERSION through \`bench/go/gostackparse\` (parses, then groups goroutines by identical stack: function, file and line of every frame and of \`created by\`); $PP_VER_LINE; $(wc --version | head -n1); $(grep --version | head -n1). \`LC_ALL=C\` for all."
	echo "- Method: every tool runs on the same file, its page cache warmed by \`cat FILE > /dev/null\` first. Peak RSS comes from \`/usr/bin/time -f '%e %M'\`. As its \`%e\` has only 10 ms resolution, wall time is measured with bash's \`EPOCHREALTIME\` around the run, less the $OVERHEAD_MS ms it takes to start \`/usr/bin/time\` and \`timeout\` (best of 10 runs of \`true\`). The fast tools run $RUNS times: the best wall time and the highest peak RSS are shown. panicparse runs once."
	echo "- MB is 10⁶ bytes. \"Time ÷ \`wc -l\`\" is how many times longer than \`wc -l\` a tool takes; \"gostackparse time ÷ tool time\" is how many times faster than gostackparse it is."
	echo
	echo "### Dumps"
	echo
	echo "Real \`runtime.Stack(buf, true)\` output (the pprof \`debug=2\` format) of \`testdata/gendump\` ($GO_VERSION, seed $SEED): goroutines parked on channels, select, mutexes, WaitGroup, Cond, sleep, nil channels, loopback TCP and pipes, plus a few busy ones, at stack depths 0–24 and created from several sites."
	echo
	echo "| File | Goroutines | Size (MB) | Bytes per goroutine | Generated in (s) | Generator peak RSS (MB) |"
	echo "|---|---:|---:|---:|---:|---:|"
	for name in "${NAMES[@]}"; do
		echo "| \`goroutines-$name.txt\` | $(thousands "${GOROUTINES[$name]}") | $(mb "${SIZE[$name]}") | $(calc "printf \"%.0f\", ${SIZE[$name]} / ${GOROUTINES[$name]}") | ${GEN_SECS[$name]} | $(calc "printf \"%.0f\", ${GEN_RSS[$name]} * 1024 / 1e6") |"
	done
	for name in "$BIG" "$MID"; do
		echo
		echo "### All tools on \`goroutines-$name.txt\` ($(mb "${SIZE[$name]}") MB, $(thousands "${GOROUTINES[$name]}") goroutines)"
		echo
		tools_table "$name"
		echo
		check_counts "$name"
		if [[ $name == "$BIG" && ${S[pp,$name]:-} != ok ]]; then
			case ${S[pp,$name]:-} in
			timeout) echo "panicparse did not finish on this file within $PP_LIMIT s; see the $MID table for it." ;;
			skipped) echo "panicparse was not run on this file (BENCH_PP_BIG=0); see the $MID table for it." ;;
			*) echo "panicparse failed on this file; see the $MID table for it." ;;
			esac
		fi
	done
	echo
	echo "### goroscope against goroutine count"
	echo
	echo "| File | Goroutines | Size (MB) | Wall (s) | Peak RSS (MB) | Throughput (MB/s) | µs per goroutine | Peak RSS ÷ file size |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for name in "${NAMES[@]}"; do
		if ok goroscope "$name"; then
			echo "| \`goroutines-$name.txt\` | $(thousands "${GOROUTINES[$name]}") | $(mb "${SIZE[$name]}") | ${T[goroscope,$name]} | $(rss_mb goroscope "$name") | $(tput goroscope "$name") | $(calc "printf \"%.2f\", ${T[goroscope,$name]} * 1e6 / ${GOROUTINES[$name]}") | $(rss_pct goroscope "$name") % |"
		else
			echo "| \`goroutines-$name.txt\` | $(thousands "${GOROUTINES[$name]}") | $(mb "${SIZE[$name]}") | $(fmt_time goroscope "$name") | | | | |"
		fi
	done
	echo
	echo "### Targets"
	echo
	echo "Computed by the script from the numbers above; the big dump is \`goroutines-$BIG.txt\`."
	echo
	targets_table
	echo "<!-- bench:end -->"
} > "$TMP/section.md"

if [[ -f $DOC ]] && grep -q '^<!-- bench:start -->$' "$DOC" && grep -q '^<!-- bench:end -->$' "$DOC"; then
	awk -v section="$TMP/section.md" '
		/^<!-- bench:start -->$/ { while ((getline line < section) > 0) print line; skip = 1; next }
		/^<!-- bench:end -->$/ { skip = 0; next }
		!skip { print }
	' "$DOC" > "$TMP/doc.md"
elif [[ -f $DOC ]]; then
	{ cat "$DOC"; echo; cat "$TMP/section.md"; } > "$TMP/doc.md"
else
	{
		echo "# Benchmarks"
		echo
		echo "The section below is written by \`scripts/bench.sh\`. Text outside the \`bench:start\`/\`bench:end\` markers is kept when the script runs again."
		echo
		cat "$TMP/section.md"
	} > "$TMP/doc.md"
fi
cp "$TMP/doc.md" "$DOC"
log "wrote $DOC"
sed -n '/^<!-- bench:start -->$/,/^<!-- bench:end -->$/p' "$DOC"
