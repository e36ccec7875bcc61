#!/bin/bash
# t2600: one option parser for every command.
#
# Proves: snap --version prints the version of CMakeLists.txt's project();
# snap help COMMAND, snap COMMAND --help and snap COMMAND -h print the
# same usage (exit 0) and snap help alone the same as snap --help; an
# unknown command for help is exit 2; the global options -c, -q, -v,
# --json and --wait are taken before or after the command name and before
# or after its arguments ("delete NAME --json" deletes NAME and prints
# JSON that python3's json module reads, "-c FILE" after the arguments
# names the config); -q after prune and delete prints nothing on stdout;
# --json for a command without JSON output (restore, repair) is exit 2.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

setup_sample_source "$SCRATCH/root"

say "--version is the project's version"
want=$(sed -n 's/^project(snap VERSION \([0-9.]*\).*/\1/p' \
	"$SNAP_SOURCE_DIR/CMakeLists.txt")
[ -n "$want" ] || fail "no VERSION in project() of CMakeLists.txt"
assert_eq "$("$SNAP" --version)" "snap $want" "snap --version"

say "help COMMAND, COMMAND --help and COMMAND -h are one text"
for c in create list diff log restore verify repair prune delete du check; do
	"$SNAP" help "$c" >"$SCRATCH/help.$c" || fail "snap help $c failed"
	"$SNAP" "$c" --help >"$SCRATCH/dashdash.$c" || fail "snap $c --help failed"
	"$SNAP" "$c" -h >"$SCRATCH/dash.$c" || fail "snap $c -h failed"
	cmp "$SCRATCH/help.$c" "$SCRATCH/dashdash.$c" ||
		fail "snap help $c and snap $c --help differ"
	cmp "$SCRATCH/help.$c" "$SCRATCH/dash.$c" ||
		fail "snap help $c and snap $c -h differ"
	assert_grep "^usage: snap .*$c" "$SCRATCH/help.$c" "snap help $c"
done
"$SNAP" help >"$SCRATCH/help" || fail "snap help failed"
"$SNAP" --help >"$SCRATCH/dashhelp" || fail "snap --help failed"
cmp "$SCRATCH/help" "$SCRATCH/dashhelp" || fail "snap help and snap --help differ"
STATUS=0
"$SNAP" help no-such-command >"$OUT" 2>"$ERR" || STATUS=$?
expect_status 2 "help for an unknown command"
assert_grep "unknown command 'no-such-command'" "$ERR" "stderr"

say "-q, -v and --wait after the command"
run_snap create -q --wait 5
expect_status 0
[ ! -s "$OUT" ] || fail "create -q printed on stdout"
new_snapshot S1
run_snap create -v
expect_status 0
new_snapshot S2 "$S1"
run_snap create
expect_status 0
new_snapshot S3 "$S2"

say "list --json and --json list, -c after the command"
run_snap --json list
expect_status 0
cp "$OUT" "$SCRATCH/list.before"
STATUS=0
"$SNAP" list --json -c "$CONFIG" >"$OUT" 2>"$ERR" || STATUS=$?
expect_status 0 "-c after the command"
cmp "$SCRATCH/list.before" "$OUT" || fail "list --json -c differs from --json list"
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$OUT" ||
	fail "list --json is not JSON"

say "delete NAME --json deletes NAME and prints JSON"
run_snap delete "$S1" --json
expect_status 0
python3 -c '
import json, sys
names = json.load(open(sys.argv[1]))
assert names == [sys.argv[2]], names
' "$OUT" "$S1" || fail "delete --json did not print [\"$S1\"]"
assert_missing "$ROOT/$S1"
assert_exists "$ROOT/$S2"

say "delete -q and prune -q"
run_snap delete "$S2" -q
expect_status 0
[ ! -s "$OUT" ] || fail "delete -q printed on stdout"
assert_missing "$ROOT/$S2"
run_snap prune -q --wait 5
expect_status 0
[ ! -s "$OUT" ] || fail "prune -q printed on stdout"
assert_exists "$ROOT/$S3"

say "--json for a command without JSON output is a usage error"
run_snap restore --json latest / "$SCRATCH/restored"
expect_status 2 "restore --json"
assert_grep "restore has no JSON output" "$ERR" "stderr"
assert_missing "$SCRATCH/restored"
run_snap --json repair latest
expect_status 2 "--json repair"

say "an unknown option after the arguments is still an error"
run_snap delete "$S3" --no-such-option
expect_status 2 "unknown option"
assert_exists "$ROOT/$S3"
