#!/bin/bash
# t1190: a tree deeper than the descriptor limit allows folders to be held
# open (issue 9.16).
#
# A source 1000 folders deep, with paths far longer than PATH_MAX (4096),
# a regular file, a symlink and a folder mode and mtime of their own at
# every level.  Under a hard descriptor limit of 256 (so raising the soft
# limit cannot escape it), which three descriptors per level used to
# exhaust at level 80 or so.  Proves: create succeeds and the snapshot
# reproduces the source (folders' metadata included, set after their
# children even where the folder was closed meanwhile); a second create
# links every file (unchanged); restore of the whole tree reproduces it;
# delete removes the older snapshot.  The trees are compared by a python
# walk with dir_fd (rsync and find stop at PATH_MAX).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

DEPTH=1000
SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC" "$ROOT"
chmod 700 "$ROOT"
write_config "$ROOT" "$SRC"

# Levels are named level-NNNN-xxxxxxxx...: 1000 of them make paths of about
# 30000 bytes.
python3 - "$SRC" "$DEPTH" <<'EOF'
import os, sys
root, depth = sys.argv[1], int(sys.argv[2])
fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
for i in range(depth):
    with open(os.open("file", os.O_WRONLY | os.O_CREAT, 0o640, dir_fd=fd),
              "w") as f:
        f.write("level %d\n" % i)
    os.symlink("../file-%d" % i, "link", dir_fd=fd)
    name = "level-%04d-%s" % (i, "x" * 20)
    os.mkdir(name, 0o755, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
    os.close(fd)
    fd = nfd
with open(os.open("bottom", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd),
          "w") as f:
    f.write("the bottom\n")
# Folder modes and times last, deepest first (making children moves
# them), going up with "..": two descriptors at a time.
for i in range(depth + 1):
    os.utime(fd, ns=(1500000000 * 10**9 + i, 1600000000 * 10**9 + i * 7))
    os.fchmod(fd, 0o750 if i % 2 else 0o755)
    if i < depth:
        up = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = up
os.close(fd)
EOF

# tree_digest DIR: one line per entry, walked with dir_fd so any depth
# works: relative path, type, mode, owner, size, mtime in ns, content
# hash or symlink target.  Its sha256 is printed, and the line count.
tree_digest() {
	python3 - "$1" <<'EOF'
import hashlib, os, resource, stat, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
out = hashlib.sha256()
count = 0
def entry(rel, st, extra):
    global count
    count += 1
    size = "-" if stat.S_ISDIR(st.st_mode) else st.st_size
    out.update(("%s %o %d:%d %s %d %s\n" % (rel, st.st_mode, st.st_uid,
        st.st_gid, size, st.st_mtime_ns, extra)).encode("utf-8",
        "surrogateescape"))
def walk(fd, rel):
    for name in sorted(os.listdir(fd)):
        st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        path = rel + "/" + name
        if stat.S_ISDIR(st.st_mode):
            entry(path, st, "")
            sub = os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW,
                          dir_fd=fd)
            walk(sub, path)
            os.close(sub)
        elif stat.S_ISLNK(st.st_mode):
            entry(path, st, os.readlink(name, dir_fd=fd))
        else:
            f = os.open(name, os.O_RDONLY | os.O_NOFOLLOW, dir_fd=fd)
            h = hashlib.sha256(os.read(f, 1 << 20)).hexdigest()
            os.close(f)
            entry(path, st, h)
sys.setrecursionlimit(10000)
top = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
entry(".", os.fstat(top), "")
walk(top, ".")
print(out.hexdigest(), count)
EOF
}

want=$(tree_digest "$SRC")
echo "source: $want"
assert_eq "${want#* }" $((DEPTH * 3 + 2)) "entries in the source"

# A soft limit of 64, which snap raises, but only to the hard one: 256.
SNAP_PREFIX=(bash -c 'ulimit -Sn 64 && ulimit -Hn 256 && exec "$@"' limit)

say "create under a hard descriptor limit of 256"
create_snapshot N1
assert_eq "$(tree_digest "$ROOT/$N1/src")" "$want" "snapshot 1 of the deep tree"
assert_eq "$(summary_count copied "$OUT")" $((DEPTH + 1)) "files copied"

say "a second create links every file"
create_snapshot N2 "$N1"
assert_eq "$(tree_digest "$ROOT/$N2/src")" "$want" "snapshot 2 of the deep tree"
assert_eq "$(summary_count copied "$OUT")" 0 "files copied by the second create"
assert_eq "$(summary_count linked "$OUT")" $((DEPTH + 1)) "files linked"
python3 - "$ROOT/$N1/src" "$ROOT/$N2/src" <<'EOF' || fail "a file of snapshot 2 is not linked to snapshot 1"
import os, sys
a = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
b = os.open(sys.argv[2], os.O_RDONLY | os.O_DIRECTORY)
while True:
    for f in ("file", "bottom"):
        try:
            sa = os.stat(f, dir_fd=a, follow_symlinks=False)
        except FileNotFoundError:
            continue
        sb = os.stat(f, dir_fd=b, follow_symlinks=False)
        if sa.st_ino != sb.st_ino:
            sys.exit(1)
    subs = [n for n in os.listdir(a) if n.startswith("level-")]
    if not subs:
        break
    a = os.open(subs[0], os.O_RDONLY | os.O_DIRECTORY, dir_fd=a)
    b = os.open(subs[0], os.O_RDONLY | os.O_DIRECTORY, dir_fd=b)
EOF

say "restore the whole tree"
run_snap restore "$N2" src "$SCRATCH/restored"
expect_status 0
assert_eq "$(tree_digest "$SCRATCH/restored")" "$want" "the restored deep tree"

say "restore over it (--overwrite) keeps it"
run_snap restore "$N2" src "$SCRATCH/restored" --overwrite
expect_status 0
assert_eq "$(tree_digest "$SCRATCH/restored")" "$want" "the re-restored deep tree"

say "delete the older snapshot"
run_snap delete "$N1"
expect_status 0
assert_missing "$ROOT/$N1"
assert_eq "$(tree_digest "$ROOT/$N2/src")" "$want" "snapshot 2 after the delete"
