#!/bin/bash
# t4210: metrics_file, the Prometheus textfile-collector file.
#
# Proves: after a create the file parses as the Prometheus text format
# (HELP and TYPE before each family, one sample per line, every sample
# labelled with the config), and its values match the run: exit status,
# files linked and copied (checked against the summary create prints),
# bytes, snapshot count, free space (against df), last success time
# (close to now); it is mode 0644 and no temporary file is left beside
# it.  After a failed run (a before_create hook fails) the file says exit
# status 1 and success 0, has no per-run file counts, and the last
# success time is still that of the earlier run.  A metrics folder that
# does not exist is a warning (exit 3), not a lost snapshot.  The label
# is the config's real path, also for "-c ./link.yaml" through a symlink.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

setup_sample_source "$SCRATCH/root"
# Free space is compared with df's: on a disk others write to meanwhile
# the two differ by what they wrote.  As root, the snapshot root is a
# tmpfs of its own.
if [ "$(id -u)" = 0 ]; then
	mkdir "$ROOT"
	mount -t tmpfs -o size=64m,mode=0700 tmpfs "$ROOT" ||
		say "no tmpfs for the snapshot root: free space may drift"
fi
mkdir "$SCRATCH/textfile"
PROM=$SCRATCH/textfile/snap.prom
echo "metrics_file: $PROM" >>"$CONFIG"

say "a first run: everything copied"
run_snap create
expect_status 0
new_snapshot N1
[ -f "$PROM" ] || fail "no metrics file"
assert_eq "$(stat -c %a "$PROM")" "644" "metrics file mode"
assert_eq "$(find "$SCRATCH/textfile" -mindepth 1 | wc -l)" "1" "files in the collector folder"
assert_eq "$(metric snap_last_run_exit_status)" "0" "exit status"
assert_eq "$(metric snap_last_run_success)" "1" "success"
assert_eq "$(metric snap_snapshots)" "1" "snapshots"
copied=$(awk '$1 == "copied" { print $2 }' "$OUT")
assert_eq "$(metric snap_last_run_files ',how="copied"')" "$copied" "files copied"
assert_eq "$(metric snap_last_run_files ',how="linked"')" "0" "files linked"
# Each inode once: a second hard link is linked, not copied.
bytes=$(regular_files "$SRC" | (cd "$SRC" && xargs -0 stat -c '%i %s') |
	sort -u | awk '{ s += $2 } END { print s }')
assert_eq "$(metric snap_last_run_bytes ',how="copied"')" "$bytes" "bytes copied"
success=$(metric snap_last_success_timestamp_seconds)
now=$(date +%s)
[ $((now - success)) -ge 0 ] && [ $((now - success)) -le 60 ] ||
	fail "last success $success is not close to now ($now)"
free=$(metric snap_root_free_bytes)
df_free=$(($(df -B1 --output=avail "$ROOT" | tail -1)))
diff=$((free - df_free))
[ "${diff#-}" -le $((64 * 1024 * 1024)) ] ||
	fail "free bytes $free, df says $df_free"

say "a second run: everything linked"
sleep 1
run_snap create
expect_status 0
new_snapshot N2 "$N1"
files=$(regular_files "$SRC" | tr -cd '\0' | wc -c)
linked=$(($(metric snap_last_run_files ',how="linked"') + $(metric snap_last_run_files ',how="hardlinked"')))
assert_eq "$linked" "$files" "files linked"
assert_eq "$(metric snap_last_run_files ',how="copied"')" "0" "files copied"
# Every name counts here: the bytes a plain copy of the tree would take.
all_bytes=$(regular_files "$SRC" | (cd "$SRC" && xargs -0 stat -c %s) |
	awk '{ s += $1 } END { print s }')
assert_eq "$(metric snap_last_run_bytes ',how="linked"')" "$all_bytes" "bytes linked"
assert_eq "$(metric snap_snapshots)" "2" "snapshots"
success=$(metric snap_last_success_timestamp_seconds)

say "a failed run: exit status 1, the last success unchanged"
sleep 1
printf 'hooks:\n  before_create: ["exit 1"]\n' >>"$CONFIG"
run_snap create
expect_status 1
assert_eq "$(metric snap_last_run_exit_status)" "1" "exit status"
assert_eq "$(metric snap_last_run_success)" "0" "success"
assert_eq "$(metric snap_last_run_files ',how="copied"')" "absent" "per-run counts"
assert_eq "$(metric snap_last_success_timestamp_seconds)" "$success" "last success"
assert_eq "$(metric snap_snapshots)" "2" "snapshots"

say "a metrics folder that is gone is a warning, the snapshot stands"
sed -i '/^hooks:/,$d' "$CONFIG"
rm -r "$SCRATCH/textfile"
run_snap create
expect_status 3
assert_grep "warning: cannot write metrics_file '$PROM'" "$ERR" "warning"
new_snapshot N3 "$N2"

say "the config label is the config's real path, however snap was given it"
mkdir "$SCRATCH/textfile" "$SCRATCH/etc"
ln -s ../snap.yaml "$SCRATCH/etc/link.yaml"
rc=0
(cd "$SCRATCH/etc" && timeout 300 "$SNAP" -c ./link.yaml create) \
	>"$OUT" 2>"$ERR" || rc=$?
assert_eq "$rc" 0 "create through a relative symlink"
real=$(realpath "$CONFIG")
assert_grep "^snap_last_run_exit_status\{config=\"$real\"\} 0\$" "$PROM"
CONFIG=$real
assert_eq "$(metric snap_snapshots)" "4" "snapshots"

echo "ok"
