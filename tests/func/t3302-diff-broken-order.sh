#!/bin/bash
# t3302: snap diff when a manifest goes wrong part-way, and on a replica.
#
# A manifest whose records all pass their checksums but are out of walk
# order is found only when the reader gets there.  Proves: "diff A B"
# with such a manifest exits 1 with "is not in walk order" on stderr, and
# what it printed before is the start of the true answer (the changes up
# to there, in order); "diff --source" of it exits 1 the same way; with
# the manifest put back both answer in full.  And on a replica (a config
# with replicate_from), "diff --source" is refused with exit 2 saying it
# has no sources, while "diff A B" works.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo a >"$SRC/a"
echo m >"$SRC/m"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
echo b >"$SRC/b"
echo z >"$SRC/z"
SNAP_NOW=1764003600 create_snapshot N2 "$N1"

say "the whole answer"
run_snap diff "$N1" "$N2"
expect_status 0 "diff"
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/b\n+\tsrc/z')" "the changes"
echo y >"$SRC/y"
run_snap diff --source
expect_status 0 "diff --source"
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/y')" "the changes from the source"

say "a manifest out of order part-way"
M2=$ROOT/.snap/manifests/$N2
cp "$M2" "$SCRATCH/m2.good"
# "src/z" renamed "src/c" keeps every checksum right but follows "src/m".
manifest_edit "$M2" rename src/z src/c
run_snap diff "$N1" "$N2"
expect_status 1 "diff with a manifest out of order"
assert_grep "^snap: error: manifest '$N2' is corrupt: record [0-9]+: path 'src/c' is not in walk order \(it follows 'src/m'\)$" "$ERR"
# What came out before the error is a prefix of the answer.
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/b')" "the changes printed"
run_snap diff --source
expect_status 1 "diff --source with a manifest out of order"
assert_grep "^snap: error: manifest '$N2' is corrupt: record [0-9]+: path 'src/c' is not in walk order" "$ERR"
assert_not_grep "src/y" "$OUT"

cp "$SCRATCH/m2.good" "$M2"
run_snap diff "$N1" "$N2"
expect_status 0 "diff with the manifest put back"
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/b\n+\tsrc/z')" "the changes again"

say "a replica has no sources to compare with"
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT")
replicate_from: $(yaml_str "$SCRATCH/primary")
CONF
run_snap diff --source
expect_status 2 "diff --source on a replica"
assert_grep "^snap: error: diff --source compares with the sources; config '$CONFIG' is a replica \(replicate_from\) and has none$" "$ERR"
[ ! -s "$OUT" ] || fail "diff --source on a replica printed: $(cat "$OUT")"
run_snap diff "$N1" "$N2"
expect_status 0 "diff between snapshots of a replica"
assert_eq "$(cat "$OUT")" "$(printf '+\tsrc/b\n+\tsrc/z')" "the changes on the replica"
echo "ok"
