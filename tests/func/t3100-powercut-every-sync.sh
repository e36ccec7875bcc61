#!/bin/bash
# t3100: a power cut at every sync point of snap keeps its promises:
# history never changes, a snapshot is complete or absent, latest names
# a complete snapshot, a restore target holds only whole files, and the
# next run and snap verify --all work.
#
# powercut.py (beside this file; its docstring has the model) runs each
# operation once with SNAP_TEST_JOURNAL to learn its calls, then for
# each cut point (just before and just after each fsync, syncfs and
# rename, and after the run) stops it there with
# SNAP_TEST_FAULT=any:N:kill, cuts every file whose content was not yet
# durable back to its durable size (ext4 data=ordered with delayed
# allocation: a file written but not synced comes back empty), and
# checks with crash.py's checks: create (and the prune after it),
# prune, delete, restore into a new folder and restore --overwrite.
#
# It works on a tmpfs when it can mount one (the cuts are computed, not
# real, so the filesystem under them does not matter).  Every cut point
# by default; under sanitizers (SNAP_SANITIZE=ON) every 4th;
# SNAP_POWERCUT_STRIDE=K chooses every Kth; SNAP_CRASH_OPS="create
# delete" runs a part.  Needs root (owners, device nodes).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck disable=SC2086
crash_driver powercut.py ${SNAP_CRASH_OPS:-create prune delete restore restore-over} ||
	fail "a power cut broke a promise (the VIOLATION lines above)"
echo "ok"
