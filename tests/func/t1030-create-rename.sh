#!/bin/bash
# t1030: renamed and duplicated files are linked, not stored again.
#
# After snapshot 1: a folder of 1 MiB of photos is renamed, a file is
# renamed, a file is duplicated with cp -p (same content and metadata), a
# file is saved the way editors do (new inode renamed over the old name).
# Proves: the new paths in snapshot 2 are the inodes of the old paths in
# snapshot 1, and snapshot 2 adds almost no space.  And the guards: a copy
# with a different mtime (plain cp) and a file with the same size and
# mtime but other content are NOT linked to the old file.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/photos/2025" "$SRC/docs"
for i in $(seq 1 16); do
	head -c 65536 /dev/urandom >"$SRC/photos/2025/img$i.jpg"
done
head -c 20000 /dev/urandom >"$SRC/docs/report.pdf"
head -c 30000 /dev/urandom >"$SRC/docs/old-name.odt"
printf 'same size, first\n' >"$SRC/docs/a.txt"
touch -d '2022-02-22 22:22:22.222 UTC' "$SRC/docs/a.txt"
write_config "$ROOT" "$SRC"

create_snapshot N1
remember_history "$N1"

say "rename a folder and a file, duplicate a file"
mv "$SRC/photos" "$SRC/pictures"
mv "$SRC/docs/old-name.odt" "$SRC/docs/new-name.odt"
cp -p "$SRC/docs/report.pdf" "$SRC/docs/report-copy.pdf"
cp "$SRC/docs/report.pdf" "$SRC/docs/report-new-mtime.pdf"
touch -d '2001-01-01 UTC' "$SRC/docs/report-new-mtime.pdf"
printf 'same size, other\n' >"$SRC/docs/b.txt"
touch -r "$SRC/docs/a.txt" "$SRC/docs/b.txt"
chmod --reference="$SRC/docs/a.txt" "$SRC/docs/b.txt"
# An editor's "save": a new inode renamed over the old name, same bytes
# and metadata.
cp -p "$SRC/docs/report.pdf" "$SRC/docs/.report.pdf.swp"
mv "$SRC/docs/.report.pdf.swp" "$SRC/docs/report.pdf"

create_checked N2 "$N1"

say "moved and duplicated files share the old inodes"
for i in $(seq 1 16); do
	same_inode "$ROOT/$N1/src/photos/2025/img$i.jpg" \
		"$ROOT/$N2/src/pictures/2025/img$i.jpg"
done
same_inode "$ROOT/$N1/src/docs/old-name.odt" "$ROOT/$N2/src/docs/new-name.odt"
# report.pdf and report-copy.pdf are two inodes at the source with the
# same content and metadata: one links to the old inode, the other is a
# copy of its own, so that editing one of a cp -a restore never changes
# the other.
old=$(inode "$ROOT/$N1/src/docs/report.pdf")
a=$(inode "$ROOT/$N2/src/docs/report.pdf")
b=$(inode "$ROOT/$N2/src/docs/report-copy.pdf")
[ "$a" != "$b" ] || fail "report.pdf and report-copy.pdf share an inode in $N2"
[ "$a" = "$old" ] || [ "$b" = "$old" ] ||
	fail "neither report.pdf nor report-copy.pdf links to $N1's copy"

say "a different mtime or different content is not linked"
diff_inode "$ROOT/$N1/src/docs/report.pdf" "$ROOT/$N2/src/docs/report-new-mtime.pdf"
diff_inode "$ROOT/$N1/src/docs/a.txt" "$ROOT/$N2/src/docs/b.txt"
cmp -s "$ROOT/$N2/src/docs/b.txt" "$SRC/docs/b.txt" || fail "b.txt has the wrong content"

say "snapshot 2 adds almost no space"
new_kib=$(du -sk "$ROOT/$N1" "$ROOT/$N2" | sed -n 2p | cut -f1)
echo "snapshot 2 adds $new_kib KiB"
# The only new data: report-new-mtime.pdf and one of report.pdf and
# report-copy.pdf (20 KB each) and b.txt, plus directories.
[ "$new_kib" -lt 200 ] || fail "snapshot 2 adds $new_kib KiB; the 1 MiB of moved photos was stored again?"

say "snapshot 1 did not change"
history_unchanged "$N1"

echo "ok"
