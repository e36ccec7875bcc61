#!/bin/bash
# t1530: the linking thread of --jobs 3 makes what --jobs 1 makes when a
# link goes wrong.
#
# With two jobs or more the links of unchanged files are made by a
# thread of their own (with three, a third reads ahead) and each comes
# back, in walk order, to the thread that plans; one that failed takes
# the path --jobs 1 takes.  One source is snapshotted into
# two roots with the same SNAP_NOW: root A with --jobs 1, root B with
# --jobs 3.  The tree is wide (one folder of 3000 files), deep (80
# nested folders, more than the linker keeps open, each with files
# before and after its subfolder) and has hard links across folders.
# Before the second run the same things happen to both roots and the
# source: stored files of the first snapshot changed in place (mode,
# mtime, size: the check of the linked inode fails and the file is
# stored anew with a warning), one stored inode filled up to the link
# limit (EMLINK: copied), one removed (copied), and in the source files
# changed, renamed, added and hard-linked among unchanged ones.  Proves,
# after each run: both snapshots reproduce the source, the manifests
# are the same records with the same shared inodes (manifest_shape),
# the warnings are the same lines in the same order, the summaries
# count the same, the first snapshot is unchanged, and the unchanged
# files of root B are linked to its first snapshot.  Then a third run
# (nothing changed) and snap verify of the two later snapshots.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync python3

SRC=$SCRATCH/src
RA=$SCRATCH/root-a
RB=$SCRATCH/root-b
CA=$SCRATCH/a.yaml
CB=$SCRATCH/b.yaml

# The wide folder: files f0000..f2999, and a subfolder in the middle.
mkdir -p "$SRC/wide/mid" "$SRC/other"
python3 - "$SRC/wide" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(3000):
    with open(os.path.join(d, "f%04d" % i), "w") as f:
        f.write("wide %d\n" % i)
PY
for f in $(seq 1 20); do
	echo "mid $f" >"$SRC/wide/mid/m$f"
done
# The deep chain: at each level a file before ("a") and after ("z") the
# next folder ("n").
p=$SRC/deep
for lvl in $(seq 1 80); do
	mkdir -p "$p/n"
	echo "a $lvl" >"$p/a"
	echo "z $lvl" >"$p/z"
	p=$p/n
done
echo "bottom" >"$p/bottom"
# Hard links across folders, and among the wide folder's files.
echo "shared" >"$SRC/other/shared"
ln "$SRC/other/shared" "$SRC/wide/f1500-shared"
ln "$SRC/other/shared" "$SRC/deep/n/n/n/shared"
ln "$SRC/wide/f0100" "$SRC/other/f0100-too"
echo "popular" >"$SRC/other/popular"
for i in $(seq 1 5); do
	echo "renamed $i" >"$SRC/wide/r$i"
done

write_ab_configs

# both T VAR [EXPECT]: create_both, and the hard links in root B.
both() {
	create_both "$1" "$2" "${3:-0}" 3000
	local name=${!2}
	same_inode "$RB/$name/src/other/shared" "$RB/$name/src/wide/f1500-shared"
	same_inode "$RB/$name/src/other/shared" "$RB/$name/src/deep/n/n/n/shared"
	same_inode "$RB/$name/src/wide/f0100" "$RB/$name/src/other/f0100-too"
}

T=1790000000
say "first run"
both "$T" N1

say "stored files changed in place, a full inode, a removed one; source changes"
EMLINK=no
for root in "$RA" "$RB"; do
	s=$root/$N1/src
	chmod 0600 "$s/wide/f0010"
	touch -d '2001-01-01 UTC' "$s/wide/f2000"
	echo "more" >>"$s/deep/n/n/n/n/n/z"
	echo "more" >>"$s/wide/f2999"
	rm "$s/wide/f0500"
	if [ "$(fill_links "$s/other/popular" "$SCRATCH/links-${root##*/}" |
		cut -d' ' -f1)" = emlink ]; then
		EMLINK=yes
	fi
	history_listing "$root/$N1" >"$SCRATCH/history.${root##*/}"
done
[ "$EMLINK" = yes ] || say "no link limit here: the EMLINK case is not tested"
echo "changed" >>"$SRC/wide/f0020"
echo "changed" >>"$SRC/deep/n/n/n/n/n/n/n/a"
mv "$SRC/wide/r1" "$SRC/wide/r1-renamed"
mv "$SRC/wide/r3" "$SRC/other/r3-moved"
echo "new" >"$SRC/wide/f1234-new"
ln "$SRC/wide/f2500" "$SRC/other/f2500-linked"
both $((T + 3600)) N2 3
for root in "$RA" "$RB"; do
	history_listing "$root/$N1" | diff "$SCRATCH/history.${root##*/}" - ||
		fail "snapshot $N1 of ${root##*/} changed"
done
assert_grep "'src/wide/f0010' in snapshot '$N1' is not what its manifest says" "$SCRATCH/err.b"
assert_grep "'src/deep/n/n/n/n/n/z' in snapshot '$N1' is not what its manifest says" "$SCRATCH/err.b"
diff_inode "$RB/$N1/src/wide/f0010" "$RB/$N2/src/wide/f0010"
diff_inode "$RB/$N1/src/wide/f2000" "$RB/$N2/src/wide/f2000"
same_inode "$RB/$N1/src/wide/f0011" "$RB/$N2/src/wide/f0011"
same_inode "$RB/$N1/src/wide/r2" "$RB/$N2/src/wide/r2"
same_inode "$RB/$N1/src/wide/r1" "$RB/$N2/src/wide/r1-renamed"
same_inode "$RB/$N1/src/deep/n/n/n/n/n/n/n/n/a" "$RB/$N2/src/deep/n/n/n/n/n/n/n/n/a"
if [ "$EMLINK" = yes ]; then
	diff_inode "$RB/$N1/src/other/popular" "$RB/$N2/src/other/popular"
	grep -Eiq '[1-9][0-9]* [^,;]*emlink|emlink[^0-9,;]*[1-9]' "$OUT" ||
		fail "the output does not count the EMLINK fallback"
fi

say "nothing changed"
rm -rf "$SCRATCH/links-root-a" "$SCRATCH/links-root-b"
both $((T + 7200)) N3
same_inode "$RB/$N2/src/wide/f0010" "$RB/$N3/src/wide/f0010"
same_inode "$RB/$N2/src/other/popular" "$RB/$N3/src/other/popular"

# The first snapshots were changed by hand; the others must verify.
say "verify"
for c in "$CA" "$CB"; do
	CONFIG=$c
	run_snap verify "$N2" "$N3"
	expect_status 0
done

echo "ok"
