#!/bin/bash
# t2630: shell completion for bash and zsh, and where it is installed.
#
# Proves: contrib/completion/snap.bash, sourced in bash, completes the
# command names of "snap --help", a command's options from its usage
# (create --d -> --dry-run), and snapshot names (with "latest") after
# delete, diff and restore, reading them with "snap list --names" from
# the config given by -c: a root whose manifests are all unreadable
# still lists its names, so nothing reads a manifest; after restore's
# SNAPSHOT and PATH it completes folders.  list --names prints the names
# one a line (with --json an array).  The zsh function (when zsh is
# installed) completes the same with zsh's completion calls stubbed.
# (t4020 checks where cmake --install puts both.)
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

COMPLETION=$SNAP_SOURCE_DIR/contrib/completion
setup_sample_source "$SCRATCH/root"
PATH=$(dirname "$SNAP"):$PATH
export PATH

run_snap create -q
expect_status 0
new_snapshot S1
run_snap create -q
expect_status 0
new_snapshot S2 "$S1"

say "list --names"
run_snap list --names
expect_status 0
assert_eq "$(cat "$OUT")" "$(printf '%s\n' "$S1" "$S2")" "list --names"
run_snap list --names --json
expect_status 0
python3 -c '
import json, sys
assert json.load(open(sys.argv[1])) == sys.argv[2:], "names"
' "$OUT" "$S1" "$S2" || fail "list --names --json"

# complete_bash WORDS...: the completions bash offers for the last word.
complete_bash() {
	bash -c '
		. "$1"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_snap
		printf "%s\n" "${COMPREPLY[@]}" | sort
	' complete "$COMPLETION/snap.bash" "$@"
}

say "bash: commands, options, snapshot names, folders"
assert_eq "$(complete_bash snap de)" "delete" "snap de<TAB>"
assert_eq "$(complete_bash snap -q ver)" "verify" "snap -q ver<TAB>"
complete_bash snap "" >"$SCRATCH/commands"
"$SNAP" --help | awk '/^commands:/ { on = 1; next } on { print $1 }' | sort |
	diff - "$SCRATCH/commands" || fail "snap <TAB> is not the commands of snap --help"
assert_eq "$(complete_bash snap create --d)" "--dry-run" "create --d<TAB>"
assert_eq "$(complete_bash snap help li)" "list" "help li<TAB>"
want=$(printf '%s\n' "$S1" "$S2" latest | sort)
assert_eq "$(complete_bash snap -c "$CONFIG" delete "")" "$want" "delete <TAB>"
assert_eq "$(complete_bash snap delete -c "$CONFIG" "${S2%Z}")" "$S2" \
	"delete PREFIX<TAB> with -c after the command"
assert_eq "$(complete_bash snap --config="$CONFIG" diff l)" "latest" "diff l<TAB>"
mkdir -p "$SCRATCH/dest/inner"
assert_eq "$(complete_bash snap -c "$CONFIG" restore "$S1" / "$SCRATCH/dest/")" \
	"$SCRATCH/dest/inner" "restore SNAPSHOT PATH <TAB>"

say "the names come from a listing of the root, not from the manifests"
chmod 000 "$ROOT"/.snap/manifests/*
if [ "$(id -u)" != 0 ]; then
	assert_eq "$(complete_bash snap -c "$CONFIG" delete "")" "$want" \
		"delete <TAB> with unreadable manifests"
fi
for m in "$ROOT"/.snap/manifests/"$S1"*; do
	: >"$m"		# no manifest would parse now
done
assert_eq "$(complete_bash snap -c "$CONFIG" delete "")" "$want" \
	"delete <TAB> with empty manifests"
chmod 600 "$ROOT"/.snap/manifests/*

say "zsh: the same through zsh's completion calls"
if command -v zsh >/dev/null; then
	# complete_zsh WORDS...: what _snap hands to compadd and _describe.
	complete_zsh() {
		zsh -f -c '
			compadd() { while [[ $1 != -- ]]; do shift; done; shift; print -l -- "$@"; }
			_describe() { print -l -- ${(P)4}; }
			_files() { print -- "<files $*>"; }
			_call_program() { shift; "$@"; }
			f=$1; shift
			words=("$@"); CURRENT=$#; PREFIX=${words[CURRENT]}
			. "$f"
		' complete "$COMPLETION/_snap" "$@" | sed 's/:.*//' | sort
	}
	assert_eq "$(complete_zsh snap de | grep -x delete)" "delete" "zsh: snap de<TAB>"
	assert_eq "$(complete_zsh snap create --d | grep -x -- --dry-run)" "--dry-run" \
		"zsh: create --d<TAB>"
	assert_eq "$(complete_zsh snap -c "$CONFIG" delete "")" "$want" "zsh: delete <TAB>"
	assert_eq "$(complete_zsh snap -c "$CONFIG" restore "$S1" / "")" "<files -/>" \
		"zsh: restore SNAPSHOT PATH <TAB>"
else
	say "zsh is not installed: its part is skipped"
fi
