#!/bin/bash
# t2100: prune keeps exactly what the retention policy says.
#
# A simulated leap year of daily snapshots (SNAP_NOW drives the clock,
# 2024-01-01 to 2024-12-31 at 03:00 UTC, a tiny source).  Proves: with no
# retain key nothing is pruned (366 snapshots stay); prune --dry-run with
# retain {daily: 7, weekly: 4, monthly: 12} names exactly the set that
# python3 computes independently (datetime, ISO weeks from isocalendar),
# gives the rule keeping each kept one, the space each deletion frees
# (a file only one snapshot held), and deletes nothing; prune then leaves
# exactly that set, with manifests, summaries and latest in step.  Then
# automatic pruning after each create across a year change (2024-11-20 to
# 2025-03-10, two snapshots on some days, a gap, a labelled snapshot)
# leaves exactly the expected set, the labelled one included; a dry-run
# create does not prune.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo hello >"$SRC/d/a.txt"
echo world >"$SRC/b.txt"
write_config "$ROOT" "$SRC"
BASE_CONFIG=$(cat "$CONFIG")

# expected_set RETAIN_JSON < names(with optional '*' for labelled): prints
# the names that must stay, computed with datetime, not with snap's code.
expected_set() {
	python3 -c '
import sys, json, datetime
p = json.loads(sys.argv[1])
snaps = []
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    lab = line.startswith("*")
    name = line.lstrip("*")
    t = datetime.datetime.strptime(name, "%Y-%m-%dT%H%M%SZ")
    snaps.append((name, t, lab))
snaps.sort()
keep = set()
for name, t, lab in snaps[::-1][:p.get("last", 0)]:
    keep.add(name)
keys = {
    "hourly": lambda t: (t.date(), t.hour),
    "daily": lambda t: t.date(),
    "weekly": lambda t: t.isocalendar()[:2],
    "monthly": lambda t: (t.year, t.month),
    "yearly": lambda t: t.year,
}
for rule, key in keys.items():
    n = p.get(rule, 0)
    seen = []
    for name, t, lab in reversed(snaps):
        if len(seen) >= n:
            break
        k = key(t)
        if k in seen:
            continue
        seen.append(k)
        keep.add(name)
for name, t, lab in snaps:
    if lab:
        keep.add(name)
if snaps:
    keep.add(snaps[-1][0])
print("\n".join(sorted(keep)))
' "$1"
}

# Runs create at the time given as "YYYY-MM-DD HH:MM:SS" (UTC).
create_at() {
	local t
	t=$(date -u -d "$1 UTC" +%s)
	shift
	STATUS=0
	SNAP_NOW=$t "$SNAP" -c "$CONFIG" -q create "$@" >"$OUT" 2>"$ERR" ||
		STATUS=$?
	[ "$STATUS" = 0 ] || {
		show_output
		fail "create at $t exited $STATUS"
	}
}

say "a year of daily snapshots, no retain policy"
start=$(date -u -d '2024-01-01 03:00:00 UTC' +%s)
for i in $(seq 0 365); do
	day=$(date -u -d "@$((start + i * 86400))" '+%Y-%m-%d %H:%M:%S')
	# One snapshot alone holds this file: deleting it frees its size.
	if [ "$i" = 40 ]; then
		head -c 12345 /dev/urandom >"$SRC/only-once.bin"
	elif [ "$i" = 41 ]; then
		rm "$SRC/only-once.bin"
	fi
	create_at "$day"
done
assert_eq "$(snapshot_count "$ROOT")" 366 "snapshots without a policy"
assert_eq "$(manifests "$ROOT" | wc -l)" 366 "manifests without a policy"
ONCE=$(date -u -d "@$((start + 40 * 86400))" +%Y-%m-%dT%H%M%SZ)
[ -f "$ROOT/$ONCE/src/only-once.bin" ] || fail "$ONCE lacks only-once.bin"
run_snap prune
expect_status 0
assert_eq "$(snapshot_count "$ROOT")" 366 "snapshots after prune without a policy"

POLICY='{"daily": 7, "weekly": 4, "monthly": 12}'
printf '%s\nretain: {daily: 7, weekly: 4, monthly: 12}\n' "$BASE_CONFIG" >"$CONFIG"
snapshots "$ROOT" | expected_set "$POLICY" >"$SCRATCH/expected"
# By hand: the 7 days 12-25..12-31, the Sundays 12-15 and 12-22 (12-29
# and 12-31 are kept already), and the other 11 month ends.
assert_eq "$(wc -l <"$SCRATCH/expected")" 20 "size of the expected set"
grep -q '^2024-02-29T030000Z$' "$SCRATCH/expected" ||
	fail "the expected set lacks the leap day 2024-02-29"

say "prune --dry-run shows the plan and changes nothing"
snapshots "$ROOT" >"$SCRATCH/before"
run_snap prune --dry-run
expect_status 0
cmp -s "$SCRATCH/before" <(snapshots "$ROOT") || fail "a dry run deleted snapshots"
assert_eq "$(grep -c '^delete ' "$OUT")" 346 "snapshots the dry run would delete"
assert_eq "$(grep -c '^keep ' "$OUT")" 20 "snapshots the dry run would keep"
assert_grep '^keep +2024-12-31T030000Z +daily, weekly, monthly, newest$' "$OUT"
assert_grep '^keep +2024-12-15T030000Z +weekly$' "$OUT"
assert_grep '^keep +2024-02-29T030000Z +monthly$' "$OUT"
assert_grep "^delete +$ONCE +frees 12.1 KiB" "$OUT"
run_snap --json prune --dry-run
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "prune --dry-run --json is not JSON"
python3 - "$OUT" "$SCRATCH/expected" "$ONCE" <<'PY' || fail "the JSON plan is wrong"
import json, sys
plan = json.load(open(sys.argv[1]))
expected = open(sys.argv[2]).read().split()
keep = sorted(p["name"] for p in plan if p["action"] == "keep")
assert keep == expected, (keep, expected)
assert len(plan) == 366
for p in plan:
    if p["action"] == "keep":
        assert p["reasons"], p
        assert "frees" not in p, p
    else:
        assert p["reasons"] == [], p
        assert p["frees"] == (12345 if p["name"] == sys.argv[3] else 0), p
PY

say "prune leaves exactly the expected set"
run_snap prune
expect_status 0
assert_grep "^deleted snapshot $ONCE" "$OUT"
snapshots "$ROOT" >"$SCRATCH/after"
diff "$SCRATCH/expected" "$SCRATCH/after" || fail "prune left another set"
manifests "$ROOT" >"$SCRATCH/after.manifests"
diff "$SCRATCH/expected" "$SCRATCH/after.manifests" || fail "manifests are not in step"
assert_eq "$(find "$ROOT/.snap/manifests" -name '*.summary' | wc -l)" 20 "summaries"
assert_eq "$(latest "$ROOT")" 2024-12-31T030000Z "latest"
[ -z "$(ls -A "$ROOT/.snap/deleting")" ] || fail ".snap/deleting is not empty"
# What stays is whole.
for n in $(cat "$SCRATCH/after"); do
	diff -r "$SRC" "$ROOT/$n/src" >/dev/null || fail "snapshot $n is damaged"
done
run_snap prune
expect_status 0
diff "$SCRATCH/expected" <(snapshots "$ROOT") || fail "a second prune changed the set"

say "automatic pruning after create, across a year change, with a label"
ROOT=$SCRATCH/root2
write_config "$ROOT" "$SRC"
printf 'retain: {last: 2, daily: 5, weekly: 3, monthly: 2, yearly: 2}\n' >>"$CONFIG"
POLICY='{"last": 2, "daily": 5, "weekly": 3, "monthly": 2, "yearly": 2}'
: >"$SCRATCH/made"
start=$(date -u -d '2024-11-20 03:00:00 UTC' +%s)
for i in $(seq 0 110); do
	[ "$i" -ge 50 ] && [ "$i" -lt 60 ] && continue	# a gap
	t=$((start + i * 86400))
	day=$(date -u -d "@$t" '+%Y-%m-%d %H:%M:%S')
	if [ "$i" = 20 ]; then
		create_at "$day" --label "before the upgrade"
		echo "*$(date -u -d "@$t" +%Y-%m-%dT%H%M%SZ)" >>"$SCRATCH/made"
	else
		create_at "$day"
		date -u -d "@$t" +%Y-%m-%dT%H%M%SZ >>"$SCRATCH/made"
	fi
	if [ $((i % 7)) = 3 ]; then
		# A second snapshot later the same day.
		create_at "$(date -u -d "@$((t + 5 * 3600))" '+%Y-%m-%d %H:%M:%S')"
		date -u -d "@$((t + 5 * 3600))" +%Y-%m-%dT%H%M%SZ >>"$SCRATCH/made"
	fi
done
expected_set "$POLICY" <"$SCRATCH/made" >"$SCRATCH/expected2"
snapshots "$ROOT" >"$SCRATCH/after2"
diff "$SCRATCH/expected2" "$SCRATCH/after2" ||
	fail "automatic pruning left another set"
LABELLED=$(date -u -d "@$((start + 20 * 86400))" +%Y-%m-%dT%H%M%SZ)
grep -qx "$LABELLED" "$SCRATCH/after2" || fail "the labelled snapshot was pruned"
grep -q '^label before the upgrade$' "$ROOT/.snap/manifests/$LABELLED.summary" ||
	fail "the label is not in the summary"

say "a dry-run create does not prune"
write_config "$ROOT" "$SRC"
printf 'retain: {last: 1}\n' >>"$CONFIG"
n_before=$(snapshot_count "$ROOT")
run_snap create --dry-run
expect_status 0
assert_eq "$(snapshot_count "$ROOT")" "$n_before" "snapshots after a dry-run create"

echo "ok"
