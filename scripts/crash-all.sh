#!/bin/sh
# crash-all.sh [BUILD_DIR]: the full crash exhaustion of test t3000, by
# hand: create, prune, delete and restore stopped at every one of their
# mutating calls (the test suite stops at every 6th).  Needs root.
# Prints the calls per operation and any violation; exit status 0 when
# there is none.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
SNAP=$build/snap SNAP_BUILD_DIR=$build SNAP_CRASH_STRIDE=1 \
	exec bash "$top/tests/func/t3000-crash-every-step.sh"
