#!/bin/bash
# t3220: snap check names the problems t2510 does not make.
#
# Proves, each with its exit status and message: an argument is a usage
# error (exit 2); a snapshot root that is a file, and one whose parent
# folder is missing too, are problems (exit 1); a .snap/manifests that is
# a file is a problem; a snapshot half deleted (its folder moved to
# .snap/deleting by a delete that stopped) is a warning (exit 3); a
# manifest without its folder is a problem; a newest snapshot later than
# the clock is a warning that names the snapshot; a .snap open to other
# users is a problem, unless allow_shared_root says so.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo a >"$SRC/a"

# A problem is exit 1 and a warning 3 (low free space can add a
# warning, never a problem), so a good root is exit 0 or 3.
say "an argument"
write_config "$ROOT" "$SRC"
run_snap check extra
expect_status 2 "an argument"
assert_grep "check takes no arguments \('extra'\)" "$ERR"

say "a snapshot root that is a file"
echo not-a-folder >"$SCRATCH/rootfile"
write_config "$SCRATCH/rootfile" "$SRC"
run_snap check
expect_status 1 "root is a file"
assert_grep "^PROBLEM: snapshot root '$SCRATCH/rootfile' is not a folder" "$OUT"

say "a snapshot root whose parent is missing too"
write_config "$SCRATCH/unplugged/disk/root" "$SRC"
run_snap check
expect_status 1 "no parent"
assert_grep "^PROBLEM: snapshot root '$SCRATCH/unplugged/disk/root' does not exist, nor does its parent folder '$SCRATCH/unplugged/disk'" "$OUT"

say "a good root, then damage"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
SNAP_NOW=1764007200 run_snap check
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || fail "check of a good root: exit $STATUS"
assert_not_grep '^PROBLEM:' "$OUT"

say "a snapshot half deleted"
mkdir -p "$ROOT/.snap/deleting"
mv "$ROOT/$N1" "$ROOT/.snap/deleting/$N1"
SNAP_NOW=1764007200 run_snap check
expect_status 3 "half deleted"
assert_grep "^WARNING: snapshot '$N1' is half deleted; the next create or prune finishes that" "$OUT"
assert_not_grep '^PROBLEM:' "$OUT"

say "a manifest without its snapshot folder"
rm -rf "$ROOT/.snap/deleting/$N1"
SNAP_NOW=1764007200 run_snap check
expect_status 1 "manifest without folder"
assert_grep "^PROBLEM: manifest '$N1' has no snapshot folder '$ROOT/$N1'" "$OUT"
rm "$ROOT/.snap/manifests/$N1"

say "the newest snapshot is later than the clock"
SNAP_NOW=1763990000 run_snap check
expect_status 3 "clock behind"
assert_grep "^WARNING: the newest snapshot '$N2' is later than the clock \(2025-11-24T" "$OUT"

say ".snap open to other users"
chmod 0755 "$ROOT/.snap"
SNAP_NOW=1764007200 run_snap check
expect_status 1 ".snap 0755"
assert_grep "^PROBLEM: '$ROOT/.snap' is mode 0755: other users can enter it" "$OUT"
printf 'allow_shared_root: true\n' >>"$CONFIG"
SNAP_NOW=1764007200 run_snap check
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || fail "allow_shared_root: exit $STATUS"
assert_grep "^OK: '$ROOT/.snap' is mode 0755, open to other users, as allow_shared_root allows" "$OUT"
write_config "$ROOT" "$SRC"
chmod 0700 "$ROOT/.snap"

say ".snap/manifests that is a file"
mv "$ROOT/.snap/manifests" "$SCRATCH/manifests.saved"
echo x >"$ROOT/.snap/manifests"
SNAP_NOW=1764007200 run_snap check
expect_status 1 "manifests is a file"
assert_grep "^PROBLEM: '$ROOT/.snap/manifests' is not a folder" "$OUT"
assert_grep "^PROBLEM: cannot open '$ROOT/.snap/manifests': " "$OUT"
echo "ok"
