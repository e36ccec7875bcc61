#!/bin/bash
# t5030: parallel: N fetches that many remote sources at once.  Three
# hosts (three paths on the test sshd, each with an rsync_path wrapper
# that logs its start and end) give, with parallel: 2, the same snapshot
# tree as with parallel: 1 (rsync -aHAXnci --numeric-ids), and the
# wrappers' log shows two transfers overlapping, never three; with
# parallel: 1 none overlap.  (With parallel: 2 the first wrapper waits,
# up to 30 s, for a second one to start: ssh logins on a busy machine
# take seconds, and the overlap must not depend on them.)  The bytes received come
# from rsync --stats into snap_last_run_bytes{how="received"}.  A host
# that fails among parallel ones is what it is sequentially: a warning
# with its previous copy (the same tree either way), or, required, exit
# status 1 naming it, the others stopped and no snapshot; its message
# quotes only what its own rsync said.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
start_sshd

LOG=$SCRATCH/transfers.log
: >"$LOG"
# The host's rsync: says who it is on stderr, logs when it runs.
cat >"$SCRATCH/slow-rsync" <<SH
#!/bin/sh
name=\$1
mode=\$2
shift 2
echo "said-by-\$name" >&2
echo "start \$name \$(date +%s.%N)" >>"$LOG"
i=0
while [ "\$mode" = wait ] && [ \$(grep -c '^start' "$LOG") -lt 2 ] &&
	[ \$i -lt 300 ]; do
	sleep 0.1
	i=\$((i + 1))
done
sleep 0.5
rsync "\$@"
rc=\$?
echo "end \$name \$(date +%s.%N)" >>"$LOG"
exit \$rc
SH
chmod +x "$SCRATCH/slow-rsync"

for h in h1 h2 h3; do
	make_sample_tree "$SCRATCH/$h"
	head -c $((50000 * ${h#h})) /dev/urandom >"$SCRATCH/$h/own.bin"
done

# fleet_config FILE ROOT PARALLEL [HOST PATH]...: remote sources stored
# as their HOST names, each with its own wrapper.
fleet_config() {
	local file=$1 root=$2 parallel=$3 mode=go
	shift 3
	[ "$parallel" = 1 ] || mode=wait
	cat >"$file" <<-CONF
	snapshot_root: $(yaml_str "$root")
	parallel: $parallel
	ssh_command: $(yaml_str "$SSH_CMD")
	metrics_file: $(yaml_str "$root.prom")
	sources:
	CONF
	while [ $# -gt 0 ]; do
		cat >>"$file" <<-CONF
		  - path: $(yaml_str "127.0.0.1:$2")
		    dest: $1
		    rsync_path: $(yaml_str "$SCRATCH/slow-rsync $1 $mode")
		CONF
		shift 2
	done
}

# The most transfers the log shows running at once.
most_at_once() {
	sort -k3 -g "$LOG" | awk '
		$1 == "start" { n++; if (n > max) max = n }
		$1 == "end" { n-- }
		END { print max + 0 }'
}

# same_snapshot A B: two snapshots hold the same trees (their top
# folders, made at different times, aside).
same_snapshot() {
	local out=$SCRATCH/rsync.out h
	assert_eq "$(list_dir "$1")" "$(list_dir "$2")"
	for h in h1 h2 h3; do
		rsync -aHAXnci --numeric-ids --delete -- "$1/$h/" "$2/$h/" >"$out"
		[ ! -s "$out" ] || { cat "$out"; fail "$1/$h and $2/$h differ"; }
	done
}

received_metric() {
	sed -n 's/^snap_last_run_bytes{.*how="received"} \([0-9]*\)$/\1/p' "$1"
}

HOSTS=(h1 "$SCRATCH/h1" h2 "$SCRATCH/h2" h3 "$SCRATCH/h3")
SEQ=$SCRATCH/seq
PAR=$SCRATCH/par

say "parallel: 1 runs the transfers one after another"
CONFIG=$SCRATCH/seq.yaml
fleet_config "$CONFIG" "$SEQ" 1 "${HOSTS[@]}"
ROOT=$SEQ
create_snapshot S1
assert_eq "$(grep -c '^start' "$LOG")" 3
assert_eq "$(most_at_once)" 1
for h in h1 h2 h3; do
	compare_trees "$SCRATCH/$h" "$ROOT/$S1/$h"
done
seq_received=$(received_metric "$SEQ.prom")
[ -n "$seq_received" ] || fail "no received bytes in $SEQ.prom"
# The three own.bin alone are 300,000 bytes.
[ "$seq_received" -ge 300000 ] ||
	fail "received $seq_received bytes, fewer than the files hold"
assert_grep '^  received   ' "$OUT"

say "parallel: 2 overlaps two transfers, never three, same tree"
: >"$LOG"
CONFIG=$SCRATCH/par.yaml
fleet_config "$CONFIG" "$PAR" 2 "${HOSTS[@]}"
ROOT=$PAR
create_snapshot P1
assert_eq "$(grep -c '^start' "$LOG")" 3
assert_eq "$(most_at_once)" 2
same_snapshot "$SEQ/$S1" "$PAR/$P1"
par_received=$(received_metric "$PAR.prom")
# The same files came over the same ssh: the same bytes, give or take
# the file list's few.
[ "$par_received" -ge 300000 ] ||
	fail "received $par_received bytes with parallel: 2"
run_snap verify --all
expect_status 0

say "an unchanged parallel run links everything and receives little"
: >"$LOG"
create_snapshot P2 "$P1"
assert_eq "$(summary_count 'copied' "$OUT")" 0
for h in h1 h2 h3; do
	same_inode "$PAR/$P1/$h/own.bin" "$PAR/$P2/$h/own.bin"
done
[ "$(received_metric "$PAR.prom")" -lt 100000 ] ||
	fail "an unchanged run received $(received_metric "$PAR.prom") bytes"

say "a failing host among parallel ones: the warning and tree of a sequential run"
# Changes on every host, then h2's path goes missing.
for h in h1 h2 h3; do
	echo more >>"$SCRATCH/$h/top.txt"
done
mv "$SCRATCH/h2" "$SCRATCH/h2.away"
ROOT=$SEQ
CONFIG=$SCRATCH/seq.yaml
run_snap create
expect_status 3
cp "$ERR" "$SCRATCH/seq.err"
new_snapshot S2 "$S1"
ROOT=$PAR
CONFIG=$SCRATCH/par.yaml
run_snap create
expect_status 3
new_snapshot P3 "$P2"
assert_grep "cannot back up '127.0.0.1:$SCRATCH/h2'" "$ERR"
assert_grep "'h2' in this snapshot is the previous snapshot's copy" "$ERR"
# Its own rsync's words, not the others'.
assert_grep 'said-by-h2' "$ERR"
assert_not_grep 'said-by-h[13]' "$ERR"
# The same warnings as the sequential run, but for the folder names.
diff <(sed "s|$SEQ|ROOT|g" "$SCRATCH/seq.err") \
	<(sed "s|$PAR|ROOT|g" "$ERR") ||
	fail "the parallel run warned otherwise than the sequential one"
same_snapshot "$SEQ/$S2" "$PAR/$P3"
compare_trees "$SCRATCH/h1" "$PAR/$P3/h1"
compare_trees "$SCRATCH/h3" "$PAR/$P3/h3"
same_inode "$PAR/$P2/h2/own.bin" "$PAR/$P3/h2/own.bin"
run_snap verify --all
expect_status 0

say "required and failing among parallel ones: exit 1, no snapshot"
sed -i "s|^    dest: h2$|    dest: h2\n    required: true|" "$CONFIG"
grep -q 'required: true' "$CONFIG" || fail "required: true not set"
: >"$LOG"
run_snap create
expect_status 1
assert_grep "cannot back up '127.0.0.1:$SCRATCH/h2'" "$ERR"
assert_grep 'No such file or directory' "$ERR"
assert_not_grep 'said-by-h[13]' "$ERR"
assert_eq "$(snapshots "$PAR" | tr '\n' ' ')" "$P1 $P2 $P3 "
incomplete_empty "$PAR" ||
	fail "a failed run left $(ls -A "$PAR/.snap/incomplete")"
assert_grep '^snap_last_run_exit_status{.*} 1$' "$PAR.prom"

say "parallel: 0 is a config error"
sed -i 's/^parallel: 2$/parallel: 0/' "$CONFIG"
run_snap check
expect_status 2
assert_grep "par.yaml:2:11: 'parallel' is the number of remote sources" "$ERR"
