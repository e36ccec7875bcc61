#!/bin/bash
# t3309: du when a stored file is gone from its snapshot.
#
# The bytes on disk of a stored file come from stat; the README says a
# file that cannot be stat'ed counts its size.  Proves: with one stored
# file (sparse: 65536 bytes in fewer blocks) of a snapshot removed by
# hand, "du --json" still exits 0 and counts that file's size (65536)
# where its blocks were, plus the real blocks of the file that is still
# there, in alone_disk, held_disk and total_disk; and the sizes (alone,
# held, total) do not change.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -x "$PYTHON3" ] || command -v "$PYTHON3" >/dev/null || skip "needs python3"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
# Sparse, so that its blocks and its size differ.
head -c 100 /dev/urandom >"$SRC/big"
truncate -s 65536 "$SRC/big"
echo small >"$SRC/small"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1

# du_field KEY: the KEY of the only snapshot in "du --json".
du_field() {
	"$PYTHON3" -c 'import json, sys
print(json.load(open(sys.argv[1]))["snapshots"][0][sys.argv[2]])' "$OUT" "$1"
}

run_snap --json du
expect_status 0 "du"
SIZE_BEFORE=$(du_field alone)
assert_eq "$SIZE_BEFORE" 65542 "alone before"
big_disk=$(($(stat -c %b "$ROOT/$N1/src/big") * 512))
small_disk=$(($(stat -c %b "$ROOT/$N1/src/small") * 512))
[ "$big_disk" -lt 65536 ] ||
	skip "the stored copy of a sparse file is not sparse here"
assert_eq "$(du_field alone_disk)" "$((big_disk + small_disk))" "alone_disk before"

say "the big file gone from the snapshot"
rm "$ROOT/$N1/src/big"
run_snap --json du
expect_status 0 "du with a stored file gone"
assert_eq "$(du_field alone)" "$SIZE_BEFORE" "alone after"
assert_eq "$(du_field held)" "$SIZE_BEFORE" "held after"
assert_eq "$(du_field alone_disk)" "$((65536 + small_disk))" "alone_disk after"
assert_eq "$(du_field held_disk)" "$((65536 + small_disk))" "held_disk after"
"$PYTHON3" -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert d["total"] == 65542, d
assert d["total_disk"] == 65536 + int(sys.argv[2]), d' "$OUT" "$small_disk" ||
	fail "the totals of du --json"
echo "ok"
