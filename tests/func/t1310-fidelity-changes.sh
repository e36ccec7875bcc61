#!/bin/bash
# t1310: change each property at the source, snapshot again: the new
# snapshot is the source, the old one did not move (issue 10).
#
# The tree of t1300 (fidelity.sh) is snapshotted, then every file type has
# each of its properties changed: content (also a same-size edit with the
# mtime put back), owner, group, mode bits (setuid off, sticky off), mtime,
# atime, xattrs in user, trusted and security added, changed and removed,
# access and default ACLs changed and removed, file capabilities changed
# and removed, a hole filled, device numbers, a symlink's target, a type,
# hard links broken, made, made across sources and made between two
# files that were separate, a cp -p duplicate of a stored file, inode
# flags set and cleared.
# Proves: the second snapshot equals the source (rsync -aHAXnci
# --numeric-ids, stat listing without atimes, the atime of every inode the
# run stored, getfattr dump, lsattr flags, holes); every changed file is a
# new inode and every unchanged one is linked to the first snapshot; the
# first snapshot, its inodes, their metadata, atimes, xattrs, flags and
# content are exactly as before, and a restore of it still gives the
# source as it was.
# A file whose only change is its atime may be linked to the earlier
# inode (the atime it had when first stored): only the atimes of inodes
# the second run stored are compared.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=fidelity.sh
. "$(dirname "$0")/fidelity.sh"

fidelity_setup
S=$IN/src
S2=$IN/src2
make_fidelity_tree "$S" "$S2"
ROOT=$FS/root
fidelity_config "$ROOT"
fid_state "$IN" "$SCRATCH/source1"
run_snap create
expect_status "$(fid_create_status)"
N1=$(newest_snapshot "$ROOT")
check_snapshot "$ROOT" "$N1"
# Link counts left out: the next snapshot links to these inodes.
FID_NLINK=no fid_state "$ROOT/$N1" "$SCRATCH/n1-before"
remember_history "$N1"

say "changing every property"
# Regular files whose stored inode must be replaced.
changed=()
# chg PATH: PATH (below src) changed; its content or metadata differ now.
chg() {
	changed+=("$1")
}
echo "new content" >>"$S/reg/plain" && chg reg/plain
# Same size, mtime put back: only ctime tells.
old_mtime=$(stat -c %y "$S/reg/random")
printf 'XXXX' | dd of="$S/reg/random" bs=1 seek=100 conv=notrunc status=none
touch -d "$old_mtime" "$S/reg/random" && chg reg/random
chown 4343:4242 "$S/reg/owner-unnamed" && chg reg/owner-unnamed
chgrp 4343 "$S/reg/owner-nobody" && chg reg/owner-nobody
chmod 0604 "$S/reg/mode-0640" && chg reg/mode-0640
chmod u-s "$S/reg/mode-4755" && chg reg/mode-4755
chmod -t "$S/reg/mode-1644" && chg reg/mode-1644
chmod 0644 "$S/reg/mode-0000" && chg reg/mode-0000
touch -m -d '2012-12-12 12:12:12.121212121 UTC' "$S/reg/empty" && chg reg/empty
touch -a -d '2013-03-03 03:03:03.030303030 UTC' "$S/reg/mode-0400"
setfattr -n user.text -v changed "$S/reg/xattr-user"
setfattr -x user.empty "$S/reg/xattr-user"
setfattr -n user.added -v added "$S/reg/xattr-user" && chg reg/xattr-user
setfattr -n trusted.t -v changed "$S/reg/xattr-trusted" && chg reg/xattr-trusted
setfattr -x security.fidelity "$S/reg/xattr-security" && chg reg/xattr-security
setfattr -n user.new -v new "$S/reg/mode-0755" && chg reg/mode-0755
setfacl -b "$S/reg/acl" && chg reg/acl
setfacl -m u:1000:rw "$S/reg/acl-owned" && chg reg/acl-owned
setfacl -m u:4242:r "$S/reg/mode-7777" && chg reg/mode-7777
if [ "$FID_CAPS" = yes ]; then
	setcap -r "$S/reg/cap" && chg reg/cap
	setcap 'cap_sys_time+ep' "$S/reg/cap-owned" && chg reg/cap-owned
	setcap 'cap_chown+ep' "$S/reg/mode-6711" && chg reg/mode-6711
fi
printf 'filled' | dd of="$S/reg/hole-middle" bs=4096 seek=10 conv=notrunc status=none &&
	chg reg/hole-middle

mkdir "$S/dir/new-dir"
chown 4343:4242 "$S/dir/owner-unnamed"
chmod -t "$S/dir/mode-1777"
chmod 0750 "$S/dir/mode-0755"
setfattr -n user.dir -v changed "$S/dir/xattr-user"
setfattr -x trusted.dir "$S/dir/xattr-trusted"
setfattr -n security.dir -v changed "$S/dir/xattr-security"
setfacl -m u:4343:rwx "$S/dir/acl-access"
setfacl -k "$S/dir/acl-default"
setfacl -d -m u:1000:rx "$S/dir/acl-both"
setfacl -d -m u:65534:rwx "$S/dir/plain"
touch -d '2014-04-04 04:04:04.040404040 UTC' "$S/dir/empty"
touch -a -d '2015-05-05 05:05:05.050505050 UTC' "$S/dir/mode-0700"

chown -h 4343:4242 "$S/sym/owner-unnamed"
rm "$S/sym/plain" && ln -s ../reg/empty "$S/sym/plain"
touch -h -d '2016-06-06 06:06:06.060606060 UTC' "$S/sym/dangling"
setfattr -h -n trusted.sym -v changed "$S/sym/xattr-trusted"
setfattr -h -x security.sym "$S/sym/xattr-security"

for t in fifo sock chr blk; do
	chown 4343:4242 "$S/$t/owner-unnamed"
	chmod 0600 "$S/$t/plain"
	chmod -s "$S/$t/mode-7640"
	setfattr -n trusted.node -v changed "$S/$t/xattr-trusted"
	setfattr -x security.node "$S/$t/xattr-security"
	setfacl -m u:4242:-,u:1000:rw "$S/$t/acl"
	touch -h -d '2017-07-07 07:07:07.070707070 UTC' "$S/$t/plain"
done
rm "$S/chr/other-number" && mknod "$S/chr/other-number" c 4 65
rm "$S/blk/other-number" && mknod "$S/blk/other-number" b 259 8
rm "$S/fifo/plain" && echo "was a FIFO" >"$S/fifo/plain" && chg fifo/plain

say "changing hard links"
# A pair broken: pair-b becomes a copy of its own (same content, mode).
rm "$S/links/one/pair-b" && cp -p "$S/links/one/pair-a" "$S/links/one/pair-b"
chg links/one/pair-b
# Two separate files tied together.
rm "$S/links/one/dup-b" && ln "$S/links/one/dup-a" "$S/links/one/dup-b"
chg links/one/dup-b
# A new name for an unchanged file, across folders and across sources.
ln "$S/reg/hole-only" "$S/links/two/hole-only-link"
ln "$S/dir/plain/sub/file" "$S2/sub-file-link"
# A new separate file equal in content and metadata to an unchanged one
# (cp -p): it must not become a second name of the stored inode.
cp -p "$S/dir/mode-0755/file" "$S/dir/mode-0755/file-copy"
cp -a "$S/reg/xattr-trusted" "$S/dir/plain/xattr-trusted-copy"
# One name of a group gets a new xattr: the whole group changes.
setfattr -n user.linked -v changed "$S/links/two/owned-b"
chg links/one/owned-a
chg links/two/owned-b
# Specials: one FIFO name removed, a device name added.
rm "$S/links/two/fifo-b"
ln "$S/links/chr-a" "$S/links/two/chr-c"

if [ "$FID_FLAGS" = yes ]; then
	say "changing inode flags"
	chattr -a "$S/flags/append"
	chattr -i "$S/flags/immutable"
	chattr +A "$S/flags/nodump"
	chattr -d "$S/flags/nodump-dir"
fi

fid_state "$IN" "$SCRATCH/source2"
run_snap create
fid_check "second create exits $(fid_create_status) (only the inode flags warning)" \
	expect_status_ok "$(fid_create_status)"
N2=$(newest_snapshot "$ROOT")
[ "$N2" != "$N1" ] || fail "the second create made no snapshot"
check_snapshot "$ROOT" "$N2"

say "the first snapshot did not move"
FID_NLINK=no fid_state "$ROOT/$N1" "$SCRATCH/n1-after"
fid_compare_states "first snapshot before and after" \
	"$SCRATCH/n1-before" "$SCRATCH/n1-after"
fid_check "first snapshot: inodes, metadata and content (history_listing)" \
	history_unchanged_ok "$N1"

say "the second snapshot is the source as it is"
# Without atimes (an inode linked from the first snapshot keeps the atime
# it had when it was stored) and link counts (it has a name in each).
fid_state_no_atime() {
	local keep=$FID_ATIME
	FID_ATIME=no
	FID_NLINK=no fid_state "$@"
	FID_ATIME=$keep
}
fid_state_no_atime "$IN" "$SCRATCH/source2-noatime"
fid_state_no_atime "$ROOT/$N2" "$SCRATCH/n2-noatime"
fid_compare_states "second snapshot" "$SCRATCH/source2-noatime" \
	"$SCRATCH/n2-noatime" copy
for d in src src2; do
	fid_check "second snapshot: rsync -aHAXnci --numeric-ids $d" \
		rsync_same "$IN/$d" "$ROOT/$N2/$d"
done

# new_inode_atimes SNAPDIR DIR: "path atime" of each entry below DIR whose
# path in SNAPDIR is an inode the first snapshot does not have.
new_inode_atimes() {
	local old=$SCRATCH/n1-inodes
	(cd "$ROOT/$N1" && find . -printf '%i\n' | sort -u) >"$old"
	(cd "$1" && find . -mindepth 1 -printf '%i %p\n') | LC_ALL=C sort -k2 |
		while read -r ino p; do
			grep -qx "$ino" "$old" && continue
			printf '%s %s\n' "$p" "$(TZ=UTC stat -c %x -- "$2/$p")"
		done
}
if [ "$FID_ATIME" = yes ]; then
	new_inode_atimes "$ROOT/$N2" "$IN" >"$SCRATCH/atimes.source"
	new_inode_atimes "$ROOT/$N2" "$ROOT/$N2" >"$SCRATCH/atimes.n2"
	fid_check "second snapshot: ns atimes of the inodes it stored" \
		same_listing atime "$SCRATCH/atimes.source" "$SCRATCH/atimes.n2"
fi

say "changed files are new inodes, unchanged ones are linked"
# links_as_expected: prints each regular file that was wrongly linked or
# wrongly copied; returns 1 if any.
links_as_expected() {
	local p c is rc=0 a b
	while IFS= read -r -d '' p; do
		is=no
		for c in "${changed[@]}"; do
			[ "$c" != "$p" ] || is=yes
		done
		# Its atime alone changed: linking or copying are both right.
		[ "$p" != reg/mode-0400 ] || continue
		[ -e "$ROOT/$N1/src/$p" ] || continue
		[ -f "$ROOT/$N1/src/$p" ] && [ ! -L "$ROOT/$N1/src/$p" ] || is=yes
		a=$(inode "$ROOT/$N1/src/$p")
		b=$(inode "$ROOT/$N2/src/$p")
		if [ "$is" = yes ] && [ "$a" = "$b" ]; then
			echo "    changed but linked to the first snapshot: $p"
			rc=1
		elif [ "$is" = no ] && [ "$a" != "$b" ]; then
			echo "    unchanged but not linked to the first snapshot: $p"
			rc=1
		fi
	done < <(regular_files "$S")
	return "$rc"
}
fid_check "second snapshot: changed files copied, unchanged linked" links_as_expected

say "a restore of the first snapshot is still the source as it was"
run_snap restore "$N1" / "$FS/restored1"
fid_check "restore of the first snapshot exits 0" expect_status_ok 0
fid_state "$FS/restored1" "$SCRATCH/restored1"
fid_compare_states "restore of the first snapshot" "$SCRATCH/source1" \
	"$SCRATCH/restored1" copy

fid_finish
