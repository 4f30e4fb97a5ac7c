#!/usr/bin/env bash
# Times `goroscope lint` on a tree of Go source against a parse-only baseline,
# staticcheck and `go vet`, in one run, and prints the results as Markdown.
#
# Usage: scripts/bench-lint.sh [TREE]    (from any directory)
#
# TREE defaults to $(go env GOROOT)/src. Every command runs inside TREE:
#   wc -l          `wc -l` over the .go files the linter walks (a floor: reading
#                  them once, on one core)
#   parse-only     crates/goroscope_lint/examples/parse_only.rs: the lint engine
#                  with no rule, so walking, reading and parsing every file
#   goroscope      goroscope lint --exit-zero -f json --no-config . > /dev/null
#   GLxxx          the same with --select GLxxx, once per rule (BENCH_RULES=0
#                  leaves these out): what each rule adds to parse-only
#   staticcheck    staticcheck PATTERNS, its cache (STATICCHECK_CACHE) empty at
#                  every run, so that it analyses everything as goroscope does
#                  (it loads dependencies from the export data that `go list
#                  -export` leaves in the Go build cache, warm after the warm-up)
#   go vet         go vet PATTERNS with a warm build cache (packages already
#                  compiled) but vet's own results not reused: every run passes
#                  a vet flag that changes nothing but vet's cache key
#                  (-printf.funcs=<a name no code uses>); in GOROOT the flags go
#                  itself gives vet there (-unsafeptr=false) are passed too
#   ... cached     staticcheck and go vet again with everything cached, as a
#                  second run on an unchanged tree is (not comparable: nothing
#                  is analysed)
# PATTERNS is `std cmd` when TREE is GOROOT/src, else `./...` (TREE must then
# be a Go module for staticcheck and go vet); BENCH_GO_PATTERNS overrides it.
#
# Every command runs BENCH_WARMUP times untimed, then BENCH_RUNS times, the
# tools taking turns (round r of every tool, then round r+1) so that a change
# in the machine's load falls on all of them. Shown: the median wall time, the
# median CPU time (user + system, children included) and the highest peak RSS
# of the timed runs, all from `/usr/bin/time -f '%e %M %U %S'`. Peak RSS is
# that of the largest single process (for go vet, the go command or one vet
# process, not their sum).
#
# Needs cargo, go, GNU time (/usr/bin/time; Debian: apt-get install time) and
# coreutils. staticcheck is installed once into BENCH_TOOLS with
# `go install honnef.co/go/tools/cmd/staticcheck@STATICCHECK_VERSION` (the
# only network access, through the Go module proxy) unless STATICCHECK names
# a binary. With the defaults on GOROOT/src it takes about 20 minutes on 2
# cores, most of it staticcheck and go vet (longer when the Go build cache does
# not hold std and cmd yet: the warm-up runs fill it).
#
# Environment:
#   BENCH_RUNS           timed runs of each command (default: 3)
#   BENCH_WARMUP         untimed runs first (default: 1)
#   BENCH_TIMEOUT        time limit of one run in seconds (default: 10800)
#   BENCH_GO_PATTERNS    package patterns for staticcheck and go vet
#   BENCH_SKIP           space-separated: staticcheck vet cached (leave those out)
#   BENCH_RULES          0: no per-rule rows (default: 1)
#   BENCH_TOOLS          where staticcheck is installed (default: target/bench-tools)
#   STATICCHECK_VERSION  default: v0.8.2 (2026.2.2)
#   STATICCHECK          a staticcheck binary to use instead
#   BENCH_DOC            a Markdown file (e.g. docs/benchmarks.md) whose part
#                        between <!-- bench-lint:start --> and
#                        <!-- bench-lint:end --> is replaced by the results;
#                        by default they are only printed
#   CARGO_TARGET_DIR     as for cargo
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${BENCH_RUNS:-3}
WARMUP=${BENCH_WARMUP:-1}
LIMIT=${BENCH_TIMEOUT:-10800}
SKIP=" ${BENCH_SKIP:-} "
PER_RULE=${BENCH_RULES:-1}
TOOLS=${BENCH_TOOLS:-$ROOT/target/bench-tools}
STATICCHECK_VERSION=${STATICCHECK_VERSION:-v0.8.2}
CARGO_TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
case $CARGO_TARGET in /*) ;; *) CARGO_TARGET=$ROOT/$CARGO_TARGET ;; esac
GOROSCOPE=$CARGO_TARGET/release/goroscope
PARSE_ONLY=$CARGO_TARGET/release/examples/parse_only

export LC_ALL=C GOTOOLCHAIN=local

log() { printf 'bench-lint: %s\n' "$*" >&2; }
die() {
	log "error: $*"
	exit 1
}
skipped() { [[ $SKIP == *" $1 "* ]]; }

# ------------------------------------------------------------------- checks
((BASH_VERSINFO[0] >= 4)) || die "bash 4 or later is needed"
[[ -x /usr/bin/time ]] || die "/usr/bin/time (GNU time) not found; on Debian: apt-get update && apt-get install time"
/usr/bin/time -f '%e' true 2> /dev/null || die "/usr/bin/time is not GNU time (no -f); on Debian: apt-get install time"
for cmd in cargo go timeout find xargs wc awk sort git; do
	command -v "$cmd" > /dev/null || die "$cmd not found"
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_RUNS must be ≥ 1 and BENCH_WARMUP ≥ 0"

GOROOT_SRC=$(cd "$(go env GOROOT)/src" && pwd -P)
TREE=$(cd "${1:-$GOROOT_SRC}" 2> /dev/null && pwd -P) || die "${1:-} is not a directory"
if [[ -n ${BENCH_GO_PATTERNS:-} ]]; then
	read -r -a PATTERNS <<< "$BENCH_GO_PATTERNS"
elif [[ $TREE == "$GOROOT_SRC" ]]; then
	PATTERNS=(std cmd)
else
	PATTERNS=(./...)
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

if ! skipped staticcheck; then
	if [[ -n ${STATICCHECK:-} ]]; then
		[[ -x $STATICCHECK ]] || die "STATICCHECK=$STATICCHECK is not an executable"
	else
		STATICCHECK=$TOOLS/staticcheck-$STATICCHECK_VERSION/staticcheck
		if [[ ! -x $STATICCHECK ]]; then
			log "installing staticcheck $STATICCHECK_VERSION into $(dirname "$STATICCHECK")"
			mkdir -p "$(dirname "$STATICCHECK")"
			GOBIN=$(dirname "$STATICCHECK") go install "honnef.co/go/tools/cmd/staticcheck@$STATICCHECK_VERSION" ||
				die "staticcheck could not be installed with go install (needs the Go module proxy); set STATICCHECK=path/to/staticcheck, or BENCH_SKIP=staticcheck"
		fi
	fi
	STATICCHECK_V=$("$STATICCHECK" -version 2> /dev/null | head -n1) || die "$STATICCHECK -version failed"
fi

log "building goroscope and the parse-only example (release)"
(cd "$ROOT" && cargo build --release -p goroscope && cargo build --release -p goroscope_lint --example parse_only) \
	> "$TMP/cargo.log" 2>&1 || {
	tail -n 20 "$TMP/cargo.log" >&2
	die "cargo build failed"
}
[[ -x $GOROSCOPE && -x $PARSE_ONLY ]] || die "no $GOROSCOPE or $PARSE_ONLY after the build (CARGO_TARGET_DIR?)"

# ------------------------------------------------------------ the tree itself
# The files the linter walks: .go files outside vendor/, testdata/ and
# directories starting with `.` or `_`, hidden files left out, links followed
# (crates/goroscope_lint/src/walk.rs). .gitignore files, which it also obeys,
# are not read here: the counts are checked against the linter's below.
(cd "$TREE" && find -L . -mindepth 1 \( -type d \( -name vendor -o -name testdata -o -name '.*' -o -name '_*' \) -prune \) \
	-o \( -type f -name '*.go' ! -name '.*' -print0 \)) | sort -z > "$TMP/files"
FILES=$(tr -cd '\0' < "$TMP/files" | wc -c)
((FILES > 0)) || die "no .go file in $TREE"
# Generated files (`// Code generated … DO NOT EDIT.` before the package clause) are read but not parsed.
(cd "$TREE" && xargs -0 -a "$TMP/files" awk '
	FNR == 1 { decided = 0 }
	decided { next }
	/^package / { decided = 1; next }
	/^\/\/ Code generated .* DO NOT EDIT\.\r?$/ { decided = 1; printf "%s%c", FILENAME, 0 }
') > "$TMP/generated"
GENERATED=$(tr -cd '\0' < "$TMP/generated" | wc -c)
LINES=$(cd "$TREE" && xargs -0 -a "$TMP/files" cat | wc -l)
BYTES=$(cd "$TREE" && xargs -0 -a "$TMP/files" cat | wc -c)
GEN_LINES=0
((GENERATED == 0)) || GEN_LINES=$(cd "$TREE" && xargs -0 -a "$TMP/generated" cat | wc -l)

# What the linter itself read: "N files parsed in P packages, G generated skipped, X problems".
read -r PARSED _ _ _ PACKAGES _ LINT_GENERATED _ _ PROBLEMS _ < <(cd "$TREE" && "$PARSE_ONLY" . 2> /dev/null)
[[ $PARSED =~ ^[0-9]+$ ]] || die "the parse-only example printed no counts"
if ((PARSED + LINT_GENERATED + PROBLEMS != FILES || LINT_GENERATED != GENERATED)); then
	log "warning: the linter read $((PARSED + LINT_GENERATED + PROBLEMS)) files ($LINT_GENERATED generated), find lists $FILES ($GENERATED generated): .gitignore?"
fi

# --------------------------------------------------------------- the commands
IDS=(wc parse goroscope)
declare -A NAME=([wc]="\`wc -l\` (floor)" [parse]="parse-only" [goroscope]="goroscope lint")
declare -A SHOWN=(
	[wc]="xargs -0 -a FILES wc -l > /dev/null"
	[parse]="target/release/examples/parse_only . > /dev/null"
	[goroscope]="goroscope lint --exit-zero -f json --no-config . > /dev/null"
)
declare -A CODES_OK=([wc]="0" [parse]="0" [goroscope]="0")
RULE_CODES=()
if ((PER_RULE)); then
	while read -r code preview; do
		RULE_CODES+=("$code")
		IDS+=("$code")
		NAME[$code]="goroscope lint, $code only"
		if [[ $preview == true ]]; then NAME[$code]+=" (preview)"; fi
		SHOWN[$code]="goroscope lint --exit-zero -f json --no-config --select $code . > /dev/null"
		CODES_OK[$code]="0"
	done < <("$GOROSCOPE" rule --all --json | awk -F'"' '/"code":/ { code = $4 } /"preview":/ { print code, ($0 ~ /true/ ? "true" : "false") }')
fi
VET_FLAGS=()
[[ $TREE == "$GOROOT_SRC" ]] && VET_FLAGS=(-unsafeptr=false)
# add_tool LIST ID NAME SHOWN: a Go tool run by the table, whose exit codes 0 and 1 both mean it ran.
add_tool() {
	local -n list=$1
	list+=("$2")
	NAME[$2]=$3
	SHOWN[$2]=$4
	CODES_OK[$2]="0 1"
}
skipped staticcheck ||
	add_tool IDS staticcheck "staticcheck, empty cache" "STATICCHECK_CACHE=\$(mktemp -d) staticcheck ${PATTERNS[*]}"
skipped vet ||
	add_tool IDS vet "go vet, warm build cache" \
		"go vet ${VET_FLAGS[*]}${VET_FLAGS[*]:+ }-printf.funcs=goroscopebench<run> ${PATTERNS[*]}"
CACHED_IDS=()
if ! skipped cached; then
	skipped staticcheck ||
		add_tool CACHED_IDS staticcheck_cached "staticcheck, all cached" "staticcheck ${PATTERNS[*]} (cache of its last run above)"
	skipped vet || add_tool CACHED_IDS vet_cached "go vet, all cached" "go vet ${PATTERNS[*]}"
fi

NONCE=$(date +%s)$$
SC_CACHE=$TMP/staticcheck-cache

# run_once ID LABEL: runs one command in TREE; sets R_WALL, R_CPU (s), R_RSS (KiB) and R_RC.
run_once() {
	local id=$1 label=$2
	local -a cmd env=()
	case $id in
		wc) cmd=(xargs -0 -a "$TMP/files" wc -l) ;;
		parse) cmd=("$PARSE_ONLY" .) ;;
		goroscope) cmd=("$GOROSCOPE" lint --exit-zero -f json --no-config .) ;;
		GL*) cmd=("$GOROSCOPE" lint --exit-zero -f json --no-config --select "$id" .) ;;
		staticcheck)
			rm -rf "$SC_CACHE"
			mkdir -p "$SC_CACHE"
			env=(STATICCHECK_CACHE="$SC_CACHE")
			cmd=("$STATICCHECK" "${PATTERNS[@]}")
			;;
		staticcheck_cached)
			env=(STATICCHECK_CACHE="$SC_CACHE")
			cmd=("$STATICCHECK" "${PATTERNS[@]}")
			;;
		vet) cmd=(go vet "${VET_FLAGS[@]}" "-printf.funcs=goroscopebench${NONCE}x$label" "${PATTERNS[@]}") ;;
		vet_cached) cmd=(go vet "${PATTERNS[@]}") ;;
		*) die "unknown command $id" ;;
	esac
	R_RC=0
	(cd "$TREE" && env "${env[@]}" /usr/bin/time -f '%e %M %U %S' -o "$TMP/time" timeout "$LIMIT" "${cmd[@]}") \
		> "$TMP/$id.out" 2> "$TMP/$id.err" || R_RC=$?
	read -r R_WALL R_RSS R_USER R_SYS < <(tail -n1 "$TMP/time")
	R_CPU=$(awk -v u="$R_USER" -v s="$R_SYS" 'BEGIN { printf "%.2f", u + s }')
}

declare -A WALLS CPUS RSS STATUS FINDINGS
# round ROUND ID...: one run of each ID; ROUND ≤ 0 is a warm-up.
round() {
	local r=$1 id
	shift
	for id in "$@"; do
		[[ ${STATUS[$id]:-ok} == ok ]] || continue
		run_once "$id" "$r"
		if [[ " ${CODES_OK[$id]} " != *" $R_RC "* ]]; then
			STATUS[$id]=$([[ $R_RC == 124 ]] && echo "timed out after $LIMIT s" || echo "failed (exit status $R_RC)")
			log "  $id: ${STATUS[$id]}; its standard error:"
			head -c 3000 "$TMP/$id.err" >&2 || true
			continue
		fi
		log "  $id, run $r: ${R_WALL} s wall, ${R_CPU} s CPU, ${R_RSS} KiB (exit status $R_RC)"
		((r > 0)) || continue
		WALLS[$id]+="$R_WALL "
		CPUS[$id]+="$R_CPU "
		if ((R_RSS > ${RSS[$id]:-0})); then RSS[$id]=$R_RSS; fi
		case $id in
			staticcheck) FINDINGS[$id]=$(wc -l < "$TMP/$id.out") ;;
			vet) FINDINGS[$id]=$(grep -cv '^#' "$TMP/$id.err" || true) ;;
		esac
	done
}

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
PRESSURE_START=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2> /dev/null || true)
T_START=$(date +%s)
log "tree $TREE: $FILES .go files, $LINES lines; patterns for the Go tools: ${PATTERNS[*]}"
for ((r = 1 - WARMUP; r <= RUNS; r++)); do
	log "round $r of $RUNS$( ((r <= 0)) && echo " (warm-up)")"
	round "$r" "${IDS[@]}"
done
if ((${#CACHED_IDS[@]})); then
	for ((r = 0; r <= RUNS; r++)); do
		log "cached round $r of $RUNS$( ((r == 0)) && echo " (warm-up)")"
		round "$r" "${CACHED_IDS[@]}"
	done
fi
T_END=$(date +%s)
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
PRESSURE_END=$(awk '/^some/ { sub("total=", "", $5); print $5 }' /proc/pressure/cpu 2> /dev/null || true)

# ------------------------------------------------------------------- results
median() { tr ' ' '\n' <<< "$1" | awk 'NF' | sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ok() { [[ ${STATUS[$1]:-ok} == ok && -n ${WALLS[$1]:-} ]]; }
declare -A WALL CPU
for id in "${IDS[@]}" "${CACHED_IDS[@]}"; do
	if ok "$id"; then
		WALL[$id]=$(median "${WALLS[$id]}")
		CPU[$id]=$(median "${CPUS[$id]}")
	fi
done
# ratio A B: A ÷ B, or n/a when B is below the 10 ms resolution of %e.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k * 1024 / 1e6 }'; }
thousands() { printf "%'d" "$1" 2> /dev/null | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
# verdict RATIO AWK-CONDITION-ON-r
verdict() {
	if [[ $1 == n/a ]]; then
		echo "too fast to time here"
	elif awk -v r="$1" "BEGIN { exit !($2) }"; then
		echo "met"
	else
		echo "**not met**"
	fi
}

CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
RAM=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
TS_V=$(awk '/^name = "tree-sitter"$/ { getline; print $3; exit }' "$ROOT/Cargo.lock" | tr -d '"')
TSGO_V=$(awk '/^name = "tree-sitter-go"$/ { getline; print $3; exit }' "$ROOT/Cargo.lock" | tr -d '"')
TREE_SHOWN=$TREE
[[ $TREE == "$GOROOT_SRC" ]] && TREE_SHOWN="\$(go env GOROOT)/src ($TREE)"
PRESSURE=""
if [[ -n $PRESSURE_START && -n $PRESSURE_END && $T_END -gt $T_START ]]; then
	PRESSURE=$(awk -v a="$PRESSURE_START" -v b="$PRESSURE_END" -v t=$((T_END - T_START)) 'BEGIN { printf "%.0f", (b - a) / 1e6 / t * 100 }')
fi

{
	echo "<!-- bench-lint:start -->"
	echo "<!-- Generated by scripts/bench-lint.sh; edits between these markers are overwritten. -->"
	echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC') by \`scripts/bench-lint.sh\` ($(((T_END - T_START) / 60)) minutes)."
	echo
	if rev=$(git -C "$ROOT" rev-parse --short HEAD 2> /dev/null); then
		echo "- Commit: \`$rev\`$(git -C "$ROOT" diff --quiet HEAD 2> /dev/null || echo ' (with uncommitted changes)')."
	fi
	echo "- Machine: $(nproc) CPUs ($CPU_MODEL), $RAM RAM, Linux $(uname -r). Load average $LOAD_START at the start, $LOAD_END at the end$([[ -n $PRESSURE ]] && echo "; some task was waiting for a CPU $PRESSURE % of the time (\`/proc/pressure/cpu\`)")."
	echo "- Tools: $("$GOROSCOPE" --version | head -n1) (\`cargo build --release\`, tree-sitter $TS_V, tree-sitter-go $TSGO_V, rules: ${RULE_CODES[*]:-not listed (BENCH_RULES=0)}); $(go version | cut -d' ' -f3)$(skipped staticcheck || echo "; $STATICCHECK_V (\`go install\`, $(go version "$STATICCHECK" | awk '{ print $2 }'))"); $(wc --version | head -n1)."
	echo "- Tree: $TREE_SHOWN: $(thousands "$FILES") \`.go\` files, $(thousands "$LINES") lines, $(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1e6 }') MB (outside \`vendor/\`, \`testdata/\`, \`_*\` and \`.*\`). $(thousands $((FILES - GENERATED))) of them ($(thousands $((LINES - GEN_LINES))) lines) are not generated: goroscope parsed $(thousands "$PARSED"), in $(thousands "$PACKAGES") directories, and reported $PROBLEMS as syntax errors. It reads the $(thousands "$GENERATED") generated files ($(thousands "$GEN_LINES") lines) and leaves them out."
	echo "- Go tools: \`${PATTERNS[*]}\` in the tree. They load, parse and type-check the packages of $(go env GOOS)/$(go env GOARCH) (files of other platforms are left out; tests included), then run their analyses; goroscope parses every file, whatever its build constraints, and type-checks nothing."
	echo "- Method: every command runs in the tree $WARMUP× untimed, then $RUNS×, the commands taking turns. Shown: the median wall time, the median CPU time (user + system, children included), the highest peak RSS of those runs (of the largest single process), all from \`/usr/bin/time -f '%e %M %U %S'\`. MB is 10⁶ bytes."
	echo
	echo "| Command | Run in the tree | Wall, median (s) | Wall of the runs (s) | CPU, median (s) | Peak RSS (MB) | Wall ÷ goroscope | CPU ÷ goroscope |"
	echo "|---|---|---:|---|---:|---:|---:|---:|"
	for id in "${IDS[@]}" "${CACHED_IDS[@]}"; do
		if ok "$id"; then
			echo "| ${NAME[$id]} | \`${SHOWN[$id]}\` | ${WALL[$id]} | ${WALLS[$id]% } | ${CPU[$id]} | $(mb "${RSS[$id]}") | $(ok goroscope && ratio "${WALL[$id]}" "${WALL[goroscope]}")× | $(ok goroscope && ratio "${CPU[$id]}" "${CPU[goroscope]}")× |"
		else
			echo "| ${NAME[$id]} | \`${SHOWN[$id]}\` | ${STATUS[$id]:-not run} | | | | | |"
		fi
	done
	[[ -n ${FINDINGS[staticcheck]:-} ]] && echo && echo "staticcheck reported $(thousands "${FINDINGS[staticcheck]}") problems, go vet ${FINDINGS[vet]:-?} lines; goroscope $(grep -o '"findings": [0-9]*' "$TMP/goroscope.out" | head -n1 | awk '{ print $2 }') findings."
	if ok parse && ((${#RULE_CODES[@]})); then
		echo
		echo "What each rule adds to parse-only (its row above against parse-only; CPU time is the steadier measure on a shared machine):"
		echo
		echo "| Rule | Wall ÷ parse-only | CPU ÷ parse-only |"
		echo "|---|---:|---:|"
		for code in "${RULE_CODES[@]}"; do
			ok "$code" && echo "| $code | $(ratio "${WALL[$code]}" "${WALL[parse]}")× | $(ratio "${CPU[$code]}" "${CPU[parse]}")× |"
		done
	fi
	echo
	echo "| Target | Measured | Result |"
	echo "|---|---|---|"
	if ok goroscope && ok staticcheck; then
		r=$(ratio "${WALL[staticcheck]}" "${WALL[goroscope]}")
		echo "| ≥ 10× faster than staticcheck | ${r}× (${WALL[goroscope]} s against ${WALL[staticcheck]} s; CPU $(ratio "${CPU[staticcheck]}" "${CPU[goroscope]}")×) | $(verdict "$r" 'r >= 10') |"
	else
		echo "| ≥ 10× faster than staticcheck | not measured | |"
	fi
	if ok goroscope && ok parse; then
		r=$(ratio "${WALL[goroscope]}" "${WALL[parse]}")
		echo "| ≤ 1.5× the parse-only time | ${r}× (${WALL[goroscope]} s against ${WALL[parse]} s; CPU $(ratio "${CPU[goroscope]}" "${CPU[parse]}")×) | $(verdict "$r" 'r <= 1.5') |"
	else
		echo "| ≤ 1.5× the parse-only time | not measured | |"
	fi
	echo "<!-- bench-lint:end -->"
} | sed 's|n/a×|n/a|g' > "$TMP/section.md"

cat "$TMP/section.md"
if [[ -n ${BENCH_DOC:-} ]]; then
	if [[ -f $BENCH_DOC ]] && grep -q '^<!-- bench-lint:start -->$' "$BENCH_DOC" && grep -q '^<!-- bench-lint:end -->$' "$BENCH_DOC"; then
		awk -v section="$TMP/section.md" '
			/^<!-- bench-lint:start -->$/ { while ((getline line < section) > 0) print line; skip = 1; next }
			/^<!-- bench-lint:end -->$/ { skip = 0; next }
			!skip { print }
		' "$BENCH_DOC" > "$TMP/doc.md"
	else
		{
			[[ -f $BENCH_DOC ]] && cat "$BENCH_DOC" && echo
			echo "## \`goroscope lint\` on GOROOT/src"
			echo
			cat "$TMP/section.md"
		} > "$TMP/doc.md"
	fi
	cp "$TMP/doc.md" "$BENCH_DOC"
	log "wrote $BENCH_DOC"
fi
