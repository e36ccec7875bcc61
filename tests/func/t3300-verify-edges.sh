#!/bin/bash
# t3300: snap verify at the edges of a stored tree and of its manifest.
#
# t2500 and t3210 change entries in the middle of a snapshot; this test
# changes what they do not.  Proves: a stored file that grew is
# "changed: ... (size 2 -> 8, content, mtime ...)"; an entry added after the last one
# the manifest lists is "extra:" and the last listed entry removed is
# "missing:" (either side running out first); with --json, a snapshot
# whose manifest is not one is an "error" object naming it, exit 1; a
# manifest whose records pass their checksums but are out of walk order
# stops verify with exit 1 and "is not in walk order"; with root, a
# stored device node of another number is "device".  And a source
# stored below a made-up folder (dest: deep/er/src) verifies clean,
# though that folder's time is the run's.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/dir"
echo a >"$SRC/a"
echo b >"$SRC/b"
echo m >"$SRC/dir/m"
echo z >"$SRC/zlast"
NODE=0
if [ "$(id -u)" = 0 ] && mknod "$SRC/node" c 1 3 2>/dev/null; then
	NODE=1
fi
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
S=$ROOT/$N1/src

say "a clean snapshot verifies"
run_snap verify "$N1"
expect_status 0

say "a manifest out of walk order stops verify"
cp "$ROOT/.snap/manifests/$N1" "$SCRATCH/m1.good"
# "src/b" renamed "src/0" keeps every checksum right but follows "src/a".
manifest_edit "$ROOT/.snap/manifests/$N1" rename src/b src/0
run_snap verify "$N1"
expect_status 1 "a manifest out of order"
assert_grep "^snap: error: .*manifest '$N1' is corrupt: record [0-9]+: path 'src/0' is not in walk order \(it follows 'src/a'\)$" "$ERR"
# What was read before the bad record is no verdict on the snapshot.
assert_grep "^verified 0 snapshots: .*; 1 snapshot not verified$" "$OUT"
cp "$SCRATCH/m1.good" "$ROOT/.snap/manifests/$N1"
run_snap verify "$N1"
expect_status 0 "the manifest put back"

say "--json: a manifest that is not one is an error object"
printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N1"
run_snap --json verify "$N1"
expect_status 1 "a foreign manifest"
"$PYTHON3" - "$OUT" "$N1" <<'EOF' || fail "the JSON does not hold the error"
import json, sys
doc = json.load(open(sys.argv[1]))
errors = [f for f in doc if f["finding"] == "error"]
assert len(errors) == 1, doc
assert errors[0]["snapshot"] == sys.argv[2], errors
assert "not a snap manifest" in errors[0]["detail"], errors
EOF
cp "$SCRATCH/m1.good" "$ROOT/.snap/manifests/$N1"

say "a grown file, an entry after the last, the last one gone"
echo grown >>"$S/b"
echo new >"$ROOT/$N1/zz-after-all"
rm "$S/zlast"
if [ "$NODE" = 1 ]; then
	rm "$S/node"
	mknod "$S/node" c 1 5
fi
run_snap verify "$N1"
expect_status 1 "findings"
assert_grep "^changed: $N1/src/b \(size 2 -> 8, content, mtime " "$OUT"
assert_grep "^extra: $N1/zz-after-all$" "$OUT"
assert_grep "^missing: $N1/src/zlast$" "$OUT"
[ "$NODE" = 0 ] || assert_grep "^changed: $N1/src/node \(.*, device(, inode [0-9]+ -> [0-9]+)?\)$" "$OUT"
assert_not_grep "src/a|src/dir" "$OUT"
rm "$ROOT/$N1/zz-after-all"

say "a dest below folders no source provides"
ROOT2=$SCRATCH/root2
cat >"$CONFIG" <<CONF
snapshot_root: $(yaml_str "$ROOT2")
sources:
  - path: $(yaml_str "$SRC")
    dest: deep/er/src
CONF
SNAP_NOW=1764007200 run_snap create
expect_status 0 "create with a nested dest"
N3=$(newest_snapshot "$ROOT2")
[ -n "$N3" ] && [ -f "$ROOT2/$N3/deep/er/src/a" ] ||
	fail "no snapshot with deep/er/src/a in $ROOT2"
# The made-up folders' times are the run's; a later look must not call
# them changed even when they are touched again.
touch -d '2001-01-01' "$ROOT2/$N3/deep" "$ROOT2/$N3/deep/er"
run_snap verify "$N3"
expect_status 0 "made-up folders are not findings"
assert_grep "; 0 findings$" "$OUT"
assert_not_grep "^(changed|missing|extra):" "$OUT"
echo "ok"
