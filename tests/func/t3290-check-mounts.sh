#!/bin/bash
# t3290: snap check on roots that span filesystems or are nearly full.
#
# Proves, as root with tmpfs mounts in the scratch folder: a snapshot
# root on a filesystem with under 1 GiB free is a warning naming the
# free and total space (exit 3); a .snap/incomplete mounted from another
# filesystem is a problem (a snapshot could not be renamed into place,
# exit 1), and so is a snapshot folder that is a mount point; check
# --json lists the same problem.  Skips without root or mount.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root "tmpfs mounts"
require_cmd mount python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC" "$ROOT"
echo a >"$SRC/a"
mount -t tmpfs -o size=8m,mode=0700 snap-t3290 "$ROOT" ||
	skip "cannot mount a tmpfs"
write_config "$ROOT" "$SRC"
create_snapshot N1

say "a root with under 1 GiB free is a warning"
run_snap check
expect_status 3 "a small root"
assert_grep "^WARNING: only [0-9.]+ [KM]iB free of 8.0 MiB \\([0-9.]+%\\) on '$ROOT': below 1 GiB" "$OUT"
assert_not_grep '^PROBLEM' "$OUT"

say ".snap/incomplete on another filesystem is a problem"
mkdir -p "$ROOT/.snap/incomplete"
mount -t tmpfs -o size=1m snap-t3290-inc "$ROOT/.snap/incomplete"
run_snap check
expect_status 1 "incomplete on another filesystem"
assert_grep "^PROBLEM: '$ROOT/.snap/incomplete' is on another filesystem than '$ROOT': snapshots could not be renamed into place" "$OUT"
run_snap check --json
expect_status 1 "check --json"
"$PYTHON3" - "$OUT" <<'EOF' || fail "check --json: $(cat "$OUT")"
import json, sys
rows = json.load(open(sys.argv[1]))
assert any("is on another filesystem" in json.dumps(r) for r in rows), rows
EOF
umount "$ROOT/.snap/incomplete"

say "a snapshot folder that is a mount point is a problem"
mount -t tmpfs -o size=1m snap-t3290-snap "$ROOT/$N1"
run_snap check
expect_status 1 "snapshot on another filesystem"
assert_grep "^PROBLEM: snapshot '$N1' is on another filesystem than '$ROOT'" "$OUT"
umount "$ROOT/$N1"

echo "ok"
