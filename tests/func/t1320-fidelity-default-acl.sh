#!/bin/bash
# t1320: a default ACL on the folder above the snapshot root or above a
# restore target is not inherited by what snap makes (issue 10).
#
# Both parents carry a default ACL that would give user 4242 and group 4343
# rwx on every new inode (and other rwx).  The source holds a file, a
# file with an ACL of its own, a folder, a folder with a default ACL, a
# symlink, a FIFO, a socket and a device node, none of them inheriting.
# Proves: the snapshot root snap creates is 0700 with no ACL, nothing in
# .snap has an ACL; the snapshot equals the source (rsync -aHAXnci
# --numeric-ids, getfattr dump, stat listing), also when the root was made
# beforehand by an admin under that parent (so it has the default ACL
# itself); a restore of the source folder, and of a single file, into a
# target under such a parent equal the source, the target folder itself
# included (no ACL entry the source did not have).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=fidelity.sh
. "$(dirname "$0")/fidelity.sh"

fidelity_setup
acls_work "$FS" || skip "POSIX ACLs do not work on $FS"
S=$IN/src
mkdir -p "$S/folder/sub" "$S/acl-folder" "$IN/src2"
echo file >"$S/file"
chmod 0600 "$S/file"
echo acl >"$S/acl-file"
setfacl -m u:1000:r "$S/acl-file"
echo deep >"$S/folder/sub/deep"
chmod 0750 "$S/folder"
setfacl -d -m u:1000:rx "$S/acl-folder"
ln -s file "$S/symlink"
mkfifo -m 0600 "$S/fifo"
mksock "$S/socket"
mknod -m 0600 "$S/device" c 1 3
echo two >"$IN/src2/two"
set_times "$S" "$IN/src2"
fid_state "$IN" "$SCRATCH/source"

# inheriting_parent DIR: DIR with a default ACL granting rwx to others.
inheriting_parent() {
	mkdir -p "$1"
	setfacl -m u:4242:rwx,g:4343:rwx "$1"
	setfacl -d -m u::rwx,g::rwx,o::rwx,u:4242:rwx,g:4343:rwx "$1"
}

# no_acl_below DIR: no entry below and including DIR has an ACL; prints
# the ones that do.
no_acl_below() {
	local out=$SCRATCH/acls.out
	getfattr -R -h -m '^system\.posix_acl' -d --absolute-names -- "$1" 2>/dev/null |
		grep -v '^$' >"$out" || true
	if [ -s "$out" ]; then
		sed 's/^/    acl: /' "$out"
		return 1
	fi
}

# mode_is PATH MODE
mode_is() {
	local m
	m=$(stat -c %a "$1")
	[ "$m" = "$2" ] || {
		echo "    $1 has mode $m, expected $2"
		return 1
	}
}

say "snap makes the root under a parent with a default ACL"
inheriting_parent "$FS/parent"
ROOT=$FS/parent/root
fidelity_config "$ROOT"
run_snap create
fid_check "create exits 0" expect_status_ok 0
N=$(newest_snapshot "$ROOT")
[ -n "$N" ] || fail "create made no snapshot"
fid_check "the root is 0700" mode_is "$ROOT" 700
fid_check "no ACL on the root, .snap or anything in them" no_acl_below "$ROOT/.snap"
fid_check "no ACL on the root itself" no_acl_below_top "$ROOT"
fid_compare "snapshot under a default ACL" "$SCRATCH/source" "$ROOT/$N"

say "the root was made beforehand under that parent"
ROOT2=$FS/parent/made-by-admin
mkdir "$ROOT2"
chmod 0700 "$ROOT2"
fidelity_config "$ROOT2"
run_snap create
fid_check "create in a root with a default ACL exits 0" expect_status_ok 0
N2=$(newest_snapshot "$ROOT2")
[ -n "$N2" ] || fail "create made no snapshot in $ROOT2"
fid_check "no ACL on anything in .snap of a root with a default ACL" \
	no_acl_below "$ROOT2/.snap"
fid_compare "snapshot in a root with a default ACL" "$SCRATCH/source" "$ROOT2/$N2"

say "restore into a target under a parent with a default ACL"
inheriting_parent "$FS/restore-parent"
fidelity_config "$ROOT"
run_snap restore "$N" src "$FS/restore-parent/out"
fid_check "restore exits 0" expect_status_ok 0
fid_check "restore under a default ACL: rsync -aHAXnci --numeric-ids" \
	rsync_same "$S" "$FS/restore-parent/out"
fid_state "$S" "$SCRATCH/src-only"
fid_state "$FS/restore-parent/out" "$SCRATCH/restored"
fid_compare_states "restore under a default ACL" "$SCRATCH/src-only" "$SCRATCH/restored"
fid_check "restore under a default ACL: the target folder has no ACL" \
	no_acl_below_top "$FS/restore-parent/out"

run_snap restore "$N" src/file "$FS/restore-parent/one-file"
fid_check "restore of one file exits 0" expect_status_ok 0
fid_check "one restored file has no ACL" no_acl_below "$FS/restore-parent/one-file"
fid_check "one restored file has its mode" mode_is "$FS/restore-parent/one-file" 600

fid_finish
