#!/bin/bash
# t1300: a snapshot, and a restore of it, is its source exactly (issue 10).
#
# Two sources hold every file type (regular, folder, symlink, FIFO, socket,
# character and block device) with every property: owner and group by
# number (also ids with no passwd entry), modes with setuid, setgid and
# sticky, mtime and atime in ns, xattrs in user, trusted and security,
# access and default ACLs, file capabilities, hard links within a folder,
# across folders, across the two sources and of specials, holes, inode
# flags (see fidelity.sh).  All of it lives on an ext4 image mounted
# noatime, so no look moves an atime.
# Proves: the snapshot and a restore of the whole snapshot each equal the
# sources under rsync -aHAXnci --numeric-ids, a stat listing (ns atime and
# mtime, link counts, which names share an inode), a getfattr dump of every
# xattr, lsattr flags and allocated blocks of sparse files; create exits 0
# without a warning, verify finds nothing, diff --source lists nothing, and
# reading the sources moved nothing in them.
# Every difference is printed; the test fails if there is any.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=fidelity.sh
. "$(dirname "$0")/fidelity.sh"

fidelity_setup
make_fidelity_tree "$IN/src" "$IN/src2"
ROOT=$FS/root
fidelity_config "$ROOT"
fid_state "$IN" "$SCRATCH/source"

say "snapshot"
run_snap create
fid_check "create exits $(fid_create_status) (only the inode flags warning)" \
	expect_status_ok "$(fid_create_status)"
fid_check "create names the inode flags it does not keep, once" fid_flags_warned
N=$(newest_snapshot "$ROOT")
[ -n "$N" ] || fail "create made no snapshot"
check_snapshot "$ROOT" "$N"
fid_compare snapshot "$SCRATCH/source" "$ROOT/$N"

say "verify and diff --source see the snapshot as the source"
run_snap verify "$N"
fid_check "verify finds nothing" expect_status_ok 0
run_snap diff "$N" --source
fid_check "diff --source exits 0" expect_status_ok 0
fid_check "diff --source lists no change" empty_file "$OUT"

say "the sources did not move"
fid_state "$IN" "$SCRATCH/source-after"
fid_compare_states "source after create" "$SCRATCH/source" "$SCRATCH/source-after"

say "restore of the whole snapshot"
RESTORED=$FS/restored
run_snap restore "$N" / "$RESTORED"
fid_check "restore exits 0" expect_status_ok 0
fid_compare restore "$SCRATCH/source" "$RESTORED"

fid_finish
