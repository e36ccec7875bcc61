#!/bin/bash
# t1420: ": .snap-filter" (rsync's dir-merge) means what it means to rsync.
#
# A tree with .snap-filter files at several depths (one that excludes
# everything in its folder, itself included; one that re-admits what its
# parent's file excludes; anchored rules, which are anchored at the
# file's folder) and rule sets that put other rules before and after
# the ": .snap-filter" rule (also spelled "dir-merge .snap-filter").
# Each set goes through rsync -a with the same --filter options in the
# same order and through snap create (filter: in the config); the trees
# must list the same paths.  Then: a .snap-filter with a bad rule, a
# FIFO and a symlink of that name are each left out with a warning
# naming it (exit 3, no hang) and the rest is backed up; a remote source
# with ": NAME" is a config error.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
mkdir -p "$SRC"
cd "$SRC"
mkdir -p docs/private docs/sub/private docs/sub/deep music empty "sp ace"
for f in a.tmp b.txt keep.tmp docs/keep.tmp docs/x.log docs/d.txt \
	docs/private/p.txt docs/sub/private/q.txt docs/sub/y.log \
	docs/sub/z.log docs/sub/deep/w.log docs/sub/deep/a.tmp music/m.mp3 \
	"sp ace/s.tmp" "sp ace/s.txt"; do
	echo "$f" >"$f"
done
printf -- '- *.tmp\n' >.snap-filter
printf -- '# docs\n+ keep.tmp\n- *.log\n- /private/\n' >docs/.snap-filter
printf -- '+ y.log\n- /deep/a.tmp\n' >docs/sub/.snap-filter
printf -- '- *\n' >music/.snap-filter
printf -- '+ *.tmp\r\n' >"sp ace/.snap-filter"
cd "$SCRATCH"

sets=(
	': .snap-filter'
	'dir-merge .snap-filter'
	$'- b.txt\n: .snap-filter'
	$': .snap-filter\n- *.txt'
	$'+ keep.tmp\n: .snap-filter'
	$': .snap-filter\n- .snap-filter'
	$'- /docs/sub/\n: .snap-filter'
	$'+ /docs/sub/y.log\n- /docs/sub/*.log\n: .snap-filter'
	$': .snap-filter\n+ */\n- *'
)

listing() {
	(cd "$1" && find . | LC_ALL=C sort)
}

ROOT=$SCRATCH/root
CONFIG=$SCRATCH/snap.yaml
{
	printf 'snapshot_root: %s\nsources:\n' "$(yaml_str "$ROOT")"
	for i in "${!sets[@]}"; do
		printf '  - path: %s\n    dest: set%s\n    filter: [' \
			"$(yaml_str "$SRC")" "$i"
		sep=
		while IFS= read -r line; do
			printf '%s%s' "$sep" "$(yaml_str "$line")"
			sep=', '
		done <<<"${sets[$i]}"
		printf ']\n'
	done
} >"$CONFIG"
create_snapshot -q N
failed=0
for i in "${!sets[@]}"; do
	args=()
	while IFS= read -r line; do
		args+=("--filter=$line")
	done <<<"${sets[$i]}"
	rm -rf "$SCRATCH/expect"
	rsync -a "${args[@]}" "$SRC/" "$SCRATCH/expect/" ||
		fail "set $i: rsync refused the rules: ${sets[$i]}"
	if ! diff -u <(listing "$SCRATCH/expect") <(listing "$ROOT/$N/set$i") \
		>"$SCRATCH/diff$i"; then
		echo "FAIL: set $i:"
		printf '%s\n' "${sets[$i]}" | sed 's/^/    rule: /'
		sed 's/^/    /' "$SCRATCH/diff$i"
		failed=$((failed + 1))
	fi
done
[ "$failed" = 0 ] || fail "$failed of ${#sets[@]} rule sets differ from rsync"
# The sets would pass with the files ignored if rsync ignored them too.
[ ! -e "$ROOT/$N/set0/docs/x.log" ] || fail "docs/.snap-filter was not applied"
[ -e "$ROOT/$N/set0/docs/sub/y.log" ] || fail "docs/sub/.snap-filter did not come first"
[ -e "$ROOT/$N/set0/docs/sub/private/q.txt" ] || fail "'/private/' was not anchored at docs"
say "${#sets[@]} rule sets: snap's trees list what rsync's list"

say "filter files snap cannot take: a warning each, the rest backed up"
printf -- '- *.log\nhide x\n' >"$SRC/docs/sub/.snap-filter"
rm "$SRC/sp ace/.snap-filter" "$SRC/music/.snap-filter"
mkfifo "$SRC/sp ace/.snap-filter"
ln -s ../docs/.snap-filter "$SRC/music/.snap-filter"
write_config "$SCRATCH/root2" "$SRC" "    filter: [': .snap-filter']"
ROOT=$SCRATCH/root2
run_snap create
expect_status 3 "bad filter files"
assert_grep "warning: filter file 'src/docs/sub/\.snap-filter' left out: line 2: rsync's 'hide' rules are not supported" "$ERR"
assert_grep "warning: filter file 'src/sp ace/\.snap-filter' left out: not a regular file" "$ERR"
assert_grep "warning: filter file 'src/music/\.snap-filter' left out: " "$ERR"
N2=$(newest_snapshot "$ROOT")
# docs/sub's own file is out, so docs' "- *.log" decides there.
[ ! -e "$ROOT/$N2/src/docs/sub/y.log" ] || fail "the bad file's rules were applied"
[ -e "$ROOT/$N2/src/music/m.mp3" ] || fail "a symlinked filter file was followed"

say "a remote source with ': NAME' is a config error"
CONFIG=$SCRATCH/remote.yaml
printf 'snapshot_root: %s\nsources:\n  - path: web1:/var/www\n    filter: [": .snap-filter"]\n' \
	"$(yaml_str "$SCRATCH/root3")" >"$CONFIG"
run_snap check
expect_status 2
assert_grep "is remote; ': \.snap-filter' \(per-folder filter files\) is for local sources" "$ERR"
echo ok
