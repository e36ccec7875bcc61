#!/bin/bash
# t1531: with --jobs 3 the walk enters and leaves folders while their
# links are still queued, and the outcome is that of --jobs 1.
#
# The linking thread makes the links of unchanged files; the walk does
# not wait for them at folder boundaries: a folder's record and its
# metadata (mode, times, set after its children) wait in the queue
# behind its links, and a link that fails is redone in its folder after
# the walk has left it.  The tree: 120 folders of 40 files, a subfolder
# and 5 more files each (so links are queued across every boundary),
# folders with modes 0555, 0750, 0700 and times of their own, a chain
# of 12 nested folders and one of 24 (deeper than where the queue stops
# holding links across folders).  Before the second run the same things
# happen in root A (--jobs 1) and root B (--jobs 3): stored files that
# come last in their folder, after its subfolder, changed in place or
# removed (so their fallback copy is made once the walk has left the
# folder, into a folder that is read-only at the source), and in the
# source files changed among unchanged ones.  Proves (create_both) that
# both roots reproduce the source, folder modes and times included, with
# the same manifest, warnings in the same order and counts, and that the
# fallback files are new inodes, the others linked.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync python3

SRC=$SCRATCH/src
RA=$SCRATCH/root-a
RB=$SCRATCH/root-b
CA=$SCRATCH/a.yaml
CB=$SCRATCH/b.yaml

python3 - "$SRC" <<'PY'
import os, sys
top = sys.argv[1]
def fill(d, names, tag):
    os.makedirs(d, exist_ok=True)
    for n in names:
        with open(os.path.join(d, n), "w") as f:
            f.write("%s %s\n" % (tag, n))
dirs = []
for i in range(120):
    d = os.path.join(top, "wide", "d%03d" % i)
    fill(d, ["f%02d" % k for k in range(40)] + ["z%d" % k for k in range(5)],
         "d%03d" % i)
    fill(os.path.join(d, "m"), ["g%d" % k for k in range(10)], "m%03d" % i)
    dirs.append((d, (0o555, 0o750, 0o700)[i % 3], 1000000000 + i * 3600))
    dirs.append((os.path.join(d, "m"), 0o700, 1100000000 + i))
for name, levels in (("deep12", 12), ("deep24", 24)):
    p = os.path.join(top, name)
    for lvl in range(levels):
        fill(p, ["a", "z"], "%s %d" % (name, lvl))
        os.makedirs(os.path.join(p, "n"), exist_ok=True)
        dirs.append((p, 0o750, 1200000000 + lvl))
        p = os.path.join(p, "n")
    fill(p, ["bottom"], name)
# Folder metadata last: the children would change the times, and 0555
# forbids them.  Deepest first.
for d, mode, t in reversed(dirs):
    os.utime(d, (t, t))
    os.chmod(d, mode)
PY

write_ab_configs

T=1790000000
say "first run"
create_both "$T" N1 0 6900

say "stored files last in their folder changed in place or removed"
CHANGED=(wide/d001/z4 wide/d002/m/g9 wide/d040/z4 wide/d041/m/g9
	deep12/n/n/n/n/n/z deep24/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/z)
REMOVED=(wide/d050/z4 wide/d051/z0 wide/d119/z4)
for root in "$RA" "$RB"; do
	s=$root/$N1/src
	for p in "${CHANGED[@]}"; do
		chmod 0600 "$s/$p"
	done
	for p in "${REMOVED[@]}"; do
		d=$(dirname "$s/$p")
		chmod u+w "$d"
		rm "$s/$p"
	done
done
# Source changes between unchanged files, in a read-only folder too.
chmod u+w "$SRC/wide/d003" "$SRC/wide/d060"
echo "changed" >>"$SRC/wide/d003/f20"
echo "changed" >>"$SRC/wide/d060/z1"
touch -d '2001-02-03 UTC' "$SRC/wide/d003" "$SRC/wide/d060"
chmod 0555 "$SRC/wide/d003" "$SRC/wide/d060"
create_both $((T + 3600)) N2 3 6900
for p in "${CHANGED[@]}"; do
	assert_grep "'src/$p' in snapshot '$N1' is not what its manifest says" \
		"$SCRATCH/err.b"
	diff_inode "$RB/$N1/src/$p" "$RB/$N2/src/$p"
done
for p in wide/d001/z3 wide/d002/z4 wide/d050/z3 wide/d119/m/g9 \
	deep12/n/n/n/n/n/a deep24/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/n/a; do
	same_inode "$RB/$N1/src/$p" "$RB/$N2/src/$p"
done
for p in "${REMOVED[@]}"; do
	assert_exists "$RB/$N2/src/$p"
done

say "nothing changed"
create_both $((T + 7200)) N3 0 6900
same_inode "$RB/$N2/src/wide/d001/z4" "$RB/$N3/src/wide/d001/z4"
same_inode "$RB/$N2/src/wide/d050/z4" "$RB/$N3/src/wide/d050/z4"

say "verify"
for c in "$CA" "$CB"; do
	CONFIG=$c
	run_snap verify "$N2" "$N3"
	expect_status 0
done

echo "ok"
