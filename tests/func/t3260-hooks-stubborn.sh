#!/bin/bash
# t3260: hooks that fail in the ways t4200 does not try.
#
# Proves: a hook command that does not exist fails before_create with
# "failed with exit status 127" and the shell's "not found" as its output;
# a hook that kills itself is "killed by signal 9 (Killed)"; a hook that
# ignores SIGTERM at its timeout is killed with SIGKILL a few seconds later
# (exit 1, no snapshot, nothing of it left running); a long command with a
# newline is shown on one line and cut with "..."; at -v a hook's output
# line longer than 1024 bytes is printed in pieces; and, as root in a
# mount namespace of its own where /bin/sh cannot be executed, the child
# says "cannot run /bin/sh" and the hook fails with exit status 127.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
H=$SCRATCH/hooks
mkdir -p "$SRC" "$H"
echo a >"$SRC/a"
write_config "$ROOT" "$SRC"
BASE_CONFIG=$SCRATCH/base.yaml
cp "$CONFIG" "$BASE_CONFIG"

# hooks_config YAML: $CONFIG is the base config plus a hooks: mapping.
hooks_config() {
	cp "$BASE_CONFIG" "$CONFIG"
	printf 'hooks:\n%s\n' "$1" >>"$CONFIG"
}

say "a command that does not exist: exit status 127, the shell's words"
hooks_config "  before_create: ['$H/no-such-hook --flag']"
run_snap create
expect_status 1 "a missing hook command"
assert_grep "before_create hook '$H/no-such-hook --flag' failed with exit status 127; its output:" "$ERR"
assert_grep "not found" "$ERR" "the shell's message"
assert_eq "$(snapshot_count "$ROOT")" 0 "snapshots after a failed before_create"

say "a hook that kills itself: named signal"
hooks_config "  after_create: ['kill -KILL \$\$']"
run_snap create
expect_status 3 "after_create killed by a signal"
assert_grep "warning: after_create hook 'kill -KILL \\\$\\\$' was killed by signal 9 \\(Killed\\) and printed nothing" "$ERR"
assert_eq "$(snapshot_count "$ROOT")" 1 "the snapshot stands"

say "a hook that ignores SIGTERM at its timeout gets SIGKILL"
rm -f "$H/pid"
hooks_config "  timeout: 1
  before_create: ['trap \"\" TERM; echo \$\$ >$H/pid; echo stubborn; while :; do sleep 0.2; done']"
t0=$(date +%s)
run_snap create
t1=$(date +%s)
expect_status 1 "before_create past its timeout"
assert_grep "before_create hook .* did not finish within 1 s and was killed .*its output:" "$ERR"
assert_grep "stubborn" "$ERR" "the hook's output"
# SIGTERM at 1 s, SIGKILL 5 s later (hooks.c's KILL_GRACE).
[ $((t1 - t0)) -ge 5 ] || fail "the run ended after $((t1 - t0)) s: no grace before SIGKILL"
[ $((t1 - t0)) -le 30 ] || fail "the SIGKILL took $((t1 - t0)) s"
pid=$(cat "$H/pid")
state=$(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null || echo gone)
case $state in
gone | Z) ;;
*) fail "the hook $pid that ignored SIGTERM is still running ($state)" ;;
esac
assert_eq "$(snapshot_count "$ROOT")" 1 "no snapshot from the killed run"

say "a long command with a newline is shown on one line, cut"
long=$(printf 'x%.0s' $(seq 1 300))
hooks_config "  before_create: [\"echo one\\nfalse # $long\"]"
run_snap create
expect_status 1 "a long failing hook"
assert_grep "before_create hook 'echo one\\?false # x+\\.\\.\\.' failed with exit status 1" "$ERR"
line=$(grep "before_create hook" "$ERR" | head -n 1)
[ "${#line}" -lt 400 ] || fail "the command was not cut: ${#line} bytes"

say "at -v a long output line is printed in pieces of 1024 bytes"
cat >"$H/long.sh" <<'EOF'
#!/bin/sh
printf '%2500s\n' '' | tr ' ' y
echo end
EOF
chmod 755 "$H/long.sh"
hooks_config "  before_create: ['$H/long.sh']"
run_snap -v create
expect_status 0 "a hook printing a long line"
n=$(grep -c '^before_create: y' "$OUT" || true)
assert_eq "$n" 3 "pieces of the long line"
assert_grep '^before_create: y{1024}$' "$OUT" "a whole piece"
assert_grep '^before_create: y{452}$' "$OUT" "the last piece"
assert_grep '^before_create: end$' "$OUT" "the next line"
assert_eq "$(snapshot_count "$ROOT")" 2 "snapshots"

say "the child cannot execute /bin/sh: exit status 127, said why"
if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null ||
	! unshare -m --propagation private true 2>/dev/null; then
	echo "ok (the /bin/sh case skipped: needs root and unshare -m)"
	exit 0
fi
echo 'not a program' >"$SCRATCH/nosh"
chmod 644 "$SCRATCH/nosh"
hooks_config "  before_create: ['touch $H/ran']"
STATUS=0
unshare -m --propagation private bash -c \
	'mount --bind "$1" /bin/sh && shift && exec "$@"' _ "$SCRATCH/nosh" \
	timeout 120 "$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" || STATUS=$?
expect_status 1 "/bin/sh not executable"
assert_grep "before_create hook 'touch $H/ran' failed with exit status 127; its output:" "$ERR"
assert_grep "cannot run /bin/sh: Permission denied" "$ERR" "the child's message"
assert_missing "$H/ran"
assert_eq "$(snapshot_count "$ROOT")" 2 "no snapshot from the run"
echo "ok"
