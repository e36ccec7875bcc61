#!/bin/bash
# t1520: create with --jobs 4 makes what --jobs 1 makes (issue 14.1).
#
# One source, snapshotted into two roots, one run after the other with
# the same SNAP_NOW: root A with --jobs 1 (one thread, the old code path),
# root B with --jobs 4 (one thread links unchanged files, two read ahead
# of the walk).  The tree has two top-level folders with files
# hard-linked across them, symlinks, a FIFO, device nodes (as root),
# xattrs and ACLs (where they work), an empty folder and 1600 files in
# folders the read-ahead threads share out (t1530 has links that fail).
# Then the tree changes (new, changed, moved, a new hard link
# across the top-level folders, a chmod, an xattr) and both roots get a
# second run.  Proves, after each run: both snapshots reproduce the source
# (compare_trees: rsync -aniHAXc, diff -r, find), the two manifests are
# the same bytes once each stored inode number is replaced by the order
# in which it first appears (the two roots' inodes differ; the structure
# of which records share an inode must not), the hard links across the
# top-level folders are one inode, and unchanged files are linked to the
# first snapshot.  Then: SIGTERM and kill -9 to a --jobs 4 run that stands
# still midway, each followed by a good run; the jobs key and --jobs
# refuse 0 and words; snap verify --all passes on both roots.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
require_cmd python3
require_cmd bc

SRC=$SCRATCH/src
RA=$SCRATCH/root-a
RB=$SCRATCH/root-b
CA=$SCRATCH/a.yaml
CB=$SCRATCH/b.yaml

mkdir -p "$SRC/alpha" "$SRC/beta/deep/er/still" "$SRC/empty"
for d in $(seq 1 20); do
	mkdir -p "$SRC/alpha/d$d" "$SRC/beta/d$d"
	for f in $(seq 1 40); do
		printf 'alpha %s %s\n' "$d" "$f" >"$SRC/alpha/d$d/f$f"
		printf 'beta %s %s\n' "$d" "$f" >"$SRC/beta/d$d/f$f"
	done
done
echo "deep" >"$SRC/beta/deep/er/still/file"
echo "across" >"$SRC/alpha/d3/shared"
ln "$SRC/alpha/d3/shared" "$SRC/beta/d20/shared-too"
ln "$SRC/alpha/d3/shared" "$SRC/beta/deep/shared-three"
echo "same content" >"$SRC/alpha/dup1"
echo "same content" >"$SRC/beta/dup2"
ln -s ../beta/d1/f1 "$SRC/alpha/link"
ln -s /nowhere "$SRC/beta/dangling"
mkfifo "$SRC/beta/fifo"
if [ "$(id -u)" = 0 ]; then
	mknod "$SRC/alpha/null" c 1 3
	mknod "$SRC/beta/loopish" b 7 200
	chown 1234:5678 "$SRC/alpha/d2/f2"
fi
if xattrs_work "$SRC"; then
	setfattr -n user.tag -v one "$SRC/alpha/d1/f1"
	setfattr -n user.dir -v yes "$SRC/beta/d5"
fi
if acls_work "$SRC"; then
	setfacl -m u:65534:r "$SRC/beta/d2/f3"
	setfacl -d -m u:65534:rx "$SRC/beta/d6"
fi
chmod 0750 "$SRC/alpha/d7"
touch -d '2021-03-04 05:06:07.123456789 UTC' "$SRC/alpha/d8/f8"

write_ab_configs

# both T VAR: snapshot at time T into root A with --jobs 1 and into root
# B with --jobs 4; both reproduce $SRC and have manifests of one shape.
both() {
	local t=$1 var=$2 name
	CONFIG=$CA ROOT=$RA
	SNAP_NOW=$t run_snap create --jobs 1
	expect_status 0 "--jobs 1"
	new_snapshot name
	compare_trees "$SRC" "$RA/$name/src"
	CONFIG=$CB ROOT=$RB
	SNAP_NOW=$t run_snap create --jobs 4
	expect_status 0 "--jobs 4"
	[ "$(newest_snapshot "$RB")" = "$name" ] ||
		fail "root B's newest is $(newest_snapshot "$RB"), not $name"
	check_snapshot "$RB" "$name"
	compare_trees "$SRC" "$RB/$name/src"
	manifest_shape "$RA/.snap/manifests/$name" >"$SCRATCH/shape.a"
	manifest_shape "$RB/.snap/manifests/$name" >"$SCRATCH/shape.b"
	[ "$(wc -l <"$SCRATCH/shape.a")" -gt 1600 ] ||
		fail "manifest of $name has too few records"
	cmp -s "$SCRATCH/shape.a" "$SCRATCH/shape.b" || {
		diff "$SCRATCH/shape.a" "$SCRATCH/shape.b" | head -n 20
		fail "the manifests of --jobs 1 and --jobs 4 differ ($name)"
	}
	same_inode "$RB/$name/src/alpha/d3/shared" "$RB/$name/src/beta/d20/shared-too"
	same_inode "$RB/$name/src/alpha/d3/shared" "$RB/$name/src/beta/deep/shared-three"
	diff_inode "$RB/$name/src/alpha/dup1" "$RB/$name/src/beta/dup2"
	printf -v "$var" '%s' "$name"
}

T=1790000000
say "first run"
both "$T" N1

say "changes: new, changed, moved, linked across folders, chmod, xattr"
mkdir "$SRC/gamma"
for f in $(seq 1 40); do
	echo "new $f" >"$SRC/gamma/n$f"
done
for d in 1 9 17; do
	echo "changed" >>"$SRC/beta/d$d/f7"
done
mv "$SRC/alpha/d11" "$SRC/beta/moved-d11"
ln "$SRC/beta/d4/f4" "$SRC/alpha/d4/f4-from-beta"
ln "$SRC/alpha/d9/f1" "$SRC/gamma/from-alpha"
chmod 0600 "$SRC/alpha/d10/f10"
if xattrs_work "$SRC"; then
	setfattr -n user.tag -v two "$SRC/alpha/d1/f1"
fi
both $((T + 3600)) N2
same_inode "$RB/$N2/src/beta/d4/f4" "$RB/$N2/src/alpha/d4/f4-from-beta"
same_inode "$RB/$N2/src/alpha/d9/f1" "$RB/$N2/src/gamma/from-alpha"
same_inode "$RB/$N1/src/alpha/d12/f5" "$RB/$N2/src/alpha/d12/f5"
same_inode "$RB/$N1/src/alpha/d11/f3" "$RB/$N2/src/beta/moved-d11/f3"
diff_inode "$RB/$N1/src/beta/d9/f7" "$RB/$N2/src/beta/d9/f7"
diff_inode "$RB/$N1/src/alpha/d10/f10" "$RB/$N2/src/alpha/d10/f10"

# stop SIG STATUS: a --jobs 4 run into root B that stands still midway
# gets SIG; no snapshot is made; the next run (--jobs 4) reproduces the
# source.
stop() {
	local sig=$1 want=$2 pid st=0 t0 t1 name
	say "SIG$sig to a --jobs 4 run"
	CONFIG=$CB ROOT=$RB
	for d in 2 3; do
		echo "again $sig" >>"$SRC/beta/d$d/f9"
	done
	start_bg pid env --default-signal=INT,TERM SNAP_TEST_HANG_AFTER=1500 \
		"$SNAP" -c "$CB" create --jobs 4
	wait_hang "$pid" "$RB/.snap/incomplete" 1
	t0=$EPOCHREALTIME
	kill -"$sig" "$pid"
	wait "$pid" || st=$?
	t1=$EPOCHREALTIME
	sed 's/^/    stopped run: /' "$BG_OUT" "$BG_ERR"
	assert_eq "$st" "$want" "exit status after SIG$sig"
	# Every thread stops at its next entry: well within seconds.
	[ "$(echo "$t1 - $t0 < 5" | bc)" = 1 ] ||
		fail "the run took $(echo "$t1 - $t0" | bc)s to stop after SIG$sig"
	[ "$(newest_snapshot "$RB")" = "$N2" ] ||
		fail "a snapshot appeared after SIG$sig"
	! incomplete_empty "$RB" || fail "nothing left in .snap/incomplete"
	run_snap create --jobs 4
	expect_status 0 "after SIG$sig"
	new_snapshot name "$N2"
	compare_trees "$SRC" "$RB/$name/src"
	N2=$name
}
stop TERM 143
stop KILL 137

say "the jobs key and --jobs"
CONFIG=$CB ROOT=$RB
run_snap create --jobs 0
expect_status 2
assert_grep 'jobs' "$ERR"
run_snap create --jobs many
expect_status 2
cp "$CB" "$SCRATCH/b.orig"
printf 'jobs: 0\n' >>"$CB"
run_snap create
expect_status 2
assert_grep "'jobs' must be at least 1" "$ERR"
cp "$SCRATCH/b.orig" "$CB"
printf 'jobs: 3\n' >>"$CB"
echo "with the key" >"$SRC/gamma/key"
run_snap create
expect_status 0
new_snapshot N3 "$N2"
compare_trees "$SRC" "$RB/$N3/src"

say "verify --all"
for c in "$CA" "$CB"; do
	CONFIG=$c
	run_snap verify --all
	expect_status 0
done

echo "ok"
