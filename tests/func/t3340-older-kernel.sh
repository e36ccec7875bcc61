#!/bin/bash
# t3340: on an older kernel, without openat2 (before 5.6) and fchmodat2
# (before 6.6), or under a seccomp policy that refuses openat2, create and
# restore work the same and still never follow a symlink.
#
# without-syscalls.c (built here) runs snap with those calls failing:
# ENOSYS for both (snap remembers that openat2 is missing and walks one
# name at a time from then on; fchmodat falls back to glibc's), or EPERM
# for openat2 (a seccomp filter: asked each time, then walked).  Proves,
# in both cases: a first create (--jobs 4, so the read-ahead threads open
# folders too) and a second one over a changed source reproduce the
# source, a FIFO's mode included (rsync -ani, diff -r, find), the second
# links the unchanged files to the first (same inode); a restore of the
# whole source reproduces it; and where a folder of the snapshot was
# replaced by a symlink to an outside folder, a restore of a file below
# it exits 1 with the sentence the openat2 path gives (the reason may be
# ENOTDIR instead of ELOOP: beneath.h allows both), and writes no DEST.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
CC=${CC:-cc}
require_cmd "$CC"

HELPER=$SCRATCH/without-syscalls
"$CC" -O2 -Wall -o "$HELPER" "$(dirname "$0")/without-syscalls.c" ||
	fail "cannot build without-syscalls.c"
"$HELPER" ENOSYS openat2 true 2>"$SCRATCH/helper.err" ||
	skip "cannot install a seccomp filter: $(cat "$SCRATCH/helper.err")"
# The filter does what it says: the calls named (437 and 452 on every
# architecture) fail with the errno asked for, and only those.
probe() {
	"$HELPER" "$1" "$2" "$PYTHON3" -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(int(sys.argv[1]), -100, b"/no-such-name", 0, 0x100)
print(os.strerror(ctypes.get_errno()) if r == -1 else "done")' "$3"
}
ENOSYS_TEXT=$("$PYTHON3" -c 'import os; print(os.strerror(38))')
assert_eq "$(probe ENOSYS openat2,fchmodat2 437)" "$ENOSYS_TEXT" "openat2 (ENOSYS)"
assert_eq "$(probe ENOSYS openat2,fchmodat2 452)" "$ENOSYS_TEXT" "fchmodat2 (ENOSYS)"
assert_eq "$(probe EPERM openat2 437)" "Operation not permitted" "openat2 (EPERM)"
assert_eq "$(probe EPERM openat2 452)" "No such file or directory" "fchmodat2 (EPERM)"

SRC=$SCRATCH/src
make_sample_tree "$SRC"
mkdir -p "$SRC/deep/one/two/three"
echo "deep" >"$SRC/deep/one/two/three/file"
# Nodes get their mode by name (fchmodat with AT_SYMLINK_NOFOLLOW).
chmod 0604 "$SRC/fifo"

# without HOW: the calls that fail, and how.
without() {
	case $1 in
	ENOSYS) SNAP_PREFIX=("$HELPER" ENOSYS openat2,fchmodat2) ;;
	EPERM) SNAP_PREFIX=("$HELPER" EPERM openat2) ;;
	esac
}

for how in ENOSYS EPERM; do
	say "openat2 fails with $how"
	ROOT=$SCRATCH/root-$how
	write_config "$ROOT" "$SRC"
	without "$how"
	run_snap create --jobs 4
	expect_status 0
	new_snapshot N1
	compare_trees "$SRC" "$ROOT/$N1/src"

	echo "changed under $how" >"$SRC/a/f2.txt"
	SNAP_NOW=$(($(name_to_epoch "$N1") + 60)) run_snap create --jobs 4
	expect_status 0
	new_snapshot N2 "$N1"
	compare_trees "$SRC" "$ROOT/$N2/src"
	same_inode "$ROOT/$N1/src/deep/one/two/three/file" \
		"$ROOT/$N2/src/deep/one/two/three/file"
	same_inode "$ROOT/$N1/src/a/b/c/blob.bin" "$ROOT/$N2/src/a/b/c/blob.bin"
	diff_inode "$ROOT/$N1/src/a/f2.txt" "$ROOT/$N2/src/a/f2.txt"

	run_snap restore "$N2" src "$SCRATCH/out-$how"
	expect_status 0
	compare_trees "$SRC" "$SCRATCH/out-$how"
	SNAP_PREFIX=()
done

say "a stored folder replaced by a symlink is not followed"
# This test's own root: the folder src/deep/one/two of the first
# snapshot becomes a symlink to a folder outside that holds the same
# names, so following it would restore the outside file.
OUTSIDE=$SCRATCH/outside
mkdir -p "$OUTSIDE/three"
echo "outside" >"$OUTSIDE/three/file"
mv "$ROOT/$N1/src/deep/one/two" "$SCRATCH/moved-two"
ln -s "$OUTSIDE" "$ROOT/$N1/src/deep/one/two"
run_snap restore "$N1" src/deep/one/two/three/file "$SCRATCH/with-openat2"
expect_status 1
cp "$ERR" "$SCRATCH/with-openat2.err"
assert_grep "^snap: error: cannot read 'src/deep/one/two/three/file' in snapshot '$N1': Too many levels of symbolic links" \
	"$ERR"
assert_missing "$SCRATCH/with-openat2"
for how in ENOSYS EPERM; do
	without "$how"
	run_snap restore "$N1" src/deep/one/two/three/file "$SCRATCH/without-$how"
	expect_status 1
	assert_eq "$(sed 's/: Not a directory$/: Too many levels of symbolic links/' "$ERR")" \
		"$(cat "$SCRATCH/with-openat2.err")" "the refusal without openat2 ($how)"
	assert_missing "$SCRATCH/without-$how"
done
SNAP_PREFIX=()
