#!/bin/bash
# t1170: a clock behind the newest snapshot never stops create (issue 9.13).
#
# A snapshot named after a time later than now (the clock was, or is,
# wrong) made every later create sleep a second at a time, forever,
# holding the lock.  Proves: create names its snapshot one second after
# the newest, completes it, and exits 3 with a warning naming the clock's
# time and the newest snapshot; the next run goes one second further;
# with the real clock (no SNAP_NOW) it finishes too, within seconds;
# `check` warns that the newest snapshot is later than the clock (exit
# 3); a clock that has passed the newest again gives a normal run; and
# a run in the same second as the newest waits for the next second and is
# named after it, never after a time still to come (which the next run
# would take for a clock behind the newest).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

setup_sample_source "$SCRATCH/root"
SNAP_TIMEOUT=60
future=$(($(date +%s) + 10 * 365 * 86400))
fname=$(date -u -d "@$future" +%Y-%m-%dT%H%M%SZ)

say "a snapshot from the future"
SNAP_NOW=$future create_snapshot -q N1
assert_eq "$N1" "$fname" "the first snapshot's name"

say "check sees it"
run_snap check
expect_status 3
assert_grep "WARNING: .*newest snapshot '$N1' is later than the clock" "$OUT"

say "the clock is behind it: one second after the newest"
past=$(($(date +%s) - 86400))
pname=$(date -u -d "@$past" +%Y-%m-%dT%H%M%SZ)
export SNAP_NOW=$past
run_snap create
expect_status 3
new_snapshot N2 "$N1"
assert_eq "$N2" "$(date -u -d "@$((future + 1))" +%Y-%m-%dT%H%M%SZ)" "name"
assert_grep "warning: .*clock says $pname.*'$N1'.*'$N2'" "$ERR"
compare_trees "$SRC" "$ROOT/$N2/src"
run_snap create
expect_status 3
new_snapshot N3 "$N2"
assert_eq "$N3" "$(date -u -d "@$((future + 2))" +%Y-%m-%dT%H%M%SZ)" "name"
unset SNAP_NOW

say "the real clock, behind the newest: no waiting"
start=$(date +%s)
run_snap create
expect_status 3
new_snapshot N4 "$N3"
assert_eq "$N4" "$(date -u -d "@$((future + 3))" +%Y-%m-%dT%H%M%SZ)" "name"
[ $(($(date +%s) - start)) -lt 30 ] || fail "create took $(($(date +%s) - start))s"

say "the clock passes the newest again"
SNAP_NOW=$((future + 3600)) create_snapshot -q N5 "$N4"
assert_eq "$N5" "$(date -u -d "@$((future + 3600))" +%Y-%m-%dT%H%M%SZ)" "name"
assert_not_grep "clock" "$ERR"

say "runs in the newest's second: named after the next second, never later"
ROOT=$SCRATCH/root2
write_config "$ROOT" "$SRC"
# Start just after a second begins, so the second run likely begins in
# the first one's second and has to wait for the next.  A name must never
# be a time still to come when its run ends, however slow the runs are.
while [ "$(date +%N)" -gt 300000000 ]; do sleep 0.05; done
prev=
for m in M1 M2 M3; do
	create_snapshot -q "$m" ${prev:+"$prev"}
	[ "$(name_to_epoch "${!m}")" -le "$(date +%s)" ] ||
		fail "snapshot ${!m} is named after a time still to come"
	assert_not_grep "clock" "$ERR"
	prev=${!m}
done
say "passed"
