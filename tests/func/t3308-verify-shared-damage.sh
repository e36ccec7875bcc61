#!/bin/bash
# t3308: verify's look at other snapshots that share a damaged inode.
#
# t2500 shows a damaged inode reported in every snapshot that links it.
# Proves: a snapshot where that path now holds another inode (a copy put
# in its place) is not blamed for it; a snapshot sharing the inode whose
# manifest cannot be read is an error naming it, exit 1, while the
# finding in the snapshot verified is still printed; with --json that
# error is an "error" object naming that snapshot.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo shared >"$SRC/f"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
SNAP_NOW=1764007200 create_snapshot N3 "$N2"
same_inode "$ROOT/$N1/src/f" "$ROOT/$N3/src/f"
same_inode "$ROOT/$N2/src/f" "$ROOT/$N3/src/f"

say "N2's path holds a copy; the shared inode is damaged"
cp -p "$ROOT/$N2/src/f" "$SCRATCH/copy"
rm "$ROOT/$N2/src/f"
mv "$SCRATCH/copy" "$ROOT/$N2/src/f"
diff_inode "$ROOT/$N2/src/f" "$ROOT/$N3/src/f"
# Same size and times: only the content tells.
touch -r "$ROOT/$N3/src/f" "$SCRATCH/ref"
printf 'SHARED\n' | dd of="$ROOT/$N3/src/f" conv=notrunc status=none
touch -r "$SCRATCH/ref" "$ROOT/$N3/src/f"
run_snap verify "$N3"
expect_status 1 "a damaged shared inode"
assert_grep "^changed: $N3/src/f \(content\)$" "$OUT"
assert_grep "^changed: $N1/src/f \(content\)$" "$OUT"
assert_not_grep "$N2/" "$OUT"

say "a sharing snapshot whose manifest cannot be read"
printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N1"
run_snap verify "$N3"
expect_status 1 "a sharer's manifest is damaged"
assert_grep "^changed: $N3/src/f \(content\)$" "$OUT"
assert_grep "^snap: error: manifest '$N1' is corrupt: not a snap manifest$" "$ERR"
run_snap --json verify "$N3"
expect_status 1 "the same with --json"
"$PYTHON3" - "$OUT" "$N1" "$N3" <<'EOF' || fail "the JSON does not hold the error and the finding"
import json, sys
doc = json.load(open(sys.argv[1]))
n1, n3 = sys.argv[2], sys.argv[3]
assert [f for f in doc if f["finding"] == "error" and f["snapshot"] == n1
        and "not a snap manifest" in f["detail"]], doc
assert [f for f in doc if f["finding"] == "changed" and
        f["snapshot"] == n3 and f["path"] == "src/f"], doc
EOF
echo "ok"
