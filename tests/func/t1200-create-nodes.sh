#!/bin/bash
# t1200: symlinks, FIFOs, sockets and device nodes are kept exactly: with
# several names as one inode, with their xattrs and ACLs, in the snapshot
# and in a restore.
#
# Each kind of node gets a second name in another folder (ln; ln -P for
# the symlink), as rsync's own hardlinks test does; the symlink and the
# devices carry a trusted.* xattr, the FIFO an access ACL naming a user
# with no passwd entry.  Proves: the snapshot and the restore reproduce
# the source under rsync -aHAX (compare_trees) with the names of one node
# sharing one inode, and the xattr dumps match; a second run builds its
# own nodes and leaves the first snapshot as it was.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd rsync
require_cmd setfattr
require_cmd setfacl
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/a" "$SRC/b"
mkfifo "$SRC/a/fifo"
mknod "$SRC/a/chr" c 1 3
mknod "$SRC/a/blk" b 7 200
ln -s ../somewhere "$SRC/a/sym"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$SRC/a/sock"
for n in fifo chr blk sock; do
	ln "$SRC/a/$n" "$SRC/b/$n-link"
done
ln -P "$SRC/a/sym" "$SRC/b/sym-link"
setfattr -h -n trusted.label -v on-a-symlink "$SRC/a/sym"
setfattr -n trusted.label -v on-a-device "$SRC/a/chr"
setfattr -n trusted.label -v on-a-block-device "$SRC/a/blk"
acls_work "$SCRATCH" && setfacl -m u:4242:rw "$SRC/a/fifo"
touch -h -d '2001-02-03 04:05:06.123456789' "$SRC/a/sym" "$SRC/a/fifo"
chown -h 4242:4343 "$SRC/a/sym" "$SRC/a/sock"
write_config "$ROOT" "$SRC"

# Names that share an inode at the source share one in COPY; the xattr
# dumps of the nodes match.
same_nodes() {
	local copy=$1 n
	for n in fifo chr blk sock sym; do
		same_inode "$copy/a/$n" "$copy/b/$n-link"
		assert_eq "$(stat -c %h "$copy/a/$n")" 2 "link count of $n"
		assert_eq "$(xattr_dump "$copy/a/$n")" \
			"$(xattr_dump "$SRC/a/$n")" "xattrs of $n"
	done
}

say "the first snapshot"
create_checked N1
same_nodes "$ROOT/$N1/src"

say "a restore"
run_snap restore "$N1" src "$SCRATCH/out"
expect_status 0
compare_trees "$SRC" "$SCRATCH/out"
same_nodes "$SCRATCH/out"

say "a second run makes its own nodes; the first stays"
remember_history "$N1"
setfattr -h -n trusted.label -v changed "$SRC/a/sym"
create_checked N2 "$N1"
same_nodes "$ROOT/$N2/src"
diff_inode "$ROOT/$N1/src/a/sym" "$ROOT/$N2/src/a/sym"
history_unchanged "$N1"
assert_eq "$(getfattr -h --only-values -n trusted.label "$ROOT/$N1/src/a/sym")" \
	on-a-symlink "the first snapshot's symlink label"

say "verify finds both snapshots healthy"
run_snap verify --all
expect_status 0
