#!/bin/bash
# t4100: under systemd, every line carries its syslog priority.
#
# systemd connects stdout and stderr to one journal stream and names it in
# $JOURNAL_STREAM as "DEV:INO".  The test stands in for it: both streams
# go to one file and JOURNAL_STREAM names that file.  Proves: a create
# with a warning (a file snap cannot read) exits 3 and every line starts
# with "<4>" (the warning, naming the file) or "<6>" (the summary); a
# create that meets a held lock, and one with a missing source, print
# only "<3>" lines; verify's findings are "<3>" lines and its summary,
# printed in pieces, is one "<6>" line; verify -q prints the findings
# alone; "snap: " is left out.  A stream that is not the one named gets
# no prefix (stdout redirected elsewhere, a JOURNAL_STREAM for another
# file), and without JOURNAL_STREAM no line starts with "<".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

# journal_run NAME ARGS...: runs snap ARGS with stdout and stderr in the
# file $SCRATCH/NAME.log, which JOURNAL_STREAM names; sets LOG, STATUS.
journal_run() {
	local name=$1 stream
	shift
	LOG=$SCRATCH/$name.log
	: >"$LOG"
	stream=$(stat -c '%d:%i' "$LOG")
	STATUS=0
	echo "+ JOURNAL_STREAM=$stream snap -c $CONFIG $*"
	JOURNAL_STREAM=$stream ${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} \
		timeout -k 10 "$SNAP_TIMEOUT" "$SNAP" -c "$CONFIG" "$@" \
		>>"$LOG" 2>&1 || STATUS=$?
	sed 's/^/    log: /' "$LOG"
}

# only_priorities RE FILE: every line of FILE starts with "<N>" for a
# digit N in RE (e.g. "[46]"), and none says "snap: ".
only_priorities() {
	if grep -nEv "^<$1>" "$2"; then
		fail "$2 has lines without a <$1> priority (above)"
	fi
	assert_not_grep '^<[0-9]>snap: ' "$2" "$2"
}

no_priorities() {
	local f
	for f in "$@"; do
		assert_not_grep '^<' "$f" "$f"
	done
}

setup_sample_source "$SCRATCH/root"
create_snapshot N1

say "a create with a warning: <4> for it, <6> for the summary"
echo "top secret" >"$SRC/secret.txt"
chmod 000 "$SRC/secret.txt"
if [ "$(id -u)" = 0 ]; then
	# Root reads anything; without these capabilities it cannot.
	command -v setpriv >/dev/null && SNAP_PREFIX=(setpriv --bounding-set \
		'-dac_override,-dac_read_search' --)
fi
if ${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} cat "$SRC/secret.txt" \
	>/dev/null 2>&1; then
	echo "note: cannot make a file unreadable for snap here; no warning"
	rm -f "$SRC/secret.txt"
	journal_run warn create
	expect_status 0
	only_priorities 6 "$LOG"
else
	journal_run warn create
	expect_status 3 "an unreadable file"
	only_priorities '[46]' "$LOG"
	assert_grep "^<4>warning: .*secret\.txt" "$LOG" "the journal"
	assert_grep '^<6>snapshot [0-9]{4}-' "$LOG" "the journal"
	assert_grep '^<6>  warnings +1$' "$LOG" "the journal"
	rm -f "$SRC/secret.txt"
fi
SNAP_PREFIX=()
new_snapshot N2 "$N1"

say "a create that meets a held lock: only <3> lines"
holder=
start_bg holder env SNAP_TEST_HANG_AFTER=10 "$SNAP" -c "$CONFIG" create
wait_hang "$holder" "$ROOT/.snap/incomplete" 1
journal_run lock create
expect_status 1 "the lock is held"
only_priorities 3 "$LOG"
assert_grep "^<3>error: .*pid $holder([^0-9]|$)" "$LOG" "the journal"
kill_bg "$holder"

say "a missing source: only <3> lines"
cp "$CONFIG" "$SCRATCH/good.yaml"
write_config "$ROOT" "$SCRATCH/no-such-folder"
journal_run missing create
expect_status 1 "a missing source, the only one"
only_priorities 3 "$LOG"
assert_grep 'no-such-folder' "$LOG" "the journal"
cp "$SCRATCH/good.yaml" "$CONFIG"

say "verify: findings are <3>, the summary in pieces one <6> line"
echo "damage" >>"$ROOT/$N2/src/top.txt"
journal_run verify verify "$N2"
expect_status 1 "a damaged file"
only_priorities '[36]' "$LOG"
assert_grep "^<3>changed: $N2/src/top\.txt \(" "$LOG" "the journal"
assert_grep '^<6>verified 1 snapshot: [0-9]+ entries, .*; [0-9]+ findings?$' \
	"$LOG" "the journal"
assert_eq "$(grep -c '^<6>' "$LOG")" 1 "<6> lines of verify"

say "verify -q: only the findings"
journal_run verify-q -q verify "$N2"
expect_status 1 "a damaged file"
only_priorities 3 "$LOG"
assert_grep "^<3>changed: $N2/src/top\.txt" "$LOG" "the journal"
journal_run verify-q2 verify -q "$N2"
expect_status 1 "a damaged file, -q after the command"
only_priorities 3 "$LOG"

say "only the stream JOURNAL_STREAM names gets priorities"
: >"$ERR"
stream=$(stat -c '%d:%i' "$ERR")
STATUS=0
JOURNAL_STREAM=$stream "$SNAP" -c "$CONFIG" verify "$N2" >"$OUT" 2>>"$ERR" ||
	STATUS=$?
show_output
expect_status 1
no_priorities "$OUT"
assert_grep '^changed: ' "$OUT" "stdout"
assert_grep '^verified 1 snapshot' "$OUT" "stdout"
# Verify had nothing to say on stderr; a config error has.
: >"$ERR"
stream=$(stat -c '%d:%i' "$ERR")
STATUS=0
JOURNAL_STREAM=$stream "$SNAP" -c "$SCRATCH/none.yaml" create >"$OUT" \
	2>>"$ERR" || STATUS=$?
show_output
expect_status 2 "no config"
no_priorities "$OUT"
only_priorities 3 "$ERR"
assert_grep '^<3>error: ' "$ERR" "stderr"

say "a JOURNAL_STREAM for another file, or none: plain lines"
for js in "$(stat -c '%d:%i' "$CONFIG")" "garbage" ""; do
	STATUS=0
	JOURNAL_STREAM=$js "$SNAP" -c "$CONFIG" verify "$N2" >"$OUT" 2>"$ERR" ||
		STATUS=$?
	expect_status 1
	no_priorities "$OUT" "$ERR"
	assert_grep '^changed: ' "$OUT" "stdout"
done
rm "$ROOT/$N2/src/top.txt"
cp "$SRC/top.txt" "$ROOT/$N2/src/top.txt"
env -u JOURNAL_STREAM "$SNAP" -c "$SCRATCH/none.yaml" create >"$OUT" 2>"$ERR" ||
	true
no_priorities "$OUT" "$ERR"
assert_grep '^snap: error: ' "$ERR" "stderr"
env -u JOURNAL_STREAM "$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" ||
	fail "create without JOURNAL_STREAM failed"
no_priorities "$OUT" "$ERR"
assert_grep '^snapshot [0-9]{4}-' "$OUT" "stdout"

echo "ok"
