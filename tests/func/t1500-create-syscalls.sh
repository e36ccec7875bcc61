#!/bin/bash
# t1500: create makes no system call that cannot help (issue 14).
#
# System calls are counted with strace, which does not depend on how busy
# the machine is.  On a tree of 40 folders of 5 files, a sparse file and
# (where xattrs work) a file with an xattr:
#
#   first create (every file copied):
#     - FICLONE is asked once, not per file, where the filesystem refuses
#       it (ext4, tmpfs);
#     - no lseek looks for holes in a file whose blocks cover its size:
#       only the sparse file is searched, and its holes stay holes (stat);
#     - no copy_file_range, which would read each byte a second time;
#     - ftruncate only for a file that ends in a hole;
#     - each source lists its xattrs once; no ACL is looked for on new
#       inodes when the build folder has no default ACL; no fchown of a
#       new inode that already has the source's owner;
#   second create (nothing changed):
#     - no duplicated descriptor per folder (fdopendir, or the source
#       folder kept for its metadata when it has no xattrs): F_DUPFD
#       only for the store's own folders;
#     - one linkat per file and no fchown;
#   third create (nothing changed, --jobs 2: the linking thread):
#     - still one linkat per file, and at most one duplicated descriptor
#       per folder (the source folder's, kept for the links still queued
#       when the walk leaves it);
#   and every snapshot reproduces the source (rsync -ani, diff -r).
# The first two run with --jobs 1: the counts are those of the thread
# that builds the snapshot, whatever the machine's number of CPUs.
# In a --coverage build, gcov writes its counts at exit (an open, an fcntl
# lock and reads of each .gcda file): each trace is cut where the first
# .gcda file is opened, so only snap's own calls are counted.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
require_cmd strace

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
for d in $(seq -w 1 40); do
	mkdir "$SRC/d$d"
	for f in 1 2 3 4 5; do
		head -c $((1000 + 37 * f)) /dev/urandom >"$SRC/d$d/f$f"
	done
done
# 8 MiB with 64 KiB of data in the middle: holes on both sides.
truncate -s 8M "$SRC/hole.img"
head -c 65536 /dev/urandom | dd of="$SRC/hole.img" bs=64k seek=64 conv=notrunc status=none
if [ "$(stat -c %b "$SRC/hole.img")" -ge 2048 ]; then
	skip "the scratch filesystem keeps no holes"
fi
nxattr=0
if xattrs_work "$SRC"; then
	setfattr -n user.tag -v kept "$SRC/d01/f1"
	nxattr=1
fi
nfiles=$(find "$SRC" -type f | wc -l)
ndirs=$(find "$SRC" -type d | wc -l)
write_config "$ROOT" "$SRC"

# A --coverage binary carries gcov's exit handler.
coverage_build=no
if grep -q __gcov_exit "$SNAP" 2>/dev/null || grep -q __gcov_dump "$SNAP" 2>/dev/null; then
	coverage_build=yes
fi

# traced NAME JOBS: snap create --jobs JOBS under strace -f, the trace in
# $SCRATCH/NAME.tr (without gcov's calls at exit in a coverage build).
traced() {
	STATUS=0
	# LeakSanitizer cannot work under ptrace (an ASan build).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -o "$SCRATCH/$1.tr" "$SNAP" -q -c "$CONFIG" create \
		--jobs "$2" >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err" || STATUS=$?
	[ "$STATUS" = 0 ] || {
		cat "$SCRATCH/$1.err"
		fail "snap create exited with $STATUS"
	}
	if [ "$coverage_build" = yes ]; then
		grep -q '\.gcda"' "$SCRATCH/$1.tr" ||
			fail "a coverage build, but its trace opens no .gcda file"
		sed -i '/\.gcda"/,$d' "$SCRATCH/$1.tr"
	fi
}

# calls NAME ERE: the number of calls in trace NAME matching ERE.
calls() {
	grep -Ec -- "$2" "$SCRATCH/$1.tr" || true
}

# at_most NAME ERE N WHAT: at most N calls match ERE.
at_most() {
	local n
	n=$(calls "$1" "$2")
	[ "$n" -le "$3" ] || {
		grep -E -- "$2" "$SCRATCH/$1.tr" | head -n 5 | sed 's/^/    /'
		fail "$4: $n calls, expected at most $3"
	}
}

say "first create: every file copied"
traced copy 1
new_snapshot N1
compare_trees "$SRC" "$ROOT/$N1/src"

first=$(grep -E -m 1 'ioctl\(.*FICLONE' "$SCRATCH/copy.tr" || true)
case $first in
*EOPNOTSUPP* | *EXDEV* | *EINVAL* | *ENOTTY*)
	at_most copy 'ioctl\(.*FICLONE' 1 "FICLONE after the filesystem refused it"
	;;
*) say "FICLONE works here ($first); not counted" ;;
esac
at_most copy 'copy_file_range\(' 0 "copy_file_range (a second read of each byte)"
# SEEK_DATA, SEEK_HOLE for each of the two segments, SEEK_END: hole.img only.
at_most copy 'lseek\(.*SEEK_(DATA|HOLE|END)' 6 "lseek to look for holes"
at_most copy 'ftruncate\([0-9]+, [1-9]' 1 "ftruncate of copies"
[ "$(stat -c %b "$ROOT/$N1/src/hole.img")" -le "$(stat -c %b "$SRC/hole.img")" ] ||
	fail "hole.img takes $(stat -c %b "$ROOT/$N1/src/hole.img") blocks in the snapshot, $(stat -c %b "$SRC/hole.img") at the source"
# One list per file and per folder (and per xattr-holding inode once more,
# to copy them).
at_most copy 'flistxattr\(' $((nfiles + ndirs + 2 * nxattr)) "flistxattr"
# The store's own folders are checked (a dozen calls); no new inode is.
at_most copy 'getxattr\(.*"system\.posix_acl_(access|default)", NULL' 16 \
	"ACL look-ups on new inodes"
if [ "$(id -u)" = 0 ]; then
	at_most copy 'fchown\(' 0 "fchown of inodes that already have the source's owner"
fi

say "second create: nothing changed"
traced same 1
new_snapshot N2 "$N1"
compare_trees "$SRC" "$ROOT/$N2/src"
same_inode "$ROOT/$N1/src/d07/f3" "$ROOT/$N2/src/d07/f3"
# One per file; the store links a few of its own files too.
assert_eq "$(calls same 'linkat\([0-9]+, "(f[1-5]|hole\.img)"')" "$nfiles" \
	"linkat calls of the files"
# The store dups a dozen of its own; before, two per folder (82 here).
at_most same 'fcntl\(.*F_DUPFD' 16 "duplicated descriptors"
# fdopendir costs two of these; the store reads a few of its folders so.
at_most same 'fcntl\(.*F_(GETFL|SETFD)' 24 "fcntl of a DIR stream"
at_most same 'fchown\(' 0 "fchown of folders that already have the owner"

say "third create: nothing changed, --jobs 2 (the linking thread)"
traced linking 2
new_snapshot N3 "$N2"
compare_trees "$SRC" "$ROOT/$N3/src"
same_inode "$ROOT/$N1/src/d07/f3" "$ROOT/$N3/src/d07/f3"
assert_eq "$(calls linking 'linkat\([0-9]+, "(f[1-5]|hole\.img)"')" "$nfiles" \
	"linkat calls of the files, --jobs 2"
# The store's dozen, and one per folder the walk leaves with its links
# still queued (the source folder's descriptor, kept for them).
at_most linking 'fcntl\(.*F_DUPFD' $((ndirs + 16)) "duplicated descriptors, --jobs 2"
at_most linking 'fchown\(' 0 "fchown of folders that already have the owner, --jobs 2"
