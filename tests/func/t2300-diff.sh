#!/bin/bash
# t2300: snap diff between snapshots and against the live source.
#
# Three snapshots (named by SNAP_NOW) with an added, a removed, a
# content-changed (same size and mtime: only the hash tells), a chmod'ed
# and a touched file, a file replaced by a folder, a name with a newline
# and names where '/' ordering matters ("a/b" before "a-c").  Proves: the
# exact "X<TAB>path" lines in walk order; the default pair (the last two)
# and the one-argument form (against the newest); OLD and NEW swapped
# turn the markers around; --json (global or after the command) parses
# with python3 and says the same; --source reports what the next create
# would change, and a file whose ctime changed but nothing else is not
# reported; a changed folder mtime is not a change; an unknown snapshot
# exits 2.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/backups
mkdir -p "$SRC/a"
write_config "$ROOT" "$SRC"

# snap_at SECONDS VAR [PREV]: create_snapshot named after SECONDS.
snap_at() {
	local t=$1
	shift
	SNAP_NOW=$t
	export SNAP_NOW
	create_snapshot -q "$@"
	unset SNAP_NOW
}

# expect_out LINE...: stdout of the last run is exactly these lines.
expect_out() {
	if [ $# -eq 0 ]; then
		: >"$SCRATCH/expected"
	else
		printf '%s\n' "$@" >"$SCRATCH/expected"
	fi
	diff -u "$SCRATCH/expected" "$OUT" || fail "unexpected diff output"
	[ ! -s "$ERR" ] || fail "diff wrote to stderr"
}

T=$'\t'

say "first snapshot"
echo b >"$SRC/a/b"
echo same-size-1 >"$SRC/a-c"
echo file >"$SRC/becomes-dir"
echo one >"$SRC/change.txt"
echo gone >"$SRC/gone.txt"
echo keep >"$SRC/keep.txt"
echo mode >"$SRC/mode.txt"
echo touched >"$SRC/touched.txt"
echo last >"$SRC/zz-last"
touch -d '2024-01-01 00:00:00 UTC' "$SRC/touched.txt"
snap_at 1764000000 S1

say "second snapshot"
echo new >"$SRC/a/new"
# Same size, same mtime: only the content hash can tell.
touch -r "$SRC/a-c" "$SCRATCH/ref"
echo same-size-2 >"$SRC/a-c"
touch -r "$SCRATCH/ref" "$SRC/a-c"
rm "$SRC/becomes-dir"
mkdir "$SRC/becomes-dir"
echo inside >"$SRC/becomes-dir/inside"
echo two >>"$SRC/change.txt"
rm "$SRC/gone.txt"
chmod 600 "$SRC/mode.txt"
echo nl >"$SRC/new
line"
touch -d '2025-01-01 00:00:00 UTC' "$SRC/touched.txt"
rm "$SRC/zz-last"
snap_at 1764000100 S2 "$S1"

EXPECTED12=(
	"+${T}src/a/new"
	"M${T}src/a-c"
	"T${T}src/becomes-dir"
	"+${T}src/becomes-dir/inside"
	"M${T}src/change.txt"
	"-${T}src/gone.txt"
	"m${T}src/mode.txt"
	"+${T}src/new\\nline"
	"m${T}src/touched.txt"
	"-${T}src/zz-last"
)

say "diff OLD NEW"
run_snap diff "$S1" "$S2"
expect_status 0
expect_out "${EXPECTED12[@]}"

say "no arguments: the last two"
run_snap diff
expect_status 0
expect_out "${EXPECTED12[@]}"

say "one argument: against the newest"
run_snap diff "$S1"
expect_status 0
expect_out "${EXPECTED12[@]}"

say "a snapshot with itself"
run_snap diff "$S2" "$S2"
expect_status 0
expect_out

say "swapped: the markers turn around"
run_snap diff "$S2" "$S1"
expect_status 0
expect_out \
	"-${T}src/a/new" \
	"M${T}src/a-c" \
	"T${T}src/becomes-dir" \
	"-${T}src/becomes-dir/inside" \
	"M${T}src/change.txt" \
	"+${T}src/gone.txt" \
	"m${T}src/mode.txt" \
	"-${T}src/new\\nline" \
	"m${T}src/touched.txt" \
	"+${T}src/zz-last"

say "--json"
check_json() {
	python3 - "$OUT" <<'EOF' || fail "--json output is not what was expected"
import json, sys
got = json.load(open(sys.argv[1], encoding="utf-8"))
want = [
    {"change": "+", "path": "src/a/new"},
    {"change": "M", "path": "src/a-c"},
    {"change": "T", "path": "src/becomes-dir"},
    {"change": "+", "path": "src/becomes-dir/inside"},
    {"change": "M", "path": "src/change.txt"},
    {"change": "-", "path": "src/gone.txt"},
    {"change": "m", "path": "src/mode.txt"},
    {"change": "+", "path": "src/new\nline"},
    {"change": "m", "path": "src/touched.txt"},
    {"change": "-", "path": "src/zz-last"},
]
if got != want:
    print("got:", got, file=sys.stderr)
    sys.exit(1)
EOF
}
run_snap --json diff "$S1" "$S2"
expect_status 0
check_json
run_snap diff --json "$S1"
expect_status 0
check_json
run_snap --json diff "$S2" "$S2"
expect_status 0
python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == []' "$OUT" ||
	fail "an empty --json diff is not []"

say "third snapshot"
rm "$SRC/keep.txt"
snap_at 1764000200 S3 "$S2"
run_snap diff
expect_status 0
expect_out "-${T}src/keep.txt"
run_snap diff "$S1"
expect_status 0
expect_out "${EXPECTED12[@]:0:6}" "-${T}src/keep.txt" "${EXPECTED12[@]:6}"
run_snap diff latest~2 latest~1
expect_status 0
expect_out "${EXPECTED12[@]}"

say "--source: what the next create would change"
run_snap diff --source
expect_status 0
expect_out
echo more >>"$SRC/a/b"
chmod 700 "$SRC/change.txt"
touch -d '2026-01-01 00:00:00 UTC' "$SRC/touched.txt"
rm "$SRC/mode.txt"
echo fresh >"$SRC/fresh"
ln -s a/b "$SRC/link"
# ctime (and the folder's mtime) change, nothing else: not a change.
chmod 640 "$SRC/a-c"
chmod 644 "$SRC/a-c"
touch "$SRC/becomes-dir"
run_snap diff "$S3" --source
expect_status 0
expect_out \
	"M${T}src/a/b" \
	"m${T}src/change.txt" \
	"+${T}src/fresh" \
	"+${T}src/link" \
	"-${T}src/mode.txt" \
	"m${T}src/touched.txt"
run_snap diff --source
expect_status 0
expect_out \
	"M${T}src/a/b" \
	"m${T}src/change.txt" \
	"+${T}src/fresh" \
	"+${T}src/link" \
	"-${T}src/mode.txt" \
	"m${T}src/touched.txt"
run_snap --json diff --source "$S1"
expect_status 0
python3 - "$OUT" <<'EOF' || fail "--source --json against $S1 is wrong"
import json, sys
got = [(o["change"], o["path"]) for o in json.load(open(sys.argv[1]))]
want = [("M", "src/a/b"), ("+", "src/a/new"), ("M", "src/a-c"),
        ("T", "src/becomes-dir"), ("+", "src/becomes-dir/inside"),
        ("M", "src/change.txt"), ("+", "src/fresh"), ("-", "src/gone.txt"),
        ("-", "src/keep.txt"), ("+", "src/link"), ("-", "src/mode.txt"),
        ("+", "src/new\nline"), ("m", "src/touched.txt"),
        ("-", "src/zz-last")]
if got != want:
    print("got:", got, file=sys.stderr)
    sys.exit(1)
EOF

say "the next create agrees with --source"
snap_at 1764000300 S4 "$S3"
run_snap diff
expect_status 0
expect_out \
	"M${T}src/a/b" \
	"m${T}src/change.txt" \
	"+${T}src/fresh" \
	"+${T}src/link" \
	"-${T}src/mode.txt" \
	"m${T}src/touched.txt"
run_snap diff --source
expect_status 0
expect_out

say "unknown snapshots and bad usage"
run_snap diff 1999-01-01
expect_status 2
assert_grep '1999-01-01' "$ERR"
run_snap diff "$S1" nope
expect_status 2
run_snap diff nope --source
expect_status 2
run_snap diff "$S1" "$S2" "$S3"
expect_status 2
run_snap diff "$S1" "$S2" --source
expect_status 2
run_snap diff --bogus
expect_status 2
[ ! -s "$OUT" ] || fail "a failed diff printed changes"

say "a root with one snapshot: diff needs two"
ROOT=$SCRATCH/one
write_config "$ROOT" "$SRC"
snap_at 1764000400 ONE
run_snap diff
expect_status 2
assert_grep 'two snapshots' "$ERR"
run_snap diff --source
expect_status 0
expect_out
