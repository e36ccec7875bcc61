#!/bin/bash
# t1010: a snapshot of an unchanged tree costs no space.
#
# Two creates in a row on the same tree (the second starts within the same
# second, so it must wait and take the next name).  Proves: every regular
# file of snapshot 2 is the same inode as the same path in snapshot 1, the
# source's hard links stay hard links, snapshot 2 still reproduces the
# source, the new snapshot takes (almost) no space, the summary says
# "linked" with the number of files and "copied" with 0, snapshot 1 did not
# change, and checksum: true links unchanged files too.  Also: -q prints
# nothing on a clean run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"
nfiles=$(regular_files "$SRC" | tr -cd '\0' | wc -c)

say "two snapshots of the same tree"
create_snapshot N1
remember_history "$N1"
create_checked N2 "$N1"
assert_eq "$(snapshot_count "$ROOT")" 2 "snapshots"
[[ $N2 > $N1 ]] || fail "second snapshot $N2 does not sort after $N1"

say "every regular file is linked to snapshot 1"
n=0
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$N1/src/$f" "$ROOT/$N2/src/$f"
	n=$((n + 1))
done < <(regular_files "$ROOT/$N2/src")
assert_eq "$n" "$nfiles" "regular files in snapshot 2"
same_inode "$ROOT/$N2/src/hard1" "$ROOT/$N2/src/a/hard2"

say "summary counts"
assert_grep 'linked' "$OUT" "summary"
assert_grep 'copied' "$OUT" "summary"
assert_eq "$(summary_count copied "$OUT")" 0 "copied count in the summary"
# hard1 and a/hard2 are one inode: accept the count of paths or of inodes.
linked=$(summary_count linked "$OUT")
[ "$linked" = "$nfiles" ] || [ "$linked" = $((nfiles - 1)) ] ||
	fail "summary says '$linked' linked, expected $nfiles files"

say "snapshot 2 takes no new space"
# du counts an inode once: the second line is what N2 adds to N1.
new_kib=$(du -sk "$ROOT/$N1" "$ROOT/$N2" | sed -n 2p | cut -f1)
all_kib=$(du -sk "$ROOT/$N1" | cut -f1)
echo "snapshot 1: $all_kib KiB, snapshot 2 adds: $new_kib KiB"
# Only directories and symlinks are new: far less than the data.
[ "$new_kib" -lt $((all_kib / 2)) ] ||
	fail "snapshot 2 adds $new_kib KiB for an unchanged tree of $all_kib KiB"

say "snapshot 1 did not change"
history_unchanged "$N1"

say "checksum: true still links unchanged files; -q is quiet"
echo "checksum: true" >>"$CONFIG"
create_checked -q N3 "$N2"
[ ! -s "$OUT" ] || fail "-q printed something on a clean run"
[ ! -s "$ERR" ] || fail "-q printed something to stderr on a clean run"
while IFS= read -r -d '' f; do
	same_inode "$ROOT/$N1/src/$f" "$ROOT/$N3/src/$f"
done < <(regular_files "$ROOT/$N3/src")

echo "ok"
