#!/bin/bash
# t1540: a backup leaves the page cache as it found it (issue 14).
#
# A file the machine had cached stays cached after create copied it;
# one that create had to read from the disk is dropped from the cache
# again (POSIX_FADV_DONTNEED), so that reading a whole tree for a backup
# does not push out what the machine's own work keeps there.  Counted
# with fincore (util-linux), on three files of 4 MiB:
#   - hot.bin, read just before: still wholly cached afterwards;
#   - cold.bin, dropped from the cache before (fsync, then
#     POSIX_FADV_DONTNEED): not cached afterwards;
#   - half.bin, of which only the first half was cached: read whole and
#     copied exactly;
#   and the snapshot reproduces the source (rsync -ani, diff -r).
# On the scratch folder's disk twice, the second time with cachestat
# refused by a seccomp filter (tests/func/seccomp-deny.py), as a unit's
# SystemCallFilter= refuses a call it does not know, so that the
# mincore way answers; and (as root, where the kernel
# has zram) on an ext4 on a zram disk, whose reads complete before the
# submitting call returns.  There a read with RWF_NOWAIT, which starts
# readahead before it looks, finds a dropped file "cached": whether a
# file was cached must be asked without reading it (src/pagecache.h).
# Skipped where the page cache cannot be dropped per file (tmpfs keeps
# its pages: they are the file).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd fincore python3 rsync

[ "$(stat -f -c %T "$SCRATCH")" != tmpfs ] || skip "the scratch folder is on tmpfs"

# cached_pages FILE: how many of FILE's pages are in the page cache.
cached_pages() {
	fincore -n -b -o PAGES "$1" | tr -d ' '
}

# drop FILE [BYTES]: writes FILE back and drops it from the page cache,
# then reads its first BYTES back into the cache.
drop() {
	python3 - "$1" "${2:-0}" <<'PY'
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
os.fsync(fd)
os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
if int(sys.argv[2]):
    os.pread(fd, int(sys.argv[2]), 0)
os.close(fd)
PY
}

# backup_leaves_cache SRC ROOT: the three files in SRC (a new folder),
# one create into ROOT, and the checks above.
backup_leaves_cache() {
	local src=$1 root=$2 f pages hot_after cold_after n1
	mkdir -p "$src"
	for f in hot cold half; do
		head -c $((4 << 20)) /dev/urandom >"$src/$f.bin"
	done
	drop "$src/cold.bin"
	[ "$(cached_pages "$src/cold.bin")" = 0 ] ||
		skip "this filesystem keeps pages that POSIX_FADV_DONTNEED drops elsewhere"
	drop "$src/half.bin" $((2 << 20))
	# Written back first: POSIX_FADV_DONTNEED leaves dirty pages alone.
	sync "$src/hot.bin"
	cat "$src/hot.bin" >/dev/null
	pages=$(cached_pages "$src/hot.bin")
	[ "$pages" -gt 0 ] || fail "hot.bin is not cached after a read"

	write_config "$root" "$src"
	ROOT=$root create_snapshot n1
	# Before anything else reads the sources again.
	hot_after=$(cached_pages "$src/hot.bin")
	cold_after=$(cached_pages "$src/cold.bin")

	say "what was cached stays cached"
	assert_eq "$hot_after" "$pages" "cached pages of hot.bin"
	say "what was read from the disk is dropped again"
	assert_eq "$cold_after" 0 "cached pages of cold.bin"
	cmp "$src/half.bin" "$root/$n1/src/half.bin" ||
		fail "the copy of a half-cached file differs"
	compare_trees "$src" "$root/$n1/src"
}

say "on the scratch folder's disk"
backup_leaves_cache "$SCRATCH/src" "$SCRATCH/root"

# cachestat (451 on every architecture with the common call table)
# refused as the unit's seccomp filter refuses an unknown call: the same
# results the mincore way, asked of the same descriptor.
say "cachestat refused (seccomp): the same, asked with mincore"
if python3 "$(dirname "$0")/seccomp-deny.py" 451 true; then
	SNAP_PREFIX=(python3 "$(dirname "$0")/seccomp-deny.py" 451)
	if command -v strace >/dev/null 2>&1; then
		# LeakSanitizer cannot work under ptrace (an ASan build).
		SNAP_PREFIX+=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
			strace -f -qq -e trace=mincore -o "$SCRATCH/mincore.trace")
	fi
	backup_leaves_cache "$SCRATCH/src-seccomp" "$SCRATCH/root-seccomp"
	SNAP_PREFIX=()
	if [ -e "$SCRATCH/mincore.trace" ]; then
		grep -q 'mincore(' "$SCRATCH/mincore.trace" ||
			fail "snap never asked mincore with cachestat refused"
	fi
else
	say "no seccomp filter here: that part is left out"
fi

# The zram disk, made here and removed on exit (after lib.sh's cleanup
# has unmounted it).
ZRAM=
remove_zram() {
	cleanup
	[ -z "$ZRAM" ] || echo "$ZRAM" >/sys/class/zram-control/hot_remove 2>/dev/null || true
}
if [ "$(id -u)" != 0 ] || [ ! -w /sys/class/zram-control/hot_add ]; then
	say "no zram disk here (needs root and a kernel with zram): its part is left out"
	echo "ok"
	exit 0
fi
trap remove_zram EXIT
ZRAM=$(cat /sys/class/zram-control/hot_add) || fail "cannot add a zram disk"
echo 64M >"/sys/block/zram$ZRAM/disksize" ||
	fail "cannot size zram$ZRAM"
mkfs.ext4 -q "/dev/zram$ZRAM" || fail "cannot make ext4 on zram$ZRAM"
mkdir "$SCRATCH/zram"
mount -o noatime "/dev/zram$ZRAM" "$SCRATCH/zram" || fail "cannot mount zram$ZRAM"
say "on a zram disk"
backup_leaves_cache "$SCRATCH/zram/src" "$SCRATCH/root-zram"
umount "$SCRATCH/zram"
echo "ok"
