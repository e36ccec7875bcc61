#!/bin/bash
# t5000: a remote source ([USER@]HOST:/PATH) fetched with rsync over ssh
# from a real sshd on localhost: the first pull reproduces the client
# tree (rsync -aHAXnci --numeric-ids, diff -r, find), an unchanged pull
# stores nothing new (every file the previous snapshot's inode), a
# changed file and a renamed folder cost only the changed file (the
# renamed files are linked by content), verify, diff and restore work on
# it, and a client symlink to /etc is stored as the symlink, with
# nothing read through it.  The bytes received over the network are kept
# in each snapshot's summary: list --json shows them, as create --json
# does at once; the first pull's cover the files, an unchanged pull's
# are only rsync's file list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
require_cmd python3
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
make_sample_tree "$CLIENT"
mkdir "$CLIENT/moving"
for i in 1 2 3; do
	head -c $((4096 * i)) /dev/urandom >"$CLIENT/moving/m$i.bin"
done
chown 1234:5678 "$CLIENT/moving/m1.bin"
ln -s /etc "$CLIENT/evil"
head -c 1000 /dev/urandom >"$CLIENT/sparse"
truncate -s 10M "$CLIENT/sparse"
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT")
ssh_command: $(yaml_str "$SSH_CMD")
sources:
  - path: $(yaml_str "127.0.0.1:$CLIENT")
CONF
# The default dest: the host, then the path.
DEST=127.0.0.1$CLIENT

say "first pull reproduces the client tree"
create_snapshot S1
assert_exists "$ROOT/$S1/$DEST/top.txt"
out=$SCRATCH/rsync.out
rsync -aHAXnci --numeric-ids --delete -- "$CLIENT/" "$ROOT/$S1/$DEST/" >"$out"
[ ! -s "$out" ] || { cat "$out"; fail "rsync -aHAXnci finds differences"; }
compare_trees "$CLIENT" "$ROOT/$S1/$DEST"
same_inode "$ROOT/$S1/$DEST/hard1" "$ROOT/$S1/$DEST/a/hard2"
[ "$(stat -c %b "$ROOT/$S1/$DEST/sparse")" -lt 1000 ] ||
	fail "the sparse file was stored with its holes filled"
[ "$(readlink "$ROOT/$S1/$DEST/evil")" = /etc ] ||
	fail "evil is not the symlink to /etc"
[ ! -e "$ROOT/$S1/$DEST/evil/passwd" ] || [ -L "$ROOT/$S1/$DEST/evil" ] ||
	fail "something was read through the symlink evil"
[ -z "$(find "$ROOT/$S1" -name passwd)" ] ||
	fail "a file named passwd is in the snapshot: /etc was read"
assert_not_grep 'evil/' <(manifest_edit "$ROOT/.snap/manifests/$S1" paths)
run_snap verify "$S1"
expect_status 0

say "an unchanged pull links every file to the previous snapshot"
create_snapshot S2 "$S1"
compare_trees "$CLIENT" "$ROOT/$S2/$DEST"
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$S1/$DEST/$f" "$ROOT/$S2/$DEST/$f"
done < <(regular_files "$ROOT/$S1/$DEST")
assert_eq "$(summary_count 'copied' "$OUT")" 0
run_snap list
expect_status 0
assert_grep "^$S2 .* 0 B no" "$OUT"

say "the summary keeps the bytes received: the files', then a file list's"
run_snap list --json
expect_status 0
received1=$(json_get 'j[0]["received_bytes"]')
received2=$(json_get 'j[1]["received_bytes"]')
# The first pull sent every byte of the files (the sparse one's 10 MiB
# of zeros too: --sparse only spares the disk); the unchanged one sent
# the file list and nothing of the files.
[ "$received1" -gt $((10 * 1024 * 1024)) ] ||
	fail "the first pull received only $received1 bytes"
[ "$received2" -gt 0 ] && [ "$received2" -lt 64000 ] ||
	fail "the unchanged pull received $received2 bytes"

say "a changed file and a renamed folder: the renamed files are linked"
printf 'changed\n' >>"$CLIENT/top.txt"
mv "$CLIENT/moving" "$CLIENT/moved"
run_snap create --json
expect_status 0
new_snapshot S3 "$S2"
received3=$(json_get 'j["received_bytes"]')
compare_trees "$CLIENT" "$ROOT/$S3/$DEST"
diff_inode "$ROOT/$S2/$DEST/top.txt" "$ROOT/$S3/$DEST/top.txt"
for i in 1 2 3; do
	same_inode "$ROOT/$S2/$DEST/moving/m$i.bin" "$ROOT/$S3/$DEST/moved/m$i.bin"
done
same_inode "$ROOT/$S2/$DEST/docs/doc5.txt" "$ROOT/$S3/$DEST/docs/doc5.txt"
assert_eq "$(json_get '(j["linked_content"], j["copied"])')" "(3, 1)" \
	"linked by content, copied"
run_snap list --json
expect_status 0
assert_eq "$(json_get 'j[2]["received_bytes"]')" "$received3" \
	"received bytes in list --json and create --json"
# The three renamed files (24 KiB) crossed the network again: rsync
# cannot see a rename, only snap's links by content make up for it.
[ "$received3" -gt $((6 * 4096)) ] ||
	fail "the changed pull received only $received3 bytes"
run_snap diff "$S2" "$S3"
expect_status 0
assert_grep "^M	$DEST/top.txt" "$OUT"
assert_grep "^\+	$DEST/moved/m1.bin" "$OUT"
run_snap verify --all
expect_status 0

say "restore gives the client tree back"
run_snap restore "$S3" "/$DEST" "$SCRATCH/restored"
expect_status 0
compare_trees "$CLIENT" "$SCRATCH/restored"
