#!/bin/bash
# t3250: diff --source refuses what it cannot compare, by name.
#
# Proves: with a remote source in the config, diff SNAPSHOT --source
# exits 1 saying it reads local sources only and naming the remote one;
# with the snapshot's manifest damaged (its magic overwritten), it exits
# 1 naming the manifest as not a snap manifest; in neither case does it
# print a change.  A plain diff --source of an unchanged source prints
# nothing and exits 0.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo a >"$SRC/d/a"
write_config "$ROOT" "$SRC"
create_snapshot N1

say "an unchanged source"
run_snap diff "$N1" --source
expect_status 0 "unchanged source"
[ ! -s "$OUT" ] || fail "diff --source of an unchanged source printed: $(cat "$OUT")"

say "a remote source"
cp "$CONFIG" "$SCRATCH/local.yaml"
printf '  - path: backup@web1:/var/www\n' >>"$CONFIG"
run_snap diff "$N1" --source
expect_status 1 "remote source"
assert_grep "diff --source reads local sources only; 'backup@web1:/var/www' is remote" "$ERR"
[ ! -s "$OUT" ] || fail "diff --source printed changes: $(cat "$OUT")"
cp "$SCRATCH/local.yaml" "$CONFIG"

say "a damaged manifest"
printf 'XXXXXXXX' | dd of="$ROOT/.snap/manifests/$N1" bs=1 seek=0 conv=notrunc 2>/dev/null
run_snap diff "$N1" --source
expect_status 1 "damaged manifest"
assert_grep "manifest '$N1' is corrupt: not a snap manifest" "$ERR"
[ ! -s "$OUT" ] || fail "diff --source printed changes: $(cat "$OUT")"
echo "ok"
