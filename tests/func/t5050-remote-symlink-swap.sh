#!/bin/bash
# t5050: a compromised client sends `evil -> DIR` (a folder of the
# backup server), then, the next night, `evil/passwd`, a file with the
# size, mtime, mode and owner of DIR/passwd.  rsync looks for a file to
# link to under --link-dest=PREVIOUS/DEST, and PREVIOUS/DEST/evil is the
# client's symlink: rsync itself would follow it and hard-link (or, on
# another filesystem, copy) the server's DIR/passwd into the snapshot.
# snap keeps rsync out of what lies below a symlink of the previous copy,
# and fetches a folder that was a symlink there again without
# --link-dest.  Nothing outside the dest is read, linked or written:
# DIR/passwd keeps its link count, ctime and content, the snapshot holds
# the client's bytes, and verify passes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
SECRET=$SCRATCH/secret
make_sample_tree "$CLIENT"
mkdir "$SECRET"
printf 'the backup server secret\n' >"$SECRET/passwd"
chmod 0644 "$SECRET/passwd"
touch -d '2020-01-02 03:04:05.123456789' "$SECRET/passwd"
# A symlink deeper down, which stays a symlink: nothing changes for it.
ln -s "$SECRET" "$CLIENT/a/deep-evil"
ln -s "$SECRET" "$CLIENT/evil"
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT")
ssh_command: $(yaml_str "$SSH_CMD")
sources:
  - path: $(yaml_str "127.0.0.1:$CLIENT")
    dest: web
CONF

secret_state() {
	stat -c '%h %i %Z %z %s %Y' "$SECRET/passwd"
	cat "$SECRET/passwd"
}
before=$(secret_state)

say "night 1: the client sends evil -> $SECRET"
create_snapshot S1
[ "$(readlink "$ROOT/$S1/web/evil")" = "$SECRET" ] || fail "evil is not the symlink"

say "night 2: evil is a folder, evil/passwd dressed as the server's file"
rm "$CLIENT/evil"
mkdir "$CLIENT/evil"
printf 'the client sent this!!!!\n' >"$CLIENT/evil/passwd"
[ "$(stat -c %s "$CLIENT/evil/passwd")" = "$(stat -c %s "$SECRET/passwd")" ] ||
	fail "the test's two files differ in size"
chmod 0644 "$CLIENT/evil/passwd"
touch -r "$SECRET/passwd" "$CLIENT/evil/passwd"
echo changed >>"$CLIENT/top.txt"
create_snapshot S2 "$S1"
assert_eq "$(secret_state)" "$before" "the server's file (links, inode, ctime, size, mtime, content)"
assert_eq "$(cat "$ROOT/$S2/web/evil/passwd")" 'the client sent this!!!!'
diff_inode "$SECRET/passwd" "$ROOT/$S2/web/evil/passwd"
compare_trees "$CLIENT" "$ROOT/$S2/web"
[ "$(readlink "$ROOT/$S2/web/a/deep-evil")" = "$SECRET" ] ||
	fail "a/deep-evil is not the symlink"
# Unchanged files are still linked to the previous snapshot.
same_inode "$ROOT/$S1/web/a/f1.txt" "$ROOT/$S2/web/a/f1.txt"
[ -z "$(find "$ROOT" -samefile "$SECRET/passwd")" ] ||
	fail "the server's file is linked into the snapshot root"
run_snap verify --all
expect_status 0

say "night 3: unchanged, everything linked again"
create_snapshot S3 "$S2"
assert_eq "$(summary_count 'copied' "$OUT")" 0
same_inode "$ROOT/$S2/web/evil/passwd" "$ROOT/$S3/web/evil/passwd"
assert_eq "$(secret_state)" "$before" "the server's file after night 3"
