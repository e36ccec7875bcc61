#!/bin/bash
# t2200: snap list and snap du, from the manifests.
#
# Three snapshots of the sample tree (named with SNAP_NOW): the first
# stores everything, the second after one file grew and one was added, the
# third of an unchanged tree.  Proves: list has one line per snapshot with
# files, size and new space, where files and size are the regular files
# of the tree (paths) and new space is the bytes of the files changed
# since the previous snapshot, counted once per inode; du's alone + shared
# is what each snapshot holds, alone is what only it holds (the old
# version of the changed file), the total is every stored file once and
# equals the sum of new space; the warnings column and a label come from
# the summary; --json output parses and has the same numbers; an empty
# root says "no snapshots yet".
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

setup_sample_source "$SCRATCH/root"
T0=1800000000

# snap_at VAR SECONDS [PREV]: a snapshot named after SECONDS.
snap_at() {
	local _var=$1 _t=$2
	shift 2
	SNAP_NOW=$_t create_snapshot -q "$_var" "$@"
}

# The sum of the sizes of the regular files below DIR: per path, and
# per inode.
size_paths() {
	find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}
size_inodes() {
	find "$1" -type f -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s + 0 }'
}

say "an empty root"
mkdir -p "$ROOT/.snap/manifests" "$ROOT/.snap/incomplete"
chmod 700 "$ROOT" "$ROOT/.snap"
run_snap list
expect_status 0
assert_grep '^no snapshots yet$' "$OUT"
run_snap --json list
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "list --json is not JSON"
assert_eq "$(json_get 'len(j)')" 0 "snapshots in list --json"
run_snap du --json
expect_status 0
assert_eq "$(json_get 'j["total"]')" 0 "du total of an empty root"

say "three snapshots"
snap_at N1 $T0
nfiles=$(find "$SRC" -type f | wc -l)
size1=$(size_paths "$SRC")
held1=$(size_inodes "$SRC")
old_f1=$(stat -c %s "$SRC/a/f1.txt")
printf 'more text\n%.0s' $(seq 1 50) >>"$SRC/a/f1.txt"
head -c 5000 /dev/urandom >"$SRC/new.bin"
added=$(($(stat -c %s "$SRC/a/f1.txt") + 5000))
snap_at N2 $((T0 + 3600)) "$N1"
size2=$(size_paths "$SRC")
held2=$(size_inodes "$SRC")
snap_at N3 $((T0 + 7200)) "$N2"
[ "$held1" -lt "$size1" ] || fail "the sample tree has no hard link"

say "list"
run_snap list
expect_status 0
assert_eq "$(grep -c '^20' "$OUT")" 3 "snapshot lines in list"
assert_grep "^$N1 +$nfiles " "$OUT" "list line of $N1"
assert_grep "^$N2 +$((nfiles + 1)) " "$OUT" "list line of $N2"
assert_grep "^$N3 .* 0 B +no +-$" "$OUT" "list line of the unchanged snapshot"

run_snap list --json
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "list --json is not JSON"
assert_eq "$(json_get 'len(j)')" 3 "snapshots in list --json"
assert_eq "$(json_get '[s["name"] for s in j]')" "['$N1', '$N2', '$N3']" "names"
assert_eq "$(json_get '[s["files"] for s in j]')" "[$nfiles, $((nfiles + 1)), $((nfiles + 1))]" "files"
assert_eq "$(json_get '[s["size"] for s in j]')" "[$size1, $size2, $size2]" "sizes"
# New space: everything at first (a hard-linked pair once), then exactly
# the bytes of the files that changed, then nothing.
assert_eq "$(json_get '[s["new"] for s in j]')" "[$held1, $added, 0]" "new space"
assert_eq "$(json_get '[s["warnings"] for s in j]')" "[0, 0, 0]" "warnings"
assert_eq "$(json_get '[s["label"] for s in j]')" "[None, None, None]" "labels"

say "du"
run_snap du
expect_status 0
for n in "$N1" "$N2" "$N3"; do
	assert_grep "^$n " "$OUT" "du line of $n"
done
assert_grep '^total ' "$OUT" "du total line"
run_snap --json du
expect_status 0
python3 -m json.tool "$OUT" >/dev/null || fail "du --json is not JSON"
# Only N1 holds the old a/f1.txt; everything else is shared.
assert_eq "$(json_get '[s["alone"] for s in j["snapshots"]]')" "[$old_f1, 0, 0]" "alone"
assert_eq "$(json_get '[s["alone"] + s["shared"] for s in j["snapshots"]]')" \
	"[$held1, $held2, $held2]" "alone + shared"
assert_eq "$(json_get 'j["total"]')" $((held1 + added)) "du total"
assert_eq "$(json_get 'j["total_inodes"]')" $(($(find "$SRC" -type f -printf '%i\n' | sort -u | wc -l) + 1)) "stored files"
# Cross-check with du(1), which counts an inode once: the three trees'
# regular files are the distinct files of the total.
total_du=$(find "$ROOT/$N1" "$ROOT/$N2" "$ROOT/$N3" -type f -printf '%i %s\n' |
	sort -u | awk '{ s += $2 } END { print s + 0 }')
assert_eq "$(json_get 'j["total"]')" "$total_du" "du total against the trees"

say "warnings and labels come from the summary"
sed -i 's/^warnings 0$/warnings 2/' "$ROOT/.snap/manifests/$N2.summary"
printf 'label before the upgrade\n' >>"$ROOT/.snap/manifests/$N3.summary"
run_snap list
expect_status 0
assert_grep "^$N2 .* yes +-$" "$OUT" "list line of the snapshot with warnings"
assert_grep "^$N3 .* no +before the upgrade$" "$OUT" "list line of the labelled snapshot"
run_snap --json list
python3 -m json.tool "$OUT" >/dev/null || fail "list --json is not JSON"
assert_eq "$(json_get '[s["warnings"] for s in j]')" "[0, 2, 0]" "warnings"
assert_eq "$(json_get 'j[2]["label"]')" "before the upgrade" "label"

say "usage errors"
run_snap list extra
expect_status 2
run_snap du --bogus
expect_status 2

echo "ok"
