#!/bin/bash
# t1015: hard links in the source keep their structure, run after run.
#
# A group of three names in three folders, a pair and single files.  Then:
# the group's content is changed in place (all three names see it), a
# single file gets a second name, one name of the pair is removed, and a
# file is replaced by a hard link to another one (ln -f).  Proves: in
# every snapshot the names that share an inode in the source share one in
# the snapshot (and rsync -H agrees, in compare_trees); the changed group
# is one new inode with the new content while snapshot 1 keeps the old;
# a file whose only change is its link count is linked to its old copy; an
# unchanged third run links everything to the second.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/x" "$SRC/y" "$SRC/z"
echo "group v1" >"$SRC/x/g"
ln "$SRC/x/g" "$SRC/y/g"
ln "$SRC/x/g" "$SRC/z/g-other-name"
echo "pair" >"$SRC/p1"
ln "$SRC/p1" "$SRC/x/p2"
echo "single" >"$SRC/s"
echo "will be replaced" >"$SRC/r"
echo "replacement" >"$SRC/y/target"
write_config "$ROOT" "$SRC"

create_checked N1
S1=$ROOT/$N1/src
same_inode "$S1/x/g" "$S1/y/g"
same_inode "$S1/x/g" "$S1/z/g-other-name"
same_inode "$S1/p1" "$S1/x/p2"
diff_inode "$S1/p1" "$S1/s"
assert_eq "$(stat -c %h "$S1/x/g")" 3 "link count of the group in snapshot 1"

say "change the links"
echo "group v2" >>"$SRC/y/g"	# in place: every name of the group
ln "$SRC/s" "$SRC/z/s-link"
rm "$SRC/x/p2"
ln -f "$SRC/y/target" "$SRC/r"
create_checked N2 "$N1"
S2=$ROOT/$N2/src
same_inode "$S2/x/g" "$S2/y/g"
same_inode "$S2/x/g" "$S2/z/g-other-name"
diff_inode "$S1/x/g" "$S2/x/g"
assert_eq "$(cat "$S2/z/g-other-name")" "$(printf 'group v1\ngroup v2')" "new group content"
assert_eq "$(cat "$S1/z/g-other-name")" "group v1" "snapshot 1's group content"
same_inode "$S2/s" "$S2/z/s-link"
same_inode "$S2/r" "$S2/y/target"
assert_eq "$(cat "$S2/r")" replacement "content of r"
assert_eq "$(cat "$S1/r")" "will be replaced" "snapshot 1's r"
# Only their link count (and so ctime) changed: stored once already.
same_inode "$S1/p1" "$S2/p1"
same_inode "$S1/s" "$S2/s"
same_inode "$S1/y/target" "$S2/y/target"

say "an unchanged third run links everything to the second"
create_checked N3 "$N2"
while IFS= read -r -d '' f; do
	same_inode "$S2/$f" "$ROOT/$N3/src/$f"
done < <(regular_files "$SRC")

echo "ok"
