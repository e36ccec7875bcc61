#!/bin/bash
# t3295: snap log of a device node.
#
# Proves, as root: a character device whose device number changes is a
# content change (M) in snap log, and a snapshot where it stayed the
# same has no row.  Skips without root.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "mknod"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
mknod "$SRC/dev" c 1 3
touch -h -d '2027-01-01 10:00:00 UTC' "$SRC/dev"
write_config "$ROOT" "$SRC"
SNAP_NOW=1764000000 create_snapshot N1
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
rm "$SRC/dev"
mknod "$SRC/dev" c 1 5
touch -h -d '2027-01-01 10:00:00 UTC' "$SRC/dev"
SNAP_NOW=1764007200 create_snapshot N3 "$N2"

say "a device whose number changed is M, one unchanged is no row"
run_snap log src/dev
expect_status 0 "log of a device"
assert_grep "^$N1 +\\+ " "$OUT"
assert_grep "^$N3 +M " "$OUT"
assert_not_grep "^$N2 " "$OUT"
echo "ok"
