#!/bin/bash
# t3280: what each command says to arguments it does not take, and the
# JSON and text of prune and list in the cases t2100 and t2200 leave out.
#
# Proves: snap with no command prints the global usage on stderr, exit 2;
# create, prune and replicate with an argument, restore and repair
# without one, verify with names and --all, help with two commands, and
# log of "/" are each exit 2 with their own sentence and nothing changed;
# a prune
# prints "deleted snapshot NAME (freed SIZE)" per snapshot and the total,
# and with --json lists what it deleted; list --json gives null for the
# label, warnings and missing of a snapshot whose summary is gone;
# prune --json with no snapshot prints only the empty list on stdout (it
# printed "no snapshots: nothing to prune" before it).
# Skips without python3.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
echo a >"$SRC/a"
write_config "$ROOT" "$SRC"

# usage_error WORDS ERE ARGS...: exit 2, ERE in stderr, no snapshot made.
usage_error() {
	local what=$1 ere=$2
	shift 2
	run_snap "$@"
	expect_status 2 "$what"
	assert_grep "$ere" "$ERR" "$what"
	[ ! -d "$ROOT" ] || assert_eq "$(snapshot_count "$ROOT")" "$NSNAPS" \
		"snapshots after $what"
}

say "arguments a command does not take"
NSNAPS=0
STATUS=0
timeout 60 "$SNAP" >"$OUT" 2>"$ERR" || STATUS=$?
expect_status 2 "no command"
assert_grep '^usage: snap ' "$ERR" "the global usage"
[ ! -s "$OUT" ] || fail "snap with no command wrote to stdout"
usage_error "create ARG" "create takes no arguments \\('now'\\)" create now
usage_error "prune ARG" "prune takes no arguments \\('all'\\)" prune all
usage_error "replicate ARG" "replicate takes no arguments \\('there'\\)" \
	replicate there
usage_error "restore alone" "restore takes a snapshot, a path in it and a" \
	restore
usage_error "repair alone" "repair takes one SNAPSHOT" repair
usage_error "help A B" "help takes one command \\('list'\\)" help create list
usage_error "log /" "log needs a path inside the snapshots, like 'etc/fstab'" \
	log /

SNAP_NOW=1764000000 create_snapshot N1
SNAP_NOW=1764003600 create_snapshot N2 "$N1"
SNAP_NOW=1764007200 create_snapshot N3 "$N2"
NSNAPS=3
usage_error "verify NAME --all" \
	"verify takes snapshot names or --all, not both" verify "$N1" --all

say "list --json: a snapshot without its summary is null where it would say"
rm "$ROOT/.snap/manifests/$N2.summary"
run_snap list --json
expect_status 0 "list --json"
"$PYTHON3" - "$OUT" "$N1" "$N2" <<'EOF' || fail "list --json: $(cat "$OUT")"
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))}
n1, n2 = rows[sys.argv[2]], rows[sys.argv[3]]
assert n2["label"] is None and n2["warnings"] is None, n2
assert n2["missing"] is None, n2
assert n1["warnings"] == 0, n1
assert n2["files"] == 1, n2
EOF

say "prune prints each snapshot it deletes, and the total"
printf 'snapshot_root: "%s"\nsources:\n  - path: "%s"\n    dest: src\nretain: {last: 2}\n' \
	"$ROOT" "$SRC" >"$CONFIG"
run_snap prune
expect_status 0 "prune to 2"
assert_grep "^deleted snapshot $N1 \\(freed [0-9.]+ [KMG]?i?B\\)$" "$OUT"
assert_grep "^pruned 1 of 3 snapshots, freed " "$OUT"
assert_missing "$ROOT/$N1"
assert_exists "$ROOT/$N2"

say "prune --json lists what it deleted"
printf 'retain: {last: 1}\n' >>"$CONFIG"
sed -i '/last: 2/d' "$CONFIG"
run_snap prune --json
expect_status 0 "prune --json to 1"
"$PYTHON3" - "$OUT" "$N2" <<'EOF' || fail "prune --json: $(cat "$OUT")"
import json, sys
doc = json.load(open(sys.argv[1]))
text = json.dumps(doc)
assert sys.argv[2] in text, doc
EOF
assert_missing "$ROOT/$N2"
assert_exists "$ROOT/$N3"

say "prune --json with no snapshot: the empty list, JSON alone on stdout"
write_config "$SCRATCH/empty-root" "$SRC"
printf 'retain: {last: 1}\n' >>"$CONFIG"
run_snap prune --json
expect_status 0 "prune --json, no snapshots"
"$PYTHON3" - "$OUT" <<'EOF' || fail "prune --json printed more than JSON: $(cat "$OUT")"
import json, sys
assert json.load(open(sys.argv[1])) == [], "not an empty list"
EOF
echo "ok"
