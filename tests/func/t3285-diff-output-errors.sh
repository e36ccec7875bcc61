#!/bin/bash
# t3285: snap diff when its answer cannot be written or read.
#
# Proves: a diff whose stdout is full (/dev/full), in text or JSON, is
# exit 1 with "cannot write the changes: No space left on device"; a
# diff of a snapshot whose manifest is not one is exit 1 naming that
# snapshot, and prints no change; "snap repair latest~1" rebuilds that
# manifest and the diff is the same as before the damage.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ -w /dev/full ] || skip "needs /dev/full"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
two_snapshots

say "the changes are there to print"
run_snap diff "$N1" "$N2"
expect_status 0 "diff"
assert_grep 'src/b' "$OUT"

say "a full stdout is exit 1, said on stderr"
for json in "" --json; do
	STATUS=0
	timeout 60 "$SNAP" -c "$CONFIG" diff $json "$N1" "$N2" >/dev/full \
		2>"$ERR" || STATUS=$?
	expect_status 1 "diff $json to /dev/full"
	assert_grep "cannot write the changes: No space left on device" "$ERR"
done

say "a snapshot whose manifest cannot be read"
printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N1"
run_snap diff "$N1" "$N2"
expect_status 1 "diff with a damaged manifest"
assert_grep "^snap: error: .*'$N1'" "$ERR"
[ ! -s "$OUT" ] || fail "a diff with a damaged manifest printed: $(cat "$OUT")"

say "repair latest~1 rebuilds it, and the diff is whole again"
run_snap repair latest~1
expect_status 0 "repair latest~1"
assert_grep "^rebuilt the manifest of '$N1': 2 entries, 1 file" "$OUT"
run_snap diff "$N1" "$N2"
expect_status 0 "diff after the repair"
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/b')" "the changes"
echo "ok"
