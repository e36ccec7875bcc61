#!/bin/bash
# run-all.sh: build snap and run every test, twice.
#
#   1. the README's command: a normal build in build/, then ctest (unit and
#      functional tests);
#   2. a build with AddressSanitizer and UBSan (-DSNAP_SANITIZE=ON) in
#      build-asan/, then ctest again there, functional tests included,
#      with leak detection on.
#
# A failing build stops at once; failing tests in the first run do not
# stop the second, so one CI run shows everything.  Exits 0 only if both
# test runs passed.  JOBS sets the build parallelism (default 2).
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

if [ ${#failed[@]} -gt 0 ]; then
	echo "=== tests FAILED in: ${failed[*]}"
	exit 1
fi
echo "=== all tests passed (normal and sanitized builds)"
