#!/bin/bash
# run-long.sh [SECONDS [HARNESS...]]: runs each libFuzzer harness of
# tests/fuzz/ for SECONDS (default 300), one after the other, and prints
# per harness the executions, the corpus it reached and its findings.
#
# Builds build-fuzz/ first (CC=clang, -DSNAP_FUZZ=ON; BUILD overrides the
# folder).  Each harness starts from its seeds in tests/fuzz/corpus/NAME
# (regression inputs included, so an old crash fails at once) and grows a
# working corpus in BUILD/corpus/NAME, which later runs reuse; the repo's
# seeds are never written to.  A crash, leak, timeout (over 1 s for one
# input) or out-of-memory lands in BUILD/findings/NAME/.  libFuzzer's
# timeout is wall-clock time, so on a loaded machine an input can pass
# 1 s while it waits for a CPU: a timeout counts only if the input takes
# over 1 s again in one of three more runs; one that does not moves to
# BUILD/findings/NAME/unconfirmed/ and is only named.  Exits 1 if any
# harness found something, 77 if clang cannot build libFuzzer programs.
# RUNS=N instead runs each harness until it has executed N inputs (with
# SECONDS as a bound on each, 0 for none), e.g. RUNS=10000000 run-long.sh 0.
set -uo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-300}
shift 2>/dev/null
RUNS=${RUNS:-0}
BUILD=${BUILD:-build-fuzz}
JOBS=${JOBS:-2}
HERE=tests/fuzz

# The largest input each harness is given: far beyond what the code
# under test meets in real use, small enough for 1 s per input.
declare -A MAX_LEN=([config]=16384 [manifest]=65536 [summary]=8192
	[exclude]=4096 [name]=256 [restore_path]=4096)

if ! command -v clang >/dev/null ||
	! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
	clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
	echo "run-long: clang with libFuzzer is not available; skipped"
	exit 77
fi
CC=clang cmake -B "$BUILD" -DSNAP_FUZZ=ON >/dev/null &&
	cmake --build "$BUILD" --target fuzz -j"$JOBS" >/dev/null || {
	echo "run-long: building $BUILD failed"
	exit 1
}

if [ $# -gt 0 ]; then
	harnesses=("$@")
else
	harnesses=()
	for f in "$HERE"/fuzz_*.c; do
		n=${f##*/fuzz_}
		harnesses+=("${n%.c}")
	done
fi

# ASan keeps 256 MB of freed blocks by default before reusing any, so
# every input of config (libyaml's buffers) and manifest lands on fresh
# pages, and page faults took half their time.  One input allocates a
# few MB at most (the config's aliases are held to 1 MiB of text), so a
# use after free within it is still caught with 64 MB.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=64}

failed=0
printf '%-14s %8s %12s %10s %8s %s\n' harness seconds executions exec/s \
	corpus findings
for h in "${harnesses[@]}"; do
	bin=$BUILD/fuzz_$h
	work=$BUILD/corpus/$h
	found=$BUILD/findings/$h
	log=$BUILD/fuzz-$h.log
	mkdir -p "$work" "$found"
	dict=()
	[ -f "$HERE/$h.dict" ] && dict=(-dict="$HERE/$h.dict")
	# -error_exitcode: a finding, told apart from libFuzzer's own exit 0.
	# After an unconfirmed timeout the harness goes on for the time left.
	execs=0 unconfirmed=0 start=$(date +%s) left=$SECONDS_EACH
	: >"$log"
	while :; do
		from=$(($(wc -l <"$log") + 1))
		runs=()
		[ "$RUNS" -gt 0 ] && runs=(-runs=$((RUNS - execs)))
		"$bin" "$work" "$HERE/corpus/$h" "${dict[@]}" "${runs[@]}" \
			-max_total_time="$left" -timeout=1 -rss_limit_mb=2048 \
			-max_len="${MAX_LEN[$h]:-4096}" -print_final_stats=1 \
			-artifact_prefix="$found/" -error_exitcode=99 \
			-timeout_exitcode=98 >>"$log" 2>&1
		rc=$?
		n=$(tail -n +"$from" "$log" |
			sed -n 's/^stat::number_of_executed_units: *//p')
		execs=$((execs + ${n:-0}))
		again=0
		for t in "$found"/timeout-*; do
			[ -f "$t" ] || continue
			if "$bin" -timeout=1 -runs=3 "$t" >/dev/null 2>&1; then
				mkdir -p "$found/unconfirmed"
				mv "$t" "$found/unconfirmed/"
				unconfirmed=$((unconfirmed + 1))
				again=1
			fi
		done
		took=$(($(date +%s) - start))
		left=$((SECONDS_EACH - took))
		[ "$rc" -eq 98 ] && [ "$again" -eq 1 ] || break
		rc=0
		if [ "$RUNS" -gt 0 ]; then
			[ "$execs" -lt "$RUNS" ] || break
			[ "$SECONDS_EACH" -eq 0 ] && left=0
		fi
		[ "$SECONDS_EACH" -eq 0 ] || [ "$left" -gt 0 ] || break
	done
	rate=$((execs / (took > 0 ? took : 1)))
	units=$(find "$work" -type f | wc -l)
	findings=$(find "$found" -maxdepth 1 -type f | wc -l)
	printf '%-14s %8s %12s %10s %8s %s' "$h" "$took" \
		"$execs" "$rate" "$units" "$findings"
	[ "$unconfirmed" -gt 0 ] &&
		printf ' (and %d timeout(s) that did not recur)' "$unconfirmed"
	echo
	if [ "$rc" -ne 0 ] || [ "$findings" -gt 0 ]; then
		failed=1
		echo "  fuzz_$h: exit $rc; see $log and $found/"
		tail -n +"$from" "$log" |
			grep -m3 -E 'ERROR|property does not hold|SUMMARY' |
			sed 's/^/    /'
	fi
done
exit $failed
