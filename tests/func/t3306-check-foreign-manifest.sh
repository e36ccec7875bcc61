#!/bin/bash
# t3306: check and list on a snapshot whose side files are foreign or gone.
#
# t2510 and t3220 damage manifests inside their records; here the
# manifest is not one at all, or cut off within its header.  Proves:
# "check" reports each as a PROBLEM naming the manifest and "snap repair
# NAME" ("... is corrupt: not a snap manifest", "... is truncated"),
# exits 1, and says so in --json too; after "repair" it reports no
# problem.  And "list" of a snapshot whose summary is gone shows "?"
# under WARNINGS (not known) where the others say "no".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
two_snapshots
run_snap check
expect_status 0 "check of a whole root"

say "a manifest that is not one, and one cut within its header"
printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N1"
printf 'SNAPMAN\n\001' >"$ROOT/.snap/manifests/$N2"
run_snap check
expect_status 1 "check with foreign manifests"
assert_grep "^PROBLEM: manifest '$N1' is corrupt: not a snap manifest; run 'snap repair $N1' to rebuild it from the snapshot$" "$OUT"
assert_grep "^PROBLEM: manifest '$N2' is truncated; run 'snap repair $N2' to rebuild it from the snapshot$" "$OUT"
run_snap --json check
expect_status 1 "check --json with foreign manifests"
"$PYTHON3" - "$OUT" "$N1" <<'EOF' || fail "check --json does not name the manifest"
import json, sys
doc = json.load(open(sys.argv[1]))
want = "manifest '%s' is corrupt: not a snap manifest" % sys.argv[2]
assert [r for r in doc if r["status"] == "problem" and
        r["check"].startswith(want)], doc
EOF

say "repair makes check clean again"
run_snap repair "$N1"
expect_status 0 "repair $N1"
run_snap repair "$N2"
expect_status 0 "repair $N2"
run_snap check
expect_status 0 "check after the repairs"
assert_not_grep "^PROBLEM:" "$OUT"

say "a snapshot without its summary"
rm "$ROOT/.snap/manifests/$N1.summary"
run_snap list
expect_status 0 "list"
assert_grep "^$N1 +.* \? +-$" "$OUT"
assert_grep "^$N2 +.* no +-$" "$OUT"
echo "ok"
