#!/bin/bash
# t2440: a forged manifest cannot make restore write outside DEST.
#
# Whoever can write the snapshot root can forge a manifest whose
# checksums are all right (manifest_edit recomputes them).  Proves: a
# record path with ".." components ("src/a/../../../../outside/pwned")
# makes restore fail (exit 1) naming the manifest and the record, and
# nothing is written outside DEST; check calls that manifest corrupt
# (exit 1).  The same holds for an absolute path, an empty or "."
# component, a path out of walk order and a path listed twice.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

setup_sample_source "$SCRATCH/backups"
create_snapshot N1
M=$ROOT/.snap/manifests/$N1
cp -p "$M" "$SCRATCH/manifest.good"

# forged OLD NEW: the good manifest with path OLD renamed NEW.
forged() {
	cp -p "$SCRATCH/manifest.good" "$M"
	manifest_edit "$M" rename "$1" "$2"
}

say "a path that climbs out of DEST"
# In walk order after src/a/b/c, so only its ".." components are wrong:
# from DEST/src/a/b/c six levels up is $SCRATCH.
CLIMB='src/a/b/c/../../../../../../outside/pwned'
forged src/a/b/c/blob.bin "$CLIMB"
mkdir -p "$SCRATCH/t"
run_snap restore "$N1" / "$SCRATCH/t/dest"
expect_status 1 "restore from a forged manifest"
assert_grep "manifest '[^']*$N1' is corrupt: record [0-9]+: path '$CLIMB' has a '\.\.' component" "$ERR"
assert_missing "$SCRATCH/outside"
[ -z "$(find "$SCRATCH" -name pwned)" ] || fail "pwned was written: $(find "$SCRATCH" -name pwned)"
run_snap check
expect_status 1 "check of a forged manifest"
assert_grep "^PROBLEM: manifest .*$N1.* is corrupt: record [0-9]+: path '$CLIMB'" "$OUT"

say "the same, restoring the subtree over an existing DEST"
mkdir -p "$SCRATCH/t/sub/a"
run_snap restore --overwrite "$N1" src/a "$SCRATCH/t/sub/a"
expect_status 1 "restore of a subtree from a forged manifest"
assert_missing "$SCRATCH/outside"
[ -z "$(find "$SCRATCH" -name pwned)" ] || fail "pwned was written: $(find "$SCRATCH" -name pwned)"

# bad NEW WHAT: a manifest with src/top.txt renamed NEW is refused by
# restore and check, and the message says WHAT.
bad() {
	forged src/top.txt "$1"
	rm -rf "$SCRATCH/t/dest"
	run_snap restore "$N1" / "$SCRATCH/t/dest"
	expect_status 1 "restore, path '$1'"
	assert_grep "manifest '[^']*$N1' is corrupt: record [0-9]+: path .*$2" "$ERR"
	run_snap check
	expect_status 1 "check, path '$1'"
	assert_grep "^PROBLEM: manifest .*$N1.* is corrupt: record [0-9]+: path .*$2" "$OUT"
}

say "an absolute path"
bad /tmp/pwned 'is absolute'
say "an empty component"
bad src//pwned 'has an empty component'
say "a trailing slash"
bad src/pwned/ 'has an empty component'
say "a '.' component"
bad src/./pwned "has a '\.' component"
say "a path out of walk order"
bad src/0pwned 'is not in walk order'
say "a path listed twice"
bad src/docs 'is not in walk order'

say "the good manifest restores"
cp -p "$SCRATCH/manifest.good" "$M"
rm -rf "$SCRATCH/t/dest"
run_snap restore "$N1" / "$SCRATCH/t/dest"
expect_status 0 "restore from the good manifest"
compare_trees "$SRC" "$SCRATCH/t/dest/src"
