#!/usr/bin/env bash
# capture.sh runs every form of the forms program (see main.go) and stores
# the real output under testdata/dumps/go1.XX/<form>.txt (and, for the
# pprof protos, <form>.pb.gz): first with the local Go toolchain (all forms),
# then with older and newer toolchains fetched through GOTOOLCHAIN (the forms
# that differ between versions).
#
# Usage: testdata/forms/capture.sh            (from any directory)
#
# Environment:
#   TOOLCHAINS    other toolchains to try, default below; "" for none
#   MINUTES_WAIT  how long the local debug2 dump waits after a GC so that
#                 headers carry ", N minutes" (default 61s; 0 to skip)
#   ONLY_MISSING  1: capture only the files that do not exist yet and leave
#                 every existing fixture alone (to add a new form, or to
#                 refresh some files: delete them, then run with this)
#
# Exit codes of panics and crashes are expected and only reported. A
# toolchain that cannot be fetched is reported and skipped.
set -euo pipefail

forms_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dumps_dir=$(cd "$forms_dir/.." && pwd)/dumps
TOOLCHAINS=${TOOLCHAINS-"go1.17.13 go1.18.10 go1.19.13 go1.20.14 go1.21.13 go1.22.12 go1.23.12 go1.24.13 go1.25.14 go1.27.4"}
MINUTES_WAIT=${MINUTES_WAIT:-61s}
ONLY_MISSING=${ONLY_MISSING:-0}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Static binaries: with cgo, a program that imports net never reports
# "all goroutines are asleep".
export CGO_ENABLED=0
unset GOTRACEBACK GODEBUG GOEXPERIMENT GOROSCOPE_FORMS GOROSCOPE_OUT
ulimit -c 0 # GOTRACEBACK=crash aborts; no core files

# minor GOVERSION: go1.26.8 -> 26
minor() { local v=${1#go1.}; echo "${v%%.*}"; }

# goflags TOOLCHAIN: GOFLAGS for TOOLCHAIN. -buildvcs=false (builds in a
# repository without commits; it may also be set in the go env file) is
# unknown to go1.17, which gets a harmless non-empty value instead so that
# the env file's GOFLAGS does not apply.
goflags() {
	if [[ $1 == local ]] || (($(minor "$1") >= 18)); then
		echo -buildvcs=false
	else
		echo -mod=readonly
	fi
}

# gocmd TOOLCHAIN ARGS...: run the go command of TOOLCHAIN in forms_dir.
gocmd() {
	local tc=$1
	shift
	(cd "$forms_dir" && GOTOOLCHAIN=$tc GOFLAGS=$(goflags "$tc") go "$@")
}

# note FILE RC: report one captured file.
note() { printf '  %-28s exit %3s  %7s bytes\n' "${1#"$dumps_dir"/}" "$2" "$(wc -c <"$1")"; }

# keep FILE: true if FILE is to be left as it is (ONLY_MISSING=1 and FILE
# exists).
keep() { [[ $ONLY_MISSING == 1 && -e $1 ]]; }

# dump FILE ENV... -- ARGS...: run the forms binary with ENV and ARGS;
# stdout goes to FILE (stderr stays on the terminal: it should be empty).
dump() {
	local out=$1 rc=0
	keep "$out" && return
	shift
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	env ${envs[@]+"${envs[@]}"} "$@" >"$out" || rc=$?
	note "$out" "$rc"
}

# crash FILE ENV... -- ARGS...: like dump, but stderr goes to FILE too,
# and a non-zero exit is expected.
crash() {
	local out=$1 rc=0
	keep "$out" && return
	shift
	local envs=()
	while [[ $1 != -- ]]; do envs+=("$1"); shift; done
	shift
	# The subshell waits for the command itself (no exec, because of the
	# exit), so bash's "Aborted" notice goes to its discarded stderr.
	(
		env ${envs[@]+"${envs[@]}"} "$@" >"$out" 2>&1
		exit $?
	) 2>/dev/null || rc=$?
	note "$out" "$rc"
}

# gotest FILE TOOLCHAIN FORM ARGS...: capture the output of "go test".
gotest() {
	local out=$1 tc=$2 form=$3 rc=0
	keep "$out" && return
	shift 3
	(cd "$forms_dir" && GOROSCOPE_FORMS=$form GOTOOLCHAIN=$tc GOFLAGS=$(goflags "$tc") \
		go test -count=1 "$@") >"$out" 2>&1 || rc=$?
	note "$out" "$rc"
}

# capture TOOLCHAIN VERSION FULL: build and run the forms with one toolchain
# (a GOTOOLCHAIN value) whose version is VERSION. FULL=1 adds the forms that
# are captured with the local toolchain only.
capture() {
	local tc=$1 full=$3 n
	n=$(minor "$2")
	local dir=$dumps_dir/go1.$n bin=$work/$tc
	mkdir -p "$dir" "$bin"
	gocmd "$tc" build -o "$bin/forms" .
	local f=$bin/forms

	local minutes_pid=
	if keep "$dir/debug2.txt"; then
		:
	elif ((full)) && [[ $MINUTES_WAIT != 0 ]]; then
		# Runs in the background while the other forms are captured.
		dump "$dir/debug2.txt" -- "$f" -form debug2 -wait "$MINUTES_WAIT" &
		minutes_pid=$!
	else
		dump "$dir/debug2.txt" -- "$f" -form debug2
	fi
	crash "$dir/panic.txt" GOTRACEBACK=all GODEBUG=asyncpreemptoff=1 -- "$f" -form panic
	crash "$dir/deadlock.txt" -- "$f" -form deadlock
	crash "$dir/sigquit.txt" GOTRACEBACK=crash GODEBUG=asyncpreemptoff=1 -- "$f" -form sigquit
	dump "$dir/ancestors.txt" GODEBUG=tracebackancestors=5 -- "$f" -form ancestors
	gotest "$dir/testtimeout.txt" "$tc" testtimeout -timeout 2s ./testtimeout
	# The same goroutines as debug2.txt, as a count profile and as the
	# gzipped profile.proto (written as is, binary).
	dump "$dir/debug1.txt" -- "$f" -form debug2 -debug 1
	dump "$dir/debug0.pb.gz" -- "$f" -form debug2 -debug 0

	if ((n >= 25)) && ! keep "$dir/synctest.txt"; then
		# TestBubbleDump writes the dump to $GOROSCOPE_OUT; go test only says ok.
		local rc=0
		(cd "$forms_dir" && GOROSCOPE_FORMS=synctest GOROSCOPE_OUT=$dir/synctest.txt \
			GOTOOLCHAIN=$tc GOFLAGS=$(goflags "$tc") \
			go test -count=1 -run TestBubbleDump ./synctest) >/dev/null || rc=$?
		note "$dir/synctest.txt" "$rc"
	fi
	if ((n >= 25)); then
		gotest "$dir/synctest_deadlock.txt" "$tc" synctest_deadlock -run TestBubbleDeadlock ./synctest
	fi
	if ((n >= 26)); then
		local lf=$f
		if ((n == 26)); then
			# The goroutineleak profile is an experiment in 1.26 only.
			(cd "$forms_dir" && GOEXPERIMENT=goroutineleakprofile GOTOOLCHAIN=$tc \
				GOFLAGS=$(goflags "$tc") go build -o "$bin/forms-leak" .)
			lf=$bin/forms-leak
		fi
		dump "$dir/leaked.txt" -- "$lf" -form leaked
		dump "$dir/leaked_debug1.txt" -- "$lf" -form leaked -debug 1
		dump "$dir/leaked_debug0.pb.gz" -- "$lf" -form leaked -debug 0
		dump "$dir/labels.txt" GODEBUG=tracebacklabels=1 -- "$f" -form labels
	fi

	if ((full)); then
		crash "$dir/segv.txt" GOTRACEBACK=all -- "$f" -form segv
		crash "$dir/stackoverflow.txt" -- "$f" -form stackoverflow
		crash "$dir/sigquit_system.txt" GOTRACEBACK=system -- "$f" -form sigquit
		if ! keep "$dir/debug2_trimpath.txt"; then
			gocmd "$tc" build -trimpath -o "$bin/forms-trimpath" .
			dump "$dir/debug2_trimpath.txt" -- "$bin/forms-trimpath" -form debug2
		fi
		gotest "$dir/testtimeout_json.txt" "$tc" testtimeout -json -timeout 2s ./testtimeout
		if [[ -n $minutes_pid ]]; then
			echo "  (waiting for debug2.txt, $MINUTES_WAIT)"
			wait "$minutes_pid"
		fi
		# Derived, not a separate run: debug2.txt with CRLF line endings.
		if ! keep "$dir/crlf.txt"; then
			sed 's/$/\r/' "$dir/debug2.txt" >"$dir/crlf.txt"
			note "$dir/crlf.txt" -
		fi
	fi
}

local_version=$(GOTOOLCHAIN=local go env GOVERSION)
echo "== $local_version (local)"
capture local "$local_version" 1

for tc in $TOOLCHAINS; do
	echo "== $tc"
	if ! got=$(GOTOOLCHAIN=$tc GOFLAGS=$(goflags "$tc") go version 2>&1); then
		echo "  cannot use $tc, skipped: $(tail -n 1 <<<"$got")"
		continue
	fi
	# In the background, so that set -e still applies inside capture.
	capture "$tc" "$tc" 0 &
	if ! wait $!; then
		echo "  $tc failed, skipped"
	fi
done
