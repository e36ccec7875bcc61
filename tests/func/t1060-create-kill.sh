#!/bin/bash
# t1060: kill -9 in the middle of a create leaves history intact.
#
# With the test hook SNAP_TEST_HANG_AFTER=N, create stops for good after
# handling N source entries; the test then kills it with SIGKILL.
# Proves, for a first-ever run and for later runs stopped at several
# points: no new snapshot name appears under the root, latest and the
# manifests are unchanged, the previous snapshot is unchanged; the next
# run is not blocked by a stale lock, succeeds, links unchanged files to
# the previous snapshot, reuses what the killed run already copied, and
# leaves .snap/incomplete empty.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"

# hang_and_kill N: a create that stops after N entries, killed with -9.
hang_and_kill() {
	local pid
	say "create stopped after $1 entries, then kill -9"
	start_bg pid env SNAP_TEST_HANG_AFTER="$1" "$SNAP" -c "$CONFIG" create
	wait_hang "$pid" "$ROOT/.snap/incomplete" 1
	kill_bg "$pid"
	sed 's/^/    killed run: /' "$BG_OUT" "$BG_ERR"
}

say "a first-ever run killed"
hang_and_kill 5
assert_eq "$(snapshot_count "$ROOT")" 0 "snapshots after a killed first run"
assert_missing "$ROOT/latest"
assert_eq "$(manifests "$ROOT")" "" "manifests after a killed first run"

create_checked N1
remember_history "$N1"

say "change some files"
for i in 1 2 3 4 5 6; do
	echo "changed $i" >>"$SRC/docs/doc$i.txt"
done
head -c 50000 /dev/urandom >"$SRC/a/new.bin"

for n in 1 20 45; do
	hang_and_kill "$n"
	assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots after kill at $n"
	assert_eq "$(latest "$ROOT")" "$N1" "latest after kill at $n"
	assert_eq "$(manifests "$ROOT")" "$N1" "manifests after kill at $n"
	history_unchanged "$N1"
done

# What the last killed run copied already: path -> inode.  (Each killed run
# leaves its own tree; the last one's sorts last.)
left=$(find "$ROOT/.snap/incomplete" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort | tail -n 1)
[ -n "$left" ] || fail "the killed run left no tree in .snap/incomplete"
: >"$SCRATCH/copied-before-kill"
for i in 1 2 3 4 5 6; do
	f=docs/doc$i.txt
	if [ -f "$left/src/$f" ] && cmp -s "$left/src/$f" "$SRC/$f"; then
		printf '%s %s\n' "$f" "$(inode "$left/src/$f")" >>"$SCRATCH/copied-before-kill"
	fi
done
ncopied=$(wc -l <"$SCRATCH/copied-before-kill")
echo "copied by the killed run: $ncopied changed files"
[ "$ncopied" -gt 0 ] || fail "the run killed after 45 entries had not copied docs/doc1..6 (walk order changed?)"

say "the next run succeeds"
create_checked N2 "$N1"
assert_eq "$(snapshot_count "$ROOT")" 2 "snapshots"
for i in 7 8 9 10 11 12; do
	same_inode "$ROOT/$N1/src/docs/doc$i.txt" "$ROOT/$N2/src/docs/doc$i.txt"
done
same_inode "$ROOT/$N1/src/a/b/c/blob.bin" "$ROOT/$N2/src/a/b/c/blob.bin"
while read -r f ino; do
	[ "$(inode "$ROOT/$N2/src/$f")" = "$ino" ] ||
		fail "$f was copied again instead of reusing the killed run's copy"
done <"$SCRATCH/copied-before-kill"
history_unchanged "$N1"

echo "ok"
