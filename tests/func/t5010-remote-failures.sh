#!/bin/bash
# t5010: a remote host that fails.  Alone, an unreachable host (a closed
# port), a refused key or a missing remote path is exit status 1, the
# message names the host and quotes what ssh or rsync said, and no
# snapshot appears.  Beside a local source it is a warning (exit 3) and
# its folder is the previous snapshot's copy, linked unchanged, unless
# the source says required: true.  Files that vanish on the host (rsync
# exit status 24) are a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
make_sample_tree "$CLIENT"
LOCAL=$SCRATCH/local
mkdir "$LOCAL"
echo here >"$LOCAL/file"

# remote_config SSH_COMMAND PATH [EXTRA_SOURCE_YAML]: one remote source
# stored as "web", and with EXTRA a second source.
remote_config() {
	cat >"$CONFIG" <<-CONF
	snapshot_root: $(yaml_str "$ROOT")
	sources:
	  - path: $(yaml_str "127.0.0.1:$2")
	    dest: web
	    ssh_command: $(yaml_str "$1")
	CONF
	[ $# -lt 3 ] || printf '%s\n' "$3" >>"$CONFIG"
}

# no_snapshot: nothing new is visible and nothing is left half done.
no_snapshot() {
	assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$1"
	incomplete_empty "$ROOT" ||
		fail "a failed run left $(ls -A "$ROOT/.snap/incomplete")"
}

say "an unreachable host: exit 1, no snapshot"
port=$(closed_port)
remote_config "${SSH_CMD/-p $SSH_PORT/-p $port}" "$CLIENT"
run_snap create
expect_status 1
assert_grep "cannot back up '127.0.0.1:$CLIENT'" "$ERR"
assert_grep 'the connection failed' "$ERR"
assert_grep 'Connection refused' "$ERR"
no_snapshot ""

say "a refused key: exit 1, what ssh said"
ssh-keygen -q -t ed25519 -N '' -f "$SCRATCH/other_key" </dev/null
remote_config "${SSH_CMD/-i $SSH_KEY/-i $SCRATCH/other_key}" "$CLIENT"
run_snap create
expect_status 1
assert_grep "cannot back up '127.0.0.1:$CLIENT'" "$ERR"
assert_grep 'Permission denied' "$ERR"
no_snapshot ""

say "a missing remote path: exit 1"
remote_config "$SSH_CMD" "$SCRATCH/nowhere"
run_snap create
expect_status 1
assert_grep "cannot back up '127.0.0.1:$SCRATCH/nowhere'" "$ERR"
assert_grep 'No such file or directory' "$ERR"
no_snapshot ""

say "two sources, the host down: exit 3, the previous copy linked"
second="  - path: $(yaml_str "$LOCAL")
    dest: local"
remote_config "$SSH_CMD" "$CLIENT" "$second"
create_snapshot S1
compare_trees "$CLIENT" "$ROOT/$S1/web"
printf 'changed\n' >>"$CLIENT/top.txt"
echo more >"$LOCAL/new"
stop_sshd
run_snap create
expect_status 3
assert_grep "cannot back up '127.0.0.1:$CLIENT'.*Connection refused" \
	<(tr '\n' ' ' <"$ERR")
assert_grep "'web' in this snapshot is the previous snapshot's copy" "$ERR"
new_snapshot S2 "$S1"
assert_exists "$ROOT/$S2/local/new"
compare_trees "$ROOT/$S1/web" "$ROOT/$S2/web"
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$S1/web/$f" "$ROOT/$S2/web/$f"
done < <(regular_files "$ROOT/$S1/web")
run_snap list
assert_grep "^$S2 .* yes" "$OUT"
run_snap verify "$S2"
expect_status 0

say "required: true makes that a failure"
remote_config "$SSH_CMD" "$CLIENT" "$second
    required: true"
# required belongs to the remote source: put it there.
sed -i "s|^    dest: web|    dest: web\n    required: true|; \$d" "$CONFIG"
run_snap create
expect_status 1
assert_grep "cannot back up '127.0.0.1:$CLIENT'" "$ERR"
no_snapshot "$S1 $S2 "

say "files that vanish on the host: exit 3, the rest is kept"
start_sshd
# Stands in for the host's rsync when a file vanishes during the
# transfer: the real rsync runs, then says so with rsync's status 24.
cat >"$SCRATCH/vanishing-rsync" <<'SH'
#!/bin/sh
rsync "$@" || exit
echo 'file has vanished: "/client/gone" (in client)' >&2
exit 24
SH
chmod +x "$SCRATCH/vanishing-rsync"
remote_config "$SSH_CMD" "$CLIENT"
printf '    rsync_path: %s\n' "$(yaml_str "$SCRATCH/vanishing-rsync")" >>"$CONFIG"
run_snap create
expect_status 3
assert_grep "files of '127.0.0.1:$CLIENT' vanished" "$ERR"
assert_grep 'file has vanished' "$ERR"
new_snapshot S3 "$S2"
compare_trees "$CLIENT" "$ROOT/$S3/web"
