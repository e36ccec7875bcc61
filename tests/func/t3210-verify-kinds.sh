#!/bin/bash
# t3210: snap verify names every kind of change to a stored entry.
#
# t2500 changes content, mode and the set of files; this test changes
# what it does not, in a root under $SCRATCH: a file replaced by a folder
# (and a folder by a file: its children are not reported one by one), a
# folder removed and one added with children, a symlink's target, a
# stored file's owner and its xattrs.  Proves: verify exits 1 and names
# each path with its kind ("type file -> folder", "type folder -> file",
# "owner 0:0 -> 1:1", "symlink target", "xattrs", "missing:", "extra:"),
# also in --json, and reports nothing below a folder that is missing,
# extra or of another type.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "chown of a stored file"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/dir/sub" "$SRC/gone/deep" "$SRC/todir"
echo a >"$SRC/file-to-dir"
echo b >"$SRC/dir/sub/child"
echo c >"$SRC/gone/deep/child"
echo d >"$SRC/todir/child"
echo e >"$SRC/owned"
echo f >"$SRC/tagged"
ln -s owned "$SRC/link"
XATTRS=0
if xattrs_work "$SRC"; then
	XATTRS=1
	setfattr -n user.tag -v one "$SRC/tagged"
fi
write_config "$ROOT" "$SRC"
create_snapshot N1
S=$ROOT/$N1/src

say "a clean snapshot verifies"
run_snap verify "$N1"
expect_status 0

say "damage of each kind"
rm "$S/file-to-dir" && mkdir "$S/file-to-dir"
rm -r "$S/todir" && echo now-a-file >"$S/todir"
rm -r "$S/gone"
mkdir -p "$S/added/deeper" && echo x >"$S/added/deeper/x"
rm "$S/link" && ln -s elsewhere "$S/link"
chown 1:1 "$S/owned"
[ "$XATTRS" = 0 ] || setfattr -n user.tag -v two "$S/tagged"

run_snap verify "$N1"
expect_status 1 "findings"
assert_grep "^changed: $N1/src/file-to-dir \(type file -> folder\)$" "$OUT"
assert_grep "^changed: $N1/src/todir \(type folder -> file\)$" "$OUT"
assert_grep "^missing: $N1/src/gone$" "$OUT"
assert_grep "^extra: $N1/src/added$" "$OUT"
assert_grep "^changed: $N1/src/link \(.*symlink target" "$OUT"
assert_grep "^changed: $N1/src/owned \(owner 0:0 -> 1:1\)$" "$OUT"
[ "$XATTRS" = 0 ] || assert_grep "^changed: $N1/src/tagged \(xattrs\)$" "$OUT"
# What is below a folder that is gone, new or of another type is not
# listed one entry at a time.
assert_not_grep "src/gone/|src/added/|src/todir/" "$OUT"

say "--json says the same"
run_snap --json verify "$N1"
expect_status 1 "findings, --json"
assert_grep '"symlink target"' "$OUT"
assert_grep '"owner"' "$OUT"
echo "ok"
