#!/bin/bash
# t5110: snap replicate over ssh (a private sshd on localhost): three
# snapshots, then one more that costs only what changed; a replicate
# killed with kill -9 in the middle of a transfer (its process group,
# rsync and ssh too, as a crash would) publishes nothing, leaves the
# replica's snapshots as they were, and the next run goes on from what
# it had copied and publishes a snapshot that verify --all accepts; an
# unreachable primary is exit status 1 that names it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
require_cmd setsid
start_sshd

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$SCRATCH/replica
PCONF=$SCRATCH/primary.yaml
RCONF=$SCRATCH/replica.yaml
make_sample_tree "$SRC"
CONFIG=$PCONF write_config "$PRIMARY" "$SRC"
write_replica_config() {
	cat >"$RCONF" <<-CONF
	snapshot_root: $(yaml_str "$ROOT")
	replicate_from: $(yaml_str "127.0.0.1:$PRIMARY")
	ssh_command: $(yaml_str "$SSH_CMD")
	$1
	CONF
}
write_replica_config ""
DAY0=1767225600
primary_create() {
	CONFIG=$PCONF SNAP_NOW=$((DAY0 + $1 * 86400)) run_snap create
	expect_status 0
}

say "three snapshots over ssh"
for d in 1 2 3; do
	printf 'day %s\n' "$d" >>"$SRC/top.txt"
	primary_create "$d"
done
CONFIG=$RCONF
run_snap replicate
expect_status 0
assert_grep '3 copied' "$OUT"
for s in $(snapshots "$PRIMARY"); do
	rsync_same "$PRIMARY/$s" "$ROOT/$s" || fail "replica's $s differs"
done
check_snapshot "$ROOT" "$(newest_snapshot "$PRIMARY")"
run_snap verify --all
expect_status 0

say "one more costs only what changed"
P3=$(newest_snapshot "$ROOT")
printf 'day 4\n' >>"$SRC/top.txt"
primary_create 4
P4=$(newest_snapshot "$PRIMARY")
run_snap replicate
expect_status 0
assert_grep '1 copied' "$OUT"
assert_grep ' 1 files read' "$OUT"
rsync_same "$PRIMARY/$P4" "$ROOT/$P4" || fail "replica's $P4 differs"
while IFS= read -r -d '' f; do
	[ "$f" = src/top.txt ] && continue
	same_inode "$ROOT/$P3/$f" "$ROOT/$P4/$f"
done < <(regular_files "$ROOT/$P4")
diff_inode "$ROOT/$P3/src/top.txt" "$ROOT/$P4/src/top.txt"

say "kill -9 in the middle of a transfer, then go on"
# Files that arrive before the big one, which the primary's rsync sends
# slowly (through a throttle on its side of ssh), so the kill lands in
# the middle of it.
mkdir "$SRC/0early"
for i in $(seq 1 20); do
	head -c 20000 /dev/urandom >"$SRC/0early/e$i.bin"
done
mkdir "$SRC/zz"
head -c 12000000 /dev/urandom >"$SRC/zz/big.bin"
primary_create 5
P5=$(newest_snapshot "$PRIMARY")
cat >"$SCRATCH/slow-rsync" <<'SH'
#!/bin/sh
rsync "$@" | python3 -c '
import sys, time
while True:
    b = sys.stdin.buffer.read1(32768)
    if not b:
        break
    sys.stdout.buffer.write(b)
    sys.stdout.buffer.flush()
    time.sleep(0.05)
'
SH
chmod 755 "$SCRATCH/slow-rsync"
write_replica_config "rsync_path: $(yaml_str "$SCRATCH/slow-rsync")"
remember_history "$P4"
start_bg PID setsid "$SNAP" -c "$RCONF" replicate
# Wait until the early files are in and the big one is on its way.
for i in $(seq 1 600); do
	n=$(find "$ROOT/.snap/incomplete/$P5/src/0early" -type f 2>/dev/null | wc -l)
	big=$(find "$ROOT/.snap/incomplete/$P5/src/zz" -name '.big.bin.*' \
		-size +100k 2>/dev/null | wc -l)
	[ "$n" -ge 20 ] && [ "$big" -ge 1 ] && break
	kill -0 "$PID" 2>/dev/null || { cat "$BG_OUT" "$BG_ERR"; fail "replicate ended before the kill"; }
	sleep 0.1
done
[ "$n" -ge 20 ] && [ "$big" -ge 1 ] || fail "the transfer never got to the big file"
kill -KILL -- "-$PID"
wait "$PID" 2>/dev/null || true
sleep 0.5
assert_missing "$ROOT/$P5"
assert_eq "$(latest "$ROOT")" "$P4"
history_unchanged "$P4"
early_ino=$(inode "$ROOT/.snap/incomplete/$P5/src/0early/e1.bin")
write_replica_config ""
run_snap replicate
expect_status 0
assert_grep "going on with the interrupted copy of '$P5'" "$OUT"
assert_grep '1 copied' "$OUT"
check_snapshot "$ROOT" "$P5"
rsync_same "$PRIMARY/$P5" "$ROOT/$P5" || fail "replica's $P5 differs"
# What the killed run had copied was kept, not fetched again.
assert_eq "$(inode "$ROOT/$P5/src/0early/e1.bin")" "$early_ino"
[ -z "$(find "$ROOT/$P5" -name '.big.bin.*')" ] || fail "rsync's partial file was published"
run_snap verify --all
expect_status 0

say "an unreachable primary is exit status 1, naming it"
cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$ROOT")
replicate_from: $(yaml_str "127.0.0.1:$PRIMARY")
ssh_command: $(yaml_str "ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=5 -p $(closed_port)")
CONF
run_snap replicate
expect_status 1
assert_grep '127.0.0.1' "$ERR"
assert_eq "$(latest "$ROOT")" "$P5"
say "ok"
