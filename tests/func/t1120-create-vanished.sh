#!/bin/bash
# t1120: files that vanish during the run are warnings, not failures.
#
# Part 1 (deterministic): a traced run records the order of snap's openat()
# calls; a second run on an identical fresh root, under strace, gets ENOENT
# injected into the one openat() that opens many/f50 for reading, as if
# the file vanished between the walk and the copy.  Proves: exit 3, stderr
# names many/f50 and no other file, the snapshot is committed with every
# other file right.
# Part 2 (real deletions): the run is slowed down (every openat() delayed by
# 50 ms) and half of the files are deleted while it runs.  Proves: the run
# does not fail (exit 0 or 3), any warning names only deleted files, the
# snapshot is committed, holds every file that was not deleted, and no
# partial or wrong file.  Skipped without a working strace.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync strace
strace -f -o /dev/null -e trace=openat -e inject=openat:delay_exit=1000 true 2>/dev/null ||
	skip "strace cannot trace or inject here"
# LeakSanitizer cannot run under ptrace.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"

SRC=$SCRATCH/src
mkdir -p "$SRC/many"
for i in $(seq 10 89); do
	printf 'content of %s\n' "$i" >"$SRC/many/f$i"
done

say "part 1: many/f50 vanishes between the walk and the copy"
ROOT=$SCRATCH/root-traced
write_config "$ROOT" "$SRC"
strace -f -o "$SCRATCH/openat.log" -e trace=openat "$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" ||
	{ STATUS=$?; show_output; fail "the traced run failed"; }
n=$(grep -E 'openat\(' "$SCRATCH/openat.log" |
	grep -nE 'openat\([0-9]+, "f50", O_RDONLY' | head -n 1 | cut -d: -f1)
[ -n "$n" ] || {
	sed 's/^/    strace: /' "$SCRATCH/openat.log"
	fail "the traced run never opened f50 for reading"
}
echo "f50 is opened for reading by openat call number $n"
ROOT=$SCRATCH/root
write_config "$ROOT" "$SRC"
STATUS=0
strace -f -o /dev/null -e trace=openat -e inject=openat:error=ENOENT:when="$n" \
	"$SNAP" -c "$CONFIG" create >"$OUT" 2>"$ERR" || STATUS=$?
show_output
expect_status 3 "a file vanished"
assert_grep 'many/f50' "$ERR" "stderr"
assert_not_grep 'many/f([1-46-8][0-9]|5[1-9])' "$ERR" "stderr"
N1=$(newest_snapshot "$ROOT")
[ -n "$N1" ] || fail "no snapshot although only warnings happened"
check_snapshot "$ROOT" "$N1"
assert_missing "$ROOT/$N1/src/many/f50"
for i in $(seq 10 89); do
	[ "$i" = 50 ] || cmp "$SRC/many/f$i" "$ROOT/$N1/src/many/f$i"
done

say "part 2: a slowed-down run; the second half of the files vanishes"
ROOT=$SCRATCH/root-slow
write_config "$ROOT" "$SRC"
start_bg pid strace -f -o /dev/null -e trace=openat -e inject=openat:delay_exit=50000 \
	"$SNAP" -c "$CONFIG" create
for i in $(seq 1 600); do
	[ "$(count_entries "$ROOT/.snap/incomplete")" -lt 8 ] || break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$pid" 2>/dev/null || fail "the run ended before files could vanish"
seen=$(find "$ROOT/.snap/incomplete" -type f -name 'f*' | wc -l)
[ "$seen" -lt 40 ] || fail "the run was too fast to test vanishing files ($seen stored)"
rm "$SRC"/many/f[5-8]?
STATUS=0
wait "$pid" || STATUS=$?
sed 's/^/    stdout: /' "$BG_OUT"
sed 's/^/    stderr: /' "$BG_ERR"
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || fail "snap exited $STATUS, expected 0 or 3"
assert_not_grep 'many/f[1-4][0-9]' "$BG_ERR" "stderr"
N1=$(newest_snapshot "$ROOT")
[ -n "$N1" ] || fail "no snapshot although only warnings happened"
check_snapshot "$ROOT" "$N1"
for i in $(seq 10 89); do
	f=$ROOT/$N1/src/many/f$i
	if [ "$i" -lt 50 ]; then
		cmp "$SRC/many/f$i" "$f" || fail "f$i is missing or wrong"
	elif [ -e "$f" ]; then
		assert_eq "$(cat "$f")" "content of $i" "content of the vanished f$i"
	fi
done
# (no compare_trees: deleting the files changed the directory's mtime)

say "the next run is clean"
create_checked N2

echo "ok"
