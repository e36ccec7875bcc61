#!/bin/bash
# t2400: snap restore copies a path out of a snapshot, never outside DEST.
#
# A source tree with hard links across folders, xattrs on a file and a
# folder, odd modes, ns mtimes, a symlink, a FIFO (and, as root, owners and
# a device node) is snapshotted, then changed.  Proves: restoring "src"
# reproduces the tree as it was (rsync -aniHX finds no change; the names
# of a hard-link group share one inode; getfattr sees the same xattrs);
# one file restores alone; -q prints nothing; DEST that exists is refused
# and left as it was; '..' in PATH, an unknown snapshot and an absent PATH
# exit 2 and create nothing; --overwrite over a DEST whose entries are
# symlinks to an outside folder replaces them and leaves the outside folder
# untouched; a byte flipped in a stored file (in this test's own scratch
# root) is reported as a hash mismatch with exit 1, everything else still
# restored.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync getfattr setfattr

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
make_sample_tree "$SRC"
mkdir -p "$SRC/g1" "$SRC/g2/deep"
echo "group" >"$SRC/g1/m"
ln "$SRC/g1/m" "$SRC/g2/m"
ln "$SRC/g1/m" "$SRC/g2/deep/m-again"
chmod 0751 "$SRC/g2"
chmod 0400 "$SRC/g1/m"
touch -h -d '2019-09-09 09:09:09.123456789 UTC' "$SRC/link"
touch -d '2018-08-08 08:08:08.987654321 UTC' "$SRC/g2/deep"
HAVE_XATTR=
if xattrs_work "$SRC"; then
	HAVE_XATTR=1
	setfattr -n user.dir -v folder "$SRC/g2"
	setfattr -n user.bin -v 0x00ff10 "$SRC/a/b/c/blob.bin"
fi
if [ "$(id -u)" = 0 ]; then
	chown 65534:65534 "$SRC/a/f3.txt" "$SRC/docs"
	chown -h 65534:65534 "$SRC/link"
	mknod "$SRC/chr" c 1 3
fi
write_config "$ROOT" "$SRC"

# The source as it was, for the comparisons after it changed.
ORIG=$SCRATCH/orig
cp -a "$SRC" "$ORIG"
create_checked N
SNAPDIR=$ROOT/$N
echo "changed later" >"$SRC/top.txt"
rm -r "$SRC/docs"

# xattrs_same A B: every entry below A has the xattrs of its twin below B.
xattrs_same() {
	local a=$1 b=$2 p
	while IFS= read -r -d '' p; do
		[ "$(xattr_dump "$a/$p")" = "$(xattr_dump "$b/$p")" ] ||
			fail "xattrs of '$p' differ:" \
				"$(xattr_dump "$a/$p") vs $(xattr_dump "$b/$p")"
	done < <(cd "$a" && find . -printf '%P\0')
}

# Every listing of DIR (names, types, modes, ns mtimes, content).
dir_state() {
	(cd "$1" && find . -printf '%P %y %m %U %T@ %s %l\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

say "restore the whole source as it was"
run_snap restore "$N" src "$SCRATCH/out"
expect_status 0
assert_grep "restored [0-9]+ files" "$OUT" "restore's summary"
rc=0
rsync -aniHX --dry-run -- "$ORIG/" "$SCRATCH/out/" \
	>"$SCRATCH/rsync.out" 2>&1 || rc=$?
if [ "$rc" != 0 ] || [ -s "$SCRATCH/rsync.out" ]; then
	sed 's/^/    rsync: /' "$SCRATCH/rsync.out"
	fail "rsync -aniHX finds changes between the source and the restore"
fi
compare_trees "$ORIG" "$SCRATCH/out"
same_inode "$SCRATCH/out/g1/m" "$SCRATCH/out/g2/m"
same_inode "$SCRATCH/out/g1/m" "$SCRATCH/out/g2/deep/m-again"
same_inode "$SCRATCH/out/hard1" "$SCRATCH/out/a/hard2"
diff_inode "$SCRATCH/out/g1/m" "$SNAPDIR/src/g1/m"
if [ -n "$HAVE_XATTR" ]; then
	xattrs_same "$ORIG" "$SCRATCH/out"
	assert_eq "$(getfattr --absolute-names --only-values -n user.dir "$SCRATCH/out/g2")" \
		folder "xattr of a restored folder"
fi

say "restore one file; -q prints nothing"
run_snap -q restore latest /src/docs/doc2.txt "$SCRATCH/one.txt"
expect_status 0
[ ! -s "$OUT" ] || fail "-q restore printed a summary"
cmp "$ORIG/docs/doc2.txt" "$SCRATCH/one.txt" || fail "single file differs"
assert_eq "$(stat -c '%a %y' "$SCRATCH/one.txt")" \
	"$(stat -c '%a %y' "$ORIG/docs/doc2.txt")" "mode and mtime of one file"

say "refusals"
mkdir "$SCRATCH/exists"
echo "mine" >"$SCRATCH/exists/keep"
dir_state "$SCRATCH/exists" >"$SCRATCH/exists.before"
run_snap restore latest src "$SCRATCH/exists"
[ "$STATUS" != 0 ] || fail "restore into an existing DEST succeeded"
assert_grep "exists" "$ERR"
dir_state "$SCRATCH/exists" >"$SCRATCH/exists.after"
cmp -s "$SCRATCH/exists.before" "$SCRATCH/exists.after" ||
	fail "a refused restore changed the existing DEST"

run_snap restore latest src/../etc "$SCRATCH/dotdot"
expect_status 2
assert_grep "'\.\.'" "$ERR"
assert_missing "$SCRATCH/dotdot"
run_snap restore latest src/./a "$SCRATCH/dot"
expect_status 2
assert_missing "$SCRATCH/dot"

run_snap restore 1999-01-01 src "$SCRATCH/unknown"
expect_status 2
assert_grep "1999-01-01" "$ERR"
assert_missing "$SCRATCH/unknown"

run_snap restore latest src/no-such-file "$SCRATCH/absent"
expect_status 2
assert_grep "src/no-such-file" "$ERR"
assert_missing "$SCRATCH/absent"

run_snap restore latest src "$SCRATCH/no/such/parent"
[ "$STATUS" != 0 ] || fail "restore under a missing parent succeeded"
assert_missing "$SCRATCH/no"

say "--overwrite replaces symlinks in DEST and never follows them"
OUTSIDE=$SCRATCH/outside-dir
mkdir -p "$OUTSIDE/a"
echo "outside" >"$OUTSIDE/top.txt"
echo "outside too" >"$OUTSIDE/a/f1.txt"
dir_state "$OUTSIDE" >"$SCRATCH/outside.before"
OW=$SCRATCH/ow
mkdir "$OW"
ln -s "$OUTSIDE" "$OW/x"
ln -s "$OUTSIDE" "$OW/a"		# a folder in the snapshot
ln -s "$OUTSIDE/top.txt" "$OW/top.txt"	# a file in the snapshot
ln -s "$OUTSIDE" "$OW/g1"		# a hard-link group's folder
echo "extra" >"$OW/extra"
run_snap restore latest src/a "$OW/x"
expect_status 2 "DEST/x exists: without --overwrite it is refused"
run_snap restore latest src/a "$OW/x" --overwrite
expect_status 0
[ -d "$OW/x" ] && [ ! -L "$OW/x" ] || fail "DEST/x is still a symlink"
compare_trees "$ORIG/a" "$OW/x"
run_snap restore --overwrite latest src "$OW"
expect_status 0
dir_state "$OUTSIDE" >"$SCRATCH/outside.after"
diff "$SCRATCH/outside.before" "$SCRATCH/outside.after" ||
	fail "restore --overwrite wrote through a symlink into the outside folder"
for p in a top.txt g1; do
	[ ! -L "$OW/$p" ] || fail "DEST/$p is still a symlink"
done
# Entries DEST had that the snapshot has not are left alone.
assert_eq "$(cat "$OW/extra")" extra "an extra file in DEST"
compare_trees -x x -x extra "$ORIG" "$OW"
same_inode "$OW/g1/m" "$OW/g2/deep/m-again"

say "a flipped byte in a stored file is a hash mismatch"
# Only here is a snapshot damaged, and only this test's own scratch root.
BAD=$SNAPDIR/src/docs/doc5.txt
[ "$(stat -c %h "$BAD")" = 1 ] || fail "doc5.txt is linked in the snapshot"
printf 'X' | dd of="$BAD" bs=1 seek=3 conv=notrunc status=none
run_snap restore latest src "$SCRATCH/damaged"
expect_status 1
assert_grep "hash mismatch.*src/docs/doc5\.txt" "$ERR"
assert_not_grep "doc4" "$ERR"
cmp -s "$BAD" "$SCRATCH/damaged/docs/doc5.txt" ||
	fail "the damaged file was not restored as stored"
compare_trees -x doc5.txt "$ORIG" "$SCRATCH/damaged"

echo "ok"
