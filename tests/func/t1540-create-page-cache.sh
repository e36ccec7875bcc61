#!/bin/bash
# t1540: a backup leaves the page cache as it found it (issue 14).
#
# A file the machine had cached stays cached after create copied it;
# one that create had to read from the disk is dropped from the cache
# again (POSIX_FADV_DONTNEED), so that reading a whole tree for a backup
# does not push out what the machine's own work keeps there.  Counted
# with fincore (util-linux), on two files of 4 MiB:
#   - hot.bin, read just before: still wholly cached afterwards;
#   - cold.bin, dropped from the cache before (fsync, then
#     POSIX_FADV_DONTNEED): not cached afterwards;
#   - a file of which only the first half was cached is read whole and
#     copied exactly (the first read, which asks the cache only, comes
#     back short);
#   and the snapshot reproduces the source (rsync -ani, diff -r).
# Skipped where the page cache cannot be dropped per file (tmpfs keeps
# its pages: they are the file).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd fincore python3 rsync

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
[ "$(stat -f -c %T "$SRC")" != tmpfs ] || skip "the scratch folder is on tmpfs"

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

for f in hot cold half; do
	head -c $((4 << 20)) /dev/urandom >"$SRC/$f.bin"
done
drop "$SRC/cold.bin"
[ "$(cached_pages "$SRC/cold.bin")" = 0 ] ||
	skip "this filesystem keeps pages that POSIX_FADV_DONTNEED drops elsewhere"
drop "$SRC/half.bin" $((2 << 20))
# Written back first: POSIX_FADV_DONTNEED leaves dirty pages alone.
sync "$SRC/hot.bin"
cat "$SRC/hot.bin" >/dev/null
pages=$(cached_pages "$SRC/hot.bin")
[ "$pages" -gt 0 ] || fail "hot.bin is not cached after a read"

write_config "$ROOT" "$SRC"
create_snapshot N1
# Before anything else reads the sources again.
hot_after=$(cached_pages "$SRC/hot.bin")
cold_after=$(cached_pages "$SRC/cold.bin")

say "what was cached stays cached"
assert_eq "$hot_after" "$pages" "cached pages of hot.bin"
say "what was read from the disk is dropped again"
assert_eq "$cold_after" 0 "cached pages of cold.bin"
cmp "$SRC/half.bin" "$ROOT/$N1/src/half.bin" ||
	fail "the copy of a half-cached file differs"
compare_trees "$SRC" "$ROOT/$N1/src"
echo "ok"
