#!/bin/bash
# t4000: the systemd units pass systemd-analyze verify and keep their
# security exposure.
#
# Proves: the build makes snap.service, snap@.service, both timers,
# snap-failure@.service and the notify units snap-notify-start@,
# -success@ and -fail@ from systemd/ with nothing left unsubstituted;
# the services run this build's snap through snap-inhibit with
# "-c CONFIG --wait 3600 create", keep SuccessExitStatus=3 (and no
# more: 143, a timeout's SIGTERM, fails), OnFailure=, a 12h
# TimeoutStartSec=, no journal rate limit and ProtectHome=read-only;
# snap.service writes only its root and the metrics folder, snap@ all
# but /usr, /etc and /boot; each pulls in and waits for its start ping
# and sends success or fail pings through OnSuccess=/OnFailure=, whose
# units run "snap -c CONFDIR/SET.yaml notify EVENT" with the network
# and no capability; snap-failure@ runs snap-failure-report;
# "systemd-analyze verify" passes on every
# unit with no message at all (it exits 0 on unknown keys, so its output
# is checked too), with Documentation=man:snap(1) found in doc/; a unit
# whose ExecStart= program is missing does fail verify (so this test can
# fail); "systemd-analyze security --offline=true" rates both services at
# most its figure (snap.service 2.0); snap-inhibit passes the command's exit status
# through, with or without logind, and says so when it runs unlocked.
# Skips without systemd-analyze.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd systemd-analyze

# The figures reached when the units were written; raise one only with
# a reason in systemd/snap.service.in or snap-notify.service.in.
declare -A MAX_EXPOSURE=(
	[snap.service]=2.0
	[snap@.service]=2.1
	[snap-notify-start@.service]=1.8
	[snap-notify-success@.service]=1.8
	[snap-notify-fail@.service]=1.8
)

SOURCE_DIR=${SNAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${SNAP_BUILD_DIR:-$(dirname "$SNAP")}
NOTIFY_UNITS=(snap-notify-start@.service snap-notify-success@.service
	snap-notify-fail@.service)
UNITS=(snap.service snap@.service snap.timer snap@.timer snap-failure@.service
	"${NOTIFY_UNITS[@]}")
SERVICES=(snap.service snap@.service)

say "the build made the units"
U=$SCRATCH/units
mkdir "$U"
for u in "${UNITS[@]}"; do
	[ -f "$BUILD_DIR/systemd/$u" ] ||
		fail "no $BUILD_DIR/systemd/$u (CMakeLists.txt makes it from systemd/)"
	cp "$BUILD_DIR/systemd/$u" "$U/"
done
if grep -nE '@[A-Za-z_]+@' "$U"/*.service; then
	fail "a @VARIABLE@ was left unsubstituted"
fi

# The configs' folder this build was made for, as snap --help says it.
CONFDIR=$("$SNAP" --help | sed -n 's|.*then \(/.*\)/snap\.yaml)$|\1|p')
[ -n "$CONFDIR" ] || fail "snap --help names no default config"

# The words of a unit's ExecStart= line.
exec_start() {
	sed -n 's/^ExecStart=//p' "$1"
}

say "ExecStart= runs this build's snap through snap-inhibit"
inhibit=$SOURCE_DIR/systemd/snap-inhibit
assert_eq "$(exec_start "$U/snap.service")" \
	"$inhibit $SNAP -c $CONFDIR/snap.yaml --wait 3600 create" "snap.service ExecStart"
assert_eq "$(exec_start "$U/snap@.service")" \
	"$inhibit $SNAP -c $CONFDIR/%i.yaml --wait 3600 create" "snap@.service ExecStart"
[ -x "$inhibit" ] || fail "$inhibit is not executable"

say "the policies: exit 3 is success, failures are reported, /home is readable"
for s in "${SERVICES[@]}"; do
	assert_grep '^Type=oneshot$' "$U/$s"
	assert_grep '^SuccessExitStatus=3$' "$U/$s"
	assert_eq "$(grep -c '^SuccessExitStatus=' "$U/$s")" 1 "SuccessExitStatus= lines"
	assert_grep '^OnFailure=snap-failure@%n\.service$' "$U/$s"
	assert_grep '^ProtectHome=read-only$' "$U/$s"
	assert_grep '^TimeoutStartSec=12h$' "$U/$s"
	assert_grep '^LogRateLimitIntervalSec=0$' "$U/$s"
done
assert_grep '^ProtectSystem=strict$' "$U/snap.service"
assert_grep '^ReadWritePaths=/var/backups/snap$' "$U/snap.service"
assert_grep '^ReadWritePaths=-/var/lib/prometheus/node-exporter$' "$U/snap.service"
assert_grep '^ProtectSystem=full$' "$U/snap@.service"
assert_not_grep '^ReadWritePaths=' "$U/snap@.service"

say "the notify pings: start before the run, success or fail after it"
for pair in snap.service:snap snap@.service:%i; do
	s=${pair%%:*} set=${pair#*:}
	assert_grep "^Wants=snap-notify-start@$set\.service\$" "$U/$s"
	assert_grep "^After=snap-notify-start@$set\.service\$" "$U/$s"
	assert_grep "^OnSuccess=snap-notify-success@$set\.service\$" "$U/$s"
	assert_grep "^OnFailure=snap-notify-fail@$set\.service\$" "$U/$s"
done
for ev in start success fail; do
	n=$U/snap-notify-$ev@.service
	assert_eq "$(exec_start "$n")" "$SNAP -c $CONFDIR/%i.yaml notify $ev" \
		"snap-notify-$ev@ ExecStart"
	assert_grep '^CapabilityBoundingSet=$' "$n"
	assert_grep '^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$' "$n"
	assert_not_grep '^(PrivateNetwork=yes|IPAddressDeny=)' "$n"
done
assert_eq "$(exec_start "$U/snap-failure@.service")" \
	"$SOURCE_DIR/systemd/snap-failure-report %i" "snap-failure@ ExecStart"
for t in snap.timer snap@.timer; do
	assert_grep '^Persistent=true$' "$U/$t"
	assert_grep '^RandomizedDelaySec=' "$U/$t"
done

# Documentation=man:snap(1) is checked with man(1): find it in doc/.
mkdir -p "$SCRATCH/man/man1"
cp "$SOURCE_DIR/doc/snap.1" "$SCRATCH/man/man1/"
export MANPATH=$SCRATCH/man

# verify UNIT...: systemd-analyze verify passes and says nothing.
verify() {
	local rc=0
	(cd "$U" && systemd-analyze verify "$@") >"$SCRATCH/verify.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$SCRATCH/verify.out" ]; then
		sed 's/^/    verify: /' "$SCRATCH/verify.out"
		fail "systemd-analyze verify $* (exit $rc)"
	fi
}

say "systemd-analyze verify, each unit and all together"
for u in "${UNITS[@]}"; do
	verify "./$u"
done
verify "${UNITS[@]/#/./}"

say "verify fails on a unit whose program is missing"
mkdir "$SCRATCH/broken"
sed "s|^ExecStart=$inhibit |ExecStart=$SCRATCH/no-such-program |" \
	"$U/snap.service" >"$SCRATCH/broken/snap.service"
cp "$U/snap-failure@.service" "$U/snap.timer" "$SCRATCH/broken/"
if (cd "$SCRATCH/broken" && systemd-analyze verify ./snap.service) \
	>"$SCRATCH/broken.out" 2>&1; then
	cat "$SCRATCH/broken.out"
	fail "systemd-analyze verify accepts a missing ExecStart program"
fi
assert_grep 'no-such-program' "$SCRATCH/broken.out"

say "security exposure at most each unit's figure"
for s in "${!MAX_EXPOSURE[@]}"; do
	max=${MAX_EXPOSURE[$s]}
	threshold=$(awk -v m="$max" 'BEGIN { printf "%d", m * 10 + 0.5 }')
	rc=0
	(cd "$U" && systemd-analyze security --offline=true --no-pager \
		--threshold="$threshold" "./$s") >"$SCRATCH/security.out" 2>&1 || rc=$?
	score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p' \
		"$SCRATCH/security.out")
	[ -n "$score" ] || {
		cat "$SCRATCH/security.out"
		fail "no overall exposure level for $s"
	}
	echo "    $s: exposure $score"
	if [ "$rc" != 0 ] || awk -v s="$score" -v m="$max" \
		'BEGIN { exit !(s > m) }'; then
		grep '✗' "$SCRATCH/security.out" | sed 's/^/    /' || true
		fail "$s: exposure $score is above $max (exit $rc)"
	fi
done

say "snap-inhibit runs the command and passes its exit status through"
rc=0
"$inhibit" sh -c 'echo ran; exit 3' >"$OUT" 2>"$ERR" || rc=$?
assert_eq "$rc" 3 "snap-inhibit exit status"
assert_grep '^ran$' "$OUT"
if systemd-inhibit --list --no-pager >/dev/null 2>&1; then
	say "(logind answers: the command ran under the lock)"
	assert_not_grep 'without a sleep/shutdown lock' "$ERR"
else
	assert_grep '^snap-inhibit: logind does not answer; running without' "$ERR"
	# In the journal the notice carries its priority.
	JOURNAL_STREAM=1:1 "$inhibit" true 2>"$ERR"
	assert_grep '^<5>snap-inhibit: ' "$ERR"
fi
rc=0
"$inhibit" >/dev/null 2>&1 || rc=$?
assert_eq "$rc" 2 "snap-inhibit without a command"
