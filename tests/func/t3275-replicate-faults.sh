#!/bin/bash
# t3275: a replicate whose calls fail says so and publishes nothing half.
#
# SNAP_TEST_FAULT=any:N:EIO makes the Nth mutating call of snap itself
# (not of the rsync it runs) fail with EIO, for every 3rd N in turn
# (SNAP_REPLICATE_FAULT_STRIDE=K sets the step) until the run makes fewer
# calls, each time into an empty replica of a primary with two
# snapshots.  Proves, for each N: the run ends with exit 0 and nothing on
# stderr, or with exit 1 or 3 and "Input/output error" on stderr (a
# snapshot published with a warning, e.g. latest not repointed, was exit
# 0 before: now 3); every snapshot the replica lists
# has its manifest and equals the primary's (rsync); and the next run
# without the fault copies what is missing (exit 0, both snapshots,
# .snap/incomplete empty).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
STRIDE=${SNAP_REPLICATE_FAULT_STRIDE:-3}

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$PRIMARY
RCONF=$SCRATCH/replica.yaml
mkdir -p "$SRC/d"
echo a >"$SRC/a"
echo nested >"$SRC/d/n"
ln -s a "$SRC/link"
write_config "$PRIMARY" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
echo b >"$SRC/b"
ln "$SRC/a" "$SRC/d/hard"
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$SCRATCH/replica")
replicate_from: $(yaml_str "$PRIMARY")
CONF
CONFIG=$RCONF
ROOT=$SCRATCH/replica

# replica_whole WHAT: each snapshot listed is whole, with its manifest.
replica_whole() {
	local s
	for s in $(snapshots "$ROOT"); do
		[ -f "$ROOT/.snap/manifests/$s" ] ||
			fail "$1: snapshot $s is listed without its manifest"
		rsync_same "$PRIMARY/$s" "$ROOT/$s" ||
			fail "$1: snapshot $s is listed but not the primary's"
	done
}

n=1
while :; do
	rm -rf "$ROOT"
	STATUS=0
	SNAP_TEST_FAULT=any:$n:EIO timeout -k 10 "$SNAP_TIMEOUT" \
		"$SNAP" -c "$CONFIG" replicate >"$OUT" 2>"$ERR" || STATUS=$?
	echo "replicate any:$n:EIO: exit $STATUS"
	sed 's/^/    stderr: /' "$ERR"
	assert_not_grep 'Sanitizer|runtime error' "$ERR"
	if grep -q 'SNAP_TEST_FAULT .* was not reached' "$ERR"; then
		expect_status 0 "replicate without a fault"
		[ "$n" -gt 10 ] || fail "only $n calls: the fault did not take"
		break
	fi
	case $STATUS in
	0) assert_not_grep 'warning|error' "$ERR" "stderr of exit 0 at call $n" ;;
	1 | 3) assert_grep 'Input/output error' "$ERR" "stderr at call $n" ;;
	*) fail "replicate any:$n:EIO: exit $STATUS" ;;
	esac
	replica_whole "after any:$n:EIO"
	run_snap replicate
	expect_status 0 "replicate after any:$n:EIO"
	replica_whole "mended after any:$n:EIO"
	assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 " \
		"replica after any:$n:EIO"
	incomplete_empty "$ROOT"
	n=$((n + STRIDE))
done
echo "ok"
