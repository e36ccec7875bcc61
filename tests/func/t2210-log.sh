#!/bin/bash
# t2210: snap log PATH, from the manifests.
#
# A file goes through a life over eight snapshots (named with SNAP_NOW):
# it appears, stays, changes content, changes only its mtime, changes only
# its mode, vanishes, comes back, and turns into a folder.  Neighbours
# whose names sort next to it ("x.txt", "x-1", "x/..." later) change all
# the time and must not show up.  Proves: log prints exactly the
# snapshots where the path changed, with + M m m - + T, the size, the
# mtime in UTC and a short hash that changes with the content only; a
# leading, repeated or trailing '/' is accepted, '..' is a usage error; --json parses and has the same rows with the
# full hash; a path no snapshot holds is exit 2, as restore says of a
# PATH the snapshot lacks; no PATH is a usage error (exit 2).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/dir"
write_config "$ROOT" "$SRC"
T0=1800000000
NAMES=()
step=0

# snap_step: changes the neighbours, then takes the next snapshot.
snap_step() {
	local name
	step=$((step + 1))
	printf 'neighbour %s\n' "$step" >"$SRC/dir/x.txt"
	printf 'neighbour %s\n' "$step" >"$SRC/dir/x-1"
	printf 'neighbour %s\n' "$step" >"$SRC/dir/w"
	SNAP_NOW=$((T0 + step * 3600)) create_snapshot -q name
	NAMES+=("$name")
}

say "the life of dir/x"
snap_step					# 1: no x yet
printf 'version one\n' >"$SRC/dir/x"
touch -d '2027-01-01 10:00:00 UTC' "$SRC/dir/x"
snap_step					# 2: +
snap_step					# 3: unchanged
printf 'version two, longer\n' >"$SRC/dir/x"
touch -d '2027-01-02 10:00:00 UTC' "$SRC/dir/x"
snap_step					# 4: M
touch -d '2027-01-03 10:00:00 UTC' "$SRC/dir/x"
snap_step					# 5: m (mtime)
chmod 0600 "$SRC/dir/x"
snap_step					# 6: m (mode)
rm "$SRC/dir/x"
snap_step					# 7: -
printf 'version one\n' >"$SRC/dir/x"
touch -d '2027-01-04 10:00:00 UTC' "$SRC/dir/x"
snap_step					# 8: +
rm "$SRC/dir/x"
mkdir "$SRC/dir/x"
printf 'inside\n' >"$SRC/dir/x/inside"
snap_step					# 9: T

run_snap log src/dir/x
expect_status 0
grep '^20' "$OUT" >"$SCRATCH/rows" || true
assert_eq "$(awk '{ print $1, $2 }' "$SCRATCH/rows" | tr '\n' ' ')" \
	"${NAMES[1]} + ${NAMES[3]} M ${NAMES[4]} m ${NAMES[5]} m ${NAMES[6]} - ${NAMES[7]} + ${NAMES[8]} T " \
	"snapshots and markers in log"
assert_grep "^${NAMES[1]} +\+ +12 +2027-01-01T10:00:00Z +[0-9a-f]{8}$" "$OUT" "log row of the first version"
assert_grep "^${NAMES[3]} +M +20 +2027-01-02T10:00:00Z +[0-9a-f]{8}$" "$OUT" "log row of the second version"
assert_grep "^${NAMES[6]} +- +- +- +-$" "$OUT" "log row of the vanished file"
hash() { awk -v n="$1" '$1 == n { print $5 }' "$SCRATCH/rows"; }
[ "$(hash "${NAMES[1]}")" != "$(hash "${NAMES[3]}")" ] ||
	fail "the short hash did not change with the content"
assert_eq "$(hash "${NAMES[4]}")" "$(hash "${NAMES[3]}")" "short hash after an mtime change"
assert_eq "$(hash "${NAMES[7]}")" "$(hash "${NAMES[1]}")" "short hash of the same content again"

say "a leading '/' and --json"
run_snap log --json /src/dir/x
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "log --json is not JSON"
assert_eq "$(json_get '[(r["name"], r["change"]) for r in j]')" \
	"[('${NAMES[1]}', '+'), ('${NAMES[3]}', 'M'), ('${NAMES[4]}', 'm'), ('${NAMES[5]}', 'm'), ('${NAMES[6]}', '-'), ('${NAMES[7]}', '+'), ('${NAMES[8]}', 'T')]" \
	"rows of log --json"
assert_eq "$(json_get '[r["size"] for r in j[:4]]')" "[12, 20, 20, 20]" "sizes"
assert_eq "$(json_get '[r["type"] for r in j]')" \
	"['file', 'file', 'file', 'file', None, 'file', 'folder']" "types"
assert_eq "$(json_get 'j[0]["mtime"]')" "2027-01-01T10:00:00Z" "mtime"
assert_eq "$(json_get 'len(j[0]["hash"])')" 32 "length of the full hash"
assert_eq "$(json_get 'j[0]["hash"][:8]')" "$(hash "${NAMES[1]}")" "short hash is the start of the full hash"
assert_eq "$(json_get 'j[5]["hash"] == j[0]["hash"]')" True "same content, same hash"
assert_eq "$(json_get 'j[6]["hash"]')" None "hash of a folder"

say "repeated and trailing '/' are the same path; '..' is refused"
run_snap log src/dir/x
expect_status 0
cp "$OUT" "$SCRATCH/log.plain"
run_snap log //src//dir///x/
expect_status 0
diff "$SCRATCH/log.plain" "$OUT" || fail "log //src//dir///x/ differs from log src/dir/x"
run_snap log src/../src/dir/x
expect_status 2
assert_grep "'\.\.'" "$ERR"

say "a neighbour changes in every snapshot"
run_snap log src/dir/x.txt
expect_status 0
assert_eq "$(grep -c '^20' "$OUT")" 9 "rows for a file changed every time"
run_snap log src/dir/x/inside
expect_status 0
assert_eq "$(grep '^20' "$OUT" | awk '{ print $1, $2 }')" "${NAMES[8]} +" "rows for a file of the last snapshot"

say "errors"
run_snap log src/dir/nothing
expect_status 2
assert_grep "no snapshot holds 'src/dir/nothing'" "$ERR"
run_snap --json log src/dir/nothing
expect_status 2
python3 -m json.tool "$OUT" >/dev/null || fail "log --json of a missing path is not JSON"
run_snap log
expect_status 2
run_snap log a b
expect_status 2

echo "ok"
