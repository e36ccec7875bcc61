#!/bin/bash
# t4200: the hooks of the config, run around create.
#
# Proves: before_create and after_create run in a clean environment (no
# variable of snap's own environment leaks in) with SNAP_CONFIG,
# SNAP_ROOT, SNAP_SNAPSHOT and SNAP_STATUS set, no descriptor but 0-2,
# stdin empty; before_create runs before the snapshot exists and
# after_create after it is in place; a failing before_create aborts with
# exit 1, no snapshot, its output in the error, and on_error runs with
# SNAP_STATUS=1; a failing after_create is a warning (exit 3, the
# snapshot stands); a hook past its timeout is killed with the processes
# it started, and so is a hook running when snap gets SIGTERM (snap then
# dies of that signal); a dry run runs no hook; a config writable by its group or
# by anyone, or (as root) owned by another user, is refused with exit 2
# before any hook runs.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"
BASE_CONFIG=$SCRATCH/base.yaml
cp "$CONFIG" "$BASE_CONFIG"
H=$SCRATCH/hooks
mkdir "$H"

# hooks_config YAML: $CONFIG is the base config plus a hooks: mapping.
hooks_config() {
	cp "$BASE_CONFIG" "$CONFIG"
	printf 'hooks:\n%s\n' "$1" >>"$CONFIG"
}

# A hook that records its environment, descriptors, stdin and whether
# the snapshot ($SNAP_SNAPSHOT) exists yet, into $H/NAME.*.
recorder() {
	cat >"$H/record.sh" <<'EOF'
#!/bin/sh
out=$1
env | LC_ALL=C sort >"$out.env"
ls /proc/self/fd >"$out.fds"
cat >"$out.stdin"
ls "$SNAP_ROOT" >"$out.root"
echo "hook $out says hello"
EOF
	chmod 755 "$H/record.sh"
}
recorder

say "before_create and after_create see a clean environment"
hooks_config "  before_create: ['$H/record.sh $H/before']
  after_create: ['$H/record.sh $H/after']
  on_error: ['$H/record.sh $H/error']"
SNAP_LEAK=secret run_snap -v create
expect_status 0
new_snapshot N1
for h in before after; do
	assert_not_grep 'SNAP_LEAK|LD_|^TERM=' "$H/$h.env" "$h env"
	assert_grep "^SNAP_CONFIG=$CONFIG\$" "$H/$h.env" "$h env"
	assert_grep "^SNAP_ROOT=$ROOT\$" "$H/$h.env" "$h env"
	assert_grep '^SNAP_STATUS=0$' "$H/$h.env" "$h env"
	assert_grep '^PATH=/' "$H/$h.env" "$h env"
	# ls's own descriptor for /proc/self/fd is the one past 2.
	assert_eq "$(tr '\n' ' ' <"$H/$h.fds")" "0 1 2 3 " "$h descriptors"
	[ ! -s "$H/$h.stdin" ] || fail "$h read something on stdin"
done
assert_grep '^SNAP_SNAPSHOT=$' "$H/before.env" "before env"
assert_grep "^SNAP_SNAPSHOT=$N1\$" "$H/after.env" "after env"
assert_not_grep "$N1" "$H/before.root" "the root before_create saw"
assert_grep "$N1" "$H/after.root" "the root after_create saw"
assert_missing "$H/error.env"
assert_grep "before_create: hook $H/before says hello" "$OUT" "-v output"

say "a dry run runs no hook"
rm -f "$H"/*.env
run_snap create --dry-run
expect_status 0
assert_missing "$H/before.env"
assert_missing "$H/after.env"

say "a failing before_create aborts the run, with its output, and on_error runs"
echo change >>"$SRC/top.txt"
hooks_config "  before_create: ['echo dumping the database; echo \"pg_dump: connection refused\" >&2; exit 4']
  after_create: ['$H/record.sh $H/after']
  on_error: ['$H/record.sh $H/error']"
run_snap create
expect_status 1 "before_create failed"
assert_grep "error: before_create hook .* failed with exit status 4" "$ERR" "error"
assert_grep '^  dumping the database$' "$ERR" "the hook's stdout in the error"
assert_grep '^  pg_dump: connection refused$' "$ERR" "the hook's stderr in the error"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots"
incomplete_empty "$ROOT"
assert_grep '^SNAP_STATUS=1$' "$H/error.env" "on_error env"
assert_grep '^SNAP_SNAPSHOT=$' "$H/error.env" "on_error env"
assert_missing "$H/after.env"

say "a failing after_create is a warning: the snapshot stands"
rm -f "$H"/*.env
hooks_config "  after_create: ['echo cannot reach the mirror; exit 1']
  on_error: ['$H/record.sh $H/error']"
run_snap create
expect_status 3 "after_create failed"
assert_grep "warning: after_create hook .* failed with exit status 1" "$ERR" "warning"
assert_grep "cannot reach the mirror" "$ERR" "the hook's output"
new_snapshot N2 "$N1"
assert_missing "$H/error.env"

say "hooks run in order, and the first failure stops the list"
hooks_config "  before_create: ['echo one >>$H/order', 'false', 'echo three >>$H/order']"
run_snap create
expect_status 1
assert_eq "$(cat "$H/order")" "one" "the hooks that ran"

say "a hook past its timeout is killed, with what it started"
hooks_config "  timeout: 2
  before_create: ['sleep 300 & echo \$! >$H/child; sleep 300']"
t0=$(date +%s)
run_snap create
t1=$(date +%s)
expect_status 1 "before_create timed out"
assert_grep "did not finish within 2 s and was killed" "$ERR" "error"
[ $((t1 - t0)) -le 20 ] || fail "the timeout took $((t1 - t0)) s"
child=$(cat "$H/child")
# Gone, or a zombie waiting for a reaper: either way no longer running.
state=$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null || echo gone)
case $state in
gone | Z) ;;
*) fail "the hook's background child $child is still running ($state)" ;;
esac
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 " "snapshots"

say "SIGTERM to snap while a hook runs reaches the hook's processes too"
rm -f "$H/child"
hooks_config "  before_create: ['sleep 300 & echo \$! >$H/child; wait']"
runner=
start_bg runner "$SNAP" -c "$CONFIG" create
for _ in $(seq 100); do
	[ -s "$H/child" ] && break
	sleep 0.1
done
[ -s "$H/child" ] || fail "the hook did not start"
child=$(cat "$H/child")
kill -TERM "$runner"
STATUS=0
wait "$runner" || STATUS=$?
expect_status 143 "snap dies of the SIGTERM it was sent"
for _ in $(seq 100); do
	state=$(awk '{ print $3 }' "/proc/$child/stat" 2>/dev/null || echo gone)
	case $state in gone | Z) break ;; esac
	sleep 0.1
done
case $state in
gone | Z) ;;
*) fail "the hook's child $child outlived snap ($state)" ;;
esac
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 " "snapshots"
incomplete_empty "$ROOT"

say "a config writable by its group or by anyone is refused"
hooks_config "  before_create: ['touch $H/ran']"
for mode in 664 646; do
	chmod "$mode" "$CONFIG"
	run_snap create
	expect_status 2 "config mode $mode"
	assert_grep "is writable by .*chmod go-w" "$ERR" "error for mode $mode"
	assert_missing "$H/ran"
done
chmod 644 "$CONFIG"

if [ "$(id -u)" = 0 ]; then
	say "as root, a config owned by another user is refused"
	chown 65534 "$CONFIG"
	run_snap create
	expect_status 2 "config owned by uid 65534"
	assert_grep "owned by uid 65534, not root.*chown root" "$ERR" "error"
	assert_missing "$H/ran"
	chown 0 "$CONFIG"
fi
run_snap create
expect_status 0 "the same config, trusted again"
assert_exists "$H/ran"

echo "ok"
