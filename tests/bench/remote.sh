#!/bin/bash
# shellcheck disable=SC2015  # "A && B || die" means what it says
# bench/remote.sh: a remote source over ssh, next to rsync and rsnapshot.
#
#   tests/bench/remote.sh [FILES]
#
# Not a test (ctest does not run it); needs root (the private sshd logs
# in as root).  Starts a private sshd on 127.0.0.1 the way the t50xx
# tests do (tests/func/lib-sshd.sh), generates a tree of FILES files
# (default 20000; or $BENCH_FILES) with gen_tree.py, makes one previous
# snapshot with each tool, then times $BENCH_REPS runs (default 5; the
# median is reported) on the unchanged tree of each of
#
#   rsync -a --link-dest=PREV -e SSH HOST:SRC/ NEW/
#   rsync with snap's flags (-aHAX --numeric-ids --sparse), otherwise
#     the same: what snap costs beyond its own rsync
#   the same, then `sync -f` of the target's filesystem: snap makes a
#     snapshot durable (syncfs) before it shows it, rsync alone does not
#   rsnapshot (cp -al + rsync over the same ssh, link_dest 0), when
#     installed (else a note)
#   snap create (one remote source, the same host and ssh command)
#
# after one untimed warm-up run each; the new snapshot is dropped after
# every run, so each run does the same work.  The timed runs go round by
# round, one run of each tool per round, so that a machine whose load
# changes meanwhile weighs on every tool alike.  Prints a table: tool,
# median seconds, ratio to rsync -a and to rsync with snap's flags; the
# first row is an ssh login alone (`ssh HOST true`), the part of every
# run that is not the tree's.  Every run makes its own ssh connection,
# and a login costs the same for everyone.
#
# With BENCH_FLAGS=1, five more rows: rsync with snap's flags but one
# (-H, -A, -X, --numeric-ids, --sparse), linking against the same
# previous copy, which tells what each flag costs.
#
# Environment: SNAP (default build/snap of this repository), GEN_TREE
# (default /work/shared/bench/gen_tree.py), BENCH_DIR (default
# /tmp/snap-bench-remote; never inside the repository; what the script
# makes there is removed when it ends), BENCH_FILES, BENCH_REPS,
# BENCH_FLAGS.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BENCH_NAME=bench
# shellcheck source=lib-bench.sh
. "$REPO/tests/bench/lib-bench.sh"
export SNAP=${SNAP:-$REPO/build/snap}
GEN_TREE=${GEN_TREE:-/work/shared/bench/gen_tree.py}
BENCH_DIR=${BENCH_DIR:-/tmp/snap-bench-remote}
FILES=${1:-${BENCH_FILES:-20000}}
REPS=${BENCH_REPS:-5}

[[ $FILES =~ ^[0-9]+$ ]] && [ "$FILES" -gt 0 ] || die "FILES must be a positive number"
[[ $REPS =~ ^[0-9]+$ ]] && [ "$REPS" -gt 0 ] || die "BENCH_REPS must be a positive number"
[ -x "$SNAP" ] || die "no snap binary at $SNAP (build it: cmake -B build && cmake --build build)"
[ -r "$GEN_TREE" ] || die "no gen_tree.py at $GEN_TREE (set GEN_TREE)"
command -v rsync >/dev/null || die "needs rsync"
bench_dir "$BENCH_DIR"

# lib.sh makes $SCRATCH (under $TMPDIR, removed at the end) and kills
# what start_bg started; lib-sshd.sh starts the sshd.  Their skip() is a
# reason to stop here too.
export TMPDIR=$B
# shellcheck source=tests/func/lib.sh
. "$REPO/tests/func/lib.sh"
# shellcheck source=tests/func/lib-sshd.sh
. "$REPO/tests/func/lib-sshd.sh"
set -o pipefail
start_sshd
SRC=$SCRATCH/src
mkdir -p "$SCRATCH/rsync" "$SCRATCH/rsyncx" "$SCRATCH/rsnapshot" "$SCRATCH/snap" \
	"$SCRATCH/without"
chmod 700 "$SCRATCH/snap"
echo "bench: generating $FILES files"
"$PYTHON3" "$GEN_TREE" "$SRC" "$FILES" >/dev/null

HOST=127.0.0.1

# The tools: run_TOOL makes a new snapshot next to the previous one,
# drop_TOOL removes it again.
run_rsync() {
	rsync -a --link-dest="$SCRATCH/rsync/prev" -e "$SSH_CMD" \
		"$HOST:$SRC/" "$SCRATCH/rsync/new/"
}
drop_rsync() {
	rm -rf "$SCRATCH/rsync/new"
}

run_rsyncx() {
	rsync -aHAX --numeric-ids --sparse --link-dest="$SCRATCH/rsyncx/prev" \
		-e "$SSH_CMD" "$HOST:$SRC/" "$SCRATCH/rsyncx/new/"
}
drop_rsyncx() {
	rm -rf "$SCRATCH/rsyncx/new"
}
# The same, then made durable as snap makes a snapshot before showing
# it (syncfs of the filesystem): rsync alone leaves its links and
# folders to the kernel's writeback.
run_rsyncsync() {
	run_rsyncx
	sync -f "$SCRATCH/rsyncx/new"
}
drop_rsyncsync() {
	drop_rsyncx
}

# snap's flags but one: what that one costs.  Linked against the copy
# made with all of them (nothing it compares differs).
SNAP_FLAGS=(-H -A -X --numeric-ids --sparse)
run_without() {
	local f flags=(-a)
	for f in "${SNAP_FLAGS[@]}"; do
		[ "$f" = "$1" ] || flags+=("$f")
	done
	rsync "${flags[@]}" --link-dest="$SCRATCH/rsyncx/prev" \
		-e "$SSH_CMD" "$HOST:$SRC/" "$SCRATCH/without/new/"
}
drop_without() {
	rm -rf "$SCRATCH/without/new"
}
run_noH() { run_without -H; }
run_noA() { run_without -A; }
run_noX() { run_without -X; }
run_nonum() { run_without --numeric-ids; }
run_nosparse() { run_without --sparse; }
drop_noH() { drop_without; }
drop_noA() { drop_without; }
drop_noX() { drop_without; }
drop_nonum() { drop_without; }
drop_nosparse() { drop_without; }

RSNAPSHOT_CONF=$SCRATCH/rsnapshot.conf
# rsnapshot's ssh_args: $SSH_CMD without its "ssh".
printf '%s\t%s\n' \
	config_version 1.2 \
	snapshot_root "$SCRATCH/rsnapshot/" \
	cmd_cp /bin/cp \
	cmd_rm /bin/rm \
	cmd_rsync "$(command -v rsync)" \
	cmd_ssh "$(command -v ssh)" \
	ssh_args "${SSH_CMD#ssh }" \
	link_dest 0 \
	lockfile "$SCRATCH/rsnapshot.pid" >"$RSNAPSHOT_CONF"
printf 'retain\talpha\t1000\n' >>"$RSNAPSHOT_CONF"
printf 'backup\troot@%s:%s/\tlocalhost/\n' "$HOST" "$SRC" >>"$RSNAPSHOT_CONF"
run_rsnapshot() {
	rsnapshot -c "$RSNAPSHOT_CONF" alpha
}
drop_rsnapshot() {
	rm -rf "$SCRATCH/rsnapshot/alpha.0"
	mv "$SCRATCH/rsnapshot/alpha.1" "$SCRATCH/rsnapshot/alpha.0"
}

cat >"$SCRATCH/snap.yaml" <<EOF
snapshot_root: $(yaml_str "$SCRATCH/snap")
ssh_command: $(yaml_str "$SSH_CMD")
sources:
  - path: $(yaml_str "$HOST:$SRC")
    dest: src
EOF
run_snap_create() {
	"$SNAP" -q -c "$SCRATCH/snap.yaml" create
}
SNAP_PREV=
drop_snap_create() {
	local new
	new=$(readlink "$SCRATCH/snap/latest")
	[ "$new" != "$SNAP_PREV" ] || die "snap made no new snapshot"
	rm -rf "${SCRATCH:?}/snap/$new" "$SCRATCH/snap/.snap/manifests/$new" \
		"$SCRATCH/snap/.snap/manifests/$new.summary"
	ln -sfn "$SNAP_PREV" "$SCRATCH/snap/latest"
}

# The connection alone: what every run pays before a file moves.
run_login() {
	# shellcheck disable=SC2086  # a command line, split into its words
	$SSH_CMD "$HOST" true </dev/null
}
drop_login() {
	:
}

TOOLS=(login rsync rsyncx rsyncsync snap_create)
NOTE=
if command -v rsnapshot >/dev/null; then
	TOOLS=(login rsync rsyncx rsyncsync rsnapshot snap_create)
else
	NOTE="rsnapshot is not installed: left out (apt-get install rsnapshot)"
fi
[ "${BENCH_FLAGS:-0}" != 1 ] || TOOLS+=(noH noA noX nonum nosparse)

echo "bench: previous snapshots"
# The first copies link to an empty folder: --link-dest wants one.
for t in rsync rsyncx; do
	mkdir "$SCRATCH/$t/prev"
	"run_$t"
	rmdir "$SCRATCH/$t/prev"
	mv "$SCRATCH/$t/new" "$SCRATCH/$t/prev"
done
[ -z "$NOTE" ] && run_rsnapshot || true
run_snap_create
SNAP_PREV=$(readlink "$SCRATCH/snap/latest")
# snap names snapshots by the second: the timed runs must not meet it.
sleep 1

declare -A TIMES=()
for t in "${TOOLS[@]}"; do
	echo "bench: $t: warm-up"
	"run_$t" >/dev/null
	"drop_$t"
	TIMES[$t]=
done
# snap names snapshots by the second: its runs must not meet one.
last_snap=0
for r in $(seq 1 "$REPS"); do
	echo "bench: round $r of $REPS"
	for t in "${TOOLS[@]}"; do
		if [ "$t" = snap_create ]; then
			while [ "$(date +%s)" = "$last_snap" ]; do sleep 0.1; done
		fi
		t0=$(now_us)
		"run_$t" >/dev/null
		t1=$(now_us)
		[ "$t" != snap_create ] || last_snap=$(date +%s)
		"drop_$t"
		TIMES[$t]+="$((t1 - t0)) "
	done
done

label() {
	case $1 in
	login) echo "ssh login alone" ;;
	rsync) echo "rsync -a --link-dest" ;;
	rsyncx) echo "rsync, snap's flags" ;;
	rsyncsync) echo "rsync, snap's flags, then sync" ;;
	rsnapshot) echo "rsnapshot" ;;
	snap_create) echo "snap create" ;;
	noH) echo "snap's flags but -H" ;;
	noA) echo "snap's flags but -A" ;;
	noX) echo "snap's flags but -X" ;;
	nonum) echo "snap's flags but --numeric-ids" ;;
	nosparse) echo "snap's flags but --sparse" ;;
	esac
}

base=$(tr ' ' '\n' <<<"${TIMES[rsync]}" | grep . | median)
basex=$(tr ' ' '\n' <<<"${TIMES[rsyncx]}" | grep . | median)
echo
echo "unchanged tree of $FILES files over ssh on localhost, median of $REPS runs"
printf '%-32s %10s %10s %14s\n' tool seconds "/ rsync -a" "/ snap's flags"
for t in "${TOOLS[@]}"; do
	m=$(tr ' ' '\n' <<<"${TIMES[$t]}" | grep . | median)
	printf '%-32s %10s %10s %14s\n' "$(label "$t")" "$(secs "$m")" \
		"$(awk -v a="$m" -v b="$base" 'BEGIN { printf "%.2f", a / b }')" \
		"$(awk -v a="$m" -v b="$basex" 'BEGIN { printf "%.2f", a / b }')"
done
echo "runs (s): $(for t in "${TOOLS[@]}"; do printf '%s:' "$t"; for v in ${TIMES[$t]}; do printf ' %s' "$(secs "$v")"; done; printf '; '; done)"
[ -z "$NOTE" ] || echo "note: $NOTE"
