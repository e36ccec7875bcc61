# shellcheck shell=bash
# lib-pty.sh: snap under a pseudo-terminal, for the tests of the progress
# line.  Source it after lib.sh:
#
#	. "$(dirname "$0")/lib.sh"
#	. "$(dirname "$0")/lib-pty.sh"	skips (exit 77) without a pty
#	PTY_COLS=60			the terminal's width (default 100)
#	pty_run NAME ARGS...
#
# pty_run runs snap -c $CONFIG ARGS under a pty (pty.py) and keeps the
# raw output in $SCRATCH/NAME.raw ($RAW), the final screen in NAME.screen
# ($SCREEN), the progress lines drawn in NAME.draws ($DRAWS); it sets
# STATUS to snap's exit status.

require_cmd python3
python3 -c 'import pty, termios, fcntl' 2>/dev/null ||
	skip "python3 has no pty module"

PTY=$(dirname "${BASH_SOURCE[0]}")/pty.py
PTY_COLS=${PTY_COLS:-100}

pty_run() {
	local name=$1
	shift
	RAW=$SCRATCH/$name.raw
	SCREEN=$SCRATCH/$name.screen
	DRAWS=$SCRATCH/$name.draws
	STATUS=0
	echo "+ (pty) snap -c $CONFIG $*"
	env TERM=xterm timeout -k 10 "$SNAP_TIMEOUT" \
		python3 "$PTY" run "$RAW" "$PTY_COLS" \
		${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} \
		"$SNAP" -c "$CONFIG" "$@" || STATUS=$?
	python3 "$PTY" screen "$RAW" >"$SCREEN"
	python3 "$PTY" draws "$RAW" >"$DRAWS"
	echo "    $(wc -l <"$DRAWS") progress lines drawn; the screen:"
	sed 's/^/    | /' "$SCREEN"
}
