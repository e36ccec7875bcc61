#!/bin/bash
# t3303: snap log of a symlink and of a FIFO, and past a damaged manifest.
#
# t2210 follows a regular file and t3295 device nodes.  Proves: a
# symlink whose target changes, even to one of the same length, is "M"
# in the snapshot where it changed and shows nowhere else (size is the
# target's length, no hash); a FIFO that stays a FIFO is listed once
# ("+"); a snapshot whose manifest cannot be read is skipped with a
# warning naming it and "snap repair NAME", the exit status is 3, and the
# rows of the others are still right.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
write_config "$ROOT" "$SRC"
ln -s one "$SRC/ln"
mkfifo "$SRC/pipe"
SNAP_NOW=1764000000 create_snapshot -q N1
echo x >"$SRC/x"
SNAP_NOW=1764003600 create_snapshot -q N2 "$N1"
# Same length as "one": only the target tells them apart.
ln -sfn two "$SRC/ln"
SNAP_NOW=1764007200 create_snapshot -q N3 "$N2"
ln -sfn three "$SRC/ln"
SNAP_NOW=1764010800 create_snapshot -q N4 "$N3"

say "a symlink's target changes"
run_snap log src/ln
expect_status 0 "log of a symlink"
assert_eq "$(grep -Ec "^[0-9]{4}-" "$OUT")" 3 "rows of the symlink"
assert_grep "^$N1 +\+ +3 +[0-9T:-]+Z +-$" "$OUT"
assert_grep "^$N3 +M +3 +[0-9T:-]+Z +-$" "$OUT"
assert_grep "^$N4 +M +5 +[0-9T:-]+Z +-$" "$OUT"
assert_not_grep "^$N2 " "$OUT"

say "a FIFO that stays one"
run_snap log src/pipe
expect_status 0 "log of a FIFO"
assert_eq "$(grep -Ec "^[0-9]{4}-" "$OUT")" 1 "rows of the FIFO"
assert_grep "^$N1 +\+ +0 +[0-9T:-]+Z +-$" "$OUT"

say "a damaged manifest is skipped, with a warning"
printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N3"
run_snap log src/ln
expect_status 3 "log past a damaged manifest"
assert_grep "^snap: warning: manifest '$N3' is corrupt: not a snap manifest; skipping snapshot '$N3' \(run 'snap repair $N3' to rebuild its manifest from the snapshot\)$" "$ERR"
assert_grep "^$N1 +\+ +3 " "$OUT"
# Without N3, the change is seen in N4, from "one" to "three".
assert_grep "^$N4 +M +5 " "$OUT"
assert_not_grep "^$N3 |^$N2 " "$OUT"
echo "ok"
