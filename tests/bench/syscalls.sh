#!/bin/bash
# shellcheck disable=SC2015  # "A && B || die" means what it says
# bench/syscalls.sh: how many system calls and bytes does snap create cost
# per unchanged file, per copied file and per folder, next to cp -al and
# cp -a?
#
#   tests/bench/syscalls.sh [FILES]
#
# Not a test (ctest does not run it).  System-call counts do not depend on
# how loaded the machine is, so unlike times they can be compared between
# runs on a shared machine.  Two trees of FILES files (default 20000; or
# $BENCH_FILES) are generated with gen_tree.py, one with 50 files per
# folder and one with 100, so the same files sit in different numbers of
# folders; every tool is run under strace -f -c on both:
#
#   copied:    snap create into an empty store     cp -a SRC NEW
#   unchanged: snap create again                   cp -al PREV NEW
#
# snap runs with --jobs 1: the calls of the thread that builds the
# snapshot; an unchanged run is counted again with --jobs 3, all three
# threads (the linking thread's linkat and fstatat, the futex calls of
# the queue between it and the walking thread, and the read-ahead
# thread's, src/prefetch.c: about one getdents64 per folder and one or
# two statx per file).
#
# With T = F * per_file + D * per_folder + fixed, the two trees give
# per_folder = (T1 - T2) / (D1 - D2) and the rest; fixed is measured on a
# source with one empty folder.  Bytes read are /proc/PID/io of a shell
# that waited for the tool: rchar (bytes through read calls, page cache
# or not) and read_bytes (bytes the tool made the block layer read: 0
# when the source is cached; BENCH_DROP_CACHES=1 drops the page cache
# before each copied run, as root, which slows everyone on the machine).
#
# Environment: SNAP (default build/snap of this repository), GEN_TREE
# (default /work/shared/bench/gen_tree.py), BENCH_DIR (default
# /tmp/snap-syscalls; never inside the repository; its tree and store
# folders are wiped first), BENCH_FILES, BENCH_DROP_CACHES.
# Needs strace and python3.
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BENCH_NAME=syscalls
# shellcheck source=lib-bench.sh
. "$REPO/tests/bench/lib-bench.sh"
SNAP=${SNAP:-$REPO/build/snap}
GEN_TREE=${GEN_TREE:-/work/shared/bench/gen_tree.py}
BENCH_DIR=${BENCH_DIR:-/tmp/snap-syscalls}
FILES=${1:-${BENCH_FILES:-20000}}

[[ $FILES =~ ^[0-9]+$ ]] && [ "$FILES" -ge 100 ] || die "FILES must be a number of at least 100"
[ -x "$SNAP" ] || die "no snap binary at $SNAP (build it: cmake -B build && cmake --build build)"
[ -r "$GEN_TREE" ] || die "no gen_tree.py at $GEN_TREE (set GEN_TREE)"
command -v strace >/dev/null || die "needs strace (apt-get install strace)"

bench_dir "$BENCH_DIR"

# The total of an strace -c summary (its "total" line, calls column).
strace_total() {
	awk '$NF == "total" { print $(NF - 2) ; found = 1 }
	     END { if (!found) print 0 }' "$1"
}

# traced OUT CMD...: runs CMD under strace -f -c (summary in OUT.strace)
# from a shell that prints its /proc/self/io when CMD is reaped (OUT.io).
traced() {
	local out=$1
	shift
	sh -c 'strace -f -c -o "$0.strace" "$@" >"$0.log" 2>&1 || exit $?
	       cat /proc/$$/io >"$0.io"' "$out" "$@" ||
		die "$* failed: $(tail -n 5 "$out.log")"
}

io_field() {
	awk -v k="$1:" '$1 == k { print $2 }' "$2"
}

drop_caches() {
	[ "${BENCH_DROP_CACHES:-0}" = 1 ] || return 0
	sync
	echo 3 >/proc/sys/vm/drop_caches
}

# measure TAG SRC: every tool on SRC; results in $B/out/TAG.*.
measure() {
	local tag=$1 src=$2 store=$B/store.$1
	rm -rf "$store" "$B/cp.$tag"
	mkdir -p "$store" "$B/cp.$tag"
	chmod 700 "$store"
	cat >"$B/$tag.yaml" <<EOF
snapshot_root: "$store"
sources:
  - path: "$src"
    dest: src
EOF
	drop_caches
	traced "$B/out/$tag.snap-copied" "$SNAP" -q -c "$B/$tag.yaml" create \
		--jobs 1
	traced "$B/out/$tag.snap-unchanged" "$SNAP" -q -c "$B/$tag.yaml" create \
		--jobs 1
	traced "$B/out/$tag.snap2-unchanged" "$SNAP" -q -c "$B/$tag.yaml" \
		create --jobs 3
	drop_caches
	traced "$B/out/$tag.cp-copied" cp -a "$src" "$B/cp.$tag/prev"
	traced "$B/out/$tag.cp-unchanged" cp -al "$B/cp.$tag/prev" "$B/cp.$tag/new"
	rm -rf "$store" "$B/cp.$tag"
}

rm -rf "$B/t50" "$B/t100" "$B/empty" "$B/out"
mkdir -p "$B/out" "$B/empty/e"
echo "syscalls: generating two trees of $FILES files in $B"
python3 "$GEN_TREE" "$B/t50" "$FILES" --per-dir 50
python3 "$GEN_TREE" "$B/t100" "$FILES" --per-dir 100
D50=$(find "$B/t50" -type d | wc -l)
D100=$(find "$B/t100" -type d | wc -l)
BYTES=$(du -sb --apparent-size "$B/t50" | cut -f1)

for t in t50 t100 empty; do
	echo "syscalls: measuring $t"
	measure "$t" "$B/$t"
done

# row TOOL KIND LABEL: per-file, per-folder and fixed calls.
row() {
	local k=$1-$2 t50 t100 t0 per_dir per_file
	t50=$(strace_total "$B/out/t50.$k.strace")
	t100=$(strace_total "$B/out/t100.$k.strace")
	t0=$(strace_total "$B/out/empty.$k.strace")
	awk -v a="$t50" -v b="$t100" -v z="$t0" -v f="$FILES" \
	    -v d1="$D50" -v d2="$D100" -v l="$3" -v tot="$t50" 'BEGIN {
		pd = (a - b) / (d1 - d2)
		pf = (a - z - pd * (d1 - 2)) / f
		printf "%-22s %10d %10.2f %10.1f %8d\n", l, tot, pf, pd, z }'
}

echo
printf 'files: %s   folders: %s and %s   bytes: %s\n\n' "$FILES" "$D50" "$D100" "$BYTES"
printf '%-22s %10s %10s %10s %8s\n' "" "calls" "per file" "per folder" "fixed"
row snap unchanged "snap create, unchanged"
row snap2 unchanged "  the same, --jobs 3"
row cp unchanged "cp -al"
row snap copied "snap create, copied"
row cp copied "cp -a"
echo
printf '%-22s %14s %14s\n' "" "rchar" "read_bytes"
for k in snap-copied cp-copied snap-unchanged cp-unchanged; do
	printf '%-22s %14s %14s\n' "$k" "$(io_field rchar "$B/out/t50.$k.io")" \
		"$(io_field read_bytes "$B/out/t50.$k.io")"
done
echo
echo "(calls: the tree with 50 files per folder; strace summaries in $B/out)"
