#!/bin/bash
# t1070: two creates on one root never interleave.
#
# A create is held in the middle of its work (SNAP_TEST_HANG_AFTER), and a
# second create is started on the same root.  Proves: the second exits 1
# at once (lock_wait is 0 by default), its stderr names the holder's pid
# ("pid NNN"), it makes no snapshot and does not touch the first run's
# tree in .snap/incomplete.  With lock_wait: 1 it fails after about a
# second; with lock_wait: 60 it waits, and once the holder is killed it
# makes the snapshot.  --wait SECONDS (before or after the command name)
# overrides lock_wait; a bad --wait is a usage error.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"
create_snapshot N1
echo change >>"$SRC/top.txt"

say "the first create holds the lock"
holder=
start_bg holder env SNAP_TEST_HANG_AFTER=10 "$SNAP" -c "$CONFIG" create
wait_hang "$holder" "$ROOT/.snap/incomplete" 1
find "$ROOT/.snap/incomplete" -printf '%p %i %T@\n' | sort >"$SCRATCH/incomplete.before"

say "a second create fails at once, naming the holder"
t0=$(date +%s)
run_snap create
t1=$(date +%s)
expect_status 1 "lock held by pid $holder"
assert_grep "pid $holder([^0-9]|$)" "$ERR" "stderr of the second create"
[ $((t1 - t0)) -le 5 ] || fail "the second create waited $((t1 - t0))s for the lock"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots"
assert_eq "$(latest "$ROOT")" "$N1" "latest"
kill -0 "$holder" 2>/dev/null || fail "the holder died"
find "$ROOT/.snap/incomplete" -printf '%p %i %T@\n' | sort >"$SCRATCH/incomplete.after"
diff "$SCRATCH/incomplete.before" "$SCRATCH/incomplete.after" ||
	fail "the second create touched the first one's tree"

say "-q still reports the held lock"
run_snap -q create
expect_status 1 "lock held, -q"
assert_grep "pid $holder([^0-9]|$)" "$ERR" "stderr of create -q"

say "lock_wait: 1 waits a second, then fails naming the holder"
cp "$CONFIG" "$SCRATCH/wait1.yaml"
echo "lock_wait: 1" >>"$SCRATCH/wait1.yaml"
CONFIG_MAIN=$CONFIG
CONFIG=$SCRATCH/wait1.yaml
t0=$(date +%s%N)
run_snap create
t1=$(date +%s%N)
expect_status 1 "lock still held after lock_wait"
assert_grep "pid $holder([^0-9]|$)" "$ERR" "stderr with lock_wait"
ms=$(((t1 - t0) / 1000000))
echo "waited $ms ms"
[ "$ms" -ge 900 ] || fail "lock_wait: 1 gave up after $ms ms"
[ "$ms" -le 10000 ] || fail "lock_wait: 1 waited $ms ms"

say "lock_wait: 60 waits until the holder is gone, then works"
cp "$CONFIG_MAIN" "$SCRATCH/wait60.yaml"
echo "lock_wait: 60" >>"$SCRATCH/wait60.yaml"

say "--wait overrides lock_wait, before or after the command name"
CONFIG=$SCRATCH/wait60.yaml
for args in "--wait 1 create" "create --wait 1"; do
	t0=$(date +%s%N)
	# shellcheck disable=SC2086
	run_snap $args
	t1=$(date +%s%N)
	expect_status 1 "$args: the lock is still held"
	assert_grep "pid $holder([^0-9]|$)" "$ERR" "stderr of $args"
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -ge 900 ] && [ "$ms" -le 10000 ] ||
		fail "$args gave up after $ms ms"
done
run_snap --wait soon create
expect_status 2 "--wait soon"
assert_grep "wait takes a whole number of seconds" "$ERR" "usage error"
waiter=
start_bg waiter "$SNAP" -c "$SCRATCH/wait60.yaml" create
sleep 2
kill -0 "$waiter" 2>/dev/null || {
	sed 's/^/    waiter: /' "$BG_OUT" "$BG_ERR"
	fail "the waiting create did not wait"
}
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots while waiting"
kill_bg "$holder"
STATUS=0
wait "$waiter" || STATUS=$?
sed 's/^/    waiter: /' "$BG_OUT" "$BG_ERR"
expect_status 0 "the waiter after the holder died"
new_snapshot N2 "$N1"
compare_trees "$SRC" "$ROOT/$N2/src"
same_inode "$ROOT/$N1/src/a/f1.txt" "$ROOT/$N2/src/a/f1.txt"

echo "ok"
