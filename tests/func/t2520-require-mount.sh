#!/bin/bash
# t2520: require_mount, as create and check both see it.
#
# create and check ask one question (mountpoint.c), so they agree.
# Proves: with require_mount: true and a snapshot root that is a bind
# mount of a folder of the same filesystem (same device number as its
# parent: only the kernel's mount-root flag tells), check reports the root
# as a mount point and no problem, and create makes a snapshot; once
# unmounted, the root is a plain folder and both refuse it: create exits
# 1 naming it and makes nothing, check says PROBLEM and exits 1.  Root
# only (bind mount).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "bind-mounts the snapshot root"
require_cmd mount umount

SRC=$SCRATCH/src
DISK=$SCRATCH/disk
ROOT=$SCRATCH/root
mkdir -p "$SRC" "$DISK" "$ROOT"
chmod 0700 "$DISK" "$ROOT"
echo hello >"$SRC/a.txt"
write_config "$ROOT" "$SRC"
printf 'require_mount: true\n' >>"$CONFIG"

mount --bind "$DISK" "$ROOT" 2>"$SCRATCH/mount.err" ||
	skip "cannot bind-mount: $(cat "$SCRATCH/mount.err")"
[ "$(stat -c %d "$ROOT")" = "$(stat -c %d "$SCRATCH")" ] ||
	fail "the bind mount has its own device number: not the case tested"

say "a bind-mounted root: check and create accept it"
run_snap check
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || fail "check exited $STATUS"
assert_grep "^OK: snapshot root '$ROOT' is a mount point" "$OUT"
assert_not_grep 'PROBLEM' "$OUT"
create_snapshot S1
assert_exists "$DISK/$S1/src/a.txt"

say "a plain folder: both refuse it"
umount "$ROOT"
run_snap create
expect_status 1
assert_grep "'$ROOT' is not a mount point" "$ERR"
assert_eq "$(snapshot_count "$ROOT")" 0 "snapshots in the plain folder"
assert_missing "$ROOT/.snap"
run_snap check
expect_status 1
assert_grep "^PROBLEM: snapshot root '$ROOT' is not a mount point" "$OUT"
say "ok"
