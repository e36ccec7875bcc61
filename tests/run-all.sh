#!/bin/bash
# run-all.sh: build snap and run every test, twice.
#
#   1. the README's command: a normal build in build/, then ctest (unit and
#      functional tests);
#   2. a build with AddressSanitizer and UBSan (-DSNAP_SANITIZE=ON) in
#      build-asan/, then ctest again there, functional tests included,
#      with leak detection on;
#   3. when clang with libFuzzer is there, the fuzz harnesses
#      (-DSNAP_FUZZ=ON) in build-fuzz/, each run for FUZZ_SECONDS (default
#      30) from its seeds and regression inputs in tests/fuzz/corpus/:
#      a crash, a leak or an input that takes over 1 s fails the stage
#      (tests/fuzz/run-long.sh; findings land in build-fuzz/findings/).
#
# A failing build stops at once; failing tests in one stage do not stop
# the next, so one CI run shows everything.  Exits 0 only if every stage
# passed (a fuzz stage without clang is skipped, not failed).  JOBS sets
# the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}
failed=()

echo "=== build/ and ctest (the README's command)"
cmake -B build && cmake --build build -j"$JOBS" && ctest --test-dir build --output-on-failure ||
	failed+=("build/")

echo "=== build-asan/ (-DSNAP_SANITIZE=ON) and ctest under ASan/UBSan"
cmake -B build-asan -DSNAP_SANITIZE=ON
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	ctest --test-dir build-asan --output-on-failure || failed+=("build-asan/")

echo "=== build-fuzz/ (-DSNAP_FUZZ=ON): each fuzz harness for ${FUZZ_SECONDS:-30} s"
rc=0
JOBS=$JOBS tests/fuzz/run-long.sh "${FUZZ_SECONDS:-30}" || rc=$?
case $rc in
0) ;;
77) echo "=== fuzz stage skipped: no clang with libFuzzer" ;;
*) failed+=("build-fuzz/") ;;
esac

if [ ${#failed[@]} -gt 0 ]; then
	echo "=== tests FAILED in: ${failed[*]}"
	exit 1
fi
echo "=== all tests passed (normal, sanitized and fuzz builds)"
