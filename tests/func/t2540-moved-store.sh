#!/bin/bash
# t2540: a store copied with cp -a (new inode numbers) is still healthy.
#
# The stored inode in a manifest is a hint.  Proves: after cp -a of the
# whole root, verify --all exits 0 and says once that the store was
# copied or moved, with no "changed:" line; real damage in the copy is
# still found (content), with the inode named beside it; the next create
# links every unchanged file from the copied snapshot (nothing copied,
# no "content changed"), and the new snapshot shares its inodes.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

setup_sample_source "$SCRATCH/backups"
create_snapshot N1
echo changed >>"$SRC/top.txt"
create_snapshot N2 "$N1"

say "the root copied with cp -a"
cp -a "$ROOT" "$SCRATCH/moved"
ROOT=$SCRATCH/moved
write_config "$ROOT" "$SRC"
diff_inode "$SCRATCH/backups/$N2/src/a/b/f3.txt" "$ROOT/$N2/src/a/b/f3.txt"
same_inode "$ROOT/$N1/src/a/b/f3.txt" "$ROOT/$N2/src/a/b/f3.txt"

say "verify finds nothing wrong, and says why the inodes differ once"
run_snap verify --all
expect_status 0 "verify of the copied store"
assert_not_grep '^(changed|missing|extra|unreadable):' "$OUT"
assert_eq "$(grep -c 'the store was copied or moved; inode numbers differ' "$OUT" "$ERR" | awk -F: '{ n += $2 } END { print n }')" 1 "notes about moved inodes"

say "real damage in the copy is still found"
cp -p "$ROOT/$N1/src/docs/doc4.txt" "$SCRATCH/doc4.keep"
python3 - "$ROOT/$N1/src/docs/doc4.txt" <<'PY'
import os, sys
p = sys.argv[1]
st = os.stat(p)
with open(p, "r+b") as f:
    f.write(b"X")
os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
run_snap verify "$N1"
expect_status 1 "verify of a damaged file in the copy"
assert_grep "^changed: .*src/docs/doc4.txt.*content" "$OUT"
cp -p "$SCRATCH/doc4.keep" "$ROOT/$N1/src/docs/doc4.txt"

say "create links from the copied snapshot"
run_snap create
expect_status 0 "create on the copied store"
new_snapshot N3 "$N2"
compare_trees "$SRC" "$ROOT/$N3/src"
assert_eq "$(summary_count copied "$OUT")" 0 "files copied"
assert_not_grep 'content changed' "$OUT"
same_inode "$ROOT/$N2/src/a/b/f3.txt" "$ROOT/$N3/src/a/b/f3.txt"
same_inode "$ROOT/$N2/src/top.txt" "$ROOT/$N3/src/top.txt"
run_snap verify "$N3"
expect_status 0 "verify of the new snapshot"
