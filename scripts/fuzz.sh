#!/usr/bin/env bash
# Fuzzes goroscope's input surfaces with cargo fuzz (libFuzzer, built by the libfuzzer-sys crate).
#   scripts/fuzz.sh smoke [SECONDS]      builds every target and runs each for SECONDS (default 20) from its seeds
#   scripts/fuzz.sh run TARGET SECONDS   one long run; the corpus it grows is kept in fuzz/corpus/TARGET
#   scripts/fuzz.sh seeds                (re)builds the seed corpora from the repository's fixtures only
# Each run prints the executions done, and the script fails on any crash, timeout or out-of-memory. The input
# that failed is saved in fuzz/artifacts/TARGET/: replay it with
#   cargo fuzz run --fuzz-dir fuzz --sanitizer none TARGET fuzz/artifacts/TARGET/FILE
# and once fixed keep it as a regression case in crates/CRATE/tests/fuzz_regressions/TARGET/. What each target
# feeds and checks: fuzz/src/TARGET.rs.
#
# Stable Rust is enough: the coverage instrumentation cargo fuzz adds (-Cpasses=sancov-module and the
# -Cllvm-args=-sanitizer-coverage-* options) is stable; only the sanitizers need nightly (-Zsanitizer, and
# -Zbuild-std for MemorySanitizer). `--sanitizer none` leaves them out, so nothing needs RUSTC_BOOTSTRAP. The code
# fuzzed is safe Rust (`unsafe_code = "forbid"`), where AddressSanitizer has little to find; debug assertions and
# overflow checks stay on. CARGO_TARGET_DIR is honoured.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fuzz_dir=$root/fuzz

targets=(text debug1 proto detect log config lint analyze heap)

# Longest input tried. Dumps and logs are cut at 64 KiB: enough for dozens of goroutine records and for the
# parser's 1 KiB pieces, while each run stays short.
max_len() {
  case $1 in
    config) echo 8192 ;;
    lint) echo 32768 ;;
    *) echo 65536 ;;
  esac
}

# The dictionaries (fuzz/dict/*.dict) each target gets.
dicts() {
  case $1 in
    text | debug1) echo dumps ;;
    detect | log | analyze) echo dumps log ;;
    config) echo config ;;
    lint) echo lint ;;
    heap) echo heap ;;
    proto) ;;
  esac
}

usage() {
  sed -n '3,5p' "$0" | sed 's/^# */usage: /' >&2
  exit 2
}

need() {
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz: cargo-fuzz is missing; scripts/setup.sh installs it" >&2
    exit 2
  fi
  command -v gzip >/dev/null || { echo "fuzz: gzip is missing (to unpack the .pb.gz seeds)" >&2; exit 2; }
}

# Copies files into a target's seed corpus, named after their path in the repository.
seed() {
  local target=$1 file
  shift
  for file in "$@"; do
    cp "$file" "$fuzz_dir/seed-corpus/$target/$(echo "$file" | tr / _)"
  done
}

# Writes every ```toml block of a Markdown file (or of `//! ` doc comments) to its own seed file.
seed_toml_blocks() {
  local file=$1 strip=$2
  awk -v out="$fuzz_dir/seed-corpus/config/$(echo "$file" | tr / _)" -v strip="$strip" '
    { line = $0; sub("^" strip, "", line); sub(/^ +/, "", line) }
    line ~ /^```toml/ { n++; inside = 1; next }
    line ~ /^```/ { inside = 0; next }
    inside { print line > (out "." n ".toml") }
  ' "$file"
}

build_seeds() {
  rm -rf "$fuzz_dir/seed-corpus"
  local target
  for target in "${targets[@]}"; do
    mkdir -p "$fuzz_dir/seed-corpus/$target"
  done
  local dumps debug1 gzipped logs go
  mapfile -t dumps < <(find testdata/dumps testdata/series -name '*.txt' ! -name '*debug1*' | sort)
  dumps+=(examples/demo-dump.txt)
  mapfile -t debug1 < <(find testdata/dumps -name '*debug1*.txt' | sort)
  mapfile -t gzipped < <(find testdata/dumps -name '*.pb.gz' | sort)
  mapfile -t logs < <(find testdata/logs testdata/gotest/captured -name '*.log' | sort)
  mapfile -t go < <(find testdata examples -name '*.go' | sort)
  local heaps heap_protos
  mapfile -t heaps < <(find testdata/memory crates/goroscope_dump/tests/heap -name 'heap*.txt' 2>/dev/null | sort)
  mapfile -t heap_protos < <(find testdata/memory crates/goroscope_dump/tests/heap -name '*.pb.gz' 2>/dev/null | sort)

  local unpacked=$fuzz_dir/seed-corpus/unpacked file
  mkdir -p "$unpacked"
  for file in "${gzipped[@]}"; do
    gzip -dc "$file" >"$unpacked/$(echo "${file%.gz}" | tr / _)"
  done
  local protos=("$unpacked"/*)

  seed text "${dumps[@]}"
  seed debug1 "${debug1[@]}"
  cp "${protos[@]}" "$fuzz_dir/seed-corpus/proto/"
  seed proto "${gzipped[@]}"
  seed detect "${dumps[@]}" "${debug1[@]}" "${gzipped[@]}" "${logs[@]}"
  cp "${protos[@]}" "$fuzz_dir/seed-corpus/detect/"
  seed log "${logs[@]}" "${dumps[@]}"
  seed analyze "${dumps[@]}" "${debug1[@]}" "${logs[@]}"
  cp "${protos[@]}" "$fuzz_dir/seed-corpus/analyze/"
  seed lint "${go[@]}"
  cp "$fuzz_dir"/seeds/config/* "$fuzz_dir/seed-corpus/config/"
  seed_toml_blocks README.md ""
  seed_toml_blocks crates/goroscope/src/config.rs "//!"
  seed heap "${heaps[@]}"
  for file in "${heap_protos[@]}"; do
    gzip -dc "$file" >"$fuzz_dir/seed-corpus/heap/$(echo "${file%.gz}" | tr / _)"
  done
  rm -r "$unpacked"

  for target in "${targets[@]}"; do
    local count
    count=$(find "$fuzz_dir/seed-corpus/$target" -type f | wc -l)
    if [ "$count" -eq 0 ]; then
      echo "fuzz: no seed found for $target" >&2
      exit 1
    fi
  done
}

triple=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=${CARGO_TARGET_DIR:-$fuzz_dir/target}/$triple/release

build() {
  cargo fuzz build --fuzz-dir "$fuzz_dir" --sanitizer none --target "$triple"
}

# Runs one target for $2 seconds with corpus directory $3 (new inputs are written there) and the seeds; prints a
# summary line; returns non-zero if the run found a crash, a timeout or an out-of-memory.
run_target() {
  local target=$1 seconds=$2 corpus=$3
  local logs=$fuzz_dir/logs/$target
  rm -rf "$logs"
  mkdir -p "$logs" "$corpus" "$fuzz_dir/artifacts/$target"
  local dict=$logs/all.dict name
  : >"$dict"
  for name in $(dicts "$target"); do
    cat "$fuzz_dir/dict/$name.dict" >>"$dict"
  done
  local args=(
    -max_total_time="$seconds"
    # One input taking over 10 s is a bug (a hang or a super-linear path).
    -timeout=10
    -rss_limit_mb=2048
    -max_len="$(max_len "$target")"
    -print_final_stats=1
    # One process, one job: the machine is shared.
    -jobs=1 -workers=1
  )
  [ -s "$dict" ] && args+=(-dict="$dict")
  local status=0
  # The binary cargo fuzz built, run as `cargo fuzz run` would, but without building again. With -jobs, libFuzzer
  # writes the job's output to fuzz-0.log in the working directory, then copies it out.
  (cd "$logs" && "$bin_dir/$target" -artifact_prefix="$fuzz_dir/artifacts/$target/" "${args[@]}" \
    "$corpus" "$fuzz_dir/seed-corpus/$target") >"$logs/run.log" 2>&1 || status=$?
  summarize "$target" "$corpus" "$logs/run.log" "$status"
  return "$status"
}

# One line per run from libFuzzer's final statistics and its last status line.
summarize() {
  local target=$1 corpus=$2 log=$3 status=$4
  local last
  final_stat() { sed -nE "s/^stat::$1: *([0-9]+).*/\1/p" "$log" | tail -n 1; }
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  printf '%-8s %10s execs %7s/s  cov %-6s ft %-7s corpus %-6s files %-6s peak %s MB  %s\n' "$target" \
    "$(final_stat number_of_executed_units)" "$(final_stat average_exec_per_sec)" \
    "$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")" "$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")" \
    "$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")" "$(find "$corpus" -type f | wc -l)" \
    "$(final_stat peak_rss_mb)" "$([ "$status" -eq 0 ] && echo ok || echo "FAILED (exit $status, see $log)")"
  if [ "$status" -ne 0 ]; then
    grep -E 'panicked at|ERROR: libFuzzer|Test unit written|ALARM|out-of-memory' "$log" | head -n 8 >&2 || true
  fi
}

mode=${1:-}
case $mode in
  smoke)
    seconds=${2:-20}
    need
    build_seeds
    build
    failed=()
    smoke_corpus=$(mktemp -d)
    trap 'rm -rf "$smoke_corpus"' EXIT
    for target in "${targets[@]}"; do
      run_target "$target" "$seconds" "$smoke_corpus/$target" || failed+=("$target")
    done
    if [ ${#failed[@]} -gt 0 ]; then
      echo "fuzz: failed: ${failed[*]}" >&2
      exit 1
    fi
    ;;
  run)
    [ $# -eq 3 ] || usage
    target=$2
    [[ " ${targets[*]} " == *" $target "* ]] || { echo "fuzz: no target $target (${targets[*]})" >&2; exit 2; }
    need
    build_seeds
    build
    run_target "$target" "$3" "$fuzz_dir/corpus/$target"
    ;;
  seeds)
    need
    build_seeds
    ;;
  *) usage ;;
esac
