#!/bin/bash
# t3345: restore from a snapshot whose manifest lost folder records, or
# whose stored tree was damaged by hand, restores everything it can and
# names each thing it cannot.
#
# Whoever can write the snapshot root can remove or replace stored names
# and rewrite manifests (manifest_edit keeps the checksums right).
# Proves: with the records of two nested folders dropped from the
# manifest, a restore of the whole snapshot and one of the innermost
# folder reproduce the source (those folders get the stored folders'
# modes and times); with a stored folder moved away, a stored file
# removed, a stored file replaced by a FIFO and a stored FIFO replaced by
# a file, a restore exits 1 with one error line for each of the first
# three and a count, restores every other entry (the FIFO from its
# manifest record) exactly, and changes nothing in the snapshot; a DEST
# that ends in "." or ".." is refused (exit 2) and nothing is made.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync python3

setup_sample_source "$SCRATCH/backups"
chmod 0750 "$SRC/a/b"
chmod 0705 "$SRC/a/b/c"
touch -d '2021-01-01 00:00:00.123456789 UTC' "$SRC/a/b/c"
touch -d '2021-02-02 00:00:00.987654321 UTC' "$SRC/a/b"
create_snapshot N1
M=$ROOT/.snap/manifests/$N1
cp -p "$M" "$SCRATCH/manifest.good"

say "a manifest without the records of two folders"
manifest_edit "$M" drop src/a/b
manifest_edit "$M" drop src/a/b/c
if manifest_edit "$M" paths | grep -Eqx 'src/a/b(/c)?'; then
	fail "the folder records are still in the manifest"
fi
run_snap restore "$N1" / "$SCRATCH/whole"
expect_status 0
compare_trees "$SRC" "$SCRATCH/whole/src"
run_snap restore "$N1" src/a/b/c "$SCRATCH/inner"
expect_status 0
compare_trees "$SRC/a/b/c" "$SCRATCH/inner"
cp -p "$SCRATCH/manifest.good" "$M"

say "a stored tree damaged by hand"
S=$ROOT/$N1/src
mv "$S/a/b" "$SCRATCH/b-moved-away"
rm "$S/top.txt"
rm "$S/docs/doc5.txt"
mkfifo "$S/docs/doc5.txt"
rm "$S/fifo"
echo "a file where a FIFO was" >"$S/fifo"
remember_history "$N1"
run_snap restore "$N1" / "$SCRATCH/damaged"
expect_status 1
assert_eq "$(cat "$ERR")" "snap: error: cannot read folder 'src/a/b' in the snapshot: No such file or directory
snap: error: cannot restore 'src/docs/doc5.txt': the snapshot holds something else than a regular file there
snap: error: cannot read 'src/top.txt' in the snapshot: No such file or directory
snap: error: 3 entries could not be restored (see above)" "restore's errors"
assert_grep "with problems$" "$OUT"
D=$SCRATCH/damaged/src
assert_missing "$D/a/b"
assert_missing "$D/top.txt"
assert_missing "$D/docs/doc5.txt"
[ -p "$D/fifo" ] || fail "the FIFO was not restored as a FIFO from its record"
# Everything else is there, exactly.
compare_trees -x b -x top.txt -x doc5.txt "$SRC" "$D"
history_unchanged "$N1"

say "a DEST that names no new entry"
for dest in "$SCRATCH/new/." "$SCRATCH/new/.."; do
	mkdir -p "$SCRATCH/new"
	run_snap restore "$N1" src/a "$dest"
	expect_status 2
	assert_eq "$(cat "$ERR")" "snap: error: cannot restore into '$dest': name a new folder or file to create" \
		"restore into '$dest'"
	assert_eq "$(list_dir "$SCRATCH/new")" "" "what '$dest' made"
done
