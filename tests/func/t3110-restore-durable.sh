#!/bin/bash
# t3110: restore names a file only once its content is on disk, in
# batches, and ends with everything on disk.
#
# A folder of 150 files (more than one batch of 64), empty files, and
# hard links whose first name is still waiting in the batch, in an
# earlier batch of the same folder, and in another folder.  Proves: restore and restore --overwrite reproduce it
# (rsync -aHAXnci: the hard links too); the call journal
# (SNAP_TEST_JOURNAL) shows a handful of syncfs calls, not one flush per
# file; and under t3100's power cut model (powercut.py) no restored file
# has content that is not durable when the run ends.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
[ -x "$PYTHON3" ] || command -v "$PYTHON3" >/dev/null || skip "needs python3"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/big" "$SRC/other"
for i in $(seq -w 0 149); do
	echo "file $i" >"$SRC/big/f$i"
done
: >"$SRC/big/empty1"
: >"$SRC/other/empty2"
ln "$SRC/big/f001" "$SRC/big/z-link-to-f001"
ln "$SRC/big/f002" "$SRC/big/f002-link"
ln "$SRC/big/f100" "$SRC/other/link-to-f100"
write_config "$ROOT" "$SRC"
create_snapshot -q SNAP1

# lost JOURNAL: the files whose content a power cut after the run
# would lose, per the model of powercut.py.
lost() {
	"$PYTHON3" -c 'import sys; sys.path.insert(0, sys.argv[1])
import powercut
print(len(powercut.lost_content(powercut.read_journal(sys.argv[2]))))' \
		"$(dirname "$0")" "$1"
}

for mode in new overwrite; do
	J=$SCRATCH/journal-$mode
	export SNAP_TEST_JOURNAL=$J
	if [ "$mode" = new ]; then
		run_snap -q restore "$SNAP1" src "$SCRATCH/dest"
	else
		echo "changed" >"$SCRATCH/dest/big/f005"
		rm "$SCRATCH/dest/other/link-to-f100"
		run_snap -q restore --overwrite "$SNAP1" src "$SCRATCH/dest"
	fi
	unset SNAP_TEST_JOURNAL
	expect_status 0
	rsync_same "$ROOT/$SNAP1/src" "$SCRATCH/dest" ||
		fail "restore ($mode) is not the snapshot"
	same_inode "$SCRATCH/dest/big/f001" "$SCRATCH/dest/big/z-link-to-f001"
	same_inode "$SCRATCH/dest/big/f002" "$SCRATCH/dest/big/f002-link"
	same_inode "$SCRATCH/dest/big/f100" "$SCRATCH/dest/other/link-to-f100"
	syncs=$(grep -c ' syncfs 0 ' "$J" || true)
	fsyncs=$(grep -c ' fsync ' "$J" || true)
	say "restore ($mode): $syncs syncfs, $fsyncs fsync"
	[ "$syncs" -ge 4 ] && [ "$syncs" -le 12 ] ||
		fail "restore ($mode) made $syncs syncfs calls, not a few batches"
	[ "$fsyncs" = 0 ] || fail "restore ($mode) flushed files one by one"
	n=$(lost "$J")
	[ "$n" = 0 ] || fail "after restore ($mode), $n files are not durable"
done
echo "ok"
