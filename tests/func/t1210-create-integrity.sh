#!/bin/bash
# t1210: what is stored is what the manifest says, whatever went wrong.
#
# Each part is an attack or a piece of bad luck from the hostile-user
# review, reproduced first:
# - a killed run's leftover whose source was rewritten with the same
#   size and mtime is not reused (its content differs);
# - metadata the target refuses (an injected EPERM on chmod, ENOSPC on
#   an xattr as ext4 gives for a big value) keeps the copy, is a named
#   warning (exit 3), the manifest records what is stored (verify is
#   clean) and the next run stores the file right;
# - a file altered inside the newest snapshot is not linked again;
# - a folder above the root and above a restore's DEST with a default
#   ACL gives nothing it stores an ACL the source does not have.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
for i in $(seq 1 20); do
	printf 'file %02d version 1\n' "$i" >"$SRC/d/f$i"
done
write_config "$ROOT" "$SRC"
echo "checksum: true" >>"$CONFIG"
T=1764000000
at_next() { T=$((T + 60)); }

say "a leftover rewritten with the same size and mtime is not reused"
at_next
start_bg pid env SNAP_NOW=$T SNAP_TEST_HANG_AFTER=18 "$SNAP" -c "$CONFIG" create
wait_hang "$pid" "$ROOT/.snap/incomplete" 1
kill_bg "$pid"
for i in $(seq 1 20); do
	f=$SRC/d/f$i
	m=$(stat -c %y "$f")
	printf 'file %02d version 2\n' "$i" >"$f"
	touch -d "$m" "$f"
done
at_next
SNAP_NOW=$T create_snapshot -q N1
compare_trees "$SRC" "$ROOT/$N1/src"
run_snap verify --all
expect_status 0

say "a chmod the target refuses: a named warning, the truth recorded"
echo "new content" >"$SRC/d/refused"
chmod 0640 "$SRC/d/refused"
at_next
STATUS=0
SNAP_NOW=$T SNAP_TEST_FAULT=fchmod:1:EPERM "$SNAP" -c "$CONFIG" create \
	>"$SCRATCH/out" 2>"$SCRATCH/err" || STATUS=$?
ERR=$SCRATCH/err OUT=$SCRATCH/out expect_status 3
assert_grep "cannot set the mode of" "$SCRATCH/err"
N2=$(newest_snapshot "$ROOT")
run_snap verify "$N2"
expect_status 0
at_next
SNAP_NOW=$T create_snapshot -q N3 "$N2"
compare_trees "$SRC" "$ROOT/$N3/src"

say "an xattr too big for the target is left out, by name, not a full disk"
if xattrs_work "$SRC"; then
	echo "big" >"$SRC/d/big-xattr"
	setfattr -n user.big -v "$(head -c 2000 /dev/zero | tr '\0' x)" "$SRC/d/big-xattr"
	at_next
	STATUS=0
	SNAP_NOW=$T SNAP_TEST_FAULT=fsetxattr:1:ENOSPC "$SNAP" -c "$CONFIG" \
		create >"$SCRATCH/out" 2>"$SCRATCH/err" || STATUS=$?
	ERR=$SCRATCH/err OUT=$SCRATCH/out expect_status 3
	assert_grep "stored without its extended attribute user.big" "$SCRATCH/err"
	assert_not_grep "full" "$SCRATCH/err"
	N4=$(newest_snapshot "$ROOT")
	[ "$N4" != "$N3" ] || fail "no snapshot after an xattr was refused"
	run_snap verify "$N4"
	expect_status 0
	at_next
	SNAP_NOW=$T create_snapshot -q N5 "$N4"
	compare_trees "$SRC" "$ROOT/$N5/src"
fi

say "a file changed inside the newest snapshot is not linked again"
NEWEST=$(newest_snapshot "$ROOT")
echo "appended by someone" >>"$ROOT/$NEWEST/src/d/f3"
at_next
STATUS=0
SNAP_NOW=$T "$SNAP" -c "$CONFIG" create >"$SCRATCH/out" 2>"$SCRATCH/err" || STATUS=$?
ERR=$SCRATCH/err OUT=$SCRATCH/out expect_status 3
assert_grep "not what its manifest says" "$SCRATCH/err"
N6=$(newest_snapshot "$ROOT")
compare_trees "$SRC" "$ROOT/$N6/src"
diff_inode "$ROOT/$NEWEST/src/d/f3" "$ROOT/$N6/src/d/f3"

say "a default ACL above the root and above DEST is not inherited"
if [ "$(id -u)" = 0 ] && acls_work "$SCRATCH"; then
	mkdir "$SCRATCH/acl"
	setfacl -d -m u:4242:rwx "$SCRATCH/acl"
	ROOT=$SCRATCH/acl/root
	chmod 0640 "$SRC/d/f1"
	mkfifo "$SRC/d/fifo"
	write_config "$ROOT" "$SRC"
	at_next
	SNAP_NOW=$T create_snapshot -q A1
	getfacl -R -p --skip-base "$ROOT/$A1/src" >"$SCRATCH/acls" 2>&1
	[ ! -s "$SCRATCH/acls" ] || {
		cat "$SCRATCH/acls"
		fail "the snapshot holds ACLs the source does not have"
	}
	compare_trees "$SRC" "$ROOT/$A1/src"
	run_snap restore "$A1" src "$SCRATCH/acl/out"
	expect_status 0
	getfacl -R -p --skip-base "$SCRATCH/acl/out" >"$SCRATCH/acls" 2>&1
	[ ! -s "$SCRATCH/acls" ] || {
		cat "$SCRATCH/acls"
		fail "the restore holds ACLs the source does not have"
	}
fi
