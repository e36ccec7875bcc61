#!/bin/bash
# t1532: a backup disk that runs out of inodes while --jobs 3 holds
# folders whose links and metadata are still queued fails the run as
# --jobs 1 does, and the next run succeeds.
#
# Each root is on a tmpfs of its own; root A is run with --jobs 1, root
# B with --jobs 3.  The first snapshot has 60 folders of 30 files, a
# subfolder and 3 more files each.  Then in both roots the stored copy
# of the last file of 40 folders (after the subfolder) is changed in
# place, so the second run has to copy it again, once the walk has left
# its folder, and each tmpfs is given inodes (it counts every name, a
# link too) for about half of the second run's entries.  Proves: both runs exit 1 saying "No
# space left on device", make no snapshot, leave nothing in
# .snap/incomplete and give the inodes back; the first snapshots are as
# they were; with inodes enough, the next run of each gives the same
# snapshot, manifest, warnings and counts (create_both).  Needs root and
# mount; skipped otherwise.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "mount"
require_cmd rsync python3 mount umount

SRC=$SCRATCH/src
DA=$SCRATCH/disk-a
DB=$SCRATCH/disk-b
RA=$DA/root
RB=$DB/root
CA=$SCRATCH/a.yaml
CB=$SCRATCH/b.yaml

for d in "$DA" "$DB"; do
	mkdir "$d"
	mount -t tmpfs -o size=64m,nr_inodes=100000,mode=0755 tmpfs "$d" \
		2>"$SCRATCH/mount.err" ||
		skip "cannot mount a tmpfs: $(cat "$SCRATCH/mount.err")"
done
python3 - "$SRC" <<'PY'
import os, sys
top = sys.argv[1]
for i in range(60):
    d = os.path.join(top, "d%02d" % i)
    os.makedirs(os.path.join(d, "m"))
    for n in ["f%02d" % k for k in range(30)] + ["z0", "z1", "z2"]:
        with open(os.path.join(d, n), "w") as f:
            f.write("%d %s\n" % (i, n))
    for k in range(5):
        with open(os.path.join(d, "m", "g%d" % k), "w") as f:
            f.write("%d m %d\n" % (i, k))
PY
write_ab_configs

inodes_used() {
	df --output=iused "$1" | tail -n 1
}

T=1790000000
say "first run"
create_both "$T" N1 0 2000

ENTRIES=$(find "$SRC" | wc -l)
for root in "$RA" "$RB"; do
	for i in $(seq 0 39); do
		chmod 0600 "$root/$N1/src/d$(printf %02d "$i")/z2"
	done
	history_listing "$root/$N1" >"$SCRATCH/history.${root//\//_}"
done
# tmpfs counts every name, a link too, against its inodes.
say "inodes for half of the $ENTRIES entries"
for d in "$DA" "$DB"; do
	used=$(inodes_used "$d")
	mount -o remount,nr_inodes=$((used + ENTRIES / 2)) "$d" ||
		fail "cannot give $d fewer inodes"
	echo "$d: $used inodes used, $((used + ENTRIES / 2)) allowed"
done
for j in 1 3; do
	root=$RA disk=$DA
	CONFIG=$CA
	if [ "$j" = 3 ]; then
		root=$RB disk=$DB
		CONFIG=$CB
	fi
	used=$(inodes_used "$disk")
	SNAP_NOW=$((T + 3600)) run_snap create --jobs "$j"
	expect_status 1 "--jobs $j, out of inodes"
	assert_grep 'No space left on device' "$ERR" "stderr of --jobs $j"
	assert_eq "$(snapshots "$root" | tr '\n' ' ')" "$N1 " \
		"snapshots after the failure (--jobs $j)"
	assert_eq "$(latest "$root")" "$N1" "latest after the failure (--jobs $j)"
	incomplete_empty "$root" ||
		fail ".snap/incomplete is not empty: $(ls -A "$root/.snap/incomplete")"
	assert_eq "$(inodes_used "$disk")" "$used" "inodes used after the failure (--jobs $j)"
	history_listing "$root/$N1" | diff "$SCRATCH/history.${root//\//_}" - ||
		fail "snapshot $N1 of $root changed"
done

say "inodes enough"
for d in "$DA" "$DB"; do
	mount -o remount,nr_inodes=100000 "$d"
done
create_both $((T + 7200)) N2 3 2000
for i in 0 39; do
	p=src/d$(printf %02d "$i")/z2
	assert_grep "'$p' in snapshot '$N1' is not what its manifest says" \
		"$SCRATCH/err.b"
	diff_inode "$RB/$N1/$p" "$RB/$N2/$p"
done
same_inode "$RB/$N1/src/d00/z1" "$RB/$N2/src/d00/z1"
same_inode "$RB/$N1/src/d59/z2" "$RB/$N2/src/d59/z2"

echo "ok"
