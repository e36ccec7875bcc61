#!/bin/bash
# t3350: restore run by a user who is not root, from a snapshot root that
# user was given (a copy handed over, a root chowned to them).
#
# Root snapshots a tree holding a character device, a stored file of
# mode 0640 and a folder of mode 0700, both root's; the root's other
# folders and .snap then belong to user nobody, the stored files stay
# root's.  Proves, for a restore run as nobody: the device node is
# skipped with a warning that says only root can restore it; the file
# and the folder nobody cannot read are errors that name them; the run
# exits 1 with a count; every other entry is restored with its content,
# mode, ns mtime and symlink target, its hard links kept, owned by
# nobody (no chown was asked for); the snapshot is left as it was.  A
# restore of a file inside the folder nobody cannot open fails (exit 1)
# naming it and makes no DEST.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv
getent passwd nobody >/dev/null || skip "no user nobody"

# nobody must reach the config, the root and DEST.
chmod 0711 "$SCRATCH"
setup_sample_source "$SCRATCH/backups"
mknod "$SRC/chr" c 1 3
mkdir -m 0700 "$SRC/private"
echo "root's" >"$SRC/private/file"
chmod 0644 "$CONFIG"
create_snapshot N1
find "$ROOT" -type d ! -name private -exec chown nobody: {} +
chown -R nobody: "$ROOT/.snap"
mkdir "$SCRATCH/out"
chown nobody: "$SCRATCH/out"
remember_history "$N1"

SNAP_PREFIX=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
run_snap restore "$N1" src "$SCRATCH/out/r"
SNAP_PREFIX=()
expect_status 1
# A coverage build run as nobody cannot write its counts, and says so.
EACCES_TEXT="Permission denied (run snap as a user that can read the sources and write the snapshot root, usually root)"
assert_eq "$(grep -v '^profiling:' "$ERR")" "snap: warning: 'src/chr' is a device node: only root can restore it; skipped
snap: error: cannot read 'src/docs/doc3.txt' in the snapshot: $EACCES_TEXT
snap: error: cannot read folder 'src/private' in the snapshot: $EACCES_TEXT
snap: error: 2 entries could not be restored (see above)" "restore's messages"
R=$SCRATCH/out/r
assert_missing "$R/chr"
assert_missing "$R/docs/doc3.txt"
assert_missing "$R/private"

# The rest, without owners: content (diff -r), then type, mode, size,
# ns mtime and target of each entry (find).
if ! diff -r --no-dereference -x chr -x doc3.txt -x private -- "$SRC" "$R" \
	>"$SCRATCH/diff.out" 2>&1 &&
	grep -Ev '^File .* is a fifo while file .* is a fifo$' "$SCRATCH/diff.out"; then
	fail "diff -r finds differences between the source and the restore"
fi
listing() {
	(cd "$1" && find . \( -name chr -o -name doc3.txt -o -name private \) -prune -o \
		\( -type d -printf '%P %y %m - %T@\n' \) -o \
		-printf '%P %y %m %s %T@ %l\n' | LC_ALL=C sort)
}
listing "$SRC" >"$SCRATCH/src.list"
listing "$R" >"$SCRATCH/out.list"
diff "$SCRATCH/src.list" "$SCRATCH/out.list" ||
	fail "the restored entries differ in type, mode, size, mtime or target"
same_inode "$R/hard1" "$R/a/hard2"
[ -z "$(find "$R" ! -user nobody)" ] ||
	fail "restored entries not owned by nobody: $(find "$R" ! -user nobody)"

SNAP_PREFIX=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups --)
run_snap restore "$N1" src/private/file "$SCRATCH/out/one"
SNAP_PREFIX=()
expect_status 1
assert_eq "$(grep -v '^profiling:' "$ERR")" "snap: error: cannot read 'src/private/file' in snapshot '$N1': $EACCES_TEXT" \
	"restore of a file in a folder nobody cannot open"
assert_missing "$SCRATCH/out/one"
history_unchanged "$N1"
