#!/bin/bash
# t1330: a snapshot root or restore target that refuses xattrs and ACLs
# (issue 10, point 8).
#
# The source (on an ext4 image) has files and a folder with xattrs in
# user, trusted and security and an access ACL.  The snapshot root is on
# ramfs, which refuses every xattr (ACLs included); a tmpfs is probed for
# user.* and an ext4 image mounted nouser_xattr is used where the kernel
# still has that option.
# Proves: create names each refused xattr or ACL as a warning (exit 3,
# warning count in the summary), everything else equals the source
# (rsync -aHnci --numeric-ids, stat listing without atimes); verify finds
# the snapshot undamaged (the manifest records what was stored); the next
# create tries again and warns again; a restore into ramfs warns the same
# way, exit 3, and restores everything else.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=fidelity.sh
. "$(dirname "$0")/fidelity.sh"

fidelity_setup
S=$IN/src
mkdir -p "$S/xattr-dir" "$IN/src2"
echo plain >"$S/plain"
echo user >"$S/xattr-user"
setfattr -n user.refused -v value "$S/xattr-user"
echo trusted >"$S/xattr-trusted"
setfattr -n trusted.refused -v value "$S/xattr-trusted"
echo security >"$S/xattr-security"
setfattr -n security.refused -v value "$S/xattr-security"
echo acl >"$S/acl"
setfacl -m u:4242:rw "$S/acl"
setfattr -n user.refused -v folder "$S/xattr-dir"
echo inside >"$S/xattr-dir/file"
echo two >"$IN/src2/two"
set_times "$S" "$IN/src2"
REFUSED=(xattr-user xattr-trusted xattr-security acl xattr-dir)

# warns_each FILE: FILE (stderr of a run) has a warning line naming each
# of the REFUSED entries; prints the missing ones.
warns_each() {
	local n rc=0
	for n in "${REFUSED[@]}"; do
		grep -E "warning.*$n" "$1" >/dev/null || {
			echo "    no warning names '$n'"
			rc=1
		}
	done
	return "$rc"
}

same_inode_ok() {
	[ "$(stat -c %i "$1")" = "$(stat -c %i "$2")" ]
}

# same_without_xattrs WHAT SRC COPY: equal but for xattrs and atimes.
same_without_xattrs() {
	local what=$1
	fid_check "$what: rsync -aHnci --numeric-ids" rsync_same --no-xattrs "$2" "$3"
	ENTRIES_TOP=no
	fidelity_listing -T "$2" >"$SCRATCH/nox.a"
	fidelity_listing -T "$3" >"$SCRATCH/nox.b"
	ENTRIES_TOP=yes
	fid_check "$what: stat listing without atimes" \
		same_listing stat "$SCRATCH/nox.a" "$SCRATCH/nox.b"
}

# refusing_root WHAT ROOT: snapshots into ROOT (on a filesystem that
# refuses the xattrs of REFUSED) twice, and verifies.
refusing_root() {
	local what=$1 n1
	ROOT=$2
	fidelity_config "$ROOT"
	run_snap create
	fid_check "$what: create exits 3 (warnings)" expect_status_ok 3
	fid_check "$what: create warns about each refused xattr or ACL" warns_each "$ERR"
	fid_check "$what: the summary counts the warnings" \
		summary_has_warnings "$OUT"
	n1=$(newest_snapshot "$ROOT")
	[ -n "$n1" ] || fail "$what: create made no snapshot"
	same_without_xattrs "$what: snapshot src" "$S" "$ROOT/$n1/src"
	same_without_xattrs "$what: snapshot src2" "$IN/src2" "$ROOT/$n1/src2"
	run_snap verify "$n1"
	fid_check "$what: verify finds the snapshot undamaged" expect_status_ok 0
	SNAP_NOW=$(($(date +%s) + 3600)) run_snap create
	fid_check "$what: the next create exits 3 again" expect_status_ok 3
	# A stored copy is what this target can hold: the next run links it
	# as it is (its record says what it has) and names only what it
	# stores anew (the folders).
	fid_check "$what: the next create links the stored copies" \
		same_inode_ok "$ROOT/$n1/src/xattr-user" \
		"$ROOT/$(newest_snapshot "$ROOT")/src/xattr-user"
	run_snap verify --all
	fid_check "$what: verify --all after two runs" expect_status_ok 0
}

say "snapshot root on ramfs"
mkdir "$SCRATCH/ramfs"
if mount -t ramfs ramfs "$SCRATCH/ramfs"; then
	chmod 0755 "$SCRATCH/ramfs"
	refusing_root ramfs "$SCRATCH/ramfs/root"

	say "restore into ramfs"
	ROOT=$FS/root
	fidelity_config "$ROOT"
	run_snap create
	expect_status 0
	N=$(newest_snapshot "$ROOT")
	run_snap restore "$N" src "$SCRATCH/ramfs/restored"
	fid_check "restore into ramfs exits 3 (warnings)" expect_status_ok 3
	fid_check "restore into ramfs warns about each refused xattr or ACL" \
		warns_each "$ERR"
	same_without_xattrs "restore into ramfs" "$S" "$SCRATCH/ramfs/restored"
else
	say "cannot mount ramfs here: that part is not tested"
fi

say "tmpfs and user.*"
mkdir "$SCRATCH/tmpfs"
if mount -t tmpfs -o size=20m tmpfs "$SCRATCH/tmpfs"; then
	if xattrs_work "$SCRATCH/tmpfs"; then
		say "tmpfs keeps user.* xattrs on this kernel: nothing to refuse there"
	else
		REFUSED=(xattr-user xattr-dir)
		refusing_root tmpfs "$SCRATCH/tmpfs/root"
	fi
fi

say "ext4 mounted nouser_xattr"
REFUSED=(xattr-user xattr-dir)
if mount_loop_ext4 "$SCRATCH/nouser" 64 nouser_xattr; then
	refusing_root "ext4 nouser_xattr" "$SCRATCH/nouser/root"
else
	say "this kernel has no nouser_xattr for ext4: that part is not tested"
fi

fid_finish
