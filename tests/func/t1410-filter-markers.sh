#!/bin/bash
# t1410: exclude_caches and exclude_if_present, hostile tags, and the
# filter in every command that walks a source.
#
# Proves: with exclude_caches a folder whose CACHEDIR.TAG starts with the
# signature is left out whole, one whose tag is short or wrong is kept,
# as GNU tar --exclude-caches-all decides; exclude_if_present leaves out
# a folder holding such a name, as tar --exclude-tag-all.  A tag that is
# a symlink to a valid tag, a FIFO (no hang), a folder or unreadable
# marks nothing.  The top-level keys apply to every source.  Then the
# dry run and diff --source leave out what create leaves out, and check
# and create refuse a bad rule with FILE:LINE, exit 2, making nothing.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd tar

SIG='Signature: 8a477f597d28d172789f06886806bc55'
SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"/{cache,deep/a/cache,short,wrong,keep,nb,nbdir,nblink,exact}
cd "$SRC"
printf '%s\n# made by a test\n' "$SIG" >cache/CACHEDIR.TAG
printf '%s' "$SIG" >exact/CACHEDIR.TAG		# the 43 bytes alone
printf '%s\n' "$SIG" >deep/a/cache/CACHEDIR.TAG
printf '%s\n' "${SIG%?}" >short/CACHEDIR.TAG	# one byte short
printf 'Signature: 00000000000000000000000000000000\n' >wrong/CACHEDIR.TAG
touch nb/.nobackup
mkdir nbdir/.nobackup
for d in cache exact deep/a/cache short wrong keep nb nbdir nblink deep/a; do
	echo data >"$d/file"
done
cd "$SCRATCH"

say "exclude_caches and exclude_if_present are what GNU tar leaves out"
(cd "$SRC" && tar --exclude-caches-all --exclude-tag-all=.nobackup -cf - .) |
	(mkdir "$SCRATCH/expect" && cd "$SCRATCH/expect" && tar -xf -)
# Any entry of that name marks its folder, a symlink too, which is never
# followed (tar follows it, so it is left out of the comparison).
ln -s /nonexistent "$SRC/nblink/.nobackup"
write_config "$ROOT" "$SRC" "    exclude_caches: true
    exclude_if_present: [.nobackup]"
create_snapshot N1
diff -u <(cd "$SCRATCH/expect" && find . ! -path './nblink*' | LC_ALL=C sort) \
	<(cd "$ROOT/$N1/src" && find . | LC_ALL=C sort) ||
	fail "the snapshot differs from what tar keeps"
for gone in cache exact deep/a/cache nb nbdir nblink; do
	assert_missing "$ROOT/$N1/src/$gone"
done
for kept in short wrong keep deep/a; do
	[ -f "$ROOT/$N1/src/$kept/file" ] || fail "$kept was left out"
done

say "without the keys, nothing is left out"
write_config "$ROOT" "$SRC"
create_snapshot N2 "$N1"
[ -f "$ROOT/$N2/src/cache/file" ] || fail "cache left out without exclude_caches"
[ -f "$ROOT/$N2/src/nb/file" ] || fail "nb left out without exclude_if_present"

say "the top-level keys apply to every source"
SRC2=$SCRATCH/src2
mkdir -p "$SRC2/cache" "$SRC2/nb"
printf '%s\n' "$SIG" >"$SRC2/cache/CACHEDIR.TAG"
touch "$SRC2/nb/NOBACKUP"
write_config "$ROOT" "$SRC"
cat >>"$CONFIG" <<EOF
  - path: $(yaml_str "$SRC2")
    dest: src2
    exclude_if_present: [NOBACKUP]
exclude_caches: true
exclude_if_present: [.nobackup]
EOF
create_snapshot N3 "$N2"
for gone in src/cache src/nb src2/cache src2/nb; do
	assert_missing "$ROOT/$N3/$gone"
done

say "a hostile tag marks nothing and stops nothing"
hostile=(taglink tagfifo tagdir)
# Root reads any tag; an unreadable one is tried only without root.
[ "$(id -u)" = 0 ] || hostile+=(tagnoread)
cd "$SRC"
mkdir "${hostile[@]}"
ln -s ../cache/CACHEDIR.TAG taglink/CACHEDIR.TAG
mkfifo tagfifo/CACHEDIR.TAG
mkdir tagdir/CACHEDIR.TAG
if [ -d tagnoread ]; then
	printf '%s\n' "$SIG" >tagnoread/CACHEDIR.TAG
	chmod 000 tagnoread/CACHEDIR.TAG
fi
for d in "${hostile[@]}"; do
	echo data >"$d/file"
done
cd "$SCRATCH"
write_config "$ROOT" "$SRC" "    exclude_caches: true"
SNAP_TIMEOUT=60
run_snap create
expect_status 0
N4=$(newest_snapshot "$ROOT")
for kept in "${hostile[@]}"; do
	[ -f "$ROOT/$N4/src/$kept/file" ] || fail "$kept was taken for a cache"
done
[ -p "$ROOT/$N4/src/tagfifo/CACHEDIR.TAG" ] || fail "the FIFO tag was not stored as a FIFO"
[ -L "$ROOT/$N4/src/taglink/CACHEDIR.TAG" ] || fail "the symlink tag was not stored as a symlink"
assert_missing "$ROOT/$N4/src/cache"
chmod -R u+rwx "$SRC"
rm -rf "${hostile[@]/#/$SRC/}"

say "dry run and diff --source leave out what create leaves out"
write_config "$ROOT" "$SRC" "    filter: ['- *.new', '- /keep/']
    exclude_caches: true
    exclude_if_present: [.nobackup]"
create_snapshot N5
echo x >"$SRC/a.new"
echo x >"$SRC/a.kept"
echo x >"$SRC/keep/b.kept"
echo x >"$SRC/cache/c.kept"
echo x >"$SRC/nb/d.kept"
run_snap -v create --dry-run
expect_status 0
assert_grep 'a\.kept' "$OUT" "dry-run output (a new file)"
assert_not_grep '\.new|b\.kept|c\.kept|d\.kept' "$OUT" "dry-run output"
run_snap diff --source
expect_status 0
assert_grep '^\+[[:space:]]src/a\.kept$' "$OUT" "diff --source"
assert_not_grep '\.new|b\.kept|c\.kept|d\.kept' "$OUT" "diff --source"

say "a bad rule is a config error with FILE:LINE, for check and create"
rm -rf "$ROOT"
printf '# rules\n- *.tmp\nbogus rule\n' >"$SCRATCH/rules"
write_config "$ROOT" "$SRC" "    filter_from: rules"
run_snap check
expect_status 2
assert_grep "rules:3: unknown filter rule 'bogus rule'" "$ERR" "check on a bad rule file"
run_snap create
expect_status 2
assert_grep "rules:3: unknown filter rule 'bogus rule'" "$ERR" "create on a bad rule file"
assert_missing "$ROOT"
printf -- '-! *.tmp\n' >"$SCRATCH/rules"
run_snap create
expect_status 2
assert_grep "rules:1: '-! \*\.tmp' needs one space" "$ERR" "a rule modifier"
write_config "$ROOT" "$SRC" "    filter: ['- *.tmp', 'merge other']"
run_snap create
expect_status 2
assert_grep "snap\.yaml:5:25: rsync's 'merge' rules are not supported" "$ERR" \
	"a rule snap does not take"
write_config "$ROOT" "$SRC" "    filter_from: missing-rules"
run_snap create
expect_status 2
assert_grep "snap\.yaml:5:18: cannot read filter file '.*missing-rules': No such file" \
	"$ERR" "a missing rule file"
write_config "$ROOT" "$SRC" "    exclude_if_present: [a/b]"
run_snap create
expect_status 2
assert_grep "snap\.yaml:5:26: 'a/b' in 'exclude_if_present' is not a file name" \
	"$ERR" "a path in exclude_if_present"
printf -- '- *.tmp\n' >"$SCRATCH/rules"
chmod 666 "$SCRATCH/rules"
write_config "$ROOT" "$SRC" "    filter_from: rules"
run_snap create
expect_status 2
assert_grep "filter file '.*rules' is writable by anyone" "$ERR" "a rule file others can write"
assert_missing "$ROOT"
echo ok
