#!/usr/bin/env python3
"""crash.py: stop snap at every mutating call and check what it promises.

Usage: crash.py SCRATCH OP...   (OP: create prune delete restore
                                 restore-over kill9)

For each operation it builds the same snapshot root from scratch (three
snapshots of a tree with new, changed, moved, chmodded, chowned,
hard-linked, special and deleted files), runs the operation once with
SNAP_TEST_COUNT=1 to learn how many mutating calls (struct sys_ops) it
makes, and then for N = 1 .. that count rebuilds the root and runs the
operation with SNAP_TEST_FAULT=any:N:kill, so that snap SIGKILLs itself
at its Nth mutating call.  After each stop it checks:

  - every earlier snapshot that is still visible is unchanged: path,
    type, mode, owner, size, mtime and atime in ns, inode, device
    number, symlink target, xattrs and a SHA-256 of the content.  Link
    counts and ctimes are left out: a later snapshot linking an inode,
    or a delete unlinking one of its names, changes both on every
    snapshot that shares it, and neither is a property of a snapshot;
  - a snapshot the operation removes is either whole or gone;
  - no other name is visible under the root (no partial tree), every
    visible snapshot has its manifest, and a snapshot the stopped create
    made visible reproduces the source (rsync -aHAXnci);
  - latest names a visible, complete snapshot;
  - a restore target is untouched or holds only whole files (each
    regular file there has the content of the snapshot's, or for
    --overwrite of the one it replaces);

then runs the operation again (or a create), snap verify --all, and
checks that the run left nothing behind (.snap/incomplete and
.snap/deleting empty, latest the newest, each snapshot as above, the
new one equal to the source).

kill9 is the same with a real kill -9 from outside, at a sample of
points (SNAP_TEST_HANG_AFTER=N entries).

Environment: SNAP (the binary); SNAP_CRASH_STRIDE=K stops at every
Kth call only (1, 1+K, 1+2K, ... and always the last); the default is
6, or 24 under sanitizers (SNAP_CRASH_SANITIZED=1), to keep the test
suite within minutes; SNAP_CRASH_STRIDE=1 is the full exhaustion.  Exit status 0 when every check
held, 1 otherwise; the violations are listed.
"""

import hashlib
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time

SNAP = os.environ["SNAP"]
T0 = 1764000000  # 2025-11-24T16:00:00Z
NAME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}Z$")
VIOLATIONS = []
NODE_FOLDERS = []  # left in a restore target by a stopped restore


def node_folders(top):
    return [os.path.join(d, n) for d, dirs, _ in os.walk(top)
            for n in dirs if n.startswith(".snap-node.")]


def snap_name(t):
    return time.strftime("%Y-%m-%dT%H%M%SZ", time.gmtime(t))


def run(args, now=None, env=None, check=None):
    e = dict(os.environ)
    for k in ("SNAP_TEST_FAULT", "SNAP_TEST_COUNT", "SNAP_TEST_HANG_AFTER",
              "SNAP_TEST_JOURNAL"):
        e.pop(k, None)
    if now is not None:
        e["SNAP_NOW"] = str(now)
    if env:
        e.update(env)
    p = subprocess.run([SNAP] + args, env=e, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    if check is not None and p.returncode not in check:
        raise SystemExit("snap %s: exit %d, expected %s\n%s%s" % (
            " ".join(args), p.returncode, check,
            p.stdout.decode(errors="replace"),
            p.stderr.decode(errors="replace")))
    return p


def write(path, data, mode=None):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    if mode is not None:
        os.chmod(path, mode)


# --- The tree, in four states -------------------------------------------

def state1(s):
    for d in ("a", "b", "c", "d/e"):
        os.makedirs(os.path.join(s, d))
    for i in range(1, 5):
        write(f"{s}/a/f{i}.txt", f"file {i}\n" * i)
    write(f"{s}/a/big.bin", bytes(range(256)) * 300)
    write(f"{s}/b/keep.txt", "kept\n")
    write(f"{s}/b/hard1", "hard\n")
    os.link(f"{s}/b/hard1", f"{s}/c/hard2")
    os.symlink("a/f1.txt", f"{s}/sym")
    os.mkfifo(f"{s}/fifo")
    os.mknod(f"{s}/dev", 0o640 | stat.S_IFCHR, os.makedev(1, 3))
    write(f"{s}/x.txt", "xattr\n")
    os.setxattr(f"{s}/x.txt", "user.tag", b"one")
    write(f"{s}/owned.txt", "owned\n", 0o640)
    os.chown(f"{s}/owned.txt", 1234, 5678)
    write(f"{s}/del.txt", "to delete\n")
    write(f"{s}/move.txt", "to move\n")
    write(f"{s}/d/e/deep.txt", "deep\n")
    os.utime(f"{s}/a/f4.txt", ns=(T0 * 10**9, (T0 - 86400) * 10**9 + 5))


def state2(s):
    write(f"{s}/a/f1.txt", "changed 1\n")
    os.rename(f"{s}/move.txt", f"{s}/b/moved.txt")
    os.chmod(f"{s}/a/f2.txt", 0o600)
    os.chown(f"{s}/a/f3.txt", 1000, 1000)
    os.link(f"{s}/b/hard1", f"{s}/c/hard3")
    os.unlink(f"{s}/del.txt")
    write(f"{s}/a/new1.txt", "new 1\n")
    os.unlink(f"{s}/sym")
    os.symlink("a/f2.txt", f"{s}/sym")
    os.unlink(f"{s}/fifo")
    os.mkfifo(f"{s}/fifo2", 0o600)


def state3(s):
    st = os.stat(f"{s}/a/f4.txt")
    write(f"{s}/a/f4.txt", "FILE 4\n" * 4)  # same size, same mtime
    os.utime(f"{s}/a/f4.txt", ns=(st.st_atime_ns, st.st_mtime_ns))
    shutil.rmtree(f"{s}/d/e")
    os.makedirs(f"{s}/n")
    write(f"{s}/n/copy1.txt", "changed 1\n")  # the content of a/f1.txt
    os.setxattr(f"{s}/x.txt", "user.tag", b"two")
    os.mknod(f"{s}/n/blk", 0o600 | stat.S_IFBLK, os.makedev(7, 200))


def state4(s):
    write(f"{s}/a/new2.txt", "new 2\n")
    write(f"{s}/a/f2.txt", "changed 2\n")
    os.rename(f"{s}/b/moved.txt", f"{s}/n/moved-again.txt")
    os.chmod(f"{s}/b/keep.txt", 0o444)
    os.link(f"{s}/a/f3.txt", f"{s}/n/f3-link")
    os.unlink(f"{s}/c/hard2")
    os.unlink(f"{s}/owned.txt")
    os.mkfifo(f"{s}/n/fifo3")
    os.mknod(f"{s}/n/null", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    os.symlink("../x.txt", f"{s}/n/sym2")
    write(f"{s}/a/big.bin", bytes(range(255, -1, -1)) * 300)


class World:
    """A work folder: src/, root/, dest/ and the configs."""

    def __init__(self, top):
        self.top = top
        self.src = f"{top}/src"
        self.root = f"{top}/root"
        self.dest = f"{top}/dest"
        self.names = [snap_name(T0 + 3600 * i) for i in range(3)]
        self.now = T0 + 3600 * 3
        self.compared = set()

    def conf(self, retain):
        path = f"{self.top}/snap-{retain or 'all'}.yaml"
        if not os.path.exists(path):
            with open(path, "w") as f:
                f.write(f"snapshot_root: {self.root}\nsources:\n"
                        f"  - path: {self.src}\n    dest: src\n")
                if retain:
                    f.write(f"retain: {{last: {retain}}}\n")
        return path

    def build(self):
        """Three snapshots of states 1..3, then state 4 in src."""
        if os.path.lexists(self.top):
            subprocess.run(["rm", "-rf", self.top], check=True)
        self.compared = set()
        os.makedirs(self.src)
        state1(self.src)
        for i, step in enumerate((state2, state3, state4)):
            run(["-c", self.conf(None), "-q", "create"], now=T0 + 3600 * i,
                check=(0,))
            step(self.src)


# --- What a root looks like ----------------------------------------------

def content_hash(path):
    h = hashlib.sha256()
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NOATIME)
    except PermissionError:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        while True:
            b = f.read(1 << 16)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def xattrs(path):
    try:
        names = os.listxattr(path, follow_symlinks=False)
    except OSError:
        return ()
    return tuple(sorted((n, os.getxattr(path, n, follow_symlinks=False))
                        for n in names))


def listing(top):
    """path -> every property that must never change, for a tree."""
    out = {}
    stack = [""]
    while stack:
        rel = stack.pop()
        p = os.path.join(top, rel) if rel else top
        st = os.lstat(p)
        # Reading a symlink or listing a folder moves its atime, whoever
        # does it (rsync, a person browsing): not snap's to keep.
        atime = None if stat.S_ISLNK(st.st_mode) or \
            stat.S_ISDIR(st.st_mode) else st.st_atime_ns
        rec = [stat.S_IFMT(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid,
               st.st_gid, st.st_size, st.st_mtime_ns, atime,
               st.st_ino, st.st_rdev, xattrs(p)]
        if stat.S_ISREG(st.st_mode):
            rec.append(content_hash(p))
        elif stat.S_ISLNK(st.st_mode):
            rec.append(os.readlink(p))
        elif stat.S_ISDIR(st.st_mode):
            fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_NOATIME)
            try:
                names = sorted(os.listdir(fd))
            finally:
                os.close(fd)
            stack.extend(os.path.join(rel, n) for n in names)
        out[rel or "."] = tuple(rec)
    return out


def differences(a, b):
    lines = []
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            lines.append(f"{k}: {a.get(k)} -> {b.get(k)}")
    return lines[:3]


def visible(root):
    """The names under root that are not dot-names, and latest's target."""
    names = sorted(n for n in os.listdir(root) if not n.startswith("."))
    latest = None
    if "latest" in names:
        names.remove("latest")
        latest = os.readlink(f"{root}/latest") \
            if os.path.islink(f"{root}/latest") else "(not a symlink)"
    return names, latest


def rsync_same(a, b, delete=True, extra=()):
    # --open-noatime: reading the snapshot must not move its atimes.
    p = subprocess.run(["rsync", "-aHAXnci", "--numeric-ids",
                        "--open-noatime", "--modify-window=-1"] +
                       (["--delete"] if delete else []) + list(extra) +
                       [a + "/", b + "/"],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode == 0 and not p.stdout.strip(), p.stdout.decode()


def bad(where, what):
    VIOLATIONS.append(f"{where}: {what}")
    print(f"VIOLATION {where}: {what}", flush=True)


# --- The checks ------------------------------------------------------------

def check_root(w, where, before, removable, recovered, verify=True):
    """The invariants of a snapshot root after a stop (or a recovery)."""
    names, latest = visible(w.root)
    for n in names:
        if not NAME_RE.match(n):
            bad(where, f"'{n}' is visible in the root")
            continue
        if not os.path.isfile(f"{w.root}/.snap/manifests/{n}"):
            bad(where, f"snapshot {n} is visible without its manifest")
        if n in before:
            d = differences(before[n], listing(f"{w.root}/{n}"))
            if d:
                bad(where, f"snapshot {n} changed: " + "; ".join(d))
        elif (n, os.lstat(f"{w.root}/{n}").st_ino) not in w.compared:
            # A new snapshot does not change either: compared once.
            w.compared.add((n, os.lstat(f"{w.root}/{n}").st_ino))
            ok, out = rsync_same(w.src, f"{w.root}/{n}/src")
            if not ok:
                bad(where, f"new snapshot {n} is not the source: {out}")
    for n in before:
        if n not in names and n not in removable:
            bad(where, f"snapshot {n} is gone")
    if names and latest not in names:
        bad(where, f"latest is '{latest}', not one of {names}")
    if not names and latest is not None:
        bad(where, f"latest is '{latest}' with no snapshot")
    if recovered:
        for d in ("incomplete", "deleting"):
            left = os.listdir(f"{w.root}/.snap/{d}")
            if left:
                bad(where, f".snap/{d} still holds {left}")
        if names and latest != names[-1]:
            bad(where, f"latest is '{latest}', not the newest {names[-1]}")
        for m in os.listdir(f"{w.root}/.snap/manifests"):
            if m.split(".")[0] not in names:
                bad(where, f"manifest {m} of no snapshot")
        p = run(["-c", w.conf(None), "verify", "--all"]) if verify else None
        if p is not None and p.returncode != 0:
            bad(where, "snap verify --all: exit %d: %s" % (
                p.returncode, (p.stdout + p.stderr).decode()[-600:]))


def file_contents(top):
    """Regular files below top: relative path -> SHA-256."""
    out = {}
    for dirpath, dirs, files in os.walk(top):
        for f in files:
            p = os.path.join(dirpath, f)
            if stat.S_ISREG(os.lstat(p).st_mode):
                out[os.path.relpath(p, top)] = content_hash(p)
    return out


def check_dest(w, where, wanted, old):
    """dest is absent (untouched) or each file there is a whole one."""
    if old is None and not os.path.lexists(w.dest):
        return
    for rel, h in file_contents(w.dest).items():
        if h != wanted.get(rel) and (old is None or h != old.get(rel)):
            bad(where, f"restore target holds '{rel}', which is neither "
                "the snapshot's file nor the one it replaced (partial?)")


# --- The operations ----------------------------------------------------------

class Op:
    """One operation on a freshly built world: what it runs and expects."""

    def __init__(self, name, w):
        self.name, self.w = name, w

    def prepare(self):
        w = self.w
        w.build()
        self.before = {n: listing(f"{w.root}/{n}") for n in w.names}
        self.wanted = self.old = None
        if self.name == "restore-over":
            run(["-c", w.conf(None), "restore", w.names[0], "/", w.dest],
                check=(0,))
            self.old = file_contents(w.dest)
        if self.name.startswith("restore"):
            self.wanted = file_contents(f"{w.root}/{w.names[-1]}")

    def args(self):
        w = self.w
        if self.name == "create":
            return ["-c", w.conf(3), "-q", "create"]
        if self.name == "prune":
            return ["-c", w.conf(2), "-q", "prune"]
        if self.name == "delete":
            return ["-c", w.conf(None), "-q", "delete", "--force",
                    w.names[1], w.names[2]]
        if self.name == "restore":
            return ["-c", w.conf(None), "-q", "restore", w.names[-1], "/",
                    w.dest]
        return ["-c", w.conf(None), "-q", "restore", "--overwrite",
                w.names[-1], "/", w.dest]

    def removable(self):
        w = self.w
        return {"create": {w.names[0]}, "prune": {w.names[0]},
                "delete": {w.names[1], w.names[2]}}.get(self.name, set())

    def stopped(self, where):
        w = self.w
        check_root(w, where, self.before, self.removable(), False)
        if self.wanted is not None:
            check_dest(w, where, self.wanted, self.old)

    def recover(self, where):
        w = self.w
        rem = self.removable()
        if self.name == "create":
            run(self.args(), now=w.now, check=(0,))
            # When the stopped run had made its snapshot, this one makes
            # another and keeps the 3 newest (retain: last 3).
            rem = set(w.names) - set(visible(w.root)[0][-3:])
            if len(visible(w.root)[0]) != 3:
                bad(where, "the rerun kept %s, not the 3 newest" %
                    visible(w.root)[0])
        elif self.name == "prune":
            run(self.args(), check=(0,))
        elif self.name == "delete":
            left = [n for n in visible(w.root)[0] if n in rem]
            if left:
                run(["-c", w.conf(None), "-q", "delete", "--force"] + left,
                    check=(0,))
            else:
                # Any writer finishes a delete that was stopped.
                run(["-c", w.conf(2), "-q", "prune"], check=(0,))
        else:
            run(["-c", w.conf(None), "-q", "restore", "--overwrite",
                 w.names[-1], "/", w.dest], check=(0,))
            # --overwrite leaves the other names in DEST alone, and so
            # the private folders (.snap-node.*) in which a stopped run
            # was making a symlink, FIFO or device: known, and counted.
            NODE_FOLDERS.extend(node_folders(w.dest))
            ok, out = rsync_same(f"{w.root}/{w.names[-1]}", w.dest,
                                 self.name == "restore",
                                 ["--exclude=.snap-node.*"])
            if not ok:
                bad(where, f"restore target after a second restore: {out}")
        names = visible(w.root)[0]
        for n in rem:
            if n in names:
                bad(where, f"snapshot {n} is still there after the rerun")
        check_root(w, where, self.before, rem, True)
        # The next create works on what is left.
        run(["-c", w.conf(None), "-q", "create"], now=w.now + 60,
            check=(0,))
        check_root(w, where + " +create", self.before, rem, True, False)


def stride():
    v = os.environ.get("SNAP_CRASH_STRIDE")
    if v:
        return max(1, int(v))
    return 24 if os.environ.get("SNAP_CRASH_SANITIZED") == "1" else 6


def sweep(op):
    op.prepare()
    p = run(op.args(), now=op.w.now, env={"SNAP_TEST_COUNT": "1"},
            check=(0,))
    m = re.search(rb"the run made (\d+) mutating calls", p.stderr)
    if not m:
        raise SystemExit(f"{op.name}: no count: {p.stderr!r}")
    count = int(m.group(1))
    k = stride()
    points = [n for n in range(1, count + 1) if (n - 1) % k == 0]
    if points[-1] != count:
        points.append(count)
    before = len(VIOLATIONS)
    for n in points:
        where = f"{op.name} stopped at call {n}/{count}"
        op.prepare()
        p = run(op.args(), now=op.w.now,
                env={"SNAP_TEST_FAULT": f"any:{n}:kill"})
        if p.returncode != -signal.SIGKILL:
            bad(where, "exit %d, not killed: %s" % (
                p.returncode, p.stderr.decode()[-400:]))
            continue
        op.stopped(where)
        op.recover(where)
    print(f"{op.name}: {count} mutating calls, stopped at {len(points)} "
          f"of them, {len(VIOLATIONS) - before} violations", flush=True)
    if NODE_FOLDERS:
        print(f"{op.name}: {len(NODE_FOLDERS)} stops left a private "
              "folder .snap-node.* in the restore target", flush=True)
        del NODE_FOLDERS[:]


def kill9(w):
    """A real kill -9 from outside, after 1, 5, 15 and 30 entries."""
    op = Op("create", w)
    before = len(VIOLATIONS)
    points = (1, 5, 15, 30)
    for n in points:
        where = f"create killed with kill -9 after {n} entries"
        op.prepare()
        e = dict(os.environ, SNAP_NOW=str(w.now),
                 SNAP_TEST_HANG_AFTER=str(n))
        proc = subprocess.Popen([SNAP] + op.args(), env=e,
                                stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        # The hook makes create sleep for good once it is there.
        for _ in range(600):
            try:
                with open(f"/proc/{proc.pid}/wchan") as f:
                    wchan = f.read()
            except OSError:
                wchan = ""
            if proc.poll() is not None or "sigsuspend" in wchan or \
                    "pause" in wchan:
                break
            time.sleep(0.05)
        proc.kill()
        proc.wait()
        op.stopped(where)
        op.recover(where)
    print(f"kill9: create killed at {len(points)} points, "
          f"{len(VIOLATIONS) - before} violations", flush=True)


def main():
    scratch, ops = sys.argv[1], sys.argv[2:]
    w = World(f"{scratch}/w")
    for name in ops:
        if name == "kill9":
            kill9(w)
        else:
            sweep(Op(name, w))
    if VIOLATIONS:
        print(f"{len(VIOLATIONS)} violations", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
