#!/bin/bash
# shellcheck disable=SC2015  # "A && B || die" means what it says
# bench/create.sh: how fast and how small is snap create, next to its peers?
#
#   tests/bench/create.sh [FILES]
#
# Not a test (ctest does not run it).  Generates a synthetic tree of FILES
# files (default 100000; or $BENCH_FILES) with gen_tree.py in $BENCH_DIR
# (default /tmp/snap-bench; never inside the repository, and wiped first),
# makes one previous snapshot with each tool, then:
#
#   1. unchanged tree: times $BENCH_REPS runs (default 5; the median is
#      reported) of each of
#        cp -al PREV NEW
#        rsync -a --link-dest=PREV SRC/ NEW/
#        rsnapshot (cp -al + rsync, link_dest 0)
#        snap create --jobs 1   (one thread, on a store of its own)
#        snap create            (default jobs: the online CPUs)
#      after one untimed warm-up run each (caches stay warm for everyone);
#      the new snapshot is set aside after every run, so each run does the
#      same work;
#   2. changed tree (gen_tree.py --mutate 0.01 --move-dir, same seed): one
#      run of each, and the disk space the new snapshot adds to the previous
#      one (du -sk PREV NEW counts a shared inode once).
#
# Prints a table: tool, median seconds (unchanged tree), ratio to cp -al,
# seconds on the changed tree, new space in KiB, ratio to rsync's; and
# snap's peak RSS (/usr/bin/time -f %M).
#
# Then the jobs table, $BENCH_REPS rounds of each (medians): cp -al, snap
# --jobs 1, snap (default jobs) and snap with one job more on the
# unchanged tree, and cp -a, cp -a followed by sync (snap's first run
# ends with its snapshot on disk, cp's does not) and the same three as a
# first run into an empty store; warm (as above),
# and cold when BENCH_COLD=1 (the default as root): sync and
# "echo 3 >/proc/sys/vm/drop_caches" before each run, which slows
# everyone on the machine.  With each: peak RSS and the bytes read from
# the disk (/usr/bin/time's %I, the read_bytes of /proc/PID/io, in 512-byte
# blocks), of the runs' medians.
#
# Then, unless BENCH_SYSCALLS=0, tests/bench/syscalls.sh on its own trees
# of BENCH_SYSCALL_FILES files (default 20000): system calls per unchanged
# file, per copied file and per folder, next to cp -al and cp -a, and the
# bytes each read (/proc/PID/io rchar and read_bytes).  Those counts do
# not depend on how busy the machine is, unlike the times above.
#
# What a run makes is set aside (renamed into $BENCH_DIR/aside), not
# removed, until the end of each table: on ext4 without a journal an
# inode freed in the last minute is not reused, and the search past the
# freed ones slowed every create that followed an rm -rf by half
# (cp -al 0.98 s instead of 0.60 s).  After removing what was set aside
# the script syncs and, on such a filesystem, waits
# $BENCH_SETTLE seconds (default 61) before the next table.
#
# With BENCH_IMAGE=SIZE (as root) everything runs on a journaled ext4
# image of that size, made in $BENCH_DIR.img and loop-mounted on
# $BENCH_DIR, the filesystem a default mkfs.ext4 makes.  The first runs
# of one table are all kept until its end: the image needs room for
# about 5 * (BENCH_REPS + 2) copies of the tree (gen_tree.py makes about
# 13 KiB a file: 20G for 30,000 files and 3 rounds).
#
# With SNAP_BASE set to another snap binary (an older build, say), that one
# runs too, as the row "snap (base)", on a store of its own: a change's
# effect on speed, measured in the same rounds.
#
# Environment: SNAP (default build/snap of this repository), SNAP_BASE, GEN_TREE
# (default /work/shared/bench/gen_tree.py), BENCH_DIR, BENCH_FILES,
# BENCH_REPS, BENCH_COLD, BENCH_JOBS (0: skip the jobs table), BENCH_SYSCALLS,
# BENCH_SETTLE, BENCH_IMAGE, BENCH_MAIN (0: skip the first table, and
# rsync's and rsnapshot's previous snapshots, which take long at a
# million files), BENCH_KINDS (the jobs table's runs, default "unchanged
# first"),
# BENCH_SYSCALL_FILES, BENCH_DROP_CACHES (see syscalls.sh).  Needs rsync, rsnapshot, /usr/bin/time (package "time"),
# python3 and strace; as root, missing ones are installed with apt-get.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BENCH_NAME=bench
# shellcheck source=lib-bench.sh
. "$REPO/tests/bench/lib-bench.sh"
SNAP=${SNAP:-$REPO/build/snap}
GEN_TREE=${GEN_TREE:-/work/shared/bench/gen_tree.py}
BENCH_DIR=${BENCH_DIR:-/tmp/snap-bench}
FILES=${1:-${BENCH_FILES:-100000}}
REPS=${BENCH_REPS:-5}

need_packages() {
	local missing=() p
	command -v rsync >/dev/null || missing+=(rsync)
	command -v rsnapshot >/dev/null || missing+=(rsnapshot)
	[ -x /usr/bin/time ] || missing+=(time)
	command -v python3 >/dev/null || missing+=(python3)
	command -v strace >/dev/null || missing+=(strace)
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
		die "missing: ${missing[*]} (install them, e.g. apt-get install ${missing[*]})"
	echo "bench: installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	for p in "${missing[@]}"; do
		echo "bench: installed $p"
	done
}

[[ $FILES =~ ^[0-9]+$ ]] && [ "$FILES" -gt 0 ] || die "FILES must be a positive number"
[[ $REPS =~ ^[0-9]+$ ]] && [ "$REPS" -gt 0 ] || die "BENCH_REPS must be a positive number"
[ -x "$SNAP" ] || die "no snap binary at $SNAP (build it: cmake -B build && cmake --build build)"
[ -r "$GEN_TREE" ] || die "no gen_tree.py at $GEN_TREE (set GEN_TREE)"
need_packages

bench_dir "$BENCH_DIR"
if [ -n "${BENCH_IMAGE:-}" ]; then
	[ "$(id -u)" = 0 ] || die "BENCH_IMAGE needs root (mount)"
	! mountpoint -q "$B" || umount "$B" || die "cannot unmount $B"
	rm -f "$B.img"
	truncate -s "$BENCH_IMAGE" "$B.img" || die "cannot make $B.img"
	mkfs.ext4 -q -F "$B.img" || die "mkfs.ext4 $B.img failed"
	mount -o loop "$B.img" "$B" || die "cannot mount $B.img on $B"
	trap 'cd /; umount "$B" && rm -f "$B.img"' EXIT
fi
# Only ever remove what this script makes.  The tree gen_tree.py made
# last time is kept when it has as many files and was not changed since
# (src.files says so): a million files take minutes to write.
[ "$(cat "$B/src.files" 2>/dev/null)" = "$FILES" ] || rm -rf "$B/src" "$B/src.files"
rm -rf "$B/cp" "$B/rsync" "$B/rsnapshot" "$B/snap" "$B/snap1" \
	"$B/base" "$B/out" "$B/first" "$B/aside"
mkdir -p "$B/cp" "$B/rsync" "$B/rsnapshot" "$B/snap" "$B/snap1" "$B/base" \
	"$B/out" "$B/first" "$B/aside"
# snap refuses a root that other users may enter.
chmod 700 "$B/snap" "$B/snap1" "$B/base"
SRC=$B/src

# set_aside PATH...: moves what a timed run made out of the way; gone
# with clear_aside.
ASIDE_N=0
set_aside() {
	local p
	for p in "$@"; do
		[ -e "$p" ] || [ -L "$p" ] || continue
		ASIDE_N=$((ASIDE_N + 1))
		mv "$p" "$B/aside/$ASIDE_N"
	done
}

# Whether $B is on ext4 without a journal (see set_aside).
no_journal() {
	local dev
	dev=$(findmnt -n -o SOURCE -T "$B") && [ -b "$dev" ] &&
		command -v dumpe2fs >/dev/null &&
		[ "$(findmnt -n -o FSTYPE -T "$B")" = ext4 ] &&
		! dumpe2fs -h "$dev" 2>/dev/null | grep -q '^Filesystem features:.*has_journal'
}

# clear_aside: removes what was set aside, between tables.
clear_aside() {
	local n
	n=$(find "$B/aside" -mindepth 1 -maxdepth 1 | wc -l)
	[ "$n" -gt 0 ] || return 0
	rm -rf "${B:?}/aside"
	mkdir "$B/aside"
	sync
	if no_journal; then
		echo "bench: waiting ${BENCH_SETTLE:-61} s for the freed inodes to settle (ext4 without a journal)"
		sleep "${BENCH_SETTLE:-61}"
	fi
}

# New space in KiB that NEW adds to PREV.
new_space() {
	du -sk "$1" "$2" | sed -n 2p | cut -f1
}

#
# The tools.  run_TOOL makes a new snapshot of $SRC next to the previous
# one; drop_TOOL removes it again.
#

run_cp() {
	cp -al "$B/cp/prev" "$B/cp/new"
}
drop_cp() {
	set_aside "$B/cp/new"
}

run_rsync() {
	rsync -a --link-dest="$B/rsync/prev" "$SRC/" "$B/rsync/new/"
}
drop_rsync() {
	set_aside "$B/rsync/new"
}

RSNAPSHOT_CONF=$B/rsnapshot.conf
printf '%s\t%s\n' \
	config_version 1.2 \
	snapshot_root "$B/rsnapshot/" \
	cmd_cp /bin/cp \
	cmd_rm /bin/rm \
	cmd_rsync "$(command -v rsync)" \
	link_dest 0 \
	lockfile "$B/rsnapshot.pid" >"$RSNAPSHOT_CONF"
printf 'retain\talpha\t1000\n' >>"$RSNAPSHOT_CONF"
printf 'backup\t%s/\tlocalhost/\n' "$SRC" >>"$RSNAPSHOT_CONF"
run_rsnapshot() {
	rsnapshot -c "$RSNAPSHOT_CONF" alpha
}
# After a run alpha.0 is the new snapshot and alpha.1 the previous one.
drop_rsnapshot() {
	set_aside "$B/rsnapshot/alpha.0"
	mv "$B/rsnapshot/alpha.1" "$B/rsnapshot/alpha.0"
}

# snap_config NAME: a config for the store $B/NAME.
snap_config() {
	cat >"$B/$1.yaml" <<EOF
snapshot_root: "$B/$1"
sources:
  - path: "$SRC"
    dest: src
EOF
}
snap_config snap
snap_config snap1
snap_config base
declare -A SNAP_PREV=()
SNAP_RSS=()
# snap_create NAME BINARY [ARGS]: one create into the store $B/NAME.
snap_create() {
	local name=$1 bin=$2
	shift 2
	/usr/bin/time -f %M -o "$B/out/rss.$name" "$bin" -q -c "$B/$name.yaml" \
		create "$@"
}
run_snap() {
	snap_create snap "$SNAP"
	SNAP_RSS+=("$(tail -n 1 "$B/out/rss.snap")")
}
run_snap1() {
	snap_create snap1 "$SNAP" --jobs 1
}
run_base() {
	snap_create base "$SNAP_BASE"
}
snap_newest() {
	readlink "$B/$1/latest"
}
# drop_store NAME: removes the newest snapshot of the store $B/NAME.
drop_store() {
	local new
	new=$(snap_newest "$1")
	[ "$new" != "${SNAP_PREV[$1]}" ] || die "snap made no new snapshot in $1"
	set_aside "$B/$1/$new" "$B/$1/.snap/manifests/$new" \
		"$B/$1/.snap/manifests/$new.summary"
	ln -sfn "${SNAP_PREV[$1]}" "$B/$1/latest"
}
drop_snap() {
	drop_store snap
}
drop_snap1() {
	drop_store snap1
}
drop_base() {
	drop_store base
}

TOOLS=(cp rsync rsnapshot snap1 snap)
if [ -n "${SNAP_BASE:-}" ]; then
	[ -x "$SNAP_BASE" ] || die "no snap binary at SNAP_BASE=$SNAP_BASE"
	TOOLS+=(base)
fi
declare -A LABEL=([cp]="cp -al" [rsync]="rsync --link-dest" [rsnapshot]="rsnapshot" [snap1]="snap --jobs 1" [snap]="snap create" [base]="snap (base)")

# timed TOOL: runs run_TOOL (output to out/TOOL.log) and sets ELAPSED to
# the microseconds it took.  Not in a subshell: run_snap records the RSS.
ELAPSED=0
timed() {
	local t0 t1
	t0=$(now_us)
	"run_$1" >>"$B/out/$1.log" 2>&1 || {
		tail -n 20 "$B/out/$1.log" >&2
		die "$1 failed (log: $B/out/$1.log)"
	}
	t1=$(now_us)
	ELAPSED=$((t1 - t0))
}

if [ -e "$B/src.files" ]; then
	echo "bench: the tree of $FILES files in $SRC, as generated before"
else
	echo "bench: generating $FILES files in $SRC"
	python3 "$GEN_TREE" "$SRC" "$FILES"
	echo "$FILES" >"$B/src.files"
fi
echo "bench: source: $(du -sh "$SRC" | cut -f1), $(find "$SRC" -type f | wc -l) files"

echo "bench: previous snapshots"
cp -a "$SRC" "$B/cp/prev"
if [ "${BENCH_MAIN:-1}" != 0 ]; then
	rsync -a "$SRC/" "$B/rsync/prev/"
	run_rsnapshot >>"$B/out/rsnapshot.log" 2>&1 ||
		die "rsnapshot failed (log: $B/out/rsnapshot.log)"
fi
for store in snap snap1 ${SNAP_BASE:+base}; do
	"run_$store" >>"$B/out/$store.log" 2>&1 ||
		die "$store failed (log: $B/out/$store.log)"
	SNAP_PREV[$store]=$(snap_newest "$store")
	[ -n "${SNAP_PREV[$store]}" ] || die "snap made no snapshot in $store"
done

if [ "${BENCH_MAIN:-1}" != 0 ]; then
	declare -A MEDIAN CHANGED SPACE
	# Rounds rather than tool after tool, so that a noisy minute hurts every
	# tool alike; and a sync before each timed run, so that no tool pays for
	# writing back what the previous one (or the rm -rf of a dropped
	# snapshot) left dirty: snap syncs its snapshot to disk, cp and rsync don't.
	echo "bench: warm-up run of each tool"
	for tool in "${TOOLS[@]}"; do
		timed "$tool"
		"drop_$tool"
		: >"$B/out/$tool.times"
	done
	for rep in $(seq 1 "$REPS"); do
		echo "bench: round $rep of $REPS on the unchanged tree"
		for tool in "${TOOLS[@]}"; do
			sync
			timed "$tool"
			echo "$ELAPSED" >>"$B/out/$tool.times"
			"drop_$tool"
		done
	done
	for tool in "${TOOLS[@]}"; do
		MEDIAN[$tool]=$(median <"$B/out/$tool.times")
	done
	clear_aside
	rss_unchanged=$(printf '%s\n' "${SNAP_RSS[@]}" | sort -n | tail -n 1)

	echo "bench: changing the tree (--mutate 0.01 --move-dir)"
	rm -f "$B/src.files"
	python3 "$GEN_TREE" "$SRC" "$FILES" --mutate 0.01 --move-dir
	for tool in "${TOOLS[@]}"; do
		echo "bench: ${LABEL[$tool]}: one run on the changed tree"
		sync
		timed "$tool"
		CHANGED[$tool]=$ELAPSED
	done
	rss_changed=${SNAP_RSS[-1]}
	SPACE[cp]=$(new_space "$B/cp/prev" "$B/cp/new")
	SPACE[rsync]=$(new_space "$B/rsync/prev" "$B/rsync/new")
	SPACE[rsnapshot]=$(new_space "$B/rsnapshot/alpha.1" "$B/rsnapshot/alpha.0")
	SPACE[snap]=$(new_space "$B/snap/${SNAP_PREV[snap]}" "$B/snap/$(snap_newest snap)")
	SPACE[snap1]=$(new_space "$B/snap1/${SNAP_PREV[snap1]}" "$B/snap1/$(snap_newest snap1)")
	[ -z "${SNAP_BASE:-}" ] ||
		SPACE[base]=$(new_space "$B/base/${SNAP_PREV[base]}" "$B/base/$(snap_newest base)")
	manifest_kib=$(du -sk "$B/snap/.snap/manifests/$(snap_newest snap)" | cut -f1)

	echo
	printf 'files: %s   runs: %s (median)   dir: %s\n\n' "$FILES" "$REPS" "$B"
	printf '%-18s %10s %8s %12s %14s %9s\n' tool "unchanged" "vs cp" "changed" "new space KiB" "vs rsync"
	for tool in "${TOOLS[@]}"; do
		printf '%-18s %9ss %8s %11ss %14s %9s\n' "${LABEL[$tool]}" \
			"$(secs "${MEDIAN[$tool]}")" \
			"$(awk -v a="${MEDIAN[$tool]}" -v b="${MEDIAN[cp]}" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" \
			"$(secs "${CHANGED[$tool]}")" \
			"${SPACE[$tool]}" \
			"$(awk -v a="${SPACE[$tool]}" -v b="${SPACE[rsync]}" 'BEGIN { printf "%.2f", b ? a / b : 0 }')"
	done
	echo
	echo "snap peak RSS: $rss_unchanged KiB (unchanged tree, max of runs), $rss_changed KiB (changed tree)"
	echo "snap manifest of the new snapshot: $manifest_kib KiB (not in the new space above)"
	echo "cp -al copies no change at all: its row is the floor for time, not a backup."
fi

#
# The jobs table: --jobs 1 against the default, unchanged and first runs,
# warm and (as root) cold.
#
COLD=${BENCH_COLD:-}
if [ -z "$COLD" ]; then
	COLD=0
	[ "$(id -u)" = 0 ] && [ -w /proc/sys/vm/drop_caches ] && COLD=1
fi
for store in snap snap1 snapx; do
	[ "$store" = snapx ] || SNAP_PREV[$store]=$(snap_newest "$store")
	printf 'snapshot_root: "%s"\nsources:\n  - path: "%s"\n    dest: src\n' \
		"$B/first/$store" "$SRC" >"$B/first.$store.yaml"
done
# snapx: one job more than the default, on snap's store: with as many
# jobs as CPUs there is no read-ahead thread below 3 CPUs; this row shows
# what one would bring.
JOBS_X=$(($(nproc) + 1))
declare -A JLABEL=([cp]="cp -al" [snap1]="snap --jobs 1" [snap]="snap (jobs $(nproc))" [snapx]="snap --jobs $JOBS_X")
declare -A JFIRST=([cp]="cp -a" [cpsync]="cp -a + sync" [snap1]="snap --jobs 1" [snap]="snap (jobs $(nproc))" [snapx]="snap --jobs $JOBS_X")
# jtools KIND: the tools of the jobs table for unchanged or first runs.
jtools() {
	if [ "$1" = first ]; then
		echo cp cpsync snap1 snap snapx
	else
		echo cp snap1 snap snapx
	fi
}

# jobs_run MODE KIND TOOL: one timed run (MODE warm or cold, KIND unchanged
# or first); its seconds, peak RSS and blocks read go to out/j.MODE.KIND.TOOL.
jobs_run() {
	local mode=$1 kind=$2 tool=$3 t0 t1 tm=$B/out/jtime
	local cmd=()
	case $kind.$tool in
	unchanged.cp) cmd=(cp -al "$B/cp/prev" "$B/cp/j") ;;
	unchanged.snap1) cmd=("$SNAP" -q -c "$B/snap1.yaml" create --jobs 1) ;;
	unchanged.snap) cmd=("$SNAP" -q -c "$B/snap.yaml" create) ;;
	unchanged.snapx) cmd=("$SNAP" -q -c "$B/snap.yaml" create --jobs "$JOBS_X") ;;
	first.cp) cmd=(cp -a "$SRC" "$B/first/cp") ;;
	# shellcheck disable=SC2016  # $1 and $2 are the inner shell's
	first.cpsync) cmd=(sh -c 'cp -a "$1" "$2" && sync -f "$2"' sh "$SRC" "$B/first/cpsync") ;;
	first.snap1) cmd=("$SNAP" -q -c "$B/first.snap1.yaml" create --jobs 1) ;;
	first.snap) cmd=("$SNAP" -q -c "$B/first.snap.yaml" create) ;;
	first.snapx) cmd=("$SNAP" -q -c "$B/first.snapx.yaml" create --jobs "$JOBS_X") ;;
	esac
	if [ "$kind" = first ] && [ "${tool#cp}" = "$tool" ]; then
		mkdir -m 700 "$B/first/$tool"
	fi
	sync
	[ "$mode" = warm ] || echo 3 >/proc/sys/vm/drop_caches
	t0=$(now_us)
	/usr/bin/time -f '%M %I' -o "$tm" "${cmd[@]}" >>"$B/out/jobs.log" 2>&1 || {
		tail -n 5 "$B/out/jobs.log" >&2
		die "${cmd[*]} failed (log: $B/out/jobs.log)"
	}
	t1=$(now_us)
	echo "$((t1 - t0)) $(tail -n 1 "$tm")" >>"$B/out/j.$mode.$kind.$tool"
	case $kind.$tool in
	unchanged.cp) set_aside "$B/cp/j" ;;
	unchanged.snapx) drop_store snap ;;
	unchanged.*) drop_store "$tool" ;;
	first.*) set_aside "$B/first/$tool" ;;
	esac
}

if [ "${BENCH_JOBS:-1}" != 0 ]; then
	MODES=(warm)
	[ "$COLD" != 1 ] || MODES+=(cold)
	for mode in "${MODES[@]}"; do
		for kind in ${BENCH_KINDS:-unchanged first}; do
			for tool in $(jtools "$kind"); do
				rm -f "$B/out/j.$mode.$kind.$tool"
				# An untimed warm-up run for the warm rounds.
				[ "$mode" = cold ] || jobs_run "$mode" "$kind" "$tool"
				rm -f "$B/out/j.$mode.$kind.$tool"
			done
			for rep in $(seq 1 "$REPS"); do
				echo "bench: jobs, $mode, $kind, round $rep of $REPS"
				for tool in $(jtools "$kind"); do
					jobs_run "$mode" "$kind" "$tool"
				done
			done
			clear_aside
		done
	done
	echo
	printf 'jobs: %s files, median of %s runs; cold: sync and drop_caches before each\n\n' "$FILES" "$REPS"
	printf '%-5s %-10s %-18s %9s %7s %10s %13s %10s\n' mode run tool seconds "vs cp" "vs cp+sync" "peak RSS KiB" "read MiB"
	for mode in "${MODES[@]}"; do
		for kind in ${BENCH_KINDS:-unchanged first}; do
			cpus=$(cut -d' ' -f1 "$B/out/j.$mode.$kind.cp" | median)
			cpsync=0
			[ "$kind" = unchanged ] ||
				cpsync=$(cut -d' ' -f1 "$B/out/j.$mode.$kind.cpsync" | median)
			for tool in $(jtools "$kind"); do
				f=$B/out/j.$mode.$kind.$tool
				us=$(cut -d' ' -f1 "$f" | median)
				if [ "$kind" = unchanged ]; then
					label=${JLABEL[$tool]}
				else
					label=${JFIRST[$tool]}
				fi
				printf '%-5s %-10s %-18s %8ss %7s %10s %13s %10s\n' "$mode" "$kind" \
					"$label" "$(secs "$us")" \
					"$(awk -v a="$us" -v b="$cpus" 'BEGIN { printf "%.2f", b ? a / b : 0 }')" \
					"$(awk -v a="$us" -v b="$cpsync" 'BEGIN { if (b) printf "%.2f", a / b; else printf "-" }')" \
					"$(cut -d' ' -f2 "$f" | median)" \
					"$(cut -d' ' -f3 "$f" | median | awk '{ printf "%.1f", $1 * 512 / 1048576 }')"
			done
		done
	done
fi

if [ "${BENCH_SYSCALLS:-1}" != 0 ]; then
	echo
	echo "bench: system calls and bytes read (tests/bench/syscalls.sh)"
	SNAP=$SNAP GEN_TREE=$GEN_TREE BENCH_DIR=$B/syscalls \
		"$REPO/tests/bench/syscalls.sh" "${BENCH_SYSCALL_FILES:-20000}"
fi
