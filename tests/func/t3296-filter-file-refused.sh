#!/bin/bash
# t3296: a dir-merge filter file that snap will not read is left out.
#
# Proves, with the rule ": .snap-filter": a .snap-filter over 64 KiB,
# one that names a filter file of its own (": .other"), and one that is
# a folder are each left out with a warning naming the file and why
# (exit 3), and their folders are backed up as if they had none (the
# files they would exclude are in the snapshot); a good .snap-filter
# beside them still excludes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/big" "$SRC/nested" "$SRC/dir/.snap-filter" "$SRC/good"
for d in big nested dir good; do
	echo keep >"$SRC/$d/keep.txt"
	echo tmp >"$SRC/$d/drop.tmp"
done
{
	echo '- *.tmp'
	head -c 70000 /dev/zero | tr '\0' '#'
	echo
} >"$SRC/big/.snap-filter"
printf -- '- *.tmp\n: .other\n' >"$SRC/nested/.snap-filter"
printf -- '- *.tmp\n' >"$SRC/good/.snap-filter"
write_config "$ROOT" "$SRC" "    filter: [': .snap-filter']"

run_snap create
expect_status 3 "create with refused filter files"
assert_grep "filter file 'src/big/.snap-filter' left out: larger than 65536 bytes" "$ERR"
assert_grep "filter file 'src/nested/.snap-filter' left out: ': .other' in a filter file is not supported" "$ERR"
assert_grep "filter file 'src/dir/.snap-filter' left out: not a regular file" "$ERR"
new_snapshot N1
for d in big nested dir; do
	assert_exists "$ROOT/$N1/src/$d/drop.tmp"
	assert_exists "$ROOT/$N1/src/$d/keep.txt"
done
assert_missing "$ROOT/$N1/src/good/drop.tmp"
assert_exists "$ROOT/$N1/src/good/keep.txt"
echo "ok"
