#!/bin/bash
# coverage.sh: line and branch coverage of src/ by the whole test suite.
#
# Builds with -DSNAP_COVERAGE=ON (gcc --coverage) in build-cov/, runs every
# ctest test there (unit and functional; those that need root skip without
# it and their lines count as not covered), then prints gcovr's per-file
# table and totals for src/.  Installs gcovr with apt-get when it is
# missing (sudo when not root).  Old counts are removed first, so each run
# measures one run of the suite.  Exits with ctest's status when a test
# failed (the figures are printed anyway); JOBS sets the parallelism
# (default 2); extra arguments go to ctest (e.g. -R unit/ for a quick look).
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

if ! command -v gcovr >/dev/null; then
	sudo=()
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	echo "coverage: installing gcovr"
	"${sudo[@]}" apt-get update &&
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y \
		--no-install-recommends gcovr || exit 1
fi

cmake -B build-cov -DSNAP_COVERAGE=ON -DCMAKE_BUILD_TYPE=Debug || exit 1
cmake --build build-cov -j"$JOBS" || exit 1
find build-cov -name '*.gcda' -delete

ctest --test-dir build-cov -j"$JOBS" --output-on-failure "$@"
status=$?

# --exclude-unreachable-branches and --exclude-throw-branches drop the
# branches gcc adds for itself, so the figure counts the code's own
# decisions.  --gcov-ignore-parse-errors: create's threads (jobs:)
# update the counters without atomics, and a race can leave a branch of
# exclude.c counted "taken -1", a line gcovr 5 stops at; it skips that
# line (and says so on stderr) instead of giving no figure at all.  The
# two gcovr runs share build-cov's .gcov files: never run them at once.
gcov_args=(--root . --filter 'src/' --object-directory build-cov
	--exclude-unreachable-branches --exclude-throw-branches
	--gcov-ignore-parse-errors)
mkdir -p build-cov/coverage
gcovr "${gcov_args[@]}" --branches --txt build-cov/coverage/branches.txt
gcovr "${gcov_args[@]}" --txt build-cov/coverage/lines.txt \
	--html-details build-cov/coverage/index.html --print-summary
echo "coverage: per-file tables in build-cov/coverage/lines.txt and" \
	"branches.txt (with the lines not covered), HTML in" \
	"build-cov/coverage/index.html"
exit $status
