#!/bin/bash
# t3301: prune when the space it would free cannot be known.
#
# prune reads every manifest to say what each deletion frees.  With the
# oldest manifest overwritten with garbage and retain {last: 1}, proves:
# "prune --dry-run" exits 1 with an error naming that manifest and
# deletes nothing; "prune" warns "...; the space freed is not known",
# still deletes the two older snapshots ("deleted snapshot NAME (freed
# ?)", "pruned 2 of 3 snapshots, freed ?"), keeps the newest, and exits
# 3.  And a quiet dry run (-q) prints no plan at all.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
two_snapshots
echo c >"$SRC/c"
SNAP_NOW=1764007200 create_snapshot N3 "$N2"
printf 'retain: {last: 1}\n' >>"$CONFIG"

say "a quiet dry run says nothing and deletes nothing"
run_snap -q prune --dry-run
expect_status 0 "quiet dry run"
[ ! -s "$OUT" ] || fail "-q prune --dry-run printed: $(cat "$OUT")"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 $N3 " "snapshots"

printf 'not a manifest\n' >"$ROOT/.snap/manifests/$N1"
remember_history "$N3"

say "a dry run cannot show its plan without the sizes"
run_snap prune --dry-run
expect_status 1 "dry run with a damaged manifest"
assert_grep "^snap: error: manifest '$N1' is corrupt: not a snap manifest$" "$ERR"
assert_not_grep "^delete " "$OUT"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 $N2 $N3 " "snapshots after the dry run"

say "a real prune goes on without them, and says so"
run_snap prune
expect_status 3 "prune with a damaged manifest"
assert_grep "^snap: warning: manifest '$N1' is corrupt: not a snap manifest; the space freed is not known$" "$ERR"
assert_grep "^deleted snapshot $N1 \(freed \?\)$" "$OUT"
assert_grep "^deleted snapshot $N2 \(freed \?\)$" "$OUT"
assert_grep "^pruned 2 of 3 snapshots, freed \?$" "$OUT"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N3 " "snapshots after the prune"
assert_eq "$(manifests "$ROOT" | tr '\n' ' ')" "$N3 " "manifests after the prune"
assert_eq "$(latest "$ROOT")" "$N3" "latest"
history_unchanged "$N3"
run_snap verify --all
expect_status 0 "verify after the prune"
echo "ok"
