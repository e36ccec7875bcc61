#!/bin/bash
# t2450: a restore whose snapshot is deleted meanwhile says why it ends.
#
# snap delete races with snap restore of the whole snapshot, with a
# growing delay, several times.  Proves: a restore that does not finish
# exits 1 with one error saying the snapshot was deleted while it was
# restored (not a "cannot restore" line per vanished file); one that
# wins the race exits 0 with a complete copy.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/many"
for i in $(seq 1 3000); do echo "$i" >"$SRC/many/f$i"; done
write_config "$ROOT" "$SRC"
hit=0 n=0
for delay in 0.02 0.05 0.1 0.2 0.3; do
	n=$((n + 1))
	create_snapshot -q V
	create_snapshot -q KEEP "$V"
	"$SNAP" -c "$CONFIG" restore "$V" / "$SCRATCH/dest$n" >"$SCRATCH/r.out" 2>"$SCRATCH/r.err" &
	pid=$!
	sleep "$delay"
	run_snap delete "$V"
	expect_status 0 "delete during restore"
	rc=0
	wait "$pid" || rc=$?
	case $rc in
	0)	compare_trees "$SRC" "$SCRATCH/dest$n/src" ;;
	1)	if grep -q "cannot open snapshot\|is not in snapshot\|no snapshot is called\|cannot open manifest" "$SCRATCH/r.err"; then
			: # deleted before restore began: said so
		else
			grep -q "snapshot '$V' was deleted while it was restored" "$SCRATCH/r.err" ||
				{ cat "$SCRATCH/r.err"; fail "delay $delay: exit 1 without saying why"; }
			if grep -q "cannot restore\|cannot read" "$SCRATCH/r.err"; then
				cat "$SCRATCH/r.err"
				fail "delay $delay: vanished files reported one by one"
			fi
			hit=$((hit + 1))
		fi ;;
	*)	cat "$SCRATCH/r.err"; fail "delay $delay: exit $rc" ;;
	esac
	run_snap delete --force "$KEEP"
done
say "$hit of $n restores were cut short by the delete"
