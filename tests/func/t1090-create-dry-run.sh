#!/bin/bash
# t1090: create --dry-run tells what it would do and does nothing.
#
# Proves: on a root that does not exist yet (it is not created) and on one
# with a snapshot and a changed source, --dry-run exits 0, names the
# changed and new files, uses the words of the summary ("linked",
# "copied") with the right count, makes no snapshot and no manifest, leaves
# latest, .snap/incomplete and every existing file of the root as they
# were; a real create afterwards does what the dry run announced.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"

# What a dry run may not change: every entry of the root but the lock
# file (which a run may create or open), with inode, size and mtime.
root_state() {
	if [ -d "$ROOT" ]; then
		find "$ROOT" ! -path "$ROOT/.snap/lock" ! -path "$ROOT/.snap" ! -path "$ROOT" \
			-printf '%P %y %i %s %T@ %l\n' | LC_ALL=C sort
	fi
}

say "dry run on an empty root"
run_snap create --dry-run
expect_status 0
# Not even the snapshot root is made.
assert_missing "$ROOT"
assert_grep 'copied' "$OUT" "dry-run output"
assert_grep 'top\.txt' "$OUT" "dry-run output (a file it would copy)"

create_snapshot N1

say "dry run with changes"
echo "more" >>"$SRC/docs/doc5.txt"
echo "brand new" >"$SRC/a/brand-new.txt"
rm "$SRC/a/b/f7.txt"
root_state >"$SCRATCH/state.before"
run_snap create --dry-run
expect_status 0
cp "$OUT" "$SCRATCH/dry.out"
root_state >"$SCRATCH/state.after"
diff "$SCRATCH/state.before" "$SCRATCH/state.after" || fail "the dry run changed the snapshot root"
assert_grep 'doc5\.txt' "$SCRATCH/dry.out" "dry-run output (changed file)"
assert_grep 'brand-new\.txt' "$SCRATCH/dry.out" "dry-run output (new file)"
assert_grep 'linked' "$SCRATCH/dry.out" "dry-run output"
assert_grep 'copied' "$SCRATCH/dry.out" "dry-run output"
assert_eq "$(summary_count copied "$SCRATCH/dry.out")" 2 "copies announced by the dry run"

say "the real run does what the dry run announced"
create_checked N2 "$N1"
assert_eq "$(summary_count copied "$OUT")" 2 "copies made by the real run"
diff_inode "$ROOT/$N1/src/docs/doc5.txt" "$ROOT/$N2/src/docs/doc5.txt"
same_inode "$ROOT/$N1/src/docs/doc6.txt" "$ROOT/$N2/src/docs/doc6.txt"

echo "ok"
