#!/bin/sh
# powercut-all.sh [BUILD_DIR]: test t3100 with a power cut before every
# mutating call of create, prune, delete and restore, not only at the
# sync points (the test suite's choice).  Needs root.  Prints the cut
# points per operation and any violation; exit status 0 when there is
# none.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
SNAP=$build/snap SNAP_BUILD_DIR=$build SNAP_POWERCUT_STRIDE=1 \
	SNAP_POWERCUT_POINTS=all \
	exec bash "$top/tests/func/t3100-powercut-every-sync.sh"
