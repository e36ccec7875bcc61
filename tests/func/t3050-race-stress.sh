#!/bin/bash
# t3050: a user racing every path of create, restore, verify and prune
# gains nothing.
#
# User nobody owns a source folder and the restore targets and, in a tight
# loop (race-swapper.c, run as nobody with setpriv), swaps their folders
# and files with symlinks to a root-only folder and to a root-only file,
# FIFOs, empty folders and each other (renameat2 RENAME_EXCHANGE, rename,
# rename-then-symlink), while snap, as root, runs create, verify --all,
# restore into a new target, restore --overwrite into the target the user
# has been attacking, and prune, round after round (every other create
# with checksum: true, so that it opens every file).  Proves, for each run:
# it ends in time with status 0, 1 or 3 (no signal, no hang, no sanitizer
# report).  At the end: no snapshot or restored file holds the canary
# text that only the root-only decoys hold (grep), the decoys and the
# rest of the scratch folder are as they were (a find listing of type,
# mode, owner, size, inode, mtime, ctime and atime, and sha256sum), and
# verify --all finds the store intact.  Prints the swaps done during each
# kind of run.  SNAP_RACE_SECONDS (default 60) bounds the rounds; set it
# higher to race longer by hand.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd setpriv sha256sum
CC=${CC:-cc}
require_cmd "$CC"
getent passwd nobody >/dev/null || skip "no user nobody"
RACE_SECONDS=${SNAP_RACE_SECONDS:-60}
SNAP_TIMEOUT=120

SWAPPER=$SCRATCH/race-swapper
"$CC" -O2 -Wall -o "$SWAPPER" "$(dirname "$0")/race-swapper.c" ||
	fail "cannot build race-swapper.c"
NOBODY_GID=$(id -g nobody)

# Decoys: a root-only folder (like /root) and a root-only file in a
# readable folder (like /etc/shadow), both holding the canary text, which
# is nowhere else.
chmod 0711 "$SCRATCH"
CANARY="snap-race-canary-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
SECRET=$SCRATCH/secret
DECOY=$SCRATCH/decoy
mkdir -p "$SECRET/inner/deeper" "$DECOY/etc"
chmod 0700 "$SECRET" "$SECRET/inner"
for f in "$SECRET/canary" "$SECRET/inner/canary" "$SECRET/inner/deeper/canary" \
	"$DECOY/etc/shadow"; do
	echo "$CANARY" >"$f"
	chmod 0600 "$f"
done
echo "root:x:0:0" >"$DECOY/etc/passwd"
chmod 0644 "$DECOY/etc/passwd"

# The user's area: the source and the restore targets.
AREA=$SCRATCH/user
SRC=$AREA/src
DESTS=$AREA/dests
ROOT=$SCRATCH/root
mkdir -p "$SRC" "$DESTS" "$AREA/counts"
# Small, so that the swapper's hammered names are a good part of it.
for d in $(seq 1 4); do
	mkdir -p "$SRC/d$d/sub"
	for i in $(seq 1 4); do
		echo "file $d.$i" >"$SRC/d$d/f$i"
	done
	for i in $(seq 1 2); do
		echo "deeper $d.$i" >"$SRC/d$d/sub/g$i"
	done
	ln -s f1 "$SRC/d$d/link"
	mkfifo "$SRC/d$d/fifo"
done
echo top >"$SRC/top"
chown -R nobody:"$NOBODY_GID" "$AREA"
write_config "$ROOT" "$SRC"
printf 'retain: {last: 3}\n' >>"$CONFIG"
# A first snapshot before the race, so that the root exists.
SNAP_NOW=1764000000 create_snapshot N0
WORK=$SCRATCH/work
mkdir "$WORK"
# Every other create reads every file (checksum: true) rather than only
# the new and changed ones: more opens for the swaps to race.
CONFIG_SUM=$WORK/snap-checksum.yaml
{ cat "$CONFIG" && echo "checksum: true"; } >"$CONFIG_SUM"

# The state of everything the runs must leave alone: the decoys and the
# names at the top of the scratch folder (but the output files of runs).
# Listed before the content is hashed, so that the hashing's reads do not
# move the listed atimes.
outside_listing() {
	find "$SECRET" "$DECOY" -printf '%p %y %m %U:%G %s %i %T@ %C@ %A@ %l\n' |
		LC_ALL=C sort
	find "$SCRATCH" -mindepth 1 -maxdepth 1 ! -name 'bg*' ! -name 'std*' \
		-printf '%f %y %m %U:%G\n' | LC_ALL=C sort
	find "$SECRET" "$DECOY" -type f -print0 | LC_ALL=C sort -z |
		xargs -0 sha256sum
}
find "$SECRET" "$DECOY" -type f -print0 | xargs -0 cat >/dev/null
outside_listing >"$WORK/outside.before"

# The swap counts and runs of each kind.
declare -A SWAPS=() RUNS=()

# race KIND DIR CMD...: runs CMD (snap) while the swapper attacks DIR;
# fails unless CMD ends in time with 0, 1 or 3 and without a sanitizer
# report.  Stops the swapper (it is killed on exit anyway).
race() {
	local kind=$1 dir=$2 pid count_file=$AREA/counts/$1 i
	shift 2
	rm -f "$count_file" "$count_file.ready"
	start_bg pid setpriv --reuid=nobody --regid="$NOBODY_GID" --clear-groups \
		"$SWAPPER" "$dir" "$SECRET/inner" "$DECOY/etc/shadow" "$count_file"
	# Until the swapper catches SIGTERM, the kill below could be lost.
	for ((i = 0; i < 1000; i++)); do
		[ ! -e "$count_file.ready" ] || break
		kill -0 "$pid" 2>/dev/null || fail "the swapper did not start"
		sleep 0.01
	done
	[ -e "$count_file.ready" ] || fail "the swapper was not ready in 10 s"
	STATUS=0
	timeout -k 10 "$SNAP_TIMEOUT" "$@" >"$OUT" 2>"$ERR" || STATUS=$?
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	if grep -Eq 'Sanitizer|runtime error' "$ERR"; then
		show_output
		fail "$kind: a sanitizer report"
	fi
	case $STATUS in
	0 | 1 | 3) ;;
	124 | 137)
		show_output
		fail "$kind did not finish within ${SNAP_TIMEOUT}s"
		;;
	*)
		show_output
		fail "$kind exited $STATUS"
		;;
	esac
	[ "$STATUS" = 0 ] || sed "s/^/    $kind ($STATUS): /" "$ERR" | head -n 5
	SWAPS[$kind]=$((${SWAPS[$kind]:-0} + $(cat "$count_file" 2>/dev/null || echo 0)))
	RUNS[$kind]=$((${RUNS[$kind]:-0} + 1))
}

say "racing for ${RACE_SECONDS}s"
T=1764000000
round=0
start=$SECONDS
while [ "$round" = 0 ] || [ $((SECONDS - start)) -lt "$RACE_SECONDS" ]; do
	round=$((round + 1))
	T=$((T + 3600))
	config=$CONFIG
	[ $((round % 2)) = 0 ] || config=$CONFIG_SUM
	race create "$SRC" env SNAP_NOW=$T "$SNAP" -c "$config" create -q
	race verify "$SRC" "$SNAP" -c "$CONFIG" verify --all -q
	[ "$STATUS" = 0 ] || fail "verify found the store damaged"
	race restore "$DESTS" "$SNAP" -c "$CONFIG" restore latest src \
		"$DESTS/r$round"
	race restore-overwrite "$DESTS" "$SNAP" -c "$CONFIG" restore latest src \
		"$DESTS/r$round" --overwrite
	race prune "$SRC" "$SNAP" -c "$CONFIG" prune
	# Nothing outside the source was read: the canary is nowhere in the
	# store nor in what was restored (-D skip: no FIFO is opened).
	if grep -rlF -D skip -- "$CANARY" "$ROOT" "$DESTS" >"$WORK/leak"; then
		sed 's/^/    canary in: /' "$WORK/leak"
		fail "round $round: a file outside the source was read"
	fi
	# The swappers are stopped: clear the targets (rm does not follow
	# symlinks).
	rm -rf "${DESTS:?}"/*
done

for kind in create verify restore restore-overwrite prune; do
	say "$kind: ${RUNS[$kind]} runs, ${SWAPS[$kind]} swaps"
done

say "the decoys and the scratch folder are unchanged"
outside_listing >"$WORK/outside.after"
diff "$WORK/outside.before" "$WORK/outside.after" ||
	fail "something outside the root and the targets changed"

run_snap verify --all
expect_status 0
echo "ok"
