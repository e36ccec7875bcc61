# shellcheck shell=bash
# lib-bench.sh: what every benchmark script here needs.  Source it after
# setting REPO (the repository) and, for die's prefix, BENCH_NAME:
#
#	die MESSAGE		stop with "BENCH_NAME: MESSAGE" on stderr
#	bench_dir DIR		make DIR and set B to its real path, refusing
#				the repository and /, so that removing what a
#				run made never reaches either
#	now_us			microseconds since the epoch
#	secs US			microseconds as seconds with 3 decimals
#	median			the median of the numbers on stdin, one a line

die() {
	echo "${BENCH_NAME:-bench}: $*" >&2
	exit 1
}

bench_dir() {
	mkdir -p "$1" || die "cannot make $1"
	B=$(cd "$1" && pwd -P)
	case $B/ in
	"$REPO"/*) die "BENCH_DIR ($B) is inside the repository; choose another" ;;
	/) die "BENCH_DIR may not be /" ;;
	esac
}

now_us() {
	local t=$EPOCHREALTIME
	echo "${t/./}"
}

secs() {
	printf '%d.%03d' $(($1 / 1000000)) $((($1 % 1000000) / 1000))
}

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
