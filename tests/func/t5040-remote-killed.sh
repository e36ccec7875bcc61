#!/bin/bash
# t5040: a transfer that dies midway.  The host's rsync sends slowly (an
# rsync_path wrapper with --bwlimit), so that each run below is caught
# during a large transfer:
#  - snap's rsync child gets SIGKILL: exit status 1 naming the host and
#    the signal, no snapshot appears, nothing is left in incomplete/, the
#    on_error hook runs and the metrics say the run failed;
#  - snap gets SIGTERM: it stops its rsync and exits 143, the tree kept
#    for the next run;
#  - snap gets SIGKILL: its rsync dies with it (nothing goes on writing
#    into the tree the next run removes);
# and after each the next run, at full speed, succeeds, reproduces the
# client tree and verify --all passes.  What the stopped rsync had
# received of big.bin is kept in .snap/partial (--partial-dir) and is
# the basis of its delta in the next run, which so receives clearly less
# than the whole file (list --json's received_bytes), while no file of
# the earlier snapshots changed; after a run that succeeds nothing is
# left in .snap/partial.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

CLIENT=$SCRATCH/client
ROOT=$SCRATCH/root
H=$SCRATCH/hooks
PROM=$SCRATCH/snap.prom
make_sample_tree "$CLIENT"
# 24 MiB at 2 MB/s: about 12 s, far longer than it takes to kill it.
head -c $((24 << 20)) /dev/urandom >"$CLIENT/big.bin"
mkdir "$H"
cat >"$H/record.sh" <<'EOF'
#!/bin/sh
env | LC_ALL=C sort >"$1.env"
EOF
chmod 755 "$H/record.sh"
cat >"$SCRATCH/slow-rsync" <<'SH'
#!/bin/sh
exec rsync --bwlimit=2000 "$@"
SH
chmod +x "$SCRATCH/slow-rsync"

# config RSYNC_PATH: the client as the one source, stored as "web".
config() {
	cat >"$CONFIG" <<-CONF
	snapshot_root: $(yaml_str "$ROOT")
	ssh_command: $(yaml_str "$SSH_CMD")
	metrics_file: $(yaml_str "$PROM")
	hooks:
	  on_error: [$(yaml_str "$H/record.sh $H/error")]
	sources:
	  - path: $(yaml_str "127.0.0.1:$CLIENT")
	    dest: web
	    rsync_path: $(yaml_str "$1")
	CONF
}

# slow_run VAR [MIB]: starts create in the background with the slow
# host and waits until more than MIB (default 1) MiB of big.bin have
# arrived; VAR gets snap's pid.  The signals are set to their default: a
# background job of a non-interactive shell ignores SIGINT.
slow_run() {
	local i got
	rm -f "$H/error.env" "$PROM"
	config "$SCRATCH/slow-rsync"
	start_bg "$1" env --default-signal=INT,TERM "$SNAP" -c "$CONFIG" create
	for i in $(seq 1 600); do
		got=$(find "$ROOT/.snap/incomplete" -name '.big.bin.*' \
			-size +"${2:-1}"M 2>/dev/null | head -n 1)
		[ -z "$got" ] || return 0
		sleep 0.1
	done
	fail "big.bin did not start to arrive in 60 s"
}

# rsync_child PID: the pid of snap's rsync child.
rsync_child() {
	local pid
	pid=$(pgrep -P "$1" -x rsync | head -n 1)
	[ -n "$pid" ] || fail "snap (pid $1) has no rsync child"
	echo "$pid"
}

# good_run VAR [PREV]: the next run at full speed makes a snapshot that
# reproduces the client, and verify --all passes; nothing is left to
# take up in .snap/partial.
good_run() {
	config rsync
	create_snapshot "$@"
	compare_trees "$CLIENT" "$ROOT/${!1}/web"
	run_snap verify --all
	expect_status 0
	[ ! -e "$ROOT/.snap/partial" ] ||
		fail "the run left $(find "$ROOT/.snap/partial" | tr '\n' ' ')"
}

# taken_up NAME: snapshot NAME received clearly less than big.bin (24
# MiB) from the host (list --json), as the killed run had received more
# than 12 MiB of it.
taken_up() {
	local got
	run_snap list --json
	expect_status 0
	got=$(json_get "[s['received_bytes'] for s in j if s['name'] == '$1'][0]")
	say "received $got bytes, big.bin is $((24 << 20))"
	[ "$got" -lt $((18 << 20)) ] ||
		fail "$1 received $got bytes: what the killed run had is not taken up"
}

say "a first snapshot"
good_run S1
echo changed >>"$CLIENT/top.txt"
head -c $((24 << 20)) /dev/urandom >"$CLIENT/big.bin"

say "rsync killed with SIGKILL mid-transfer: exit 1 naming the host"
slow_run pid
child=$(rsync_child "$pid")
kill -KILL "$child"
st=0
wait "$pid" || st=$?
sed 's/^/    killed rsync run: /' "$BG_OUT" "$BG_ERR"
assert_eq "$st" 1 "exit status"
assert_grep "cannot back up '127.0.0.1:$CLIENT' \(rsync was killed by signal 9" \
	"$BG_ERR"
assert_grep 'no snapshot was made' "$BG_ERR"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$S1 "
assert_eq "$(latest "$ROOT")" "$S1"
incomplete_empty "$ROOT" ||
	fail "the failed run left $(ls -A "$ROOT/.snap/incomplete")"
assert_grep '^SNAP_STATUS=1$' "$H/error.env" "on_error env"
assert_grep '^snap_last_run_exit_status\{.*\} 1$' "$PROM"
assert_grep '^snap_last_run_success\{.*\} 0$' "$PROM"
good_run S2 "$S1"
same_inode "$ROOT/$S1/web/a/f1.txt" "$ROOT/$S2/web/a/f1.txt"

say "snap stopped with SIGTERM mid-transfer: its rsync stops, exit 143"
head -c $((24 << 20)) /dev/urandom >"$CLIENT/big.bin"
PREV_SNAP=$S2
remember_history "$PREV_SNAP"
slow_run pid 12
child=$(rsync_child "$pid")
kill -TERM "$pid"
st=0
wait "$pid" || st=$?
sed 's/^/    terminated run: /' "$BG_OUT" "$BG_ERR"
assert_eq "$st" 143 "exit status"
assert_grep 'interrupted: no snapshot made' "$BG_ERR"
! kill -0 "$child" 2>/dev/null || fail "rsync (pid $child) outlived snap"
assert_grep '^SNAP_STATUS=143$' "$H/error.env" "on_error env"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$S1 $S2 "
# What rsync had of big.bin, kept where the next run finds it.
assert_eq "$(find "$ROOT/.snap/partial" -type f -name big.bin -size +11M | wc -l)" 1 \
	"the part of big.bin kept in .snap/partial"
good_run S3 "$S2"
taken_up "$S3"
history_unchanged "$PREV_SNAP"

say "snap killed with SIGKILL mid-transfer: its rsync dies too"
head -c $((24 << 20)) /dev/urandom >"$CLIENT/big.bin"
PREV_SNAP=$S3
remember_history "$PREV_SNAP"
slow_run pid 12
child=$(rsync_child "$pid")
kill_bg "$pid"
for i in $(seq 1 100); do
	kill -0 "$child" 2>/dev/null || break
	sleep 0.1
done
! kill -0 "$child" 2>/dev/null || fail "rsync (pid $child) outlived snap's kill -9"
# Its receiver (a child of its own) and ssh too: nothing writes into
# the tree the next run takes over.
for i in $(seq 1 100); do
	pgrep -f -- "$ROOT/.snap/incomplete" >/dev/null || break
	sleep 0.1
done
! pgrep -af -- "$ROOT/.snap/incomplete" || fail "a process of rsync outlived snap's kill -9"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$S1 $S2 $S3 "
assert_eq "$(latest "$ROOT")" "$S3"
! incomplete_empty "$ROOT" || fail "kill -9 left no incomplete tree"
good_run S4 "$S3"
taken_up "$S4"
history_unchanged "$PREV_SNAP"
incomplete_empty "$ROOT" ||
	fail "the next run left $(ls -A "$ROOT/.snap/incomplete")"
