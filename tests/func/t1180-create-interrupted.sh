#!/bin/bash
# t1180: Ctrl-C (SIGINT) or SIGTERM during create (issue 9.21).
#
# A create that stands still after N entries (SNAP_TEST_HANG_AFTER) gets
# SIGINT, another SIGTERM.  Proves, for each: exit status 130 / 143, one
# line on stderr ("interrupted: no snapshot made; N files already copied
# will be reused by the next run", N what the run copied), the on_error
# hook ran (SNAP_STATUS the exit status), the metrics file says the run
# failed with that status, no snapshot, latest or manifest appeared, the
# tree built so far stays under .snap/incomplete and the lock is free;
# then the next create succeeds, reuses those copies (the same inodes)
# and reproduces the source.  A signal ignored when snap starts (a
# background job of a script) stays ignored; a create waiting for the lock
# (--wait) stops at once on SIGTERM.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync

setup_sample_source "$SCRATCH/root"
H=$SCRATCH/hooks
PROM=$SCRATCH/snap.prom
mkdir "$H"
cat >"$H/record.sh" <<'EOF'
#!/bin/sh
env | LC_ALL=C sort >"$1.env"
EOF
chmod 755 "$H/record.sh"
printf 'metrics_file: %s\nhooks:\n  on_error: [%s]\n' "$PROM" \
	"$(yaml_str "$H/record.sh $H/error")" >>"$CONFIG"

create_checked N1

say "change files, so that the next run copies them"
for i in 1 2 3 4 5 6; do
	echo "changed $i" >>"$SRC/docs/doc$i.txt"
done
head -c 50000 /dev/urandom >"$SRC/a/new.bin"

# interrupt SIG STATUS N: a create standing still after N entries gets
# SIG and must exit with STATUS.  The signals are set to their default
# first: a background job of a non-interactive shell ignores SIGINT.
interrupt() {
	local sig=$1 want=$2 n=$3 pid st=0 copied
	say "SIG$sig after $n entries"
	rm -f "$H/error.env" "$PROM"
	start_bg pid env --default-signal=INT,TERM SNAP_TEST_HANG_AFTER="$n" \
		"$SNAP" -c "$CONFIG" create
	wait_hang "$pid" "$ROOT/.snap/incomplete" 1
	kill -"$sig" "$pid"
	wait "$pid" || st=$?
	sed 's/^/    interrupted run: /' "$BG_OUT" "$BG_ERR"
	assert_eq "$st" "$want" "exit status after SIG$sig"
	assert_eq "$(wc -l <"$BG_ERR")" 1 "lines on stderr"
	assert_grep '^snap: error: interrupted: no snapshot made; [0-9]+ files? already copied will be reused by the next run$' \
		"$BG_ERR" "the interrupted run's message"
	copied=$(grep -Eo '[0-9]+ files?' "$BG_ERR" | grep -Eo '[0-9]+')
	[ "$copied" -gt 0 ] || fail "the run says it copied nothing before SIG$sig"

	assert_exists "$H/error.env"
	assert_grep "^SNAP_STATUS=$want\$" "$H/error.env" "on_error env"
	assert_grep '^SNAP_SNAPSHOT=$' "$H/error.env" "on_error env"
	assert_grep "^snap_last_run_exit_status\\{.*\\} $want\$" "$PROM" "metrics"
	assert_grep '^snap_last_run_success\{.*\} 0$' "$PROM" "metrics"

	assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots after SIG$sig"
	assert_eq "$(latest "$ROOT")" "$N1" "latest after SIG$sig"
	assert_eq "$(manifests "$ROOT")" "$N1" "manifests after SIG$sig"
	! incomplete_empty "$ROOT" ||
		fail "the interrupted run left nothing in .snap/incomplete to reuse"
	LEFT_COPIED=$copied
}

interrupt INT 130 45
interrupt TERM 143 40

say "what the interrupted run copied"
left=$(find "$ROOT/.snap/incomplete" -mindepth 1 -maxdepth 1 -type d | LC_ALL=C sort | tail -n 1)
: >"$SCRATCH/copied"
while IFS= read -r -d '' f; do
	if [ "$(inode "$left/src/$f")" != "$(inode "$ROOT/$N1/src/$f" 2>/dev/null || true)" ]; then
		printf '%s %s\n' "$f" "$(inode "$left/src/$f")" >>"$SCRATCH/copied"
	fi
done < <(regular_files "$left/src")
cat "$SCRATCH/copied"
[ -s "$SCRATCH/copied" ] || fail "no copy in the interrupted run's tree"

say "the next create succeeds and reuses those copies"
create_checked N2 "$N1"
reused=$(summary_count reused "$OUT")
[ "${reused:-0}" -ge "$LEFT_COPIED" ] ||
	fail "the next run reused '${reused:-0}' files, the interrupted one copied $LEFT_COPIED"
while read -r f ino; do
	assert_eq "$(inode "$ROOT/$N2/src/$f")" "$ino" "inode of $f (reused)"
done <"$SCRATCH/copied"
incomplete_empty "$ROOT" || fail ".snap/incomplete is not empty after a good run"

say "SIGINT ignored at start stays ignored"
echo "changed again" >>"$SRC/docs/doc1.txt"
start_bg pid env SNAP_TEST_HANG_AFTER=5 "$SNAP" -c "$CONFIG" create
# shellcheck disable=SC2154
wait_hang "$pid" "$ROOT/.snap/incomplete" 1
kill -INT "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null || fail "an ignored SIGINT stopped snap"

say "SIGTERM while waiting for the lock that run holds"
waiter=
start_bg waiter env --default-signal=INT,TERM "$SNAP" -c "$CONFIG" --wait 120 create
# It catches signals before it opens the root: once it holds the lock
# file open, it is waiting (however slow a loaded machine makes it).
for _ in $(seq 300); do
	ls -l "/proc/$waiter/fd" 2>/dev/null | grep -q '/\.snap/lock$' && break
	sleep 0.1
done
sleep 0.3
kill -0 "$waiter" 2>/dev/null || fail "the second create did not wait for the lock"
ls -l "/proc/$waiter/fd" | grep -q '/\.snap/lock$' ||
	fail "the second create never opened the lock file"
kill -TERM "$waiter"
st=0
wait "$waiter" || st=$?
sed 's/^/    waiting run: /' "$BG_OUT" "$BG_ERR"
assert_eq "$st" 143 "exit status of a create stopped while waiting"
assert_grep '^snap: error: interrupted: no snapshot made' "$BG_ERR" "the waiting run's message"
kill_bg "$pid"
