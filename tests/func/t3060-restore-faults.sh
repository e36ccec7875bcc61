#!/bin/bash
# t3060: a restore whose every call may fail says so and stays in DEST.
#
# SNAP_TEST_FAULT=any:N:EIO makes the Nth mutating call of restore fail
# with EIO, for every N in turn until the run makes fewer calls, first
# into a new DEST, then with --overwrite into a DEST that holds a
# complete earlier restore.  The snapshot holds every kind of entry
# (folders, files, an empty file, a hard-link pair, a symlink, a FIFO,
# an xattr).  Proves, for each N: the run ends with exit 1 or 3 and an
# error or warning saying "Input/output error", or, for a call it can do
# without (FICLONE), with exit 0 and DEST complete; nothing outside DEST changed (a find listing of
# the scratch folder); no private node folder is left in DEST (but one
# whose own removal failed, which the error names); and a
# restore --overwrite without the fault then reproduces the source
# (rsync -aHAXnci; after the last call also diff -r and find), so a failed restore is always mended by
# running it again.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/a/b" "$SRC/empty-dir"
echo one >"$SRC/a/one"
echo two >"$SRC/a/b/two"
: >"$SRC/a/empty"
echo linked >"$SRC/a/hard1"
ln "$SRC/a/hard1" "$SRC/a/b/hard2"
ln -s ../a/one "$SRC/a/b/sym"
mkfifo "$SRC/a/fifo"
chmod 0751 "$SRC/a/b"
touch -d '2021-01-01 00:00:00.5 UTC' "$SRC/a/one"
if xattrs_work "$SRC"; then
	setfattr -n user.tag -v restored "$SRC/a/one"
fi
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1

# The scratch folder but DEST and the runs' output: what must not change.
# (The scratch folder's own mtime changes as DEST comes and goes.)
WORK=$SCRATCH/work
mkdir "$WORK"
outside() {
	find "$SCRATCH" -mindepth 1 \( -path "$SCRATCH/dest" -o -path "$WORK" \) \
		-prune -o ! -name 'std*' ! -name 'compare.out*' ! -name 'rsync_same.out' \
		-printf '%p %y %m %U:%G %s %i %T@\n' | LC_ALL=C sort
}

# sweep [--overwrite]: restore N1 into $SCRATCH/dest with the Nth call
# failing, for N = 1, 2, ... until the fault is not reached; each time
# check the run and mend DEST with a clean restore --overwrite.
sweep() {
	local n=1 dest=$SCRATCH/dest
	while :; do
		[ "${1:-}" = --overwrite ] || rm -rf "$dest"
		outside >"$WORK/outside.before"
		STATUS=0
		SNAP_TEST_FAULT=any:$n:EIO timeout -k 10 "$SNAP_TIMEOUT" \
			"$SNAP" -c "$CONFIG" restore "$N1" src "$dest" "$@" \
			>"$OUT" 2>"$ERR" || STATUS=$?
		echo "any:$n:EIO${1:+ $1}: exit $STATUS"
		grep -q 'test hook: SNAP_TEST_FAULT .* was not reached' "$ERR" &&
			break
		case $STATUS in
		0)
			# A call it can do without (FICLONE, before
			# copy_file_range): the restore is whole.
			rsync_same "$SRC" "$dest" ||
				fail "any:$n:EIO: exit 0, but DEST is not whole"
			;;
		1 | 3)
			assert_grep 'Input/output error' "$ERR" \
				"stderr of any:$n:EIO"
			;;
		*)
			show_output
			fail "any:$n:EIO${1:+ $1}: exit $STATUS"
			;;
		esac
		assert_not_grep 'Sanitizer|runtime error' "$ERR"
		outside >"$WORK/outside.after"
		diff "$WORK/outside.before" "$WORK/outside.after" ||
			fail "any:$n:EIO${1:+ $1}: something outside DEST changed"
		# A private node folder stays only when the fault hit its own
		# removal, and then the error names it.
		if [ -d "$dest" ]; then
			find "$dest" -name '.snap-node*' -printf '%f\n' |
				while read -r left; do
					grep -qF "cannot remove the folder '$left'" "$ERR" ||
						fail "any:$n:EIO: a private node folder is left: $left"
					find "$dest" -name "$left" -exec rm -rf {} +
				done
		fi
		run_snap restore "$N1" src "$dest" --overwrite
		expect_status 0 "a clean restore after any:$n:EIO"
		rsync_same "$SRC" "$dest" ||
			fail "a clean restore after any:$n:EIO differs from the source"
		n=$((n + 1))
		[ "$n" -le 500 ] || fail "still failing after 500 calls"
	done
	show_output
	expect_status 0 "after the last call"
	compare_trees "$SRC" "$dest"
	[ "$n" -gt 10 ] || fail "only $((n - 1)) calls"
	say "restore${1:+ $1}: EIO at each of $((n - 1)) calls"
}

say "into a new DEST"
sweep
say "--overwrite into a complete DEST"
sweep --overwrite
echo "ok"
