#!/bin/bash
# t1140: a prune that fails after a create is a warning, said as one.
#
# Every mutating call of a create with retain {last: 1} is made to fail
# in turn (SNAP_TEST_FAULT=any:N:EIO), up to the last.  Proves: a run
# that ends with exit status 3 (the snapshot stands) prints no "error:"
# line, only warnings; and some N made the prune after the create fail
# (its "prune after create:" warning), so the sweep did reach it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo one >"$SRC/f"
echo two >"$SRC/d/g"
write_config "$ROOT" "$SRC"
echo 'retain: {last: 1}' >>"$CONFIG"
T=1800000000
SNAP_NOW=$T run_snap create
expect_status 0 "first create"

n=0 prune_failed=0
while :; do
	n=$((n + 1))
	T=$((T + 60))
	SNAP_TEST_FAULT=any:$n:EIO SNAP_NOW=$T run_snap create
	if [ "$STATUS" = 3 ]; then
		if grep -q 'error:' "$ERR"; then
			show_output
			fail "fault $n: exit status 3 with an error line"
		fi
		grep -q 'warning: prune after create:' "$ERR" && prune_failed=$((prune_failed + 1))
	fi
	grep -q 'was not reached' "$ERR" && break
	[ "$n" -lt 500 ] || fail "no end to the calls after $n faults"
done
say "$n faults, $prune_failed failed the prune"
[ "$prune_failed" -gt 0 ] || fail "no fault made the prune after create fail"
