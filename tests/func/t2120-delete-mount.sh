#!/bin/bash
# t2120: delete and prune never leave the filesystem of what they remove.
#
# Someone mounted a filesystem inside a snapshot folder (to browse it, or
# by mistake).  Proves: snap delete --force of that snapshot removes every
# other file of it, leaves the mounted tmpfs and its file alone, names the
# mount point in a warning and exits 3; the snapshot is no longer listed
# and latest moves on; the next create makes its snapshot and warns again
# (exit 3) while the mount stays; once unmounted, the next writer removes
# what was left, silently.  A bind mount of a folder of the same
# filesystem (same device number, seen by the kernel's mount-root flag)
# is kept alike, and so is a tmpfs in a snapshot that prune drops.  Root
# only (mounts).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "mounts a tmpfs inside a snapshot"
require_cmd mount umount

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d" "$SRC/e"
echo hello >"$SRC/d/a.txt"
echo other >"$SRC/e/b.txt"
write_config "$ROOT" "$SRC"

# create_at DAY: create at 12:00 UTC on DAY; $STATUS, $OUT, $ERR as run_snap.
create_at() {
	local t
	t=$(date -u -d "$1 12:00:00 UTC" +%s)
	STATUS=0
	echo "+ SNAP_NOW=$t snap create"
	SNAP_NOW=$t "$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" || STATUS=$?
	show_output
}

mkdir "$SCRATCH/probe"
mount -t tmpfs -o size=1m snap-test "$SCRATCH/probe" 2>/dev/null ||
	skip "cannot mount a tmpfs here"
umount "$SCRATCH/probe"

say "two snapshots; a tmpfs mounted inside the newest"
create_at 2024-03-01
expect_status 0
create_at 2024-03-02
expect_status 0
S1=2024-03-01T120000Z
S2=2024-03-02T120000Z
remember_history "$S1"
mount -t tmpfs -o size=1m snap-test "$ROOT/$S2/src/d"
echo precious >"$ROOT/$S2/src/d/keep.txt"

say "delete --force: everything else goes, the mount stays, exit 3"
run_snap delete --force "$S2"
expect_status 3
MNT=$ROOT/.snap/deleting/$S2/src/d
assert_grep "'$MNT' is a mount point" "$ERR" "the warning"
assert_grep "^deleted snapshot $S2\$" "$OUT"
assert_eq "$(cat "$MNT/keep.txt")" precious "the tmpfs's file"
assert_missing "$ROOT/$S2"
assert_missing "$ROOT/.snap/deleting/$S2/src/e"
assert_missing "$ROOT/.snap/manifests/$S2"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$S1 " "snapshots"
assert_eq "$(latest "$ROOT")" "$S1" "latest"
history_unchanged "$S1"

say "the next create works, and warns while the mount stays"
create_at 2024-03-03
expect_status 3
new_snapshot S3 "$S1"
assert_grep "'$MNT' is a mount point" "$ERR" "the warning"
compare_trees "$SRC" "$ROOT/$S3/src"
assert_eq "$(cat "$MNT/keep.txt")" precious "the tmpfs's file"

say "unmounted: the next writer removes the rest"
umount "$MNT"
run_snap prune
expect_status 0
assert_not_grep 'mount point' "$ERR"
[ -z "$(ls -A "$ROOT/.snap/deleting")" ] || fail ".snap/deleting is not empty"

say "a bind mount of the same filesystem is not entered either"
mkdir -p "$SCRATCH/outside"
echo mine >"$SCRATCH/outside/own.txt"
[ "$(stat -c %d "$SCRATCH/outside")" = "$(stat -c %d "$ROOT")" ] ||
	say "(the bind source is on another filesystem here)"
mount --bind "$SCRATCH/outside" "$ROOT/$S1/src/e"
run_snap delete "$S1"
expect_status 3
assert_grep "'$ROOT/.snap/deleting/$S1/src/e' is a mount point" "$ERR"
assert_eq "$(cat "$SCRATCH/outside/own.txt")" mine "the bind mount's file"
assert_missing "$ROOT/.snap/deleting/$S1/src/d"
umount "$ROOT/.snap/deleting/$S1/src/e"
assert_eq "$(cat "$SCRATCH/outside/own.txt")" mine "the bind source's file"

say "prune: a tmpfs in a dropped snapshot stays, the rest is pruned"
create_at 2024-03-04
expect_status 0
create_at 2024-03-05
expect_status 0
[ -z "$(ls -A "$ROOT/.snap/deleting")" ] || fail ".snap/deleting is not empty"
mount -t tmpfs -o size=1m snap-test "$ROOT/$S3/src/e"
echo precious >"$ROOT/$S3/src/e/keep.txt"
printf 'retain: {last: 1}\n' >>"$CONFIG"
run_snap prune
expect_status 3
assert_grep "'$ROOT/.snap/deleting/$S3/src/e' is a mount point" "$ERR"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "2024-03-05T120000Z " \
	"snapshots after prune"
assert_eq "$(cat "$ROOT/.snap/deleting/$S3/src/e/keep.txt")" precious \
	"the tmpfs's file"
assert_missing "$ROOT/.snap/deleting/$S3/src/d"
umount "$ROOT/.snap/deleting/$S3/src/e"
create_at 2024-03-06
expect_status 0
[ -z "$(ls -A "$ROOT/.snap/deleting")" ] || fail ".snap/deleting is not empty"
say "ok"
