#!/bin/bash
# t1110: exclude patterns and one_file_system.
#
# Patterns "*.tmp", "cache/" (directories only), "*/.cache/" (a '/' inside:
# matched against a tail of the path) and "/anchored" (only at the source
# root).  Proves: the snapshot equals what rsync makes of the source with
# the same --exclude patterns (rsync's semantics are the model), checked
# with compare_trees, plus explicit checks of the corner cases (a file
# named "cache" is kept, "x.tmp.keep" is kept, a top-level ".cache" is kept,
# "sub/anchored" is kept); excluded files stay out of a second snapshot too.
# As root, with a tmpfs mounted inside the source: one_file_system: true
# leaves the mount's content out, false takes it in.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"/{cache,sub/cache,home/ann/.cache/x,deep/a/b/.cache,.cache,keep,sub/anchored,anchored}
cd "$SRC"
echo 1 >a.tmp
echo 2 >sub/b.tmp
echo 3 >x.tmp.keep
echo 4 >A.TMP
echo 5 >cache/c1
echo 6 >sub/cache/c2
echo 7 >keep/cache		# a file named cache: kept
echo 8 >home/ann/.cache/x/thumb
echo 9 >deep/a/b/.cache/blob
echo 10 >.cache/top-level
echo 11 >home/ann/.cache-not
echo 12 >anchored/gone
echo 13 >sub/anchored/kept
echo 14 >keep/file.txt
mkdir -p home/ann/.cache.d && echo 15 >home/ann/.cache.d/kept
cd "$SCRATCH"
patterns=('*.tmp' 'cache/' '*/.cache/' '/anchored')

write_config "$ROOT" "$SRC" "    exclude: ['*.tmp', 'cache/', '*/.cache/', '/anchored']"
create_snapshot N1

say "the snapshot is what rsync --exclude makes"
rsync_args=()
for p in "${patterns[@]}"; do
	rsync_args+=(--exclude="$p")
done
rsync -aHXA --modify-window=-1 "${rsync_args[@]}" "$SRC/" "$SCRATCH/expect/"
(cd "$SCRATCH/expect" && find . | sort) | sed 's/^/    expected: /'
compare_trees "$SCRATCH/expect" "$ROOT/$N1/src"

say "corner cases, one by one"
S=$ROOT/$N1/src
for gone in a.tmp sub/b.tmp cache sub/cache home/ann/.cache deep/a/b/.cache anchored; do
	assert_missing "$S/$gone"
done
for kept in x.tmp.keep A.TMP keep/cache .cache/top-level home/ann/.cache-not \
	sub/anchored/kept keep/file.txt home/ann/.cache.d/kept; do
	[ -f "$S/$kept" ] || fail "$kept was excluded but should not be"
done

say "a second snapshot excludes the same"
echo more >"$SRC/keep/file.txt"
echo 16 >"$SRC/new.tmp"
create_snapshot N2 "$N1"
rsync -aHXA --modify-window=-1 --delete "${rsync_args[@]}" "$SRC/" "$SCRATCH/expect/"
compare_trees "$SCRATCH/expect" "$ROOT/$N2/src"
assert_missing "$ROOT/$N2/src/new.tmp"
same_inode "$S/x.tmp.keep" "$ROOT/$N2/src/x.tmp.keep"

say "one_file_system"
if [ "$(id -u)" != 0 ]; then
	echo "note: not root; one_file_system is not tested"
	echo ok
	exit 0
fi
SRC2=$SCRATCH/src2
mkdir -p "$SRC2/mnt" "$SRC2/local"
echo local >"$SRC2/local/f"
if ! mount -t tmpfs -o size=1m tmpfs "$SRC2/mnt" 2>"$SCRATCH/mount.err"; then
	echo "note: cannot mount a tmpfs ($(cat "$SCRATCH/mount.err")); one_file_system is not tested"
	echo ok
	exit 0
fi
echo "on another fs" >"$SRC2/mnt/other"
ROOT=$SCRATCH/root2
write_config "$ROOT" "$SRC2" "    one_file_system: true"
create_snapshot M1
assert_missing "$ROOT/$M1/src/mnt/other"
[ -f "$ROOT/$M1/src/local/f" ] || fail "one_file_system left out local/f"
write_config "$ROOT" "$SRC2" "    one_file_system: false"
create_snapshot M2 "$M1"
cmp "$SRC2/mnt/other" "$ROOT/$M2/src/mnt/other"
umount "$SRC2/mnt"

echo "ok"
