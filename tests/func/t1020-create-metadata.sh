#!/bin/bash
# t1020: a metadata-only change is copied and history never changes.
#
# After snapshot 1, one file each gets chmod, chown (root only), touch -d,
# setfattr and setfacl, and one file is rewritten with content of the same
# size and its old mtime put back (a "sneaky" edit only ctime reveals).
# Proves: after snapshot 2 the snapshot-1 inodes still carry their old mode,
# owner, mtime, xattrs and content (rsnapshot's cp -al + rsync would have
# rewritten them); snapshot 1 still equals the source as it was; snapshot 2
# equals the source as it is; the changed files are new inodes and every
# other file is linked to snapshot 1.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync getfattr setfattr

setup_sample_source "$SCRATCH/root"
have_xattr=no have_acl=no is_root=no
xattrs_work "$SRC" && have_xattr=yes
command -v setfacl >/dev/null && acls_work "$SRC" && have_acl=yes
[ "$(id -u)" = 0 ] && is_root=yes

create_snapshot N1
cp -a "$SRC" "$SCRATCH/src-as-it-was"

changed=(a/f1.txt a/f2.txt docs/doc4.txt a/b/f5.txt)
[ "$have_xattr" = no ] || changed+=(a/b/f3.txt)
[ "$have_acl" = no ] || changed+=(a/b/f4.txt)
[ "$is_root" = no ] || changed+=(a/f3.txt)

say "recording snapshot 1's view of the files to change"
for f in "${changed[@]}"; do
	stat -c '%a %u %g %Y %y %s %i' "$ROOT/$N1/src/$f"
	xattr_dump "$ROOT/$N1/src/$f"
	sha256sum <"$ROOT/$N1/src/$f"
done >"$SCRATCH/before"
remember_history "$N1"

say "changing metadata only"
chmod 0600 "$SRC/a/f1.txt"
touch -d '2011-11-11 11:11:11.111111111 UTC' "$SRC/a/f2.txt"
[ "$have_xattr" = no ] || setfattr -n user.new -v value "$SRC/a/b/f3.txt"
[ "$have_acl" = no ] || setfacl -m u:65534:rw "$SRC/a/b/f4.txt"
[ "$is_root" = no ] || chown 1234:5678 "$SRC/a/f3.txt"
# The same inode, size and mtime, other content: only ctime shows it.
printf DOC | dd of="$SRC/docs/doc4.txt" bs=1 conv=notrunc status=none
touch -r "$SCRATCH/src-as-it-was/docs/doc4.txt" "$SRC/docs/doc4.txt"
# An xattr value changed on a file that already had one (doc1: user.tag).
# a/b/f5.txt: mode and mtime together.
chmod 0444 "$SRC/a/b/f5.txt"
touch -d '2030-01-01 00:00:00 UTC' "$SRC/a/b/f5.txt"
if [ "$have_xattr" = yes ]; then
	setfattr -n user.tag -v changed "$SRC/docs/doc1.txt"
	changed+=(docs/doc1.txt)
	stat -c '%a %u %g %Y %y %s %i' "$ROOT/$N1/src/docs/doc1.txt" >>"$SCRATCH/before"
	xattr_dump "$ROOT/$N1/src/docs/doc1.txt" >>"$SCRATCH/before"
	sha256sum <"$ROOT/$N1/src/docs/doc1.txt" >>"$SCRATCH/before"
fi

create_snapshot N2 "$N1"

say "snapshot 1 kept the old metadata"
for f in "${changed[@]}"; do
	stat -c '%a %u %g %Y %y %s %i' "$ROOT/$N1/src/$f"
	xattr_dump "$ROOT/$N1/src/$f"
	sha256sum <"$ROOT/$N1/src/$f"
done >"$SCRATCH/after"
diff "$SCRATCH/before" "$SCRATCH/after" ||
	fail "files of snapshot 1 changed (history was rewritten)"
history_unchanged "$N1"
compare_trees "$SCRATCH/src-as-it-was" "$ROOT/$N1/src"

say "snapshot 2 has the new metadata"
compare_trees "$SRC" "$ROOT/$N2/src"
grep -q DOC "$ROOT/$N2/src/docs/doc4.txt" ||
	fail "the same-size same-mtime edit of docs/doc4.txt was missed"

say "changed files are new inodes, the others are linked"
for f in "${changed[@]}"; do
	diff_inode "$ROOT/$N1/src/$f" "$ROOT/$N2/src/$f"
done
nlinked=0
while IFS= read -r -d '' f; do
	is_changed=no
	for c in "${changed[@]}"; do
		[ "$c" != "$f" ] || is_changed=yes
	done
	[ "$is_changed" = yes ] && continue
	same_inode "$ROOT/$N1/src/$f" "$ROOT/$N2/src/$f"
	nlinked=$((nlinked + 1))
done < <(regular_files "$SRC")
echo "changed: ${#changed[@]}, linked: $nlinked"
copied=$(summary_count copied "$OUT")
assert_eq "$copied" "${#changed[@]}" "copied count in the summary"

echo "ok"
