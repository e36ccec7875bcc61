#!/bin/bash
# t3200: a delete or prune whose every call may fail says so and leaves
# the root whole.
#
# SNAP_TEST_FAULT=any:N:EIO makes the Nth mutating call fail with EIO,
# for every N in turn until the run makes fewer calls: first of
# "delete --force" of the newest snapshot, then of "prune" removing an
# older one.  The snapshot removed holds nested folders, a folder of mode
# 0555 (rmtree makes it writable first), files, a hard-link pair, a
# symlink and a FIFO.  Proves, for each N: the run ends with exit 0, or
# with exit 1 and an error saying "Input/output error"; the labelled
# first snapshot is unchanged; the snapshot removed is either still
# listed and whole (rsync against the source) or not listed at all;
# latest names the newest snapshot listed; every listed snapshot has its
# manifest; and the next run without the fault finishes the removal
# (.snap/deleting is empty).  After each sweep verify --all passes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/a/b/c" "$SRC/ro/inner"
echo one >"$SRC/a/one"
echo two >"$SRC/a/b/two"
echo three >"$SRC/a/b/c/three"
echo inner >"$SRC/ro/inner/file"
echo linked >"$SRC/a/hard1"
ln "$SRC/a/hard1" "$SRC/a/b/hard2"
ln -s ../one "$SRC/a/b/sym"
mkfifo "$SRC/a/fifo"
chmod 0555 "$SRC/ro"
write_config "$ROOT" "$SRC"
# create prunes by the policy too: only the prune runs get one.
PRUNE_CONFIG=$SCRATCH/prune.yaml
cp "$CONFIG" "$PRUNE_CONFIG"
printf 'retain: {last: 1}\n' >>"$PRUNE_CONFIG"

T=1764000000
next_name() {
	T=$((T + 3600))
}

say "the first snapshot, labelled so that prune keeps it"
next_name
SNAP_NOW=$T run_snap create --label keep
expect_status 0
new_snapshot FIRST
remember_history "$FIRST"

# root_whole WHAT VICTIM: the checks after a faulty run.
root_whole() {
	local s newest
	history_unchanged "$FIRST"
	for s in $(snapshots "$ROOT"); do
		[ -f "$ROOT/.snap/manifests/$s" ] ||
			fail "$1: snapshot $s is listed without its manifest"
	done
	newest=$(newest_snapshot "$ROOT")
	[ "$(latest "$ROOT")" = "$newest" ] ||
		fail "$1: latest names '$(latest "$ROOT")', the newest is '$newest'"
	if [ -d "$ROOT/$2" ]; then
		rsync_same "$SRC" "$ROOT/$2/src" ||
			fail "$1: $2 is still listed but no longer whole"
	fi
}

# mend delete|prune VICTIM: runs without faults remove what is left.
mend() {
	if [ "$1" = delete ] && [ -d "$ROOT/$2" ]; then
		run_snap delete --force "$2"
		expect_status 0 "deleting $2 again"
	fi
	# Any writer finishes the deletes a run left in .snap/deleting;
	# prune also removes a victim that it failed to.
	CONFIG=$PRUNE_CONFIG run_snap prune
	expect_status 0 "prune after a failed removal"
	assert_missing "$ROOT/$2"
	[ -z "$(ls -A "$ROOT/.snap/deleting")" ] ||
		fail "left in .snap/deleting: $(ls -A "$ROOT/.snap/deleting")"
}

# sweep delete|prune: the Nth call fails, for N = 1, 2, ...
sweep() {
	local n=1 victim="" args cfg=$CONFIG
	[ "$1" = delete ] || cfg=$PRUNE_CONFIG
	while :; do
		if [ -z "$victim" ]; then
			next_name
			SNAP_NOW=$T run_snap -q create
			expect_status 0
			new_snapshot victim
			if [ "$1" = prune ]; then
				# A newer one: with last: 1, prune removes
				# $victim.
				next_name
				SNAP_NOW=$T run_snap -q create
				expect_status 0
			fi
		fi
		args=(prune)
		[ "$1" = prune ] || args=(delete --force "$victim")
		STATUS=0
		SNAP_TEST_FAULT=any:$n:EIO timeout -k 10 "$SNAP_TIMEOUT" \
			"$SNAP" -c "$cfg" "${args[@]}" >"$OUT" 2>"$ERR" ||
			STATUS=$?
		echo "$1 any:$n:EIO: exit $STATUS"
		sed 's/^/    stderr: /' "$ERR"
		assert_not_grep 'Sanitizer|runtime error' "$ERR"
		if grep -q 'SNAP_TEST_FAULT .* was not reached' "$ERR"; then
			expect_status 0 "$1 without a fault"
			assert_missing "$ROOT/$victim"
			break
		fi
		case $STATUS in
		0)
			assert_missing "$ROOT/$victim"
			;;
		1)
			assert_grep 'Input/output error' "$ERR" \
				"stderr of $1 any:$n:EIO"
			;;
		*)
			show_output
			fail "$1 any:$n:EIO: exit $STATUS"
			;;
		esac
		root_whole "$1 any:$n:EIO" "$victim"
		# Failed before it removed anything: the next N starts from
		# the same root.  Else runs without faults finish the job.
		if [ ! -d "$ROOT/$victim" ] ||
			[ -n "$(ls -A "$ROOT/.snap/deleting")" ]; then
			mend "$1" "$victim"
			victim=""
			# prune keeps only the labelled first and the newest.
			[ "$(snapshot_count "$ROOT")" -le 2 ] ||
				fail "prune left $(snapshots "$ROOT" | tr '\n' ' ')"
		fi
		n=$((n + 1))
		[ "$n" -le 300 ] || fail "still failing after 300 calls"
	done
	[ "$n" -gt 10 ] || fail "$1: only $((n - 1)) calls"
	# What the mended runs left is sound.
	run_snap verify --all
	expect_status 0 "verify --all after the $1 sweep"
	say "$1: EIO at each of $((n - 1)) calls"
}

say "delete --force of the newest"
sweep delete
say "prune"
sweep prune
history_unchanged "$FIRST"
echo "ok"
