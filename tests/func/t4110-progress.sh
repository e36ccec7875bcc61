#!/bin/bash
# t4110: the progress line is drawn on a terminal only, and erased.
#
# create, verify and restore run under a pseudo-terminal (python3's pty,
# 60 columns, TERM=xterm) on a tree of 3000 files.  Proves: each draws
# "\r<command>: N entries, ..." ending in "\033[K", never wider than 59
# columns; the second create shows the previous snapshot's entry count as
# its total; what the terminal finally shows (replaying "\r" and
# "\033[K") is the plain output with no progress text left, and lines
# printed while it ran (-v's file list, warnings) start at the left edge.
# With stderr to a file, -q or TERM=dumb, no "\r" and
# no escape is written at all.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
# shellcheck source=lib-pty.sh
. "$(dirname "$0")/lib-pty.sh"
PTY_COLS=60

# check_progress WHAT: $DRAWS has WHAT's lines, none wider than 59
# columns; the screen shows none of them and no escape.
check_progress() {
	local what=$1
	[ -s "$DRAWS" ] || fail "no progress line was drawn for $what"
	grep -Eq "^$what: [0-9]+(/[0-9]+)? entries, " "$DRAWS" || {
		sed 's/^/    draw: /' "$DRAWS"
		fail "the progress lines do not say '$what: N entries, '"
	}
	awk 'length($0) > 59 { exit 1 }' "$DRAWS" || {
		sed 's/^/    draw: /' "$DRAWS"
		fail "a progress line is wider than 59 columns"
	}
	assert_not_grep "$what: [0-9]+(/[0-9]+)? entries" "$SCREEN" \
		"the final screen"
	if LC_ALL=C grep -q $'[\r\033]' "$SCREEN"; then
		fail "the final screen holds a carriage return or an escape"
	fi
}

# no_escapes FILE...: no "\r" and no escape in any of them.
no_escapes() {
	local f
	for f in "$@"; do
		if LC_ALL=C grep -q $'[\r\033]' "$f"; then
			LC_ALL=C cat -A "$f" | sed 's/^/    | /' | head -n 20
			fail "$f holds a carriage return or an escape"
		fi
	done
}

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
python3 - "$SRC" <<'PY'
import os, sys
for d in range(30):
    os.makedirs(f"{sys.argv[1]}/d{d:02}")
    for f in range(100):
        with open(f"{sys.argv[1]}/d{d:02}/f{f:03}", "w") as fh:
            fh.write(f"file {d} {f}\n" * (f + 1))
PY
write_config "$ROOT" "$SRC"

say "create on a terminal: progress drawn, then erased"
pty_run create1 create
expect_status 0
check_progress create
assert_grep '^snapshot [0-9]{4}-' "$SCREEN" "the screen"
assert_eq "$(head -n 1 "$SCREEN" | cut -c1-9)" "snapshot " \
	"the first line on screen"
N1=$(newest_snapshot "$ROOT")
entries=$(summary_count entries "$SCREEN")
[ -n "$entries" ] || fail "no entry count in the summary"

say "the second create expects the first one's totals"
pty_run create2 create
expect_status 0
check_progress create
grep -Eq "^create: [0-9]+/$entries entries, " "$DRAWS" ||
	fail "the second create does not expect $entries entries"
N2=$(newest_snapshot "$ROOT")
[ "$N2" != "$N1" ] || fail "no second snapshot"

say "create -v: the file list and warnings start at the left edge"
for d in 05 15 25; do
	echo changed >>"$SRC/d$d/f050"
done
# A warning while the line is drawn: a file snap cannot read (root reads
# anything, without these capabilities it cannot).
echo secret >"$SRC/d20/secret"
chmod 000 "$SRC/d20/secret"
# The folder as the snapshot will hold it, for after secret is gone.
touch -r "$SRC/d20" "$SCRATCH/d20.mtime"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	SNAP_PREFIX=(setpriv --bounding-set '-dac_override,-dac_read_search' --)
fi
want=3
if ${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} cat "$SRC/d20/secret" \
	>/dev/null 2>&1; then
	echo "note: cannot make a file unreadable for snap here; no warning"
	rm "$SRC/d20/secret"
	want=0
fi
pty_run create-v -v create
SNAP_PREFIX=()
rm -f "$SRC/d20/secret"
touch -r "$SCRATCH/d20.mtime" "$SRC/d20"
expect_status "$want"
check_progress create
grep -Fxq "copy src/d05/f050 (content changed)" "$SCREEN" ||
	fail "the -v list is not on lines of its own"
grep -Fxq "copy src/d25/f050 (content changed)" "$SCREEN" ||
	fail "the -v list is not on lines of its own"
if [ "$want" = 3 ]; then
	assert_grep "^snap: warning: cannot read 'src/d20/secret': " "$SCREEN" \
		"the screen"
fi

say "verify on a terminal"
pty_run verify verify
expect_status 0
check_progress verify
grep -Eq "^verify: [0-9]+/[0-9]+ entries, " "$DRAWS" ||
	fail "verify does not show the totals it expects"
assert_grep '^verified 1 snapshot: ' "$SCREEN" "the screen"

say "restore on a terminal"
pty_run restore restore latest / "$SCRATCH/restored"
expect_status 0
check_progress restore
grep -Eq "^restore: [0-9]+/[0-9]+ entries, " "$DRAWS" ||
	fail "restore of a whole snapshot does not show its totals"
assert_grep '^restored [0-9]+ files' "$SCREEN" "the screen"
compare_trees "$SRC" "$SCRATCH/restored/src"
pty_run restore-part restore latest src/d10 "$SCRATCH/restored-part"
expect_status 0
assert_grep '^restored 100 files' "$SCREEN" "the screen"
no_escapes "$SCREEN"

say "-q and TERM=dumb: nothing drawn"
pty_run quiet -q create
expect_status 0
[ ! -s "$DRAWS" ] || fail "create -q drew a progress line"
no_escapes "$SCREEN"
assert_eq "$(wc -c <"$RAW")" 0 "bytes written by create -q"
STATUS=0
env TERM=dumb python3 "$PTY" run "$SCRATCH/dumb.raw" 60 "$SNAP" -c "$CONFIG" \
	verify || STATUS=$?
expect_status 0
python3 "$PTY" screen "$SCRATCH/dumb.raw" >"$SCRATCH/dumb.screen"
no_escapes "$SCRATCH/dumb.screen"
assert_grep '^verified 1 snapshot' "$SCRATCH/dumb.screen" "the screen"

say "stderr to a file: no carriage return, no escape"
STATUS=0
# shellcheck disable=SC2016 # the inner sh expands them
env TERM=xterm python3 "$PTY" run "$SCRATCH/file.raw" 60 sh -c \
	'"$1" -c "$2" verify 2>"$3"' sh "$SNAP" "$CONFIG" "$ERR" || STATUS=$?
expect_status 0
python3 "$PTY" screen "$SCRATCH/file.raw" >"$SCRATCH/file.screen"
no_escapes "$ERR" "$SCRATCH/file.screen"
assert_eq "$(wc -c <"$ERR")" 0 "bytes on stderr"
for cmd in create verify "restore latest src/d01 $SCRATCH/r2"; do
	# shellcheck disable=SC2086
	run_snap $cmd
	expect_status 0
	no_escapes "$OUT" "$ERR"
done

echo "ok"
