#!/bin/bash
# t2110: snap delete, labels, and deletes that were interrupted.
#
# Proves: delete by a unique prefix removes the snapshot, its manifest and
# summary and leaves the others unchanged; an unknown or ambiguous name
# exits 2 and deletes nothing, not even the other names given; the newest
# snapshot (by name or as 'latest') is refused without --force, and with
# --force it goes and latest moves to the newest left (and is removed
# with the last one); create --label stores the label, refuses an empty,
# multi-line or over-long label with exit 2; a tree left in .snap/deleting
# by a killed delete (latest pointing at it) is finished by the next
# create, latest repaired; prune --dry-run --json parses with
# python3 -m json.tool and keeps the labelled snapshot by "label".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo hello >"$SRC/d/a.txt"
write_config "$ROOT" "$SRC"

# create_at DAY [ARGS]: create at 12:00 UTC on DAY (YYYY-MM-DD), exit 0.
create_at() {
	local t
	t=$(date -u -d "$1 12:00:00 UTC" +%s)
	shift
	STATUS=0
	SNAP_NOW=$t "$SNAP" -c "$CONFIG" create "$@" >"$OUT" 2>"$ERR" || STATUS=$?
	[ "$STATUS" = 0 ] || {
		show_output
		fail "create at $t exited $STATUS"
	}
}

# The state of the root: snapshots, manifests and summaries, latest.
root_state() {
	snapshots "$ROOT"
	ls -A "$ROOT/.snap/manifests"
	echo "latest -> $(latest "$ROOT")"
}

say "five snapshots"
for d in 2024-03-01 2024-03-02 2024-03-03 2024-04-01 2024-04-02; do
	create_at "$d"
done
assert_eq "$(snapshot_count "$ROOT")" 5 "snapshots"
remember_history 2024-03-01T120000Z

say "delete by a unique prefix"
run_snap delete 2024-03-02
expect_status 0
assert_grep '^deleted snapshot 2024-03-02T120000Z$' "$OUT"
assert_missing "$ROOT/2024-03-02T120000Z"
assert_missing "$ROOT/.snap/manifests/2024-03-02T120000Z"
assert_missing "$ROOT/.snap/manifests/2024-03-02T120000Z.summary"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" \
	"2024-03-01T120000Z 2024-03-03T120000Z 2024-04-01T120000Z 2024-04-02T120000Z " \
	"snapshots after deleting one"
assert_eq "$(latest "$ROOT")" 2024-04-02T120000Z "latest"
history_unchanged 2024-03-01T120000Z
[ -z "$(ls -A "$ROOT/.snap/deleting")" ] || fail ".snap/deleting is not empty"

say "unknown and ambiguous names delete nothing"
root_state >"$SCRATCH/state.before"
run_snap delete 2024-03-01 1999-01-01
expect_status 2
assert_grep "1999-01-01" "$ERR"
run_snap delete 2024-04
expect_status 2
assert_grep 'ambiguous' "$ERR"
run_snap delete
expect_status 2
root_state | diff "$SCRATCH/state.before" - || fail "a refused delete changed the root"

say "the newest snapshot needs --force"
run_snap delete latest
expect_status 2
assert_grep 'use --force' "$ERR"
run_snap delete 2024-04-02T120000Z 2024-03-01
expect_status 2
root_state | diff "$SCRATCH/state.before" - || fail "a refused delete changed the root"
run_snap delete --force latest
expect_status 0
assert_missing "$ROOT/2024-04-02T120000Z"
assert_eq "$(latest "$ROOT")" 2024-04-01T120000Z "latest after deleting the newest"
assert_eq "$(readlink "$ROOT/latest")" 2024-04-01T120000Z "the latest link"

say "delete several at once, JSON output"
run_snap --json delete 2024-03-03 2024-03-01 2024-03-03T120000Z
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "delete --json is not JSON"
assert_eq "$(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))))' "$OUT")" \
	"2024-03-01T120000Z 2024-03-03T120000Z" "deleted names"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "2024-04-01T120000Z " "snapshots left"

say "deleting the last snapshot removes latest"
run_snap delete --force 2024-04-01T120000Z
expect_status 0
assert_eq "$(snapshot_count "$ROOT")" 0 "snapshots left"
assert_missing "$ROOT/latest"

say "labels"
create_at 2024-05-01 --label "before the upgrade: ünïcødé ok"
grep -qx 'label before the upgrade: ünïcødé ok' \
	"$ROOT/.snap/manifests/2024-05-01T120000Z.summary" ||
	fail "the label is not in the summary"
assert_grep 'before the upgrade' "$OUT"
bad_labels=("" $'two\nlines' $'tab\there' "$(printf 'x%.0s' $(seq 1 201))")
for bad in "${bad_labels[@]}"; do
	root_state >"$SCRATCH/state.before"
	run_snap create --label "$bad"
	expect_status 2
	assert_grep 'label' "$ERR"
	root_state | diff "$SCRATCH/state.before" - || fail "a refused label made a snapshot"
done
create_at 2024-05-02 --label "$(printf 'y%.0s' $(seq 1 200))"
create_at 2024-05-03
create_at 2024-05-04

say "prune --dry-run --json keeps the labelled snapshots"
printf 'retain: {last: 1}\n' >>"$CONFIG"
run_snap --json prune --dry-run
expect_status 0
python3 -m json.tool "$OUT" >"$SCRATCH/plan.json" || fail "prune --dry-run --json is not JSON"
python3 - "$OUT" <<'PY' || fail "the JSON plan is wrong"
import json, sys
plan = {p["name"]: p for p in json.load(open(sys.argv[1]))}
assert sorted(plan) == ["2024-05-01T120000Z", "2024-05-02T120000Z",
                        "2024-05-03T120000Z", "2024-05-04T120000Z"], plan
assert plan["2024-05-01T120000Z"]["reasons"] == ["label"], plan
assert plan["2024-05-01T120000Z"]["label"] == "before the upgrade: ünïcødé ok"
assert plan["2024-05-02T120000Z"]["label"] == "y" * 200
assert plan["2024-05-03T120000Z"]["action"] == "delete", plan
assert plan["2024-05-03T120000Z"]["frees"] == 0, plan
assert plan["2024-05-04T120000Z"]["reasons"] == ["last", "newest"], plan
PY
run_snap prune
expect_status 0
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" \
	"2024-05-01T120000Z 2024-05-02T120000Z 2024-05-04T120000Z " "after prune"
run_snap delete 2024-05-01
expect_status 0
assert_missing "$ROOT/2024-05-01T120000Z"

say "an interrupted delete is finished by the next create"
# What a delete killed right after its rename leaves: the tree (with a
# read-only folder in it) under .snap/deleting, its manifest and summary,
# and latest pointing at it.
mv "$ROOT/2024-05-04T120000Z" "$ROOT/.snap/deleting/"
chmod 0500 "$ROOT/.snap/deleting/2024-05-04T120000Z/src/d"
run_snap list
assert_not_grep '2024-05-04' "$OUT" "list during an interrupted delete"
create_at 2024-05-05
assert_eq "$(ls -A "$ROOT/.snap/deleting")" "" ".snap/deleting after create"
assert_missing "$ROOT/.snap/manifests/2024-05-04T120000Z"
assert_missing "$ROOT/.snap/manifests/2024-05-04T120000Z.summary"
# retain {last: 1} pruned 2024-05-02? No: it has a label.
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" \
	"2024-05-02T120000Z 2024-05-05T120000Z " "snapshots after the create"
assert_eq "$(latest "$ROOT")" 2024-05-05T120000Z "latest"
diff -r "$SRC" "$ROOT/2024-05-05T120000Z/src" || fail "the new snapshot is not the source"

say "a delete killed before latest moved: the next writer repairs latest"
mv "$ROOT/2024-05-05T120000Z" "$ROOT/.snap/deleting/"
[ "$(latest "$ROOT")" = 2024-05-05T120000Z ] || fail "setup: latest moved"
run_snap prune
expect_status 0
assert_eq "$(latest "$ROOT")" 2024-05-02T120000Z "latest after the repair"
assert_eq "$(ls -A "$ROOT/.snap/deleting")" "" ".snap/deleting after prune"

echo "ok"
