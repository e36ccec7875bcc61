#!/bin/bash
# t2500: snap verify finds what changed inside stored snapshots.
#
# Two snapshots of the sample tree share most inodes.  Proves: a clean
# root verifies (exit 0) for latest, a named snapshot and --all; a flipped
# byte in a stored file (its mtime kept) is "changed: ... (content)" under
# that path in EVERY snapshot that links the inode, also when only the
# newest is verified, and the inode is read once; a chmod is "(mode 0644
# -> 0600)"; a removed file is "missing:", an added one "extra:"; exit 1
# on any finding; --sample 100 reports exactly what a full run does;
# --json parses with python3; an unknown name exits 2.  The damage is done
# to a root under $SCRATCH: the one place a test may touch a snapshot.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

# flip_byte FILE OFFSET: inverts one byte in place, keeping the mtime.
flip_byte() {
	python3 - "$1" "$2" <<'PY'
import os, sys
path, off = sys.argv[1], int(sys.argv[2])
st = os.stat(path)
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x01]))
os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
PY
}

setup_sample_source "$SCRATCH/backups"

say "two snapshots that share inodes"
create_snapshot N1
echo changed >>"$SRC/top.txt"
create_snapshot N2 "$N1"
same_inode "$ROOT/$N1/src/a/b/f3.txt" "$ROOT/$N2/src/a/b/f3.txt"
same_inode "$ROOT/$N1/src/docs/doc5.txt" "$ROOT/$N2/src/docs/doc5.txt"

say "a clean root verifies"
run_snap verify
expect_status 0 "clean latest"
assert_not_grep '^(missing|extra|changed|unreadable):' "$OUT"
assert_grep 'verified 1 snapshot' "$OUT"
run_snap verify "$N1"
expect_status 0 "clean $N1"
run_snap verify --all
expect_status 0 "clean --all"
assert_grep 'verified 2 snapshots' "$OUT"
# Shared inodes are read once: more paths than inodes were read.
assert_grep ' [1-9][0-9]* links to inodes read before' "$OUT"
run_snap --json verify --all
expect_status 0 "clean --json"
assert_eq "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$OUT")" 0 "findings in JSON"

say "a flipped byte in a shared inode is reported in every snapshot"
flip_byte "$ROOT/$N2/src/a/b/f3.txt" 2
run_snap verify
expect_status 1 "flipped byte, latest only"
assert_grep "^changed: $N2/src/a/b/f3\.txt \(content\)$" "$OUT"
assert_grep "^changed: $N1/src/a/b/f3\.txt \(content\)$" "$OUT"
run_snap verify --all
expect_status 1 "flipped byte, --all"
assert_grep "^changed: $N2/src/a/b/f3\.txt \(content\)$" "$OUT"
assert_grep "^changed: $N1/src/a/b/f3\.txt \(content\)$" "$OUT"
assert_eq "$(grep -c '^changed:' "$OUT")" 2 "changed lines"
run_snap verify "$N1"
expect_status 1 "flipped byte, the older snapshot"
assert_grep "^changed: $N1/src/a/b/f3\.txt \(content\)$" "$OUT"

say "a changed mode, a removed and an added file"
chmod 0600 "$ROOT/$N2/src/top.txt"
rm "$ROOT/$N2/src/a/f7.txt"
echo intruder >"$ROOT/$N2/src/docs/zz-extra.txt"
# Only the entries differ, not the folders' mtimes.
touch -r "$SRC/docs" "$ROOT/$N2/src/docs"
touch -r "$SRC/a" "$ROOT/$N2/src/a"
run_snap verify "$N2"
expect_status 1 "damaged $N2"
assert_grep "^changed: $N2/src/top\.txt \(mode 0644 -> 0600\)$" "$OUT"
assert_grep "^missing: $N2/src/a/f7\.txt$" "$OUT"
assert_grep "^extra: $N2/src/docs/zz-extra\.txt$" "$OUT"
assert_grep "^changed: $N2/src/a/b/f3\.txt \(content\)$" "$OUT"
# top.txt is not shared (it changed at the source): N1 stays clean of it.
assert_not_grep "$N1/src/top\.txt" "$OUT"
cp "$OUT" "$SCRATCH/full.out"

say "--sample 100 is a full run; --sample 0 reads no content"
run_snap verify "$N2" --sample 100
expect_status 1 "--sample 100"
diff "$SCRATCH/full.out" "$OUT" || fail "--sample 100 differs from a full verify"
run_snap verify "$N2" --sample 0
expect_status 1 "--sample 0 (mode, missing, extra remain)"
assert_not_grep '\(content\)' "$OUT"
assert_grep "^missing: $N2/src/a/f7\.txt$" "$OUT"
run_snap verify --sample 101
expect_status 2 "--sample 101"

say "--json"
run_snap --json verify --all
expect_status 1 "--json with findings"
python3 - "$OUT" "$N1" "$N2" <<'PY' || fail "--json output is not the expected JSON"
import json, sys
found = json.load(open(sys.argv[1]))
n1, n2 = sys.argv[2], sys.argv[3]
have = {(f["finding"], f["snapshot"], f["path"]): f for f in found}
assert ("changed", n1, "src/a/b/f3.txt") in have, have
assert "content" in have[("changed", n2, "src/a/b/f3.txt")]["what"]
assert have[("changed", n2, "src/top.txt")]["detail"] == "mode 0644 -> 0600"
assert ("missing", n2, "src/a/f7.txt") in have
assert ("extra", n2, "src/docs/zz-extra.txt") in have
PY

say "an unknown snapshot"
run_snap verify 1999-01-01T000000Z
expect_status 2 "unknown snapshot"
assert_grep '1999-01-01T000000Z' "$ERR"

echo "ok"
