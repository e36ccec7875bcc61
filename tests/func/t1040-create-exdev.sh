#!/bin/bash
# t1040: a previous snapshot that cannot be linked to (EXDEV) is copied.
#
# Part 1: snapshot 1 is bind-mounted onto itself, so linkat() from it into
# .snap/incomplete fails with EXDEV although it is the same filesystem and
# the same inodes.  Part 2: the previous snapshot is moved onto a tmpfs
# mounted at its own path (another filesystem).  Proves, both times: create
# succeeds, every file of the new snapshot is a copy (not the previous
# inode), the new snapshot reproduces the source, the previous snapshot is
# unchanged, and (part 1) the output names the EXDEV fallback.  Needs root
# and mount; skipped otherwise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "mount"
require_cmd rsync mount umount

setup_sample_source "$SCRATCH/root"
create_snapshot N1

say "part 1: snapshot 1 on another mount (bind mount of itself)"
mount --bind "$ROOT/$N1" "$ROOT/$N1" 2>"$SCRATCH/mount.err" ||
	skip "cannot bind-mount: $(cat "$SCRATCH/mount.err")"
remember_history "$N1"
create_checked N2 "$N1"
while IFS= read -r -d '' f; do
	diff_inode "$ROOT/$N1/src/$f" "$ROOT/$N2/src/$f"
done < <(regular_files "$SRC")
same_inode "$ROOT/$N2/src/hard1" "$ROOT/$N2/src/a/hard2"
# A non-zero count next to EXDEV ("EXDEV 40 (...)", "40 copied because of EXDEV").
grep -Eiq '[1-9][0-9]* [^,;]*exdev|exdev[^0-9,;]*[1-9]' "$OUT" "$ERR" ||
	fail "the output does not count the EXDEV fallback"
history_unchanged "$N1"
umount "$ROOT/$N1"

say "part 2: the previous snapshot on a tmpfs"
cp -a "$ROOT/$N2" "$SCRATCH/n2-copy"
mount -t tmpfs -o size=64m,mode=0755 tmpfs "$ROOT/$N2" 2>"$SCRATCH/mount.err" ||
	skip "cannot mount a tmpfs: $(cat "$SCRATCH/mount.err")"
cp -a "$SCRATCH/n2-copy/." "$ROOT/$N2/"
touch -r "$SCRATCH/n2-copy" "$ROOT/$N2"
compare_trees "$SCRATCH/n2-copy" "$ROOT/$N2"
remember_history "$N2"
echo "changed" >>"$SRC/top.txt"
create_checked N3 "$N2"
dev_prev=$(stat -c %d "$ROOT/$N2/src/top.txt")
while IFS= read -r -d '' f; do
	[ "$(stat -c %d "$ROOT/$N3/src/$f")" != "$dev_prev" ] ||
		fail "$f of $N3 is on the tmpfs of $N2"
	[ "$(stat -c %h "$ROOT/$N3/src/$f")" -le 2 ] ||
		fail "$f of $N3 has too many links for a fresh copy"
done < <(regular_files "$SRC")
history_unchanged "$N2"
umount "$ROOT/$N2"

say "after the unmounts, the next snapshot links to the newest again"
create_snapshot N4
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$N3/src/$f" "$ROOT/$N4/src/$f"
done < <(regular_files "$SRC")

echo "ok"
