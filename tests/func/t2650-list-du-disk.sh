#!/bin/bash
# t2650: list and du show bytes on disk beside apparent sizes.
#
# Proves: a 15 MiB sparse file (truncate -s 15M) counts 15 MiB of size
# and new space but (nearly) nothing on disk, in list, list --json, du
# and du --json; an fallocated file counts the blocks its stored copy
# has; the disk figures equal the stored inodes' st_blocks * 512, each
# inode once (as du(1) counts), and a second, unchanged snapshot adds
# nothing new on disk.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3 fallocate truncate

# The blocks of the distinct regular files below the folders, in bytes.
disk_inodes() {
	find "$@" -type f -printf '%i %b\n' | sort -u | awk '{ s += $2 * 512 } END { print s + 0 }'
}

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
truncate -s 15M "$SRC/sparse.img"
fallocate -l 1M "$SRC/alloc.bin" || skip "fallocate does not work here"
printf 'small\n' >"$SRC/small.txt"
write_config "$ROOT" "$SRC"
size=$((15 * 1048576 + 1048576 + 6))

SNAP_NOW=1780000000 create_snapshot N1
sparse_disk=$(( $(stat -c %b "$ROOT/$N1/src/sparse.img") * 512 ))
[ "$sparse_disk" -lt 65536 ] || fail "the sparse file takes $sparse_disk bytes in the snapshot"
disk1=$(disk_inodes "$ROOT/$N1")

say "list --json"
run_snap --json list
expect_status 0
assert_eq "$(json_get 'j[0]["size"]')" "$size" "size"
assert_eq "$(json_get 'j[0]["new"]')" "$size" "new"
assert_eq "$(json_get 'j[0]["size_disk"]')" "$disk1" "size on disk"
assert_eq "$(json_get 'j[0]["new_disk"]')" "$disk1" "new on disk"
[ "$disk1" -lt 3145728 ] || fail "15 MiB sparse + 1 MiB counted as $disk1 bytes on disk"

say "list"
run_snap list
expect_status 0
assert_grep '^NAME +FILES +SIZE +ON DISK +NEW +NEW ON DISK +WARNINGS +LABEL$' "$OUT"
assert_grep "^$N1 +3 +16\.0 MiB +[0-9.]+ (KiB|MiB) +16\.0 MiB +[0-9.]+ (KiB|MiB) +no +-$" "$OUT"
assert_not_grep "^$N1 +3 +16\.0 MiB +1[56]\.[0-9] MiB" "$OUT" "the sparse file counted on disk"

say "a second snapshot adds nothing on disk"
SNAP_NOW=1780003600 create_snapshot N2 "$N1"
run_snap --json list
assert_eq "$(json_get '[s["new_disk"] for s in j]')" "[$disk1, 0]" "new on disk"
assert_eq "$(json_get '[s["size_disk"] for s in j]')" "[$disk1, $disk1]" "size on disk"

say "du"
run_snap --json du
expect_status 0
assert_eq "$(json_get 'j["total"]')" "$size" "du total"
assert_eq "$(json_get 'j["total_disk"]')" "$(disk_inodes "$ROOT/$N1" "$ROOT/$N2")" "du total on disk"
assert_eq "$(json_get '[s["alone_disk"] + s["shared_disk"] for s in j["snapshots"]]')" "[$disk1, $disk1]" "held on disk"
assert_eq "$(json_get '[s["held_disk"] for s in j["snapshots"]]')" "[$disk1, $disk1]" "held_disk"
run_snap du
expect_status 0
assert_grep '^NAME +ALONE +ON DISK +SHARED +ON DISK$' "$OUT"
assert_grep "^total +16\.0 MiB +[0-9.]+ (KiB|MiB) +\(3 files stored\)$" "$OUT"
echo ok
