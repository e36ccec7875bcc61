#!/bin/bash
# t3000: snap stopped at every one of its mutating calls keeps its
# promises: history never changes, a snapshot is complete or absent,
# latest names a complete snapshot, a restore target holds only whole
# files, and the next run and snap verify --all work.
#
# crash.py (beside this file) builds a root with three snapshots of a
# tree with new, changed, moved, chmodded, chowned, hard-linked, special
# (FIFO, devices, symlinks) and deleted files, counts the mutating calls
# (struct sys_ops) of each operation with SNAP_TEST_COUNT=1, and stops
# it with SNAP_TEST_FAULT=any:N:kill at each N in turn: create (and the
# prune after it), prune, delete, restore into a new folder and restore
# --overwrite; then create again, killed with a real kill -9 after a
# sample of entries.  Its docstring lists every check.
#
# It works on a tmpfs when it can mount one (syncfs there costs
# nothing, so a sweep takes seconds instead of minutes on a busy disk).
# To bound the suite's time it stops at every 6th call (1, 7, 13, ...
# and the last), under sanitizers (a build with SNAP_SANITIZE=ON) at
# every 24th; SNAP_CRASH_STRIDE=K chooses every Kth, and
# SNAP_CRASH_STRIDE=1 stops at every call (the full exhaustion,
# scripts/crash-all.sh); SNAP_CRASH_OPS="create delete" runs a part.
# Needs root (owners, device nodes).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2086
crash_driver crash.py ${SNAP_CRASH_OPS:-create prune delete restore restore-over kill9} ||
	fail "a crash broke a promise (the VIOLATION lines above)"
echo "ok"
