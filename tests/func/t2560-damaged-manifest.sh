#!/bin/bash
# t2560: one damaged manifest does not stop the backups, and repair
# rebuilds it.
#
# Proves: with the newest manifest damaged, create warns naming it and
# how to repair it, compares with the snapshot before (its unchanged files
# are linked from there), and exits 3 with a complete snapshot; with
# every manifest damaged it compares with none and still makes a whole
# snapshot.  list, du and log leave the damaged snapshot out with a
# warning (exit 3) and show the others; check calls it a PROBLEM and
# names 'snap repair NAME'.  'snap repair NAME' rebuilds the manifest
# from the tree (the same paths as before, hashes that verify clean),
# without changing a file of the snapshot; it also rebuilds a manifest
# that is gone.  An unknown name is exit 2.  A manifest whose every
# checksum is right but one record is not (out of walk order) is found
# when that record is read: create warns, compares the rest with nothing
# and with no stored content, and still makes a whole snapshot.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

# damage FILE: flips one byte in the middle of FILE.
damage() {
	python3 - "$1" <<'PY'
import os, sys
path = sys.argv[1]
off = os.path.getsize(path) // 2
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x10]))
PY
}

setup_sample_source "$SCRATCH/backups"
create_snapshot N1
echo changed >>"$SRC/top.txt"
create_snapshot N2 "$N1"
MAN=$ROOT/.snap/manifests
cp -p "$MAN/$N1" "$SCRATCH/m1.good"
cp -p "$MAN/$N2" "$SCRATCH/m2.good"
manifest_edit "$MAN/$N1" paths >"$SCRATCH/m1.paths"

say "the newest manifest damaged: create compares with the one before"
damage "$MAN/$N2"
echo again >>"$SRC/top.txt"
run_snap create
expect_status 3 "create over a damaged newest manifest"
assert_grep "warning: manifest '$N2' is corrupt.*comparing with snapshot '$N1' instead.*snap repair $N2" "$ERR"
new_snapshot N3 "$N2"
compare_trees "$SRC" "$ROOT/$N3/src"
# Unchanged since N1: linked from N1, not copied.
same_inode "$ROOT/$N1/src/a/b/f3.txt" "$ROOT/$N3/src/a/b/f3.txt"
same_inode "$ROOT/$N1/src/a/b/c/blob.bin" "$ROOT/$N3/src/a/b/c/blob.bin"

say "every older manifest damaged: create compares with none"
damage "$MAN/$N3"
damage "$MAN/$N1"
run_snap create
expect_status 3 "create over damaged manifests only"
assert_grep "warning: manifest '$N3' is corrupt.*comparing with snapshot '$N2' instead" "$ERR"
assert_grep "warning: manifest '$N1' is corrupt.*comparing with no earlier snapshot.*snap repair $N1" "$ERR"
new_snapshot N4 "$N3"
compare_trees "$SRC" "$ROOT/$N4/src"
cp -p "$SCRATCH/m2.good" "$MAN/$N2"
run_snap verify "$N4"
expect_status 0 "verify of the snapshot made without a previous one"

say "readers leave the damaged snapshots out"
run_snap list
expect_status 3 "list"
assert_grep "warning: manifest '$N1' is corrupt.*skipping snapshot '$N1'.*snap repair $N1" "$ERR"
assert_grep "^$N2 " "$OUT"
assert_grep "^$N4 " "$OUT"
assert_not_grep "^$N1 " "$OUT"
assert_not_grep "^$N3 " "$OUT"
run_snap du
expect_status 3 "du"
assert_grep "skipping snapshot '$N3'" "$ERR"
assert_grep "^$N4 " "$OUT"
run_snap log src/top.txt
expect_status 3 "log"
assert_grep "skipping snapshot '$N1'" "$ERR"
assert_grep "^$N2 +\\+" "$OUT"
assert_grep "^$N4 +M" "$OUT"
run_snap check
expect_status 1 "check"
assert_grep "^PROBLEM: manifest '$N1' is corrupt.*run 'snap repair $N1'" "$OUT"

say "repair rebuilds a damaged manifest from the tree"
remember_history "$N1"
run_snap repair "$N1"
expect_status 0 "repair"
assert_grep "rebuilt the manifest of '$N1': 4[0-9] entries" "$OUT"
history_unchanged "$N1"
manifest_edit "$MAN/$N1" paths >"$SCRATCH/m1.rebuilt"
diff "$SCRATCH/m1.paths" "$SCRATCH/m1.rebuilt" || fail "repaired manifest lists other paths"
run_snap verify "$N1"
expect_status 0 "verify of the repaired snapshot"
run_snap repair "$N3"
expect_status 0 "repair N3"
run_snap check
expect_status 0 "check after repair"
run_snap list
expect_status 0 "list after repair"
assert_grep "^$N1 " "$OUT"
assert_grep "^$N3 " "$OUT"

say "a create after the repair links by content"
run_snap create
expect_status 0 "create after repair"
new_snapshot N5 "$N4"
compare_trees "$SRC" "$ROOT/$N5/src"
same_inode "$ROOT/$N4/src/a/b/f3.txt" "$ROOT/$N5/src/a/b/f3.txt"

say "repair of a snapshot whose manifest is gone"
rm "$MAN/$N1"
run_snap repair "$N1"
expect_status 0 "repair of a missing manifest"
manifest_edit "$MAN/$N1" paths >"$SCRATCH/m1.rebuilt"
diff "$SCRATCH/m1.paths" "$SCRATCH/m1.rebuilt" || fail "rebuilt manifest lists other paths"
run_snap repair 1999
expect_status 2 "repair of an unknown snapshot"

say "every checksum right, one record wrong (written wrong, or forged): create goes on"
# Only the record's own reading finds it: the bytes are as written.  In
# walk order src/top.txt comes last, so what comes before it is linked.
manifest_edit "$MAN/$N5" rename src/top.txt src/0pwned
# A new file with stored content asks the content index.
cp -p "$SRC/a/b/c/blob.bin" "$SRC/blob-copy.bin"
run_snap create
expect_status 3 "create over a manifest with a record out of order"
assert_grep "warning: manifest '$N5' is corrupt: record [0-9]+: path 'src/0pwned' is not in walk order.*; comparing the rest with no earlier snapshot.*snap repair $N5" "$ERR"
assert_grep "warning: manifest '$N5' is corrupt: record [0-9]+: path 'src/0pwned'.*; no file is compared by content with snapshot '$N5'" "$ERR"
new_snapshot N6 "$N5"
compare_trees "$SRC" "$ROOT/$N6/src"
same_inode "$ROOT/$N5/src/a/b/f3.txt" "$ROOT/$N6/src/a/b/f3.txt"
same_inode "$ROOT/$N5/src/docs/doc3.txt" "$ROOT/$N6/src/docs/doc3.txt"
[ "$(stat -c %i "$ROOT/$N5/src/top.txt")" != "$(stat -c %i "$ROOT/$N6/src/top.txt")" ] ||
	fail "top.txt was linked from a record that did not read"
