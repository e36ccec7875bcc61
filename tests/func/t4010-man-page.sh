#!/bin/bash
# t4010: doc/snap.1 renders without warnings and documents everything.
#
# Proves: groff (-man -ww) and, where installed, man --warnings -l render
# the page with no warning; it has every section the project promises;
# every command that "snap --help" lists has an entry under COMMANDS, and
# every option in that command's usage ("snap CMD --help") appears in
# that entry (--json: in the --json option's list of commands); every
# global option of "snap --help" is under OPTIONS; every key of
# src/config.c's key tables is named under CONFIGURATION; EXIT STATUS
# lists 0 to 3.  So the page cannot drift silently from the program.
# Skips without groff.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd groff

SOURCE_DIR=${SNAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PAGE=$SOURCE_DIR/doc/snap.1
[ -f "$PAGE" ] || fail "no man page $PAGE"

say "groff -man -ww renders it without warnings"
rc=0
groff -man -ww -z "$PAGE" 2>"$ERR" || rc=$?
if [ "$rc" != 0 ] || [ -s "$ERR" ]; then
	sed 's/^/    groff: /' "$ERR"
	fail "groff warns about $PAGE (exit $rc)"
fi

if command -v man >/dev/null 2>&1; then
	say "man --warnings -l renders it without warnings"
	rc=0
	LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$PAGE" >"$OUT" 2>"$ERR" || rc=$?
	if [ "$rc" != 0 ] || [ -s "$ERR" ]; then
		sed 's/^/    man: /' "$ERR"
		fail "man --warnings -l warns about $PAGE (exit $rc)"
	fi
	assert_grep '^SNAP\(1\)' "$OUT" "the page's header"
fi

# The page as plain text, 80 columns, no hyphenation marks or bold.
TEXT=$SCRATCH/snap.txt
GROFF_NO_SGR=1 groff -man -Tascii -P-cbou -rLL=78n "$PAGE" 2>/dev/null >"$TEXT"

# section NAME: the text of that section (heading excluded).
section() {
	awk -v name="$1" '
		/^[A-Z]/ { on = ($0 == name); next }
		on' "$TEXT"
}

say "every section is there"
for s in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS CONFIGURATION HOOKS \
	METRICS ENVIRONMENT FILES 'EXIT STATUS' SYSTEMD EXAMPLES 'SEE ALSO'; do
	grep -qx "$s" "$TEXT" || fail "no section '$s'"
done

say "every command of snap --help has an entry, with each of its options"
"$SNAP" --help >"$SCRATCH/help"
commands=$(awk '/^commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }' \
	"$SCRATCH/help")
[ "$(echo "$commands" | wc -w)" -ge 10 ] ||
	fail "found only '$commands' in snap --help; the extraction is broken"
section COMMANDS >"$SCRATCH/commands"
section OPTIONS >"$SCRATCH/options"
# The --json option's paragraph: which commands print JSON.
awk '/^       --json/ { on = 1 } on && /^$/ { exit } on' "$SCRATCH/options" |
	tr -s ' \n' ' ' >"$SCRATCH/json-para"
for c in $commands; do
	# The entries for c: a heading line "       c ..." and its body.
	awk -v c="$c" '
		/^       [^ ]/ { split($0, w, " "); on = (w[1] == c) }
		on' "$SCRATCH/commands" >"$SCRATCH/entry.$c"
	[ -s "$SCRATCH/entry.$c" ] || fail "command '$c' has no entry under COMMANDS"
	"$SNAP" "$c" --help >"$SCRATCH/usage.$c" 2>&1 ||
		fail "snap $c --help failed"
	# The options after the command's name in its usage lines.
	opts=$(sed -n "s/^.*snap \(\[[^]]*\] \)* *$c\( \|$\)//p" "$SCRATCH/usage.$c" |
		grep -oE -- '--?[a-z][a-z-]*' | sort -u || true)
	for o in $opts; do
		if [ "$o" = --json ]; then
			grep -qw -- "$c" "$SCRATCH/json-para" ||
				fail "the --json option does not name '$c'"
			continue
		fi
		grep -qE -- "(^|[^a-z-])$o([^a-z-]|$)" "$SCRATCH/entry.$c" ||
			fail "option '$o' of '$c' (snap $c --help) is not in its entry"
	done
	echo "    $c: ${opts//$'\n'/ }"
done

say "every global option of snap --help is under OPTIONS"
globals=$(awk '/^commands:/ { exit } /^  -/ { print $1 }' "$SCRATCH/help")
[ "$(echo "$globals" | wc -w)" -ge 4 ] ||
	fail "found only '$globals' as global options; the extraction is broken"
for o in $globals; do
	grep -qE -- "^       ($o|-[a-z], $o|--[a-z-]+, $o)([ ,]|$)" "$SCRATCH/options" ||
		fail "global option '$o' has no entry under OPTIONS"
done

say "every config key of src/config.c is under CONFIGURATION"
keys=$(sed -n 's/^[[:space:]]*\[[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' \
	"$SOURCE_DIR/src/config.c" | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 20 ] ||
	fail "found only '$keys' in src/config.c; the extraction is broken"
section CONFIGURATION >"$SCRATCH/config"
for k in $keys; do
	grep -qE "(^|[^a-z_])$k([^a-z_]|$)" "$SCRATCH/config" ||
		fail "config key '$k' is not under CONFIGURATION"
done
# shellcheck disable=SC2086 # one line, the words of $keys
echo "    keys:" $keys

say "EXIT STATUS lists 0 to 3; SEE ALSO the relatives"
section 'EXIT STATUS' >"$SCRATCH/exit"
for s in 0 1 2 3; do
	assert_grep "^       $s " "$SCRATCH/exit" "EXIT STATUS"
done
section 'SEE ALSO' | tr -s ' \n' ' ' >"$SCRATCH/see"
for p in 'rsync(1)' 'rsnapshot(1)' 'systemd.timer(5)'; do
	grep -qF "$p" "$SCRATCH/see" || fail "SEE ALSO lacks $p"
done
