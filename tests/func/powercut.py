#!/usr/bin/env python3
"""powercut.py: a power cut at every sync point of snap, and its promises.

Usage: powercut.py SCRATCH OP...   (OP: create prune delete restore
                                    restore-over)

A crash (crash.py) stops the process and keeps the page cache; a power
cut also loses what was written but not yet made durable.  There is no
device-mapper here to log the block writes, so the state a cut leaves
is worked out in user space, from a journal of the calls snap made
(SNAP_TEST_JOURNAL=FILE: one line per call through struct sys_ops; its
format is in src/sys_fault.h), under this model of ext4 with
data=ordered and delayed allocation, the one ALICE (Pillai et al., OSDI
2014) uses:

  - metadata persists in program order: names (create, link, unlink,
    rename, mkdir, symlink, mknod) and inode attributes (owner, mode,
    times, xattrs, a truncation to zero) go to the journal one after
    the other, so a cut keeps a prefix of them.  A stop at call N
    (SNAP_TEST_FAULT=any:N:kill) leaves exactly the prefix 1 .. N-1;
  - file content does not: a file's bytes (write, pwrite,
    copy_file_range, FICLONE, ftruncate) are durable only once an fsync
    of that file or a syncfs of its filesystem came after them.  A file
    whose content changed since then keeps, after the cut, its last
    durable content, modelled as its size at that time (0 for a file
    made in the run and never synced: delayed allocation had not given
    it blocks yet, so ext4 brings it back empty).  Its times, owner,
    mode and xattrs stay (they are metadata).

So the state after a cut at call N is: stop at N, then cut every file
with content that is not durable at N back to its durable size.  The
cut points are the sync points, where durability changes: just before
and just after each fsync, syncfs and rename (just before one, the
most is at stake; just after a rename, its new name points at what was
synced before it), and after the run has ended (what a successful run
leaves to the page cache).  The stricter model in which a name made
since the last fsync of its folder may be lost on its own is not
simulated: ext4's journal commits names in order, and an unlink or a
rename over a name cannot be undone in user space.

After each cut it checks what crash.py checks after a stop (every
earlier snapshot unchanged, one being removed whole or gone, no partial
tree visible, latest on a complete snapshot, a restore target untouched
or holding only whole files), then that the next run and snap verify
--all succeed, with crash.py's own code.

Since names persist in order, a cut between two sync points leaves
one of the states a stop at a call between them leaves, with the same
content lost; SNAP_POWERCUT_POINTS=all cuts before every call (and
after the run) to check that no state between sync points is worse
(scripts/powercut-all.sh).

Environment: SNAP (the binary); SNAP_POWERCUT_STRIDE=K cuts at every
Kth cut point only (always the last); the default is 1, or 4 under
sanitizers (SNAP_CRASH_SANITIZED=1); SNAP_POWERCUT_POINTS=all.  Exit status 0 when every check
held, 1 otherwise; the violations are listed.
"""

import os
import re
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash  # noqa: E402  (the tree, the operations and the checks)

SYNC_KINDS = ("fsync", "fdatasync", "syncfs", "renameat")
DATA_KINDS = ("write", "pwrite", "copy_file_range", "ficlone", "ftruncate")


def read_journal(path):
    """The journal's calls: (n, kind, ret, dev, ino, before, after)."""
    calls = []
    if not os.path.exists(path):
        return calls
    with open(path) as f:
        for line in f:
            p = line.split()
            if len(p) != 7:
                raise SystemExit(f"{path}: a line cut short: {line!r}")
            calls.append((int(p[0]), p[1], int(p[2]), int(p[3]),
                          int(p[4]), int(p[5]), int(p[6])))
    return calls


def lost_content(calls):
    """(dev, ino) -> the durable size of each file whose content is not
    durable after the calls of the journal, under the model above."""
    durable, size, dirty = {}, {}, set()
    for n, kind, ret, dev, ino, before, after in calls:
        key = (dev, ino)
        if kind == "syncfs" and ret == 0:
            for k in [k for k in dirty if k[0] == dev]:
                durable[k] = size[k]
                dirty.discard(k)
        elif dev == 0 or after < 0:
            continue
        elif kind == "openat":
            # Made or emptied by O_CREAT / O_TRUNC / O_TMPFILE: that
            # much is metadata, in order.
            size[key] = after
            if key not in dirty or after == 0:
                durable[key] = after
        elif kind in DATA_KINDS:
            if key not in durable:
                durable[key] = max(before, 0)  # as it was before the run
            size[key] = after
            dirty.add(key)
        elif kind in ("fsync", "fdatasync") and ret == 0 and key in size:
            size[key] = after
            durable[key] = after
            dirty.discard(key)
    return {k: durable[k] for k in dirty}


def inodes_below(tops):
    """(dev, ino) -> paths of the regular files below tops."""
    out = {}
    for top in tops:
        if not os.path.isdir(top):
            continue
        for dirpath, dirs, files in os.walk(top):
            for f in files:
                p = os.path.join(dirpath, f)
                st = os.lstat(p)
                if stat.S_ISREG(st.st_mode):
                    out.setdefault((st.st_dev, st.st_ino), []).append(p)
    return out


def cut(w, journal):
    """Applies the model to the world after a stop: every file whose
    content was not durable gets its durable size back, its times kept.
    Returns how many files lost content."""
    lost = lost_content(read_journal(journal))
    if not lost:
        return 0
    files = inodes_below([w.root, w.dest])
    n = 0
    for key, keep in lost.items():
        for p in files.get(key, [])[:1]:
            st = os.lstat(p)
            if st.st_size > keep:
                os.truncate(p, keep)
                os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns),
                         follow_symlinks=False)
                n += 1
    return n


def stride():
    v = os.environ.get("SNAP_POWERCUT_STRIDE")
    if v:
        return max(1, int(v))
    return 4 if os.environ.get("SNAP_CRASH_SANITIZED") == "1" else 1


def cut_points(calls, count):
    """The calls to stop at (count + 1: after the run), with a label."""
    points = {}
    every = os.environ.get("SNAP_POWERCUT_POINTS") == "all"
    for n, kind, *_ in calls:
        if every:
            points[n] = f"before call {n} ({kind})"
        elif kind in SYNC_KINDS:
            points.setdefault(n, f"before call {n} ({kind})")
            if n + 1 <= count:
                points.setdefault(n + 1, f"after call {n} ({kind})")
    points[count + 1] = "after the run"
    return sorted(points.items())


def sweep(op, scratch):
    journal = f"{scratch}/journal"
    op.prepare()
    if os.path.exists(journal):
        os.unlink(journal)
    crash.run(op.args(), now=op.w.now, env={"SNAP_TEST_JOURNAL": journal},
              check=(0,))
    calls = read_journal(journal)
    count = len(calls)
    if count == 0 or calls[-1][0] != count:
        raise SystemExit(f"{op.name}: a journal of {count} calls that "
                         f"does not end at call {count}")
    syncs = sum(1 for c in calls if c[1] in SYNC_KINDS)
    points = cut_points(calls, count)
    k = stride()
    chosen = [p for i, p in enumerate(points)
              if i % k == 0 or i == len(points) - 1]
    before = len(crash.VIOLATIONS)
    losing = broken = 0
    for n, label in chosen:
        seen = len(crash.VIOLATIONS)
        where = f"{op.name} cut {label}/{count}"
        op.prepare()
        os.unlink(journal)
        env = {"SNAP_TEST_JOURNAL": journal}
        if n <= count:
            env["SNAP_TEST_FAULT"] = f"any:{n}:kill"
        p = crash.run(op.args(), now=op.w.now, env=env)
        if n <= count and p.returncode != -signal.SIGKILL:
            crash.bad(where, "exit %d, not killed: %s" % (
                p.returncode, p.stderr.decode()[-400:]))
            continue
        if n > count and p.returncode != 0:
            crash.bad(where, "exit %d: %s" % (
                p.returncode, p.stderr.decode()[-400:]))
            continue
        if cut(op.w, journal) > 0:
            losing += 1
        try:
            op.stopped(where)
            op.recover(where)
        except SystemExit as e:  # a rerun that failed: crash.run says so
            crash.bad(where, f"the next run failed: {e}")
        broken += len(crash.VIOLATIONS) > seen
    print(f"{op.name}: {count} mutating calls, {syncs} sync points, "
          f"{len(points)} cut points, cut at {len(chosen)} "
          f"({losing} lost content), "
          f"{len(crash.VIOLATIONS) - before} violations at {broken} cuts",
          flush=True)
    if crash.NODE_FOLDERS:
        print(f"{op.name}: {len(crash.NODE_FOLDERS)} cuts left a private "
              "folder .snap-node.* in the restore target", flush=True)
        del crash.NODE_FOLDERS[:]


def main():
    scratch, ops = sys.argv[1], sys.argv[2:]
    w = crash.World(f"{scratch}/w")
    for name in ops:
        if not re.match(r"^(create|prune|delete|restore|restore-over)$",
                        name):
            raise SystemExit(f"unknown operation '{name}'")
        sweep(crash.Op(name, w), scratch)
    if crash.VIOLATIONS:
        print(f"{len(crash.VIOLATIONS)} violations", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
