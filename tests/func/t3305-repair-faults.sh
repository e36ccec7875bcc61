#!/bin/bash
# t3305: snap repair when writing the new manifest fails.
#
# SNAP_TEST_FAULT fails one call of repair's manifest writer.  Proves:
# a write that finds the disk full, a failed fsync of the new manifest
# and a failed rename each end with exit 1 and the sentence naming the
# manifest and the errno, leave the damaged manifest exactly as it was
# and no NAME.tmp, and change nothing in the snapshot.  When only the
# fsync of the manifests folder after the rename fails, exit 1 too, but
# the rebuilt manifest stays: the snapshot is still listed and verifies
# (removing it would leave the snapshot with no manifest at all, out of
# list, prune and the next create's linking).  A repair without faults
# then rebuilds it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo a >"$SRC/a"
echo b >"$SRC/d/b"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
remember_history "$N1"
M=$ROOT/.snap/manifests/$N1
printf 'not a manifest\n' >"$M"
cp "$M" "$SCRATCH/damaged"

say "a failure before the rename leaves the damaged manifest"
for f in "write:1:ENOSPC|No space left on device" \
	"fsync:1:EIO|Input/output error" \
	"renameat:1:EIO|Input/output error"; do
	fault=${f%%|*} why=${f#*|}
	SNAP_TEST_FAULT=$fault run_snap repair "$N1"
	expect_status 1 "repair with $fault"
	case $fault in
	renameat*) assert_grep "^snap: error: cannot rename manifest '$N1.tmp' to '$N1': $why$" "$ERR" ;;
	*) assert_grep "^snap: error: cannot write manifest '$N1': $why( \(|$)" "$ERR" ;;
	esac
	cmp -s "$M" "$SCRATCH/damaged" || fail "$fault: the manifest changed"
	assert_missing "$M.tmp"
	history_unchanged "$N1"
done

say "a failed fsync of the folder after the rename keeps the new manifest"
SNAP_TEST_FAULT=fsync:2:EIO run_snap repair "$N1"
expect_status 1 "repair with the folder's fsync failing"
assert_grep "^snap: error: cannot write manifest '$N1': Input/output error$" "$ERR"
assert_missing "$M.tmp"
assert_eq "$(head -c 8 "$M")" "SNAPMAN" "the manifest's header"
run_snap list
expect_status 0 "list after the failed fsync"
assert_grep "^$N1 " "$OUT"
run_snap verify "$N1"
expect_status 0 "verify after the failed fsync"
history_unchanged "$N1"

say "a repair without faults"
printf 'not a manifest\n' >"$M"
run_snap repair "$N1"
expect_status 0 "repair"
assert_grep "^rebuilt the manifest of '$N1': 4 entries, 2 files" "$OUT"
run_snap verify "$N1"
expect_status 0 "verify after the repair"
history_unchanged "$N1"
echo "ok"
