#!/bin/bash
# t5130: the build makes snap-replicate@.service and its timer from
# systemd/; systemd-analyze verify passes on both with no message, the
# service runs this build's snap with "-c CONFDIR/%i.yaml --wait 3600
# replicate" through snap-inhibit, keeps SuccessExitStatus=3, allows the
# Landlock system calls and the network, and its security exposure
# stays at most 2.8.  Skips without systemd-analyze.
. "$(dirname "$0")/lib.sh"
require_cmd systemd-analyze

SOURCE_DIR=${SNAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${SNAP_BUILD_DIR:-$(dirname "$SNAP")}
U=$SCRATCH/units
mkdir "$U"
for u in snap-replicate@.service snap-replicate@.timer snap-failure@.service \
	snap-notify-start@.service snap-notify-success@.service \
	snap-notify-fail@.service; do
	[ -f "$BUILD_DIR/systemd/$u" ] || fail "the build made no $u"
	cp "$BUILD_DIR/systemd/$u" "$U/"
done
if grep -nE '@[A-Za-z_]+@' "$U/snap-replicate@.service" "$U/snap-replicate@.timer"; then
	fail "a @VARIABLE@ was left unsubstituted"
fi
CONFDIR=$("$SNAP" --help | sed -n 's|.*then \(/.*\)/snap\.yaml)$|\1|p')
[ -n "$CONFDIR" ] || fail "snap --help names no default config"

say "ExecStart= and the policies"
assert_eq "$(sed -n 's/^ExecStart=//p' "$U/snap-replicate@.service")" \
	"$SOURCE_DIR/systemd/snap-inhibit $SNAP -c $CONFDIR/%i.yaml --wait 3600 replicate"
assert_grep '^SuccessExitStatus=3$' "$U/snap-replicate@.service"
assert_grep '^SystemCallFilter=.*landlock_restrict_self' "$U/snap-replicate@.service"
assert_grep '^RestrictAddressFamilies=.*AF_INET6' "$U/snap-replicate@.service"
assert_grep '^OnFailure=snap-failure@%n.service$' "$U/snap-replicate@.service"
assert_grep '^Also=snap-replicate@%i.timer$' "$U/snap-replicate@.service"
assert_grep '^WantedBy=timers.target$' "$U/snap-replicate@.timer"

say "systemd-analyze verify says nothing"
mkdir -p "$SCRATCH/man/man1"
cp "$SOURCE_DIR/doc/snap.1" "$SCRATCH/man/man1/"
export MANPATH=$SCRATCH/man
rc=0
(cd "$U" && systemd-analyze verify ./snap-replicate@.service \
	./snap-replicate@.timer) >"$SCRATCH/verify.out" 2>&1 || rc=$?
if [ "$rc" != 0 ] || [ -s "$SCRATCH/verify.out" ]; then
	sed 's/^/    verify: /' "$SCRATCH/verify.out"
	fail "systemd-analyze verify (exit $rc)"
fi

say "security exposure at most 2.8"
rc=0
(cd "$U" && systemd-analyze security --offline=true --no-pager \
	--threshold=28 ./snap-replicate@.service) >"$SCRATCH/security.out" 2>&1 || rc=$?
level=$(sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p' \
	"$SCRATCH/security.out")
say "exposure $level"
[ -n "$level" ] || { cat "$SCRATCH/security.out"; fail "no exposure level"; }
awk -v l="$level" 'BEGIN { exit !(l <= 2.8) }' ||
	fail "snap-replicate@.service's exposure is $level, above 2.8"
say "ok"
