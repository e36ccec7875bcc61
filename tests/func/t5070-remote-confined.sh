#!/bin/bash
# t5070: the rsync of a remote source runs confined (Landlock): it may
# make names only below its own folder in the snapshot being built and
# link only from the previous snapshot's copy.  A stand-in rsync first
# in PATH (a receiver a hostile host has fooled) runs the real one, then
# tries to write outside: a file in a folder elsewhere, one through a
# symlink it made in its folder, one in the previous snapshot, one at
# the top of the snapshot being built (beside its dest), and it tries to
# hard-link a file from outside in.  Every attempt is refused, nothing
# outside changes, and the snapshot holds only what the host sent (the
# symlink is stored as a symlink).  Without Landlock, snap says (-v)
# that rsync is not confined.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
OUTSIDE=$SCRATCH/outside
make_sample_tree "$CLIENT"
mkdir "$OUTSIDE"
printf 'outside secret\n' >"$OUTSIDE/passwd"
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT")
ssh_command: $(yaml_str "$SSH_CMD")
sources:
  - path: $(yaml_str "127.0.0.1:$CLIENT")
    dest: c
CONF
export SNAP_NOW=1800000000
create_snapshot S1

mkdir "$SCRATCH/fakebin"
cat >"$SCRATCH/fakebin/rsync" <<SH
#!/bin/sh
# The real rsync, then what a fooled receiver would do.
PATH=$(yaml_str "$PATH")
export PATH
rsync "\$@" || exit \$?
for last; do :; done
echo pwned >$(yaml_str "$OUTSIDE/pwned") 2>/dev/null
ln -s $(yaml_str "$OUTSIDE") "\$last/evil" 2>/dev/null
echo pwned >"\$last/evil/pwned2" 2>/dev/null
echo pwned >"\$last/../pwned3" 2>/dev/null
echo pwned >$(yaml_str "$ROOT/$S1/c/pwned4") 2>/dev/null
ln $(yaml_str "$OUTSIDE/passwd") "\$last/passwd" 2>/dev/null
exit 0
SH
chmod 755 "$SCRATCH/fakebin/rsync"
printf 'changed\n' >>"$CLIENT/top.txt"
export SNAP_NOW=1800000100
PATH=$SCRATCH/fakebin:$PATH run_snap -v create
if grep -qs 'Landlock is not available' "$OUT" "$ERR"; then
	# Nothing stops a fooled rsync then: the rest is rsync's own care.
	rm -f "$OUTSIDE/pwned" "$OUTSIDE/evil/pwned2" "$ROOT/$S1/c/pwned4"
	skip "no Landlock here: rsync is not confined (snap says so)"
fi
expect_status 0
S2=$(newest_snapshot "$ROOT")
[ "$S2" != "$S1" ] || fail "no new snapshot"
assert_eq "$(list_dir "$OUTSIDE")" "passwd "
assert_eq "$(cat "$OUTSIDE/passwd")" "outside secret"
assert_eq "$(stat -c %h "$OUTSIDE/passwd")" 1
assert_missing "$ROOT/$S1/c/pwned4"
assert_missing "$ROOT/$S2/pwned3"
assert_missing "$ROOT/$S2/c/passwd"
[ "$(readlink "$ROOT/$S2/c/evil")" = "$OUTSIDE" ] ||
	fail "evil is not stored as the symlink the receiver made"
# The real transfer was not hindered: the snapshot has the client's
# files (the folder's times are the stand-in's), and the unchanged files are the previous inodes.
compare_trees "$CLIENT/a" "$ROOT/$S2/c/a"
compare_trees "$CLIENT/docs" "$ROOT/$S2/c/docs"
same_inode "$ROOT/$S1/c/docs/doc1.txt" "$ROOT/$S2/c/docs/doc1.txt"
assert_eq "$(cat "$ROOT/$S2/c/top.txt")" "$(cat "$CLIENT/top.txt")"

say "without a previous copy it is confined to its folder alone"
export SNAP_NOW=1800000200
cat >>"$CONFIG" <<CONF
  - path: $(yaml_str "127.0.0.1:$CLIENT/docs")
    dest: d
CONF
PATH=$SCRATCH/fakebin:$PATH run_snap create
expect_status 0
S3=$(newest_snapshot "$ROOT")
assert_eq "$(list_dir "$OUTSIDE")" "passwd "
assert_missing "$ROOT/$S2/c/pwned4"
assert_missing "$ROOT/$S3/pwned3"
assert_missing "$ROOT/$S3/d/passwd"
diff -r -x evil "$CLIENT/docs" "$ROOT/$S3/d" || fail "d is not the client's docs"
