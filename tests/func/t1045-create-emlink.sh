#!/bin/bash
# t1045: a previous file with too many links (EMLINK) is copied.
#
# After snapshot 1, the test gives snapshot 1's inode of popular.txt as many
# extra hard links (outside the snapshot root) as the filesystem allows,
# so linking to it once more fails with EMLINK.  Proves: create 2 exits 0,
# its popular.txt is a copy with the right content and metadata, the other
# files are still linked, the snapshot reproduces the source, the output
# names the EMLINK fallback, and snapshot 1 is unchanged.  Needs a
# filesystem with a link limit: the scratch directory's (ext4: 65000), else
# (as root) a loop-mounted ext4 image; skipped otherwise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync python3

BASE=$SCRATCH
: >"$SCRATCH/probe"
if [ "$(fill_links "$SCRATCH/probe" "$SCRATCH/probe-links" | cut -d' ' -f1)" != emlink ]; then
	rm -rf "$SCRATCH/probe-links"
	[ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null ||
		skip "the scratch filesystem has no link limit, and no root/mkfs.ext4 for an ext4 image"
	truncate -s 64M "$SCRATCH/ext4.img"
	mkfs.ext4 -q -F "$SCRATCH/ext4.img" >/dev/null 2>&1 || skip "mkfs.ext4 failed"
	mkdir "$SCRATCH/ext4"
	mount -o loop "$SCRATCH/ext4.img" "$SCRATCH/ext4" 2>"$SCRATCH/mount.err" ||
		skip "cannot loop-mount an ext4 image: $(cat "$SCRATCH/mount.err")"
	BASE=$SCRATCH/ext4
fi
rm -rf "$SCRATCH/probe" "$SCRATCH/probe-links"

SRC=$BASE/src
ROOT=$BASE/root
mkdir -p "$SRC"
printf 'linked by everyone\n' >"$SRC/popular.txt"
chmod 0640 "$SRC/popular.txt"
touch -d '2015-05-05 05:05:05.5 UTC' "$SRC/popular.txt"
printf 'other\n' >"$SRC/other.txt"
write_config "$ROOT" "$SRC"

create_snapshot N1

say "snapshot 1's popular.txt gets all the links the filesystem allows"
res=$(fill_links "$ROOT/$N1/src/popular.txt" "$BASE/pad")
echo "$res; link count now $(stat -c %h "$ROOT/$N1/src/popular.txt")"
[ "${res%% *}" = emlink ] || fail "expected EMLINK while padding, got: $res"
remember_history "$N1"

create_checked N2 "$N1"
diff_inode "$ROOT/$N1/src/popular.txt" "$ROOT/$N2/src/popular.txt"
same_inode "$ROOT/$N1/src/other.txt" "$ROOT/$N2/src/other.txt"
grep -Eiq '[1-9][0-9]* [^,;]*emlink|emlink[^0-9,;]*[1-9]' "$OUT" "$ERR" ||
	fail "the output does not count the EMLINK fallback"
history_unchanged "$N1"

say "the copy is the new link target: the next run links to it"
create_snapshot N3
same_inode "$ROOT/$N2/src/popular.txt" "$ROOT/$N3/src/popular.txt"

rm -rf "$BASE/pad"
echo "ok"
