#!/bin/bash
# t3304: a snapshot root on a filesystem mounted read-only.
#
# A backup disk that the kernel remounted read-only after an error is
# the case: root can read it, nobody can write it.  Needs root (a tmpfs
# mounted, then remounted ro).  Proves: "check" reports "snapshot root
# '...' is not writable: Read-only file system" as a PROBLEM with exit 1;
# with the root missing on such a disk, "check" says its parent "is not
# writable" and "create" fails with exit 1 naming the root and EROFS,
# making nothing; "create" into the existing root fails with exit 1 at
# its lock, with the sentence that says to remount, and leaves the
# snapshots as they were, while list and verify (readers) still work.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "a tmpfs mount"

DISK=$SCRATCH/disk
mkdir -p "$DISK"
mount -t tmpfs -o size=16m,mode=0755 tmpfs "$DISK" 2>/dev/null ||
	skip "cannot mount a tmpfs"
SRC=$SCRATCH/src
ROOT=$DISK/root
mkdir -p "$SRC"
echo a >"$SRC/a"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
remember_history "$N1"
mount -o remount,ro "$DISK" || skip "cannot remount the tmpfs read-only"

say "check names the read-only root"
run_snap check
expect_status 1 "check of a read-only root"
assert_grep "^PROBLEM: snapshot root '$ROOT' is not writable: Read-only file system" "$OUT"

say "create fails and changes nothing; readers still work"
echo b >"$SRC/b"
SNAP_NOW=1764003600 run_snap create
expect_status 1 "create into a read-only root"
assert_grep "^snap: error: cannot open lock '$ROOT/.snap/lock': Read-only file system \(the backup disk is mounted read-only; remount it read-write\)$" "$ERR"
assert_grep "^snap: error: no snapshot was made; earlier snapshots are unchanged$" "$ERR"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots"
history_unchanged "$N1"
run_snap list
expect_status 0 "list of a read-only root"
assert_grep "^$N1( |$)" "$OUT"
run_snap verify "$N1"
expect_status 0 "verify of a read-only root"

say "a missing root whose parent is read-only"
write_config "$DISK/missing" "$SRC"
run_snap check
expect_status 1 "check of a missing root on a read-only disk"
assert_grep "^PROBLEM: snapshot root '$DISK/missing' does not exist and its parent '$DISK' is not writable: Read-only file system" "$OUT"
SNAP_NOW=1764003600 run_snap create
expect_status 1 "create of a root on a read-only disk"
assert_grep "^snap: error: cannot create snapshot root '$DISK/missing': Read-only file system" "$ERR"
assert_missing "$DISK/missing"
echo "ok"
