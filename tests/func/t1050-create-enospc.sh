#!/bin/bash
# t1050: a full backup disk fails the run cleanly and harms nothing.
#
# The snapshot root lives on an 8 MiB tmpfs.  Snapshot 1 of a ~1 MiB tree
# succeeds; then 20 MiB of random data join the source.  Proves: create 2
# exits 1 with "No space left on device" on stderr; no second snapshot
# appears, latest and the manifests are as before, nothing is left in
# .snap/incomplete (the space is given back); snapshot 1 is byte for byte
# and inode for inode what it was; once the big file is gone, the next
# create succeeds.  Needs root and mount; skipped otherwise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "mount"
require_cmd rsync mount umount

DISK=$SCRATCH/disk
mkdir "$DISK"
mount -t tmpfs -o size=8m,mode=0755 tmpfs "$DISK" 2>"$SCRATCH/mount.err" ||
	skip "cannot mount a tmpfs: $(cat "$SCRATCH/mount.err")"
setup_sample_source "$DISK/snap"
for i in 1 2 3 4 5 6 7 8; do
	head -c 100000 /dev/urandom >"$SRC/a/b/data$i.bin"
done

create_snapshot N1
remember_history "$N1"
ls -A "$ROOT/.snap/manifests" >"$SCRATCH/manifests.before"
used_before=$(df -k --output=used "$DISK" | tail -n 1)

say "20 MiB more than the disk holds"
head -c $((20 << 20)) /dev/urandom >"$SRC/a/big.bin"
echo "a change" >>"$SRC/top.txt"
run_snap create
expect_status 1 "disk full"
assert_grep 'No space left on device' "$ERR" "stderr"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots after the failure"
assert_eq "$(latest "$ROOT")" "$N1" "latest after the failure"
incomplete_empty "$ROOT" ||
	fail ".snap/incomplete is not empty: $(ls -A "$ROOT/.snap/incomplete")"
ls -A "$ROOT/.snap/manifests" >"$SCRATCH/manifests.after"
diff "$SCRATCH/manifests.before" "$SCRATCH/manifests.after" ||
	fail "the manifests changed (a partial manifest left behind?)"
history_unchanged "$N1"
used_after=$(df -k --output=used "$DISK" | tail -n 1)
echo "disk used: $used_before KiB before, $used_after KiB after the failed run"
[ "$used_after" -le $((used_before + 64)) ] ||
	fail "the failed run left $((used_after - used_before)) KiB behind"

say "without the big file the next run succeeds"
rm "$SRC/a/big.bin"
create_checked N2 "$N1"
same_inode "$ROOT/$N1/src/a/b/data1.bin" "$ROOT/$N2/src/a/b/data1.bin"

echo "ok"
