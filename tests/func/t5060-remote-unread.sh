#!/bin/bash
# t5060: an unchanged remote pull records the files rsync linked from
# the walk's inode numbers alone (no stat), and those records are the
# very bytes a stat of every file gives (SNAP_TEST_STAT_RECEIVED=1):
# the manifests of the same pull made both ways are equal, but for the
# folders' ctimes and inodes, which every run makes anew.  Then a pull
# with a new name of an unchanged hard-linked file, a changed file and a
# new one: the new name is the stored inode (not refused as a link from
# outside), the changed file is hashed, and verify agrees.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
make_sample_tree "$CLIENT"
head -c 100000 /dev/urandom >"$CLIENT/big.bin"
: >"$CLIENT/empty.txt"
chown 1234:5678 "$CLIENT/big.bin"
chmod 640 "$CLIENT/big.bin"
setfattr -n user.snap -v t5060 "$CLIENT/top.txt" 2>/dev/null || true
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT")
ssh_command: $(yaml_str "$SSH_CMD")
sources:
  - path: $(yaml_str "127.0.0.1:$CLIENT")
    dest: c
CONF
records() {
	manifest_edit "$ROOT/.snap/manifests/$1" records
}

say "first pull"
export SNAP_NOW=1800000000
create_snapshot S1
nfiles=$(find "$CLIENT" -type f | wc -l)

say "an unchanged pull: every file linked and recorded unread"
export SNAP_NOW=1800000100
create_snapshot S2 "$S1"
assert_eq "$(summary_count 'copied' "$OUT")" 0
assert_grep "linked +$nfiles unchanged" "$OUT"
records "$S2" >"$SCRATCH/lazy"
[ "$(wc -l <"$SCRATCH/lazy")" -gt "$nfiles" ] || fail "too few records"
run_snap verify "$S2"
expect_status 0

say "the same pull with a stat of every file: the same records"
run_snap delete --force "$S2"
expect_status 0
SNAP_TEST_STAT_RECEIVED=1 create_snapshot S2B "$S1"
assert_eq "$S2B" "$S2"
records "$S2" >"$SCRATCH/stat"
diff -u "$SCRATCH/stat" "$SCRATCH/lazy" ||
	fail "the records made without a stat differ from those with one"
# And the stat'ed ones match the tree: verify re-reads every file.
run_snap verify "$S2"
expect_status 0

say "a new name of a stored file, a changed and a new file"
ln "$CLIENT/docs/doc1.txt" "$CLIENT/docs/doc1-again.txt"
printf 'changed\n' >>"$CLIENT/a/f2.txt"
printf 'new\n' >"$CLIENT/new.txt"
export SNAP_NOW=1800000200
create_snapshot S3 "$S2"
same_inode "$ROOT/$S2/c/docs/doc1.txt" "$ROOT/$S3/c/docs/doc1-again.txt"
same_inode "$ROOT/$S3/c/docs/doc1.txt" "$ROOT/$S3/c/docs/doc1-again.txt"
diff_inode "$ROOT/$S2/c/a/f2.txt" "$ROOT/$S3/c/a/f2.txt"
compare_trees "$CLIENT" "$ROOT/$S3/c"
run_snap verify --all
expect_status 0
