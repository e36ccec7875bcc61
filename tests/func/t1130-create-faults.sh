#!/bin/bash
# t1130: SNAP_TEST_FAULT on the real binary: a call fails, or snap dies
# at it, and the snapshot root stays whole.
#
# SNAP_TEST_FAULT=KIND:N:ERROR makes the Nth call of KIND (a member of
# struct sys_ops, or "any") fail with errno ERROR, or with "kill" makes
# snap SIGKILL itself at that call.  Proves: linkat:1:EMLINK makes create
# copy that file, count it as an EMLINK copy and exit 0; a kill at every
# renameat in turn, and then at every mutating call in turn, never leaves
# a snapshot name without its manifest, never changes the first snapshot,
# and the next create works and reproduces the source; ENOSPC at every
# mutating call in turn either fails the run with exit 1, no new snapshot
# and the first one unchanged, or comes after the snapshot is in place
# (exit 0 or 3, the snapshot complete); a malformed hook is exit 2.
# Each sweep ends where snap says its fault was not reached.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/a" "$SRC/b"
echo one >"$SRC/a/one.txt"
echo two >"$SRC/a/two.txt"
echo three >"$SRC/b/three.txt"
ln "$SRC/a/one.txt" "$SRC/b/hardlink"
ln -s ../a/two.txt "$SRC/b/sym"
write_config "$ROOT" "$SRC"

T=1764000000
# faulty SPEC: create at the next minute with SNAP_TEST_FAULT=SPEC; sets
# $STATUS (137 when it killed itself), $OUT, $ERR.
faulty() {
	T=$((T + 60))
	STATUS=0
	SNAP_NOW=$T SNAP_TEST_FAULT=$1 timeout -k 10 "$SNAP_TIMEOUT" \
		"$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" || STATUS=$?
}

# A create without faults that must work and reproduce the source.
create_ok() {
	local name
	T=$((T + 60))
	SNAP_NOW=$T create_snapshot -q name
	compare_trees "$SRC" "$ROOT/$name/src"
}

# Every snapshot name has its manifest (a manifest whose snapshot never
# appeared is a leftover the next run removes), and the first snapshot
# is unchanged.
root_whole() {
	local s
	for s in $(snapshots "$ROOT"); do
		[ -f "$ROOT/.snap/manifests/$s" ] ||
			fail "$1: snapshot $s is visible without its manifest"
	done
	history_unchanged "$FIRST"
}

say "the first snapshot"
create_ok
FIRST=$(newest_snapshot "$ROOT")
remember_history "$FIRST"

say "linkat:1:EMLINK: that file is copied, and counted so"
echo changed >"$SRC/a/two.txt"
faulty linkat:1:EMLINK
show_output
expect_status 0
NEW=$(newest_snapshot "$ROOT")
[ "$NEW" != "$FIRST" ] || fail "no new snapshot"
check_snapshot "$ROOT" "$NEW"
compare_trees "$SRC" "$ROOT/$NEW/src"
grep -Eiq 'emlink[^0-9,;]*1\b|1 [^,;]*emlink' "$OUT" ||
	fail "the summary does not count one EMLINK copy"
root_whole "linkat:1:EMLINK"

say "a malformed hook is a usage error"
for spec in nonsense linkat:0:EXDEV link:1:EXDEV linkat:1:EBOGUS; do
	faulty "$spec"
	show_output
	expect_status 2
	assert_grep 'bad fault|unknown fault' "$ERR"
done

# reached: the last faulty run met its fault (snap says when it did not).
reached() {
	! grep -q 'test hook: SNAP_TEST_FAULT .* was not reached' "$ERR"
}

# crash_sweep KIND: kill snap at the 1st, 2nd, ... call of KIND until a
# run makes fewer; after each, the root is whole and a create works.
crash_sweep() {
	local kind=$1 n=1
	while :; do
		echo "changed $kind $n" >"$SRC/a/two.txt"
		faulty "$kind:$n:kill"
		reached || break
		[ "$STATUS" = 137 ] || {
			show_output
			fail "$kind:$n:kill: exit $STATUS, not killed"
		}
		root_whole "$kind:$n:kill"
		create_ok
		n=$((n + 1))
		[ "$n" -le 400 ] || fail "$kind: still killed after 400 calls"
	done
	show_output
	expect_status 0 "$kind:$n:kill after the last $kind"
	root_whole "$kind:$n (no kill)"
	[ "$n" -gt 1 ] || fail "$kind: no run was killed"
	say "$kind: killed at each of $((n - 1)) calls"
}

say "killed at every renameat, then at every call"
crash_sweep renameat
crash_sweep any

say "ENOSPC at every call"
n=1
while :; do
	echo "enospc $n" >"$SRC/a/two.txt"
	before=$(snapshots "$ROOT")
	faulty "any:$n:ENOSPC"
	reached || break
	echo "any:$n:ENOSPC: exit $STATUS"
	case $STATUS in
	1)
		[ "$(snapshots "$ROOT")" = "$before" ] || {
			show_output
			fail "any:$n:ENOSPC failed the run but changed the snapshots"
		}
		assert_grep 'earlier snapshots are unchanged|No space left' "$ERR"
		;;
	0 | 3)
		NEW=$(newest_snapshot "$ROOT")
		[ -n "$(snapshots "$ROOT" | grep -vxF -- "$before")" ] || {
			show_output
			fail "any:$n:ENOSPC: exit $STATUS without a new snapshot"
		}
		compare_trees "$SRC" "$ROOT/$NEW/src"
		;;
	*)
		show_output
		fail "any:$n:ENOSPC: exit $STATUS"
		;;
	esac
	root_whole "any:$n:ENOSPC"
	create_ok
	n=$((n + 1))
	[ "$n" -le 400 ] || fail "still failing after 400 calls"
done
show_output
expect_status 0 "after the last call"
[ "$n" -gt 5 ] || fail "ENOSPC: only $((n - 1)) calls"
say "ENOSPC at each of $((n - 1)) calls"
say "ok"
