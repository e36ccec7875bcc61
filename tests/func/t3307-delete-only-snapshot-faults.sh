#!/bin/bash
# t3307: deleting the only snapshot when any call may fail.
#
# t3200 always keeps an older snapshot, so latest is only ever moved.
# Here the snapshot deleted is the only one, so latest must go before
# it does.  SNAP_TEST_FAULT=any:N:EIO fails the Nth mutating call of
# "delete --force", for every N until the run makes fewer calls.
# Proves, for each N: the run exits 0, or 1 with "Input/output error";
# while the snapshot is listed it is whole (rsync against the source),
# has its manifest and latest names it; once it is not, there is no
# latest; and the next writer (prune, or the delete again) finishes:
# no snapshot, no manifest, no latest, nothing in .snap/deleting.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo a >"$SRC/a"
echo b >"$SRC/d/b"
ln -s a "$SRC/link"
write_config "$ROOT" "$SRC"

T=1764000000
n=1
victim=""
while :; do
	if [ -z "$victim" ]; then
		T=$((T + 3600))
		SNAP_NOW=$T run_snap -q create
		expect_status 0 "create"
		new_snapshot victim
	fi
	STATUS=0
	SNAP_TEST_FAULT=any:$n:EIO timeout -k 10 "$SNAP_TIMEOUT" \
		"$SNAP" -c "$CONFIG" delete --force "$victim" >"$OUT" 2>"$ERR" ||
		STATUS=$?
	echo "delete any:$n:EIO: exit $STATUS"
	sed 's/^/    stderr: /' "$ERR"
	assert_not_grep 'Sanitizer|runtime error' "$ERR"
	if grep -q 'SNAP_TEST_FAULT .* was not reached' "$ERR"; then
		expect_status 0 "delete without a fault"
		assert_missing "$ROOT/$victim"
		assert_missing "$ROOT/latest"
		break
	fi
	case $STATUS in
	0) assert_missing "$ROOT/$victim" ;;
	1) assert_grep "^snap: error: .*Input/output error" "$ERR" ;;
	*) fail "delete any:$n:EIO: exit $STATUS" ;;
	esac
	if [ -d "$ROOT/$victim" ]; then
		rsync_same "$SRC" "$ROOT/$victim/src" ||
			fail "any:$n: $victim is listed but not whole"
		assert_exists "$ROOT/.snap/manifests/$victim"
		assert_eq "$(latest "$ROOT")" "$victim" "any:$n: latest"
	else
		assert_missing "$ROOT/latest"
	fi
	# Any writer finishes a delete that got as far as the rename.
	if [ -d "$ROOT/$victim" ]; then
		run_snap delete --force "$victim"
	else
		run_snap prune
	fi
	expect_status 0 "any:$n: the writer after it"
	assert_eq "$(snapshot_count "$ROOT")" 0 "any:$n: snapshots left"
	assert_eq "$(manifests "$ROOT" | wc -l)" 0 "any:$n: manifests left"
	assert_missing "$ROOT/latest"
	[ -z "$(ls -A "$ROOT/.snap/deleting")" ] ||
		fail "any:$n: left in .snap/deleting: $(ls -A "$ROOT/.snap/deleting")"
	victim=""
	n=$((n + 1))
	[ "$n" -le 100 ] || fail "still failing after 100 calls"
done
[ "$n" -gt 3 ] || fail "the delete made only $((n - 1)) calls"
echo "ok"
