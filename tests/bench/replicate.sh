#!/bin/bash
# bench/replicate.sh: snap replicate next to rsync -aH of the whole root.
#
#   tests/bench/replicate.sh [FILES]
#
# Not a test (ctest does not run it).  Generates a tree of FILES files
# (default 20000; or $BENCH_FILES) with gen_tree.py in $BENCH_DIR
# (default /tmp/snap-bench-replicate, wiped first), and takes ten daily
# snapshots of it with snap create, changing 1% of the files between
# two (gen_tree.py --mutate 0.01, a new seed each day).  Then, each
# timed with /usr/bin/time -v (wall seconds and peak RSS):
#
#   1. snap replicate into an empty replica (local path: no ssh cost),
#      against rsync -aH --numeric-ids of the whole root into an empty
#      folder, the way a root is copied without snap (it must keep the
#      hard links between snapshots, so it holds every linked inode of
#      every snapshot in memory at once);
#   2. one more snapshot on the primary, then both again: snap replicate
#      copies the one new snapshot; rsync -aH walks the whole root again.
#
# Prints a table of seconds and peak RSS in MiB per run, and the space
# each copy takes (du -sk, shared inodes counted once).
#
# Environment: SNAP (default build/snap), GEN_TREE (default
# /work/shared/bench/gen_tree.py), BENCH_DIR, BENCH_FILES.  Needs rsync,
# python3 and /usr/bin/time (package "time").
set -euo pipefail
export LC_ALL=C

REPO=$(cd "$(dirname "$0")/../.." && pwd -P)
BENCH_NAME=bench
# shellcheck source=lib-bench.sh
. "$REPO/tests/bench/lib-bench.sh"
SNAP=${SNAP:-$REPO/build/snap}
GEN_TREE=${GEN_TREE:-/work/shared/bench/gen_tree.py}
BENCH_DIR=${BENCH_DIR:-/tmp/snap-bench-replicate}
FILES=${1:-${BENCH_FILES:-20000}}

[ -x "$SNAP" ] || die "no snap at $SNAP (build it first)"
[ -x /usr/bin/time ] || die "needs /usr/bin/time (apt-get install time)"
command -v rsync >/dev/null || die "needs rsync"
[ -f "$GEN_TREE" ] || die "no gen_tree.py at $GEN_TREE"
case $BENCH_DIR in
"$REPO"/*) die "BENCH_DIR must lie outside the repository" ;;
esac

rm -rf "$BENCH_DIR"
bench_dir "$BENCH_DIR"
SRC=$BENCH_DIR/src
PRIMARY=$BENCH_DIR/primary
REPLICA=$BENCH_DIR/replica
COPY=$BENCH_DIR/rsync-copy
cat >"$BENCH_DIR/primary.yaml" <<CONF
snapshot_root: $PRIMARY
sources:
  - path: $SRC
    dest: src
CONF
cat >"$BENCH_DIR/replica.yaml" <<CONF
snapshot_root: $REPLICA
replicate_from: $PRIMARY
CONF
chmod 600 "$BENCH_DIR"/*.yaml

DAY0=1767225600
day() {
	local d=$1
	if [ "$d" -gt 1 ]; then
		python3 "$GEN_TREE" --seed "$d" --mutate 0.01 "$SRC" "$FILES" >/dev/null
	fi
	SNAP_NOW=$((DAY0 + d * 86400)) "$SNAP" -q -c "$BENCH_DIR/primary.yaml" create
}

echo "bench: a tree of $FILES files, ten daily snapshots" >&2
python3 "$GEN_TREE" --seed 1 "$SRC" "$FILES" >/dev/null
for d in $(seq 1 10); do
	day "$d"
done

# timed LABEL CMD...: runs CMD under /usr/bin/time -v; prints a row.
timed() {
	local label=$1 out=$BENCH_DIR/time.out secs rss
	shift
	/usr/bin/time -v -o "$out" "$@" >/dev/null
	secs=$(sed -n 's/.*Elapsed (wall clock) time.*: //p' "$out" |
		awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; print s }')
	rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out")
	printf '%-44s %8.2f s %8.1f MiB\n' "$label" "$secs" "$(echo "$rss / 1024" | bc -l)"
}

printf '%-44s %10s %12s\n' run time "peak RSS"
timed "snap replicate, 10 snapshots" \
	"$SNAP" -q -c "$BENCH_DIR/replica.yaml" replicate
mkdir "$COPY"
timed "rsync -aH of the root, 10 snapshots" \
	rsync -aH --numeric-ids "$PRIMARY/" "$COPY/"
day 11
timed "snap replicate, 1 more snapshot" \
	"$SNAP" -q -c "$BENCH_DIR/replica.yaml" replicate
timed "rsync -aH of the root again, 1 more" \
	rsync -aH --numeric-ids --delete "$PRIMARY/" "$COPY/"
echo
printf 'space: primary %s KiB, replica %s KiB, rsync copy %s KiB\n' \
	"$(du -sk "$PRIMARY" | cut -f1)" "$(du -sk "$REPLICA" | cut -f1)" \
	"$(du -sk "$COPY" | cut -f1)"
