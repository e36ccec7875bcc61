#!/bin/bash
# t3240: prune keeps a snapshot whose summary it cannot read.
#
# The summary (.snap/manifests/NAME.summary) holds a snapshot's label,
# and prune keeps labelled snapshots.  Proves: with retain {last: 1} and
# the oldest summary overwritten with garbage, prune warns naming that
# snapshot ("keeping snapshot ... in case it has a label"), keeps it,
# deletes the unlabelled one between, keeps the newest, and exits 3.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo a >"$SRC/a"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
SNAP_NOW=1764007200 create_snapshot N3 "$N2"
assert_exists "$ROOT/.snap/manifests/$N1.summary"
printf 'not a summary\n' >"$ROOT/.snap/manifests/$N1.summary"
printf 'retain: {last: 1}\n' >>"$CONFIG"

run_snap prune
expect_status 3 "a summary that cannot be read"
assert_grep "keeping snapshot '$N1' in case it has a label" "$ERR"
assert_exists "$ROOT/$N1"
assert_missing "$ROOT/$N2"
assert_exists "$ROOT/$N3"
[ "$(latest "$ROOT")" = "$N3" ] || fail "latest is not $N3"
echo "ok"
