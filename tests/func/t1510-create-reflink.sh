#!/bin/bash
# t1510: on filesystems with reflinks (xfs with reflink=1, btrfs) a copy
# costs no data blocks (issue 14).
#
# On a loop image of each, with the source and the snapshot root on it:
#   - the first snapshot of a 1 GiB file adds less than 4 MiB (df), and
#     every extent of the stored copy is shared (filefrag -v);
#   - a mode change (metadata only: the file is stored anew, history
#     keeps the old mode) adds less than 1 MiB;
#   - a second name with the same content, a separate inode at the
#     source (cp -p), is stored as a separate inode and adds less than
#     1 MiB;
#   - on btrfs, a nodatacow file that sorts first (FICLONE says EINVAL
#     for it) does not stop the big file from being shared: only "no
#     reflinks here at all" is remembered;
#   - every snapshot reproduces the source (rsync -ani, diff -r).
# Needs root, loop devices, mkfs.xfs (xfsprogs), mkfs.btrfs (btrfs-progs)
# and filefrag (e2fsprogs); skips a filesystem it cannot make, and the
# test when it can make neither.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd rsync
require_cmd losetup
require_cmd filefrag

MIB=1048576
LOOP=""
MNT=""

# Unmounts and detaches what mount_image set up (also on the way out).
unmount_image() {
	if [ -n "$MNT" ] && mountpoint -q "$MNT"; then
		umount "$MNT" || umount -l "$MNT" || true
	fi
	if [ -n "$LOOP" ]; then
		losetup -d "$LOOP" 2>/dev/null || true
	fi
	LOOP="" MNT=""
}
trap 'unmount_image; cleanup' EXIT

# mount_image FS: a new 3 GiB (sparse) FS image on a loop device at $SCRATCH/FS.
# Returns 1 (and says why) when that cannot be done here.
mount_image() {
	local fs=$1 img=$SCRATCH/$1.img
	case $fs in
	xfs) command -v mkfs.xfs >/dev/null || { say "no mkfs.xfs"; return 1; } ;;
	btrfs) command -v mkfs.btrfs >/dev/null || { say "no mkfs.btrfs"; return 1; } ;;
	esac
	truncate -s 3G "$img"
	case $fs in
	xfs) mkfs.xfs -q -f -m reflink=1 "$img" >"$SCRATCH/mkfs.out" 2>&1 ;;
	btrfs) mkfs.btrfs -q -f "$img" >"$SCRATCH/mkfs.out" 2>&1 ;;
	esac || { say "cannot make $fs: $(cat "$SCRATCH/mkfs.out")"; return 1; }
	LOOP=$(losetup -f --show "$img" 2>"$SCRATCH/losetup.err") || {
		LOOP=""
		say "no loop device: $(cat "$SCRATCH/losetup.err")"
		return 1
	}
	MNT=$SCRATCH/$fs
	mkdir -p "$MNT"
	mount -t "$fs" "$LOOP" "$MNT" 2>"$SCRATCH/mount.err" || {
		say "cannot mount $fs: $(cat "$SCRATCH/mount.err")"
		unmount_image
		return 1
	}
}

# Bytes in use on the mounted image, once everything is on disk.
used() {
	sync -f "$MNT"
	df -B1 --output=used "$MNT" | tail -n 1
}

# grew_less BEFORE LIMIT WHAT: the image grew by less than LIMIT bytes.
grew_less() {
	local now
	now=$(used)
	[ $((now - $1)) -lt "$2" ] ||
		fail "$3 took $(((now - $1) / 1024)) KiB, expected less than $(($2 / 1024)) KiB"
	say "$3: $(((now - $1) / 1024)) KiB"
}

# all_shared FILE: every extent of FILE is shared with another file.
all_shared() {
	filefrag -v "$1" >"$SCRATCH/frag" 2>&1 || fail "filefrag -v '$1' failed"
	awk '/^ *[0-9]+:/ { n++; if ($0 !~ /shared/) bad++ }
	     END { exit !(n > 0 && bad == 0) }' "$SCRATCH/frag" || {
		sed 's/^/    filefrag: /' "$SCRATCH/frag"
		fail "'$1' has extents that are not shared"
	}
}

tested=0
for fs in xfs btrfs; do
	say "$fs"
	mount_image "$fs" || continue
	SRC=$MNT/src
	ROOT=$MNT/root
	mkdir -p "$SRC/small"
	if [ "$fs" = btrfs ] && command -v chattr >/dev/null; then
		: >"$SRC/a-nocow.bin"
		chattr +C "$SRC/a-nocow.bin"
		head -c $((256 * 1024)) /dev/urandom >>"$SRC/a-nocow.bin"
	fi
	head -c $((1024 * MIB)) /dev/urandom >"$SRC/big.img"
	for i in 1 2 3; do
		echo "small $i" >"$SRC/small/$i.txt"
	done
	write_config "$ROOT" "$SRC"

	before=$(used)
	create_checked -q N1
	grew_less "$before" $((4 * MIB)) "$fs: first snapshot of 1 GiB"
	all_shared "$ROOT/$N1/src/big.img"

	chmod 0600 "$SRC/big.img"
	before=$(used)
	create_checked -q N2 "$N1"
	grew_less "$before" "$MIB" "$fs: a mode change of 1 GiB"
	diff_inode "$ROOT/$N1/src/big.img" "$ROOT/$N2/src/big.img"
	assert_eq "$(stat -c %a "$ROOT/$N1/src/big.img")" 644 "mode kept in $N1"
	assert_eq "$(stat -c %a "$ROOT/$N2/src/big.img")" 600 "mode in $N2"
	all_shared "$ROOT/$N2/src/big.img"

	cp -p --reflink=always "$SRC/big.img" "$SRC/big-dup.img"
	before=$(used)
	create_checked -q N3 "$N2"
	grew_less "$before" "$MIB" "$fs: a second copy of 1 GiB"
	diff_inode "$ROOT/$N3/src/big.img" "$ROOT/$N3/src/big-dup.img"
	all_shared "$ROOT/$N3/src/big-dup.img"

	unmount_image
	tested=$((tested + 1))
done
[ "$tested" -gt 0 ] || skip "neither xfs nor btrfs could be made on a loop device here"
