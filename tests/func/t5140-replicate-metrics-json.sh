#!/bin/bash
# t5140: replicate's metrics file and --json.  Two snapshots of a local
# primary copied with --json: stdout is one JSON document and nothing
# else (the line a person reads goes to stderr), listing each snapshot
# copied with its regular files and bytes (those of the primary's tree)
# and the bytes that crossed, and totals that are their sums; the
# metrics file says success, 2 copied, the same files and bytes, and
# holds none of create's family.  A run with nothing new copies nothing
# and still succeeds.  A third snapshot costs what changed: its bytes
# crossed, the unchanged ones did not.  An unreachable replicate_from is
# exit status 1, JSON with nothing copied, and metrics that say failed
# while the root's facts (snapshots, last success) stay as they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sshd.sh"
require_cmd rsync python3 ssh

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$SCRATCH/replica
PCONF=$SCRATCH/primary.yaml
RCONF=$SCRATCH/replica.yaml
PROM=$SCRATCH/textfile/replica.prom
mkdir "$SCRATCH/textfile"
make_sample_tree "$SRC"
head -c 300000 /dev/urandom >"$SRC/big.bin"
CONFIG=$PCONF write_config "$PRIMARY" "$SRC"
write_replica_config() {
	cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$ROOT")
metrics_file: $(yaml_str "$PROM")
$1
CONF
}
write_replica_config "replicate_from: $(yaml_str "$PRIMARY")"
DAY0=1767225600		# 2026-01-01T00:00:00Z

# primary_create N: the primary's snapshot of day N.
primary_create() {
	CONFIG=$PCONF SNAP_NOW=$((DAY0 + $1 * 86400 + 3600)) run_snap create -q
	expect_status 0
}

# Regular files (paths) and their bytes below DIR, as "FILES BYTES".
files_bytes() {
	find "$1" -type f -printf '%s\n' |
		awk '{ n++; s += $1 } END { print n + 0, s + 0 }'
}

# The whole of stdout is one JSON document (json.tool refuses more).
assert_json() {
	python3 -m json.tool "$OUT" >/dev/null || fail "stdout is not one JSON document"
}

primary_create 1
printf 'day 2\n' >>"$SRC/a/f1.txt"
primary_create 2
mapfile -t PSNAPS < <(snapshots "$PRIMARY")
CONFIG=$RCONF

say "replicate --json: the snapshots copied, each with its files and bytes"
run_snap replicate --json
expect_status 0
assert_json
assert_grep 'replicated from .*: 2 copied' "$ERR"
assert_eq "$(json_get '[s["name"] for s in j["snapshots"]]')" \
	"['${PSNAPS[0]}', '${PSNAPS[1]}']" "names"
for i in 0 1; do
	read -r files bytes < <(files_bytes "$PRIMARY/${PSNAPS[$i]}")
	assert_eq "$(json_get "(j['snapshots'][$i]['files'], j['snapshots'][$i]['bytes'])")" \
		"($files, $bytes)" "files and bytes of ${PSNAPS[$i]}"
done
assert_eq "$(json_get '(j["copied"], j["present"], j["refused"], j["skipped"], j["pruned"])')" \
	"(2, 0, 0, 0, [])" "counts"
assert_eq "$(json_get 'j["files"] == sum(s["files"] for s in j["snapshots"]) and j["bytes"] == sum(s["bytes"] for s in j["snapshots"]) and j["received_bytes"] == sum(s["received_bytes"] for s in j["snapshots"])')" \
	True "totals are the sums"
assert_eq "$(json_get 'j["from"]')" "$PRIMARY" "from"
# The first copy carried every byte; the second only the changed file
# (its unchanged files are links to the first).
received1=$(json_get 'j["snapshots"][0]["received_bytes"]')
received2=$(json_get 'j["snapshots"][1]["received_bytes"]')
[ "$received1" -gt 300000 ] || fail "the first copy crossed only $received1 bytes"
[ "$received2" -lt 100000 ] || fail "the second copy crossed $received2 bytes"
TOTAL_FILES=$(json_get 'j["files"]')
TOTAL_BYTES=$(json_get 'j["bytes"]')
TOTAL_RECEIVED=$(json_get 'j["received_bytes"]')

say "the metrics file says success, two copied, the same files and bytes"
[ -f "$PROM" ] || fail "no metrics file"
assert_eq "$(stat -c %a "$PROM")" 644 "metrics file mode"
assert_eq "$(metric snap_last_replicate_exit_status)" 0 "exit status"
assert_eq "$(metric snap_last_replicate_success)" 1 "success"
assert_eq "$(metric snap_last_replicate_snapshots ',how="copied"')" 2 "copied"
assert_eq "$(metric snap_last_replicate_snapshots ',how="refused"')" 0 "refused"
assert_eq "$(metric snap_last_replicate_files)" "$TOTAL_FILES" "files"
assert_eq "$(metric snap_last_replicate_bytes ',how="total"')" "$TOTAL_BYTES" "bytes"
assert_eq "$(metric snap_last_replicate_bytes ',how="received"')" "$TOTAL_RECEIVED" "bytes received"
assert_eq "$(metric snap_snapshots)" 2 "snapshots in the replica"
ended=$(metric snap_last_replicate_timestamp_seconds)
now=$(date +%s)
[ "$ended" -le "$now" ] && [ "$ended" -gt $((now - 600)) ] ||
	fail "the run ended at $ended, now is $now"
python3 -c 'import sys; assert float(sys.argv[1]) >= 0' \
	"$(metric snap_last_replicate_duration_seconds)" || fail "no duration"
LAST_SUCCESS=$(metric snap_last_success_timestamp_seconds)
[ "$LAST_SUCCESS" -gt 0 ] || fail "no last success time"
assert_eq "$(metric snap_last_run_exit_status)" absent "create's family"

say "nothing new: nothing copied, still a success"
run_snap replicate --json
expect_status 0
assert_json
assert_eq "$(json_get '(j["snapshots"], j["copied"], j["present"], j["files"], j["bytes"])')" \
	"([], 0, 2, 0, 0)" "counts of a run with nothing new"
assert_eq "$(metric snap_last_replicate_success)" 1 "success"
assert_eq "$(metric snap_last_replicate_snapshots ',how="copied"')" 0 "copied"
assert_eq "$(metric snap_last_replicate_snapshots ',how="present"')" 2 "present"

say "without --json the summary line is on stdout, the metrics the same"
printf 'day 3\n' >>"$SRC/a/f1.txt"
primary_create 3
mapfile -t PSNAPS < <(snapshots "$PRIMARY")
run_snap replicate
expect_status 0
assert_grep 'replicated from .*: 1 copied, 2 present' "$OUT"
read -r files bytes < <(files_bytes "$PRIMARY/${PSNAPS[2]}")
assert_eq "$(metric snap_last_replicate_files)" "$files" "files"
assert_eq "$(metric snap_last_replicate_bytes ',how="total"')" "$bytes" "bytes"
received=$(metric snap_last_replicate_bytes ',how="received"')
[ "$received" -gt 0 ] && [ "$received" -lt 100000 ] ||
	fail "one changed file cost $received bytes"
LAST_SUCCESS=$(metric snap_last_success_timestamp_seconds)

say "an unreachable replicate_from: exit 1, JSON with nothing copied, metrics say failed"
write_replica_config "replicate_from: $(yaml_str "127.0.0.1:$PRIMARY")
ssh_command: $(yaml_str "ssh -F /dev/null -o BatchMode=yes -o ConnectTimeout=5 -p $(closed_port)")"
run_snap replicate --json
expect_status 1
assert_json
assert_grep '127.0.0.1' "$ERR"
assert_eq "$(json_get '(j["snapshots"], j["copied"], j["from"])')" \
	"([], 0, '127.0.0.1:$PRIMARY')" "JSON of the failed run"
assert_eq "$(metric snap_last_replicate_exit_status)" 1 "exit status"
assert_eq "$(metric snap_last_replicate_success)" 0 "success"
assert_eq "$(metric snap_last_replicate_snapshots ',how="copied"')" 0 "copied"
assert_eq "$(metric snap_snapshots)" 3 "snapshots in the replica"
assert_eq "$(metric snap_last_success_timestamp_seconds)" "$LAST_SUCCESS" \
	"last success"
assert_eq "$(latest "$ROOT")" "${PSNAPS[2]}"
say "ok"
