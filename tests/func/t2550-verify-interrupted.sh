#!/bin/bash
# t2550: verify tells damage from what is not damage.
#
# Proves: under a descriptor limit (EMFILE), verify names the folder it
# could not read with the real error ("Too many open files") and never
# calls the healthy files in it "missing:", for every limit from 10 to
# 30; a snapshot deleted while verify reads it (snap delete racing with
# verify, several tries) gives no "missing:", "extra:" or "changed:"
# line, only a warning that it was deleted meanwhile (exit 3), or a
# clean run when verify finished first.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
D=$SRC
for c in a b c d e f g h i j k l m n o p; do
	D=$D/$c
	mkdir -p "$D"
	echo "$c" >"$D/file"
done
write_config "$ROOT" "$SRC"
create_snapshot N1

say "EMFILE: the unreadable folder is named, nothing is missing"
emfile=0
for n in $(seq 10 30); do
	(ulimit -n "$n"; run_snap verify; echo "$STATUS" >"$SCRATCH/status")
	if grep -q '^missing:' "$OUT"; then
		show_output
		fail "limit $n: healthy files reported missing"
	fi
	if grep -q 'Too many open files' "$OUT" "$ERR"; then
		emfile=$((emfile + 1))
		[ "$(cat "$SCRATCH/status")" = 1 ] || fail "limit $n: exit $(cat "$SCRATCH/status"), not 1"
	fi
done
[ "$emfile" -gt 0 ] || fail "no limit from 10 to 30 made verify meet EMFILE"
run_snap verify
expect_status 0 "verify without a limit"

say "a snapshot deleted while verify reads it"
mkdir -p "$SRC/many"
for i in $(seq 1 3000); do echo "$i" >"$SRC/many/f$i"; done
hit=0
for delay in 0 0.01 0.02 0.05 0.1 0.2; do
	create_snapshot -q V
	create_snapshot -q KEEP "$V"
	"$SNAP" -c "$CONFIG" verify "$V" >"$SCRATCH/v.out" 2>"$SCRATCH/v.err" &
	pid=$!
	sleep "$delay"
	run_snap delete "$V"
	expect_status 0 "delete during verify"
	rc=0
	wait "$pid" || rc=$?
	if grep -Eq '^(missing|extra|changed|unreadable):' "$SCRATCH/v.out"; then
		sed 's/^/    verify: /' "$SCRATCH/v.out" "$SCRATCH/v.err"
		fail "delay $delay: a deletion reported as damage"
	fi
	case $rc in
	0) ;;
	3)	grep -q "snapshot '$V' was deleted while verify read it" "$SCRATCH/v.err" ||
			fail "delay $delay: exit 3 without saying why"
		hit=$((hit + 1)) ;;
	*)	# Deleted before verify opened it: an error that says so.
		grep -Eq "cannot (open|verify|read)|no snapshot" "$SCRATCH/v.err" ||
			fail "delay $delay: exit $rc: $(cat "$SCRATCH/v.err")" ;;
	esac
	run_snap delete --force "$KEEP"
done
say "$hit of 6 tries deleted the snapshot while verify read it"
