#!/bin/bash
# t2620: the messages people meet first.
#
# Proves: a missing config (by -c, by $SNAP_CONFIG) is exit 2 and the
# error names -c FILE and $SNAP_CONFIG; "not found" is exit 2 in log (a
# path no snapshot holds) and restore (a path the snapshot lacks, an
# unknown snapshot) alike, and nothing is restored; the summaries count
# grammatically: a source of one folder, one file and one symlink is
# "1 folder, 1 file, 1 symlink", "1 file" copied, "0 hard links", and
# its restore says "restored 1 file" (never "1 files"), while two files
# are "2 files".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo one >"$SRC/one.txt"
ln -s one.txt "$SRC/link"
write_config "$ROOT" "$SRC"

say "a missing config names -c and \$SNAP_CONFIG"
GOOD=$CONFIG
CONFIG=$SCRATCH/missing.yaml
run_snap list
expect_status 2 "missing config by -c"
assert_grep "missing\.yaml" "$ERR" "stderr"
assert_grep "-c FILE" "$ERR" "stderr"
assert_grep '\$SNAP_CONFIG' "$ERR" "stderr"
STATUS=0
SNAP_CONFIG=$SCRATCH/missing.yaml "$SNAP" create >"$OUT" 2>"$ERR" || STATUS=$?
expect_status 2 "missing config by \$SNAP_CONFIG"
assert_grep "-c FILE or \\\$SNAP_CONFIG" "$ERR" "stderr"
assert_missing "$ROOT"
CONFIG=$GOOD

say "one of each: singular words"
run_snap create
expect_status 0
new_snapshot S1
assert_grep "entries +3 \(1 folder, 1 file, 1 symlink, 0 other\)" "$OUT" "entries"
assert_grep "0 hard links$" "$OUT" "linked line"
assert_grep "copied +1 file, " "$OUT" "copied line"
assert_not_grep "\b1 (files|folders|symlinks|hard links)\b" "$OUT" "summary"
run_snap restore latest / "$SCRATCH/restored"
expect_status 0
assert_grep "^restored 1 file, 4 bytes " "$OUT" "restore's line"

say "two: plural words"
echo two >"$SRC/two.txt"
run_snap create
expect_status 0
new_snapshot S2 "$S1"
assert_grep "entries +4 \(1 folder, 2 files, 1 symlink, 0 other\)" "$OUT" "entries"
assert_grep "copied +1 file, " "$OUT" "copied line"

say "not found: exit 2 in log and restore alike"
run_snap log no/such/path
expect_status 2 "log of a path no snapshot holds"
assert_grep "no snapshot holds 'no/such/path'" "$ERR" "stderr"
run_snap restore latest no/such/path "$SCRATCH/r2"
expect_status 2 "restore of a path the snapshot lacks"
assert_missing "$SCRATCH/r2"
run_snap restore 1999 / "$SCRATCH/r3"
expect_status 2 "restore of an unknown snapshot"
assert_missing "$SCRATCH/r3"
