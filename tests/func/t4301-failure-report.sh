#!/bin/bash
# t4301: snap-failure-report, what snap-failure@.service runs when a
# backup unit failed.
#
# Proves, with a fake journalctl and a fake sendmail on PATH that record
# their arguments and input: the report names the unit and the host and
# holds the journal tail, of the failed run when $MONITOR_INVOCATION_ID
# names it (an id that is not hex is not passed on), else of the unit;
# where a sendmail exists the same text goes to it as a mail to root
# (To:, Subject: naming the unit, "-oi" so that a "." line does not end
# it early); without a sendmail, or when it fails, the report is still
# printed and the exit status is 0.  Needs nothing beyond sh.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SOURCE_DIR=${SNAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
REPORT=$SOURCE_DIR/systemd/snap-failure-report
[ -x "$REPORT" ] || fail "$REPORT is not an executable file"

# Only the tools the script needs, so that no real sendmail is found.
BIN=$SCRATCH/bin
mkdir "$BIN"
ln -s "$(command -v uname)" "$BIN/uname"
cat >"$BIN/journalctl" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" >"$SCRATCH/journalctl.args"
echo "2026-12-02T03:00:01+0000 host snap[7]: error: cannot lock '/srv/b'"
echo "."
echo "2026-12-02T03:00:02+0000 host systemd[1]: snap.service: Failed."
EOF2
chmod +x "$BIN/journalctl"
HOST=$(uname -n)
CAT=$(command -v cat)

# report [VAR=VALUE]...: runs the report with PATH=$BIN and the variables.
report() {
	local rc=0
	env -i PATH="$BIN" "$@" /bin/sh "$REPORT" snap.service \
		>"$OUT" 2>"$ERR" || rc=$?
	sed 's/^/    out: /' "$OUT"
	sed 's/^/    err: /' "$ERR"
	assert_eq "$rc" 0 "exit status of snap-failure-report"
	assert_grep "^snap.service failed on $HOST; the last lines of its journal:\$" "$OUT"
	assert_grep "error: cannot lock '/srv/b'\$" "$OUT"
}

say "without a sendmail: the report is printed, nothing else"
report
assert_grep '^--unit=snap.service$' "$SCRATCH/journalctl.args"
assert_not_grep 'mail' "$ERR"

say "the failed run's journal when systemd names it"
ID=00112233445566778899aabbccddeeff
report MONITOR_INVOCATION_ID=$ID
assert_grep "^_SYSTEMD_INVOCATION_ID=$ID\$" "$SCRATCH/journalctl.args"
report "MONITOR_INVOCATION_ID=--since=-1y"
assert_grep '^--unit=snap.service$' "$SCRATCH/journalctl.args"
assert_not_grep 'since' "$SCRATCH/journalctl.args"

say "with a sendmail: the same text is mailed to root"
cat >"$BIN/sendmail" <<EOF2
#!/bin/sh
printf '%s\n' "\$@" >"$SCRATCH/sendmail.args"
$CAT >"$SCRATCH/sendmail.in"
EOF2
chmod +x "$BIN/sendmail"
report
[ -f "$SCRATCH/sendmail.in" ] || fail "sendmail was not run"
assert_eq "$(tr '\n' ' ' <"$SCRATCH/sendmail.args")" "-oi root " "sendmail's arguments"
assert_eq "$(sed -n 1p "$SCRATCH/sendmail.in")" "To: root" "first header"
assert_eq "$(sed -n 2p "$SCRATCH/sendmail.in")" \
	"Subject: snap.service failed on $HOST" "Subject:"
assert_eq "$(sed -n 3p "$SCRATCH/sendmail.in")" "" "end of the headers"
sed 1,3d "$SCRATCH/sendmail.in" >"$SCRATCH/mail.body"
cmp "$OUT" "$SCRATCH/mail.body" || {
	diff "$OUT" "$SCRATCH/mail.body" || true
	fail "the mail body is not the printed report"
}

say "a sendmail that fails: the report stands, exit 0"
printf '#!/bin/sh\n%s >/dev/null\nexit 75\n' "$CAT" >"$BIN/sendmail"
report
assert_grep 'could not take the mail to root' "$OUT"

say "no unit named: usage"
rc=0
/bin/sh "$REPORT" >/dev/null 2>"$ERR" || rc=$?
assert_eq "$rc" 2 "exit status without a unit"
