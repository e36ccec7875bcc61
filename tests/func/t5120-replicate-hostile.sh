#!/bin/bash
# t5120: what a damaged or hostile primary sends is refused, never
# published, and nothing outside the replica is written or linked in:
#  - a file of a primary snapshot changed after its manifest was written
#    (damage, or a forged tree): that snapshot is refused (exit 1, the
#    difference named), the next one is still copied, and the next run
#    leaves the refused one out with a warning;
#  - a manifest that does not list a file the tree has (forged);
#  - a snapshot whose manifest says evil/ is a folder holding passwd
#    while the tree has evil -> OUTSIDE;
#  - a previous replica snapshot that holds evil -> OUTSIDE (a symlink
#    it backed up) and a new one where evil/ is a folder holding a file
#    with the size and mtime of OUTSIDE's: rsync's --link-dest follows
#    that symlink; the outside file is never linked into the replica;
#  - a receiving rsync that a hostile sender has fooled into making a
#    symlink to OUTSIDE and writing through it (a stand-in rsync first
#    in PATH does exactly that): under Landlock the write is refused.
# After all of it the replica's verify --all passes.
. "$(dirname "$0")/lib.sh"
require_cmd rsync

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$SCRATCH/replica
OUTSIDE=$SCRATCH/outside
PCONF=$SCRATCH/primary.yaml
RCONF=$SCRATCH/replica.yaml
make_sample_tree "$SRC"
mkdir "$OUTSIDE"
printf 'outside secret\n' >"$OUTSIDE/passwd"
CONFIG=$PCONF write_config "$PRIMARY" "$SRC"
cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$ROOT")
replicate_from: $(yaml_str "$PRIMARY")
CONF
DAY0=1767225600
DAY=0
primary_create() {
	DAY=$((DAY + 1))
	CONFIG=$PCONF SNAP_NOW=$((DAY0 + DAY * 86400)) run_snap create
	expect_status 0
	P=$(newest_snapshot "$PRIMARY")
}
# The primary's owner deletes a bad snapshot: later steps start clean.
primary_delete() {
	CONFIG=$PCONF run_snap delete --force "$1"
	expect_status 0
}
outside_untouched() {
	assert_eq "$(list_dir "$OUTSIDE")" "passwd "
	assert_eq "$(cat "$OUTSIDE/passwd")" "outside secret"
	assert_eq "$(stat -c %h "$OUTSIDE/passwd")" 1
}
CONFIG=$RCONF

say "a good start"
primary_create
run_snap replicate
expect_status 0
GOOD=$P

say "a file changed in a primary snapshot after its manifest: refused"
printf 'day 2\n' >>"$SRC/top.txt"
primary_create
BAD=$P
printf 'day 3\n' >>"$SRC/top.txt"
primary_create
AFTER=$P
# A new inode: the snapshots that share the old one stay as they were.
rm "$PRIMARY/$BAD/src/docs/doc4.txt"
printf 'tampered\n' >"$PRIMARY/$BAD/src/docs/doc4.txt"
run_snap replicate
expect_status 1
assert_grep "changed: $BAD/src/docs/doc4.txt \(.*content" "$OUT"
assert_grep "'$BAD'.*refused" "$ERR"
assert_missing "$ROOT/$BAD"
assert_missing "$ROOT/.snap/manifests/$BAD"
assert_exists "$ROOT/$AFTER"
check_snapshot "$ROOT" "$AFTER"
run_snap replicate
expect_status 3
assert_grep "'$BAD'.*not copied" "$ERR"
assert_missing "$ROOT/$BAD"

say "a manifest that leaves out a file the tree has: refused"
printf 'day 4\n' >>"$SRC/top.txt"
primary_create
manifest_edit "$PRIMARY/.snap/manifests/$P" drop src/docs/doc9.txt
run_snap replicate
expect_status 1
assert_grep "extra: $P/src/docs/doc9.txt" "$OUT"
assert_missing "$ROOT/$P"
primary_delete "$P"

say "a manifest that says evil/ is a folder where the tree has evil -> OUTSIDE"
mkdir "$SRC/evil"
cp -p "$OUTSIDE/passwd" "$SRC/evil/passwd"
primary_create
rm -r "$PRIMARY/$P/src/evil"
ln -s "$OUTSIDE" "$PRIMARY/$P/src/evil"
run_snap replicate
expect_status 1
assert_grep "changed: $P/src/evil \(type folder -> symlink" "$OUT"
assert_missing "$ROOT/$P"
outside_untouched
[ -z "$(ls -A "$ROOT/.snap/incomplete")" ] || fail "a refused snapshot was left in .snap/incomplete"
primary_delete "$P"

say "--link-dest through a symlink in the replica's previous snapshot"
# The replica keeps a snapshot with evil -> OUTSIDE (what the source had).
rm -r "$SRC/evil"
ln -s "$OUTSIDE" "$SRC/evil"
primary_create
run_snap replicate
expect_status 3		# the refused $BAD, now older than the newest
[ "$(readlink "$ROOT/$P/src/evil")" = "$OUTSIDE" ] || fail "evil was not kept as the symlink"
# The next one has evil/passwd with OUTSIDE/passwd's size and mtime.
rm "$SRC/evil"
mkdir "$SRC/evil"
cp -p "$OUTSIDE/passwd" "$SRC/evil/passwd"
primary_create
run_snap replicate
case $STATUS in
0 | 3) diff_inode "$OUTSIDE/passwd" "$ROOT/$P/src/evil/passwd" ;;
1) assert_missing "$ROOT/$P" ;;
*) fail "replicate exited $STATUS" ;;
esac
outside_untouched

say "a receiving rsync fooled into writing through a symlink"
mkdir "$SCRATCH/fakebin"
cat >"$SCRATCH/fakebin/rsync" <<SH
#!/bin/sh
# The real rsync, then what a fooled receiver would do in the tree.
PATH=$(yaml_str "$PATH")
export PATH
rsync "\$@" || exit \$?
for last; do :; done
case \$last in
*/.snap/incomplete/*)
	ln -s $(yaml_str "$OUTSIDE") "\$last/evil2" 2>/dev/null
	echo pwned >"\$last/evil2/pwned" 2>/dev/null
	echo pwned >$(yaml_str "$OUTSIDE/pwned2") 2>/dev/null
	;;
esac
exit 0
SH
chmod 755 "$SCRATCH/fakebin/rsync"
printf 'day x\n' >>"$SRC/top.txt"
primary_create
PATH=$SCRATCH/fakebin:$PATH run_snap replicate
if [ -e "$OUTSIDE/pwned" ] || [ -e "$OUTSIDE/pwned2" ]; then
	# Without Landlock nothing stops a fooled rsync; say so, clean up.
	grep -qs 'Landlock' "$OUT" "$ERR" ||
		fail "rsync wrote outside the replica, and snap did not say it is not confined"
	rm -f "$OUTSIDE/pwned" "$OUTSIDE/pwned2"
	say "no Landlock here: the write outside was not prevented (documented)"
fi
expect_status 1
assert_grep "extra: $P/evil2" "$OUT"
assert_missing "$ROOT/$P"
outside_untouched
primary_delete "$P"

say "the replica is sound"
run_snap verify --all
expect_status 0
say "ok"
