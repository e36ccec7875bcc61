#!/bin/bash
# t3230: a snapshot root that is missing, empty or not a folder.
#
# Proves: create into a root that is a file, one below a file, and one
# whose parent folder is missing fails with exit 1, a sentence naming
# the root, and nothing made; with require_mount, a missing root is "not
# available"; list on a missing root and on an empty folder (no create
# has written to it) shows no snapshots (exit 0) and makes nothing; list
# on a root that is a file fails (exit 1) naming it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
mkdir -p "$SRC"
echo a >"$SRC/a"

# listing: what is in the scratch folder but the runs' output.
listing() {
	find "$SCRATCH" -mindepth 1 ! -name 'std*' -printf '%p %y %m\n' |
		LC_ALL=C sort
}

# refused WHAT ROOT MESSAGE: create into ROOT exits 1 with MESSAGE on
# stderr and changes nothing.
refused() {
	local before
	before=$(listing)
	run_snap create
	expect_status 1 "$1"
	assert_grep "$3" "$ERR" "$1"
	[ "$(listing)" = "$before" ] || fail "$1: create changed the scratch folder"
}

say "a root that is a file"
echo file >"$SCRATCH/rootfile"
write_config "$SCRATCH/rootfile" "$SRC"
refused "root is a file" "$SCRATCH/rootfile" \
	"snapshot root '$SCRATCH/rootfile' is not a folder"
run_snap list
expect_status 1 "list of a root that is a file"
assert_grep "cannot open snapshot root '$SCRATCH/rootfile': Not a directory" "$ERR"

say "a root below a file"
write_config "$SCRATCH/rootfile/root" "$SRC"
refused "root below a file" "$SCRATCH/rootfile/root" \
	"cannot use snapshot root '$SCRATCH/rootfile/root': Not a directory"

say "a root whose parent is missing"
write_config "$SCRATCH/disk/root" "$SRC"
refused "no parent" "$SCRATCH/disk/root" \
	"snapshot root '$SCRATCH/disk/root' does not exist and neither does its parent folder: create it, or mount the backup disk"

say "require_mount and a missing root"
printf 'require_mount: true\n' >>"$CONFIG"
refused "require_mount" "$SCRATCH/disk/root" \
	"snapshot root '$SCRATCH/disk/root' is not available \\(require_mount is set: is the backup disk plugged in and mounted\\?\\): No such file"

say "list: a missing root, then an empty one"
write_config "$SCRATCH/root" "$SRC"
run_snap list
expect_status 0 "list of a missing root"
assert_missing "$SCRATCH/root"
mkdir -m 0700 "$SCRATCH/root"
run_snap --json list
expect_status 0 "list of an empty root"
[ "$(tr -d ' \n' <"$OUT")" = "[]" ] || fail "list --json of an empty root: $(cat "$OUT")"
assert_missing "$SCRATCH/root/.snap"

say "the first create then works"
ROOT=$SCRATCH/root
create_snapshot N1
echo "ok"
