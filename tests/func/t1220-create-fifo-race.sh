#!/bin/bash
# t1220: a FIFO swapped in for a source file never blocks create.
#
# A user who owns a source folder swaps, in a tight loop, regular files
# with FIFOs and back.  When the walk has seen a file
# and the open finds a FIFO, an open without O_NONBLOCK would wait for a
# writer forever, holding the lock, and every later backup would wait
# behind it.  Proves: each of many runs ends in time (exit 0 or 3), the
# name is either stored as what it was or reported, and the store stays
# healthy (verify --all).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/many"
for i in $(seq 1 200); do
	echo "file $i" >"$SRC/many/f$i"
done
for i in 1 2; do
	echo "swapped $i" >"$SRC/x$i"
	mkfifo "$SRC/x$i.fifo"
done
write_config "$ROOT" "$SRC"
# Every file is read every time: each run opens each xN.
echo "checksum: true" >>"$CONFIG"

# Swaps each xN with its FIFO xN.fifo, atomically (renameat2 with
# RENAME_EXCHANGE), as fast as python can: the walk sees either.  Run as
# the background process itself, so that killing it by pid stops it.
SWAPPER='
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
names = [(os.path.join(sys.argv[1], "x%d" % i).encode(),
          os.path.join(sys.argv[1], "x%d.fifo" % i).encode())
         for i in range(1, 3)]
while True:
    for a, b in names:
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
'
start_bg swap_pid python3 -c "$SWAPPER" "$SRC"

T=1764000000
for round in $(seq 1 15); do
	T=$((T + 60))
	STATUS=0
	SNAP_NOW=$T timeout -k 5 60 "$SNAP" -c "$CONFIG" create -q \
		>"$SCRATCH/out" 2>"$SCRATCH/err" || STATUS=$?
	case $STATUS in
	0 | 3) ;;
	124 | 137) fail "round $round: create hung on a swapped-in FIFO" ;;
	*)
		cat "$SCRATCH/err"
		fail "round $round: create exited $STATUS"
		;;
	esac
done
kill_bg "$swap_pid"
say "15 rounds, none hung"

run_snap verify --all
expect_status 0
