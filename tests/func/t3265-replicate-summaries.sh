#!/bin/bash
# t3265: snap replicate and the summaries of the primary's snapshots.
#
# Proves, with a local primary: a snapshot whose summary the primary
# lost is copied all the same (exit 0), saying so at -v, and has no
# summary on the replica; a snapshot whose summary is another's is
# refused ("its summary is not one of it"), nothing of it published,
# the snapshot after it still copied, and the run is exit 1.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$SCRATCH/replica
PCONF=$SCRATCH/primary.yaml
RCONF=$SCRATCH/replica.yaml
mkdir -p "$SRC"
echo a >"$SRC/a"
write_config "$PRIMARY" "$SRC"
mv "$CONFIG" "$PCONF"
cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$ROOT")
replicate_from: $(yaml_str "$PRIMARY")
CONF

CONFIG=$PCONF
SNAP_NOW=1764000000 run_snap create
expect_status 0
N1=$(newest_snapshot "$PRIMARY")
echo b >"$SRC/b"
SNAP_NOW=1764003600 run_snap create
expect_status 0
N2=$(newest_snapshot "$PRIMARY")
echo c >"$SRC/c"
SNAP_NOW=1764007200 run_snap create
expect_status 0
N3=$(newest_snapshot "$PRIMARY")

say "a snapshot without its summary is copied, and said so at -v"
rm "$PRIMARY/.snap/manifests/$N1.summary"
CONFIG=$RCONF
run_snap -v replicate
expect_status 0 "replicate"
assert_grep "snapshot '$N1' has no summary on the primary" "$OUT"
assert_exists "$ROOT/$N1"
assert_missing "$ROOT/.snap/manifests/$N1.summary"
assert_exists "$ROOT/.snap/manifests/$N2.summary"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 $N3 " "replica"

say "a snapshot whose summary is another's is refused, the next copied"
CONFIG=$PCONF
echo d >"$SRC/d"
SNAP_NOW=1764010800 run_snap create
expect_status 0
N4=$(newest_snapshot "$PRIMARY")
echo e >"$SRC/e"
SNAP_NOW=1764014400 run_snap create
expect_status 0
N5=$(newest_snapshot "$PRIMARY")
cp "$PRIMARY/.snap/manifests/$N3.summary" \
	"$PRIMARY/.snap/manifests/$N4.summary"
CONFIG=$RCONF
run_snap replicate
expect_status 1 "replicate with a foreign summary"
assert_grep "^snap: warning: snapshot '$N4' from '$PRIMARY' is refused: its summary is not one of it$" "$ERR"
assert_grep "^snap: error: snapshot '$N4' from '$PRIMARY' was refused$" "$ERR"
assert_grep ": 1 copied, 3 present, 1 refused," "$OUT"
assert_missing "$ROOT/$N4"
assert_missing "$ROOT/.snap/manifests/$N4"
assert_exists "$ROOT/$N5"
assert_exists "$ROOT/.snap/manifests/$N5.summary"
incomplete_empty "$ROOT"
echo "ok"
