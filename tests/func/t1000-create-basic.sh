#!/bin/bash
# t1000: the first snapshot reproduces the source exactly.
#
# A tree with files, empty and nested directories, a sparse file, symlinks
# (relative, absolute, dangling), a FIFO, hard links, xattrs, ACLs, odd
# modes and odd ns mtimes (and, as root, foreign owners and a device node)
# is snapshotted once.  Proves: exit 0; the snapshot is named after the
# current UTC time; latest points to it; its manifest exists; the root is
# mode 0700 and nothing is left in .snap/incomplete; compare_trees finds no
# difference (content, metadata, ns mtimes, xattrs, ACLs, hard links);
# no file shares an inode with the source; holes stay holes; the summary
# says "copied"; a source without dest lands at its path minus the
# leading '/'; relative paths in the config are relative to its folder.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync setfattr getfattr

SRC=$SCRATCH/src
ROOT=$SCRATCH/backups
mkdir "$SRC"

say "building the source tree"
cd "$SRC"
mkdir -p dir/sub/deeper empty-dir 'with space' ünïcødé
echo hello >file.txt
: >empty-file
printf 'line\n%.0s' $(seq 1 5000) >dir/sub/deeper/lines.txt
head -c 300000 /dev/urandom >dir/random.bin
echo 'space' >'with space/a file'
echo 'unicode' >ünïcødé/naïve.txt
# sparse: 64 MiB with 4 KiB of data in the middle
truncate -s 64M sparse.img
printf 'data in the middle' | dd of=sparse.img bs=1 seek=$((32 << 20)) conv=notrunc status=none
# sparse beyond 4 GiB: 64-bit offsets, and a 4 GiB hole before the data
truncate -s $(((4 << 30) + (1 << 20))) big-sparse.img
printf 'data beyond 4 GiB' | dd of=big-sparse.img bs=1 seek=$(((4 << 30) + 12345)) conv=notrunc status=none
ln -s file.txt rel-link
ln -s /etc/hostname abs-link
ln -s does/not/exist dangling-link
ln -s dir dir-link
mkfifo fifo
echo shared >hard-a
ln hard-a hard-b
ln hard-a dir/sub/hard-c
echo exec >script.sh
chmod 0755 script.sh
echo secret >private
chmod 0600 private
echo odd >odd-mode
chmod 0751 odd-mode
echo sgid >setid
chmod 2755 setid
mkdir sticky
chmod 1777 sticky
touch -d '2001-02-03 04:05:06.123456789 UTC' file.txt
touch -d '1969-07-20 20:17:40.5 UTC' dir/random.bin
touch -d '2099-12-31 23:59:59.999999999 UTC' empty-file
touch -h -d '2010-10-10 10:10:10.101010101 UTC' rel-link
if xattrs_work "$SRC"; then
	setfattr -n user.color -v blue file.txt
	setfattr -n user.binary -v 0x00ff10 dir/random.bin
	setfattr -n user.empty dir/random.bin
	setfattr -n user.on-dir -v yes dir
else
	echo "note: no user xattrs on $SRC; not testing them"
fi
if command -v setfacl >/dev/null && acls_work "$SRC"; then
	setfacl -m u:65534:r,g:65534:rw private
	setfacl -d -m u:65534:rx dir/sub
	setfacl -m u:65534:rwx dir/sub
else
	echo "note: no POSIX ACLs on $SRC; not testing them"
fi
if [ "$(id -u)" = 0 ]; then
	echo none >no-perms
	chmod 0000 no-perms
	chown 12345:54321 odd-mode
	chown -h 4242:4343 abs-link
	chown 777:0 dir/sub
	chown 0:777 setid
	chmod 6755 setid	# chown cleared the set-id bits
	if mknod null-dev c 1 3 2>/dev/null && mknod blk-dev b 7 200 2>/dev/null; then
		:
	else
		rm -f null-dev blk-dev
		echo "note: mknod is not allowed here; no device nodes"
	fi
fi
# Directory times last: making entries above changed them.
touch -d '1999-01-01 00:00:00.25 UTC' dir/sub/deeper
touch -d '2005-05-05 05:05:05.555555555 UTC' empty-dir
cd "$SCRATCH"

say "first snapshot"
write_config "$ROOT" "$SRC"
start=$(date +%s)
run_snap create
end=$(date +%s)
expect_status 0
assert_eq "$(snapshot_count "$ROOT")" 1 "snapshots after one run"
NAME=$(newest_snapshot "$ROOT")
check_snapshot "$ROOT" "$NAME"
t=$(name_to_epoch "$NAME")
[ "$t" -ge $((start - 1)) ] && [ "$t" -le $((end + 1)) ] ||
	fail "snapshot name $NAME is not the UTC time of the run ($start..$end)"
assert_eq "$(ls -A "$ROOT/$NAME")" src "entries of the snapshot"
assert_grep 'copied' "$OUT" "summary"

say "the snapshot reproduces the source"
# (big-sparse.img: reading its 4 GiB of hole takes long; checked below)
compare_trees -x big-sparse.img "$SRC" "$ROOT/$NAME/src"
[ -p "$ROOT/$NAME/src/fifo" ] || fail "fifo is not a FIFO in the snapshot"
[ -L "$ROOT/$NAME/src/dir-link" ] || fail "dir-link was followed"
assert_eq "$(readlink "$ROOT/$NAME/src/abs-link")" /etc/hostname "abs-link target"
if command -v getfacl >/dev/null; then
	assert_eq "$(cd "$ROOT/$NAME/src" && getfacl -pR . 2>/dev/null)" \
		"$(cd "$SRC" && getfacl -pR . 2>/dev/null)" "ACLs"
fi
for f in file.txt dir/random.bin dir dir/sub private; do
	assert_eq "$(xattr_dump "$ROOT/$NAME/src/$f")" "$(xattr_dump "$SRC/$f")" "xattrs of $f"
done

say "hard links inside the source are hard links inside the snapshot"
same_inode "$ROOT/$NAME/src/hard-a" "$ROOT/$NAME/src/hard-b"
same_inode "$ROOT/$NAME/src/hard-a" "$ROOT/$NAME/src/dir/sub/hard-c"
assert_eq "$(stat -c %h "$ROOT/$NAME/src/hard-a")" 3 "link count of hard-a"

say "no file of the snapshot is an inode of the source"
(cd "$SRC" && find . -type f -printf '%i\n' | sort -u) >"$SCRATCH/src.inodes"
(cd "$ROOT/$NAME/src" && find . -type f -printf '%i\n' | sort -u) >"$SCRATCH/snap.inodes"
if [ "$(stat -c %d "$SRC")" = "$(stat -c %d "$ROOT")" ]; then
	shared=$(comm -12 "$SCRATCH/src.inodes" "$SCRATCH/snap.inodes")
	[ -z "$shared" ] || fail "snapshot files share inodes with the source: $shared"
fi

say "holes stay holes"
for f in sparse.img big-sparse.img; do
	kib=$(du -k "$ROOT/$NAME/src/$f" | cut -f1)
	[ "$kib" -lt 1024 ] || fail "$f takes $kib KiB in the snapshot, expected < 1 MiB"
done
cmp "$SRC/sparse.img" "$ROOT/$NAME/src/sparse.img"
assert_eq "$(stat -c '%s %a %u:%g %y' "$ROOT/$NAME/src/big-sparse.img")" \
	"$(stat -c '%s %a %u:%g %y' "$SRC/big-sparse.img")" "metadata of big-sparse.img"
# Before the first data of either file there is only hole (zeros); from
# there on, the copy equals the source.
python3 - "$SRC/big-sparse.img" "$ROOT/$NAME/src/big-sparse.img" <<'EOF' ||
import os, sys
a, b = (os.open(p, os.O_RDONLY) for p in sys.argv[1:3])
start = min(os.lseek(a, 0, os.SEEK_DATA), os.lseek(b, 0, os.SEEK_DATA))
os.lseek(a, start, os.SEEK_SET)
os.lseek(b, start, os.SEEK_SET)
while True:
    x, y = os.read(a, 1 << 20), os.read(b, 1 << 20)
    if x != y:
        sys.exit("differ after offset %d" % start)
    if not x:
        break
EOF
	fail "big-sparse.img differs in the snapshot"

say "default dest and relative paths"
mkdir -p "$SCRATCH/etc-like/conf.d" "$SCRATCH/cfgdir"
echo a >"$SCRATCH/etc-like/conf.d/a.conf"
CONFIG=$SCRATCH/cfgdir/rel.yaml
cat >"$CONFIG" <<'EOF'
snapshot_root: ../rel-root
sources:
  - path: ../etc-like
EOF
# From another working directory: paths must not depend on it.
cd /
run_snap create
cd "$SCRATCH"
expect_status 0
NAME2=$(newest_snapshot "$SCRATCH/rel-root")
[ -n "$NAME2" ] || fail "no snapshot in ../rel-root (relative to the config file)"
check_snapshot "$SCRATCH/rel-root" "$NAME2"
compare_trees "$SCRATCH/etc-like" "$SCRATCH/rel-root/$NAME2/${SCRATCH#/}/etc-like"
top=${SCRATCH#/}
assert_eq "$(ls -A "$SCRATCH/rel-root/$NAME2")" "${top%%/*}" "top of the snapshot"

echo "ok"
