#!/bin/bash
# t2610: create --json, and JSON that never loses a name.
#
# Proves: create --json prints one JSON object (python3's json module
# reads it) whose "snapshot" is the snapshot made, whose "files" and
# "total_bytes" are those find counts in the source, and whose "pruned"
# names the snapshots the prune after it deleted (and nothing else goes
# to stdout); create --dry-run -v --json has "snapshot": null and no
# file lines.  A name that
# is not UTF-8 ("a\xff") and its look-alike ("a" U+00FF) decode to their
# own bytes in diff --json, verify --json and (as labels) list --json:
# "path" for UTF-8, "path_bytes" in base64 otherwise; the names diff
# reports are exactly what python's os.listdir sees in the source.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo one >"$SRC/d/plain.txt"
write_config "$ROOT" "$SRC"
echo 'retain: {last: 2}' >>"$CONFIG"

# decode.py: the names of a JSON document's objects, as bytes, one per
# line in Python's repr; KEY is "path" or "label".
cat >"$SCRATCH/names.py" <<'PY'
import base64, json, sys
doc = json.load(open(sys.argv[1]))
key = sys.argv[2]
for o in doc:
    if key in o and o[key] is not None:
        print(repr(o[key].encode("utf-8")))
    elif key + "_bytes" in o:
        print(repr(base64.b64decode(o[key + "_bytes"], validate=True)))
PY

say "create --json: one object with the run's counts"
run_snap create --json
expect_status 0
new_snapshot S1
python3 - "$OUT" "$S1" "$(find "$SRC" -type f | wc -l)" \
	"$(find "$SRC" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')" <<'PY' ||
import json, sys
s = json.load(open(sys.argv[1]))
assert s["snapshot"] == sys.argv[2], s["snapshot"]
assert s["previous"] is None, s
assert s["files"] == int(sys.argv[3]), s["files"]
assert s["total_bytes"] == int(sys.argv[4]), s["total_bytes"]
assert s["copied"] == s["copied_by"]["new"]["files"] == s["files"], s
assert s["pruned"] == [], s
PY
	fail "create --json is not the run's summary"

say "names that are not UTF-8 and their look-alikes"
printf x >"$SRC/d/a"$'\xff'
printf y >"$SRC/d/aÿ"
printf z >"$SRC/d/"$'tab\there'
run_snap create --json --label "bad"$'\xe9'
expect_status 0
new_snapshot S2 "$S1"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["snapshot"] == sys.argv[2] and s["previous"] == sys.argv[3], s
assert s["copied_by"]["new"]["files"] == 3, s
' "$OUT" "$S2" "$S1" || fail "create --json after adding three files"

run_snap diff --json "$S1" "$S2"
expect_status 0
python3 "$SCRATCH/names.py" "$OUT" path | sort >"$SCRATCH/diff.names"
python3 -c '
import os, sys
for n in os.listdir(os.fsencode(sys.argv[1])):
    if n != b"plain.txt":
        print(repr(b"src/d/" + n))
' "$SRC/d" | sort >"$SCRATCH/want.names"
diff "$SCRATCH/want.names" "$SCRATCH/diff.names" ||
	fail "diff --json does not name the new files byte for byte"
[ "$(sort -u "$SCRATCH/diff.names" | wc -l)" = 3 ] ||
	fail "two names decode to the same bytes"

say "list --json: a label that is not UTF-8"
run_snap list --json
expect_status 0
python3 "$SCRATCH/names.py" "$OUT" label >"$SCRATCH/labels"
assert_eq "$(cat "$SCRATCH/labels")" "b'bad\\xe9'" "the label's bytes"

say "verify --json: a missing file that is not UTF-8"
# The folder keeps its mtime, so the missing file is the one finding.
touch -r "$ROOT/$S2/src/d" "$SCRATCH/dir-times"
rm "$ROOT/$S2/src/d/a"$'\xff'
touch -m -r "$SCRATCH/dir-times" "$ROOT/$S2/src/d"
run_snap verify --json "$S2"
expect_status 1
python3 "$SCRATCH/names.py" "$OUT" path >"$SCRATCH/verify.names"
assert_eq "$(cat "$SCRATCH/verify.names")" "b'src/d/a\\xff'" "verify's finding"

say "create --json names what the prune deleted; --dry-run has no snapshot"
echo two >"$SRC/d/plain.txt"
run_snap create --json
expect_status 0
new_snapshot S3 "$S2"
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["snapshot"] == sys.argv[2], s
assert s["pruned"] == [sys.argv[3]], s["pruned"]
' "$OUT" "$S3" "$S1" || fail "create --json does not name the pruned snapshot"
assert_missing "$ROOT/$S1"
echo three >"$SRC/d/plain.txt"
run_snap create --dry-run --json -v
expect_status 0
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["snapshot"] is None and s["previous"] == sys.argv[2], s
assert s["linked"] == 3 and s["copied_by"]["content"]["files"] == 1, s
' "$OUT" "$S3" || fail "create --dry-run --json"
