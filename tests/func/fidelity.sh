# shellcheck shell=bash
# fidelity.sh: the source tree and the checks of the fidelity tests
# (t13xx, issue 10).  Sourced after lib.sh:
#
#	. "$(dirname "$0")/fidelity.sh"
#
#	fidelity_setup			root, tools, $FS (ext4, noatime), $IN
#	make_fidelity_tree SRC SRC2	every file type with every property
#	fidelity_config			$CONFIG: SRC as "src", SRC2 as "src2"
#	fid_check WHAT CMD...		runs CMD; a failure is recorded, not fatal
#	fid_compare WHAT A B		every comparison of B against A
#	fid_finish			fails if any check failed, listing them
#
# Entries are named TYPE/PROPERTY (reg/, dir/, sym/, fifo/, sock/, chr/,
# blk/, links/, flags/), so a difference names the file type and the
# property it is about.

# The inode flags chattr can set and lsattr shows on this filesystem.
FID_FLAGS=no
FID_CAPS=no
FID_ATIME=yes
FID_FAILED=()

# fidelity_setup: needs root and the tools; makes $FS, a filesystem on which
# reads never move atimes (an ext4 image mounted noatime, else a tmpfs
# mounted noatime, else the scratch folder with atimes left out), and $IN,
# the folder that holds the two sources.
fidelity_setup() {
	require_root "owners, device nodes, trusted.* xattrs, mounts"
	require_cmd rsync getfattr setfattr setfacl getfacl mknod mkfifo python3 stat
	FS=$SCRATCH/fs
	if mount_loop_ext4 "$FS" 200; then
		say "working on an ext4 image mounted noatime"
	elif mkdir -p "$FS" && mount -t tmpfs -o noatime,size=200m tmpfs "$FS"; then
		say "working on a tmpfs mounted noatime"
	else
		say "working in the scratch folder: atimes are not compared"
		FID_ATIME=no
	fi
	if command -v chattr >/dev/null && command -v lsattr >/dev/null; then
		: >"$FS/.flag-probe"
		if chattr +A "$FS/.flag-probe" 2>/dev/null &&
			lsattr -d "$FS/.flag-probe" | awk '{ print $1 }' | grep -q A; then
			FID_FLAGS=yes
		fi
		chattr -A "$FS/.flag-probe" 2>/dev/null || true
		rm -f "$FS/.flag-probe"
	fi
	[ "$FID_FLAGS" = yes ] || say "chattr does not work here: inode flags are not tested"
	if command -v setcap >/dev/null && command -v getcap >/dev/null; then
		FID_CAPS=yes
	else
		say "no setcap (package libcap2-bin): file capabilities are not tested"
	fi
	IN=$FS/in
	mkdir -p "$IN"
}

# mksock PATH...: a Unix socket bound at each PATH (then closed).
mksock() {
	"$PYTHON3" -c 'import socket, sys
for p in sys.argv[1:]:
    socket.socket(socket.AF_UNIX).bind(p)' "$@"
}

# set_times DIR...: every entry below and including each DIR gets an mtime
# and an atime of its own, with ns, children before their folder.
set_times() {
	"$PYTHON3" -c 'import os, sys
i = 0
for top in sys.argv[1:]:
    for d, dirs, files in os.walk(top, topdown=False):
        for p in [os.path.join(d, n) for n in sorted(files + dirs)] + ([d] if d == top else []):
            i += 1
            m = (1000000000 + i * 86413) * 10**9 + (i * 123456791) % 10**9
            a = (1100000000 + i * 3671) * 10**9 + (i * 987654323) % 10**9
            os.utime(p, ns=(a, m), follow_symlinks=False)' "$@"
}

# A value of N bytes, for setfattr.
long_value() {
	head -c "$1" /dev/zero | tr '\0' 'v'
}

# make_fidelity_tree SRC SRC2: the two sources.  SRC holds one entry per
# file type and property; SRC2 holds the other name of a file hard-linked
# across the two sources.  Times are set last (mtime and atime in ns, each
# entry its own), then inode flags.
make_fidelity_tree() {
	local s=$1 s2=$2 m t
	mkdir -p "$s" "$s2"

	say "regular files"
	mkdir "$s/reg"
	echo plain >"$s/reg/plain"
	: >"$s/reg/empty"
	head -c 300000 /dev/urandom >"$s/reg/random"
	echo owner >"$s/reg/owner-unnamed"
	chown 4242:4343 "$s/reg/owner-unnamed"
	echo nobody >"$s/reg/owner-nobody"
	chown 65534:65534 "$s/reg/owner-nobody"
	for m in 0000 0400 0640 0755 1644 2755 4755 6711 7777; do
		echo "mode $m" >"$s/reg/mode-$m"
		chmod "$m" "$s/reg/mode-$m"
	done
	# setuid/setgid on a file someone else owns (chown clears them, so after).
	echo suid-owned >"$s/reg/mode-6755-owned"
	chown 4242:4343 "$s/reg/mode-6755-owned"
	chmod 6755 "$s/reg/mode-6755-owned"
	echo user >"$s/reg/xattr-user"
	setfattr -n user.text -v hello "$s/reg/xattr-user"
	setfattr -n user.binary -v 0x00ff0010 "$s/reg/xattr-user"
	setfattr -n user.empty "$s/reg/xattr-user"
	setfattr -n user.long -v "$(long_value 3000)" "$s/reg/xattr-user"
	echo trusted >"$s/reg/xattr-trusted"
	setfattr -n trusted.t -v trusted-value "$s/reg/xattr-trusted"
	echo security >"$s/reg/xattr-security"
	setfattr -n security.fidelity -v security-value "$s/reg/xattr-security"
	echo acl >"$s/reg/acl"
	setfacl -m u:4242:rw,g:4343:r,u:65534:-,m::rw "$s/reg/acl"
	echo acl-owned >"$s/reg/acl-owned"
	chown 4242:4343 "$s/reg/acl-owned"
	chmod 0640 "$s/reg/acl-owned"
	setfacl -m u:1000:r "$s/reg/acl-owned"
	if [ "$FID_CAPS" = yes ]; then
		echo cap >"$s/reg/cap"
		chmod 0755 "$s/reg/cap"
		setcap 'cap_net_raw,cap_net_admin+ep' "$s/reg/cap"
		echo cap-owned >"$s/reg/cap-owned"
		chown 4242:4343 "$s/reg/cap-owned"
		chmod 0750 "$s/reg/cap-owned"
		setcap 'cap_net_bind_service=eip' "$s/reg/cap-owned"
	fi
	# Holes: inside, all hole, at the end, at the start.
	truncate -s 8M "$s/reg/hole-middle"
	printf 'middle' | dd of="$s/reg/hole-middle" bs=4096 seek=1000 conv=notrunc status=none
	truncate -s 16M "$s/reg/hole-only"
	head -c 8192 /dev/urandom >"$s/reg/hole-tail"
	truncate -s 4M "$s/reg/hole-tail"
	head -c 4096 /dev/urandom |
		dd of="$s/reg/hole-head" bs=4096 seek=512 status=none

	say "folders"
	mkdir -p "$s/dir/plain/sub" "$s/dir/empty"
	echo in-plain >"$s/dir/plain/sub/file"
	mkdir "$s/dir/owner-unnamed"
	chown 4242:4343 "$s/dir/owner-unnamed"
	for m in 0000 0700 0755 1777 2775 3770 4755; do
		mkdir "$s/dir/mode-$m"
		echo "in $m" >"$s/dir/mode-$m/file"
		chmod "$m" "$s/dir/mode-$m"
	done
	mkdir "$s/dir/xattr-user" "$s/dir/xattr-trusted" "$s/dir/xattr-security"
	setfattr -n user.dir -v folder "$s/dir/xattr-user"
	setfattr -n trusted.dir -v folder "$s/dir/xattr-trusted"
	setfattr -n security.dir -v folder "$s/dir/xattr-security"
	mkdir "$s/dir/acl-access"
	setfacl -m u:4242:rwx,g:4343:rx "$s/dir/acl-access"
	mkdir "$s/dir/acl-default"
	setfacl -d -m u:4242:rwx,g:4343:rx,o::- "$s/dir/acl-default"
	# A file and a folder made inside inherit the default ACL.
	echo inherits >"$s/dir/acl-default/inherited"
	mkdir "$s/dir/acl-default/inherited-dir"
	mkdir "$s/dir/acl-both"
	setfacl -m u:4242:rx -d -m u:4343:rwx "$s/dir/acl-both"

	say "symlinks"
	mkdir "$s/sym"
	ln -s ../reg/plain "$s/sym/plain"
	ln -s does/not/exist "$s/sym/dangling"
	ln -s /etc/passwd "$s/sym/absolute"
	ln -s "$(printf 'long/%.0s' $(seq 1 200))end" "$s/sym/long-target"
	ln -s ../reg/plain "$s/sym/owner-unnamed"
	chown -h 4242:4343 "$s/sym/owner-unnamed"
	ln -s ../reg/plain "$s/sym/xattr-trusted"
	setfattr -h -n trusted.sym -v link-value "$s/sym/xattr-trusted"
	ln -s ../reg/plain "$s/sym/xattr-security"
	setfattr -h -n security.sym -v link-value "$s/sym/xattr-security"

	say "FIFOs, sockets and device nodes"
	for t in fifo sock chr blk; do
		mkdir "$s/$t"
	done
	mkdir -p "$s/links/one" "$s/links/two/deeper"
	# Sockets all at once (one python3 start).
	mksock "$s/sock/plain" "$s/sock/owner-unnamed" "$s/sock/mode-7640" \
		"$s/sock/xattr-trusted" "$s/sock/xattr-security" "$s/sock/acl" \
		"$s/links/sock-a"
	# mknode TYPE PATH: a FIFO, socket or device node of that type.
	mknode() {
		case $1 in
		fifo) mkfifo "$2" ;;
		sock) [ -S "$2" ] ;;
		chr) mknod "$2" c 1 3 ;;
		blk) mknod "$2" b 7 240 ;;
		esac
	}
	for t in fifo sock chr blk; do
		mknode "$t" "$s/$t/plain"
		chmod 0644 "$s/$t/plain"
		mknode "$t" "$s/$t/owner-unnamed"
		chown 4242:4343 "$s/$t/owner-unnamed"
		chmod 0620 "$s/$t/owner-unnamed"
		mknode "$t" "$s/$t/mode-7640"
		chmod 7640 "$s/$t/mode-7640"
		mknode "$t" "$s/$t/xattr-trusted"
		setfattr -n trusted.node -v "$t-value" "$s/$t/xattr-trusted"
		mknode "$t" "$s/$t/xattr-security"
		setfattr -n security.node -v "$t-value" "$s/$t/xattr-security"
		mknode "$t" "$s/$t/acl"
		setfacl -m u:4242:rw,g:4343:r "$s/$t/acl"
	done
	mknod "$s/chr/other-number" c 4 64
	mknod "$s/blk/other-number" b 259 7

	say "hard links"
	mkdir -p "$s/links/one" "$s/links/two/deeper"
	echo pair >"$s/links/one/pair-a"
	ln "$s/links/one/pair-a" "$s/links/one/pair-b"
	echo across >"$s/links/one/across"
	ln "$s/links/one/across" "$s/links/two/across"
	ln "$s/links/one/across" "$s/links/two/deeper/across"
	echo owned >"$s/links/one/owned-a"
	chown 4242:4343 "$s/links/one/owned-a"
	chmod 0604 "$s/links/one/owned-a"
	setfattr -n user.linked -v yes "$s/links/one/owned-a"
	setfacl -m u:65534:r "$s/links/one/owned-a"
	ln "$s/links/one/owned-a" "$s/links/two/owned-b"
	# Two separate inodes with the same content and metadata: they must
	# stay two inodes (a cp -a restore would otherwise tie them).
	echo duplicate >"$s/links/one/dup-a"
	cp -p "$s/links/one/dup-a" "$s/links/one/dup-b"
	echo cross-source >"$s/links/cross-source"
	ln "$s/links/cross-source" "$s2/cross-source"
	echo only-in-src2 >"$s2/plain"
	mkfifo "$s/links/fifo-a"
	ln "$s/links/fifo-a" "$s/links/two/fifo-b"
	ln "$s/links/sock-a" "$s/links/sock-b"
	mknod "$s/links/chr-a" c 1 5
	ln "$s/links/chr-a" "$s/links/chr-b"
	mknod "$s/links/blk-a" b 7 241
	ln "$s/links/blk-a" "$s/links/two/blk-b"
	ln -s pair-a "$s/links/one/sym-a"
	ln -P "$s/links/one/sym-a" "$s/links/one/sym-b"

	if [ "$FID_FLAGS" = yes ]; then
		mkdir -p "$s/flags/nodump-dir" "$s/flags/noatime-dir"
		for f in append immutable nodump noatime sync nocow; do
			echo "flag $f" >"$s/flags/$f"
		done
		echo "in nodump" >"$s/flags/nodump-dir/file"
	fi

	say "times: every entry its own mtime and atime, in ns"
	set_times "$s" "$s2"

	if [ "$FID_FLAGS" = yes ]; then
		say "inode flags"
		chattr +a "$s/flags/append"
		chattr +i "$s/flags/immutable"
		chattr +d "$s/flags/nodump" "$s/flags/nodump-dir"
		chattr +A "$s/flags/noatime" "$s/flags/noatime-dir"
		chattr +S "$s/flags/sync"
		chattr +C "$s/flags/nocow" 2>/dev/null || true
	fi
}

# fidelity_config ROOT: $CONFIG stores $IN/src as "src" and $IN/src2 as
# "src2" in snapshots under ROOT.
fidelity_config() {
	write_config "$1" "$IN/src"
	printf '  - path: %s\n    dest: src2\n' "$(yaml_str "$IN/src2")" >>"$CONFIG"
}

# fid_check WHAT CMD...: runs CMD; when it fails, WHAT is recorded as a
# failed check (the test goes on, fid_finish fails it).
fid_check() {
	local what=$1
	shift
	if "$@"; then
		echo "ok: $what"
	else
		echo "FAILED: $what"
		FID_FAILED+=("$what")
	fi
}

# fid_state DIR PREFIX: (with FID_NLINK=no: without link counts) writes the listings of DIR (not DIR itself) to
# PREFIX.{list,xattr,flags,holes}.
fid_state() {
	local opt=()
	[ "$FID_ATIME" = yes ] || opt+=(-T)
	[ "${FID_NLINK:-yes}" = yes ] || opt+=(-L)
	ENTRIES_TOP=no
	fidelity_listing ${opt[@]+"${opt[@]}"} "$1" >"$2.list"
	xattr_listing "$1" >"$2.xattr"
	if [ "$FID_FLAGS" = yes ]; then
		flags_listing "$1" >"$2.flags"
	else
		: >"$2.flags"
	fi
	holes_listing "$1" >"$2.holes"
	ENTRIES_TOP=yes
}

# fid_compare_states WHAT A_PREFIX B_PREFIX [copy]: the four listings,
# each its own check.  With "copy", B is a snapshot or a restore of A:
# inode flags are not compared, since snap (like rsync) keeps none and
# says so (fid_flags_warned).
fid_compare_states() {
	local what=$1 a=$2 b=$3 copy=${4:-}
	fid_check "$what: types, modes, owners, link counts, sizes, devices, ns atime and mtime, link groups" \
		same_listing stat "$a.list" "$b.list"
	fid_check "$what: xattrs, ACLs and capabilities (getfattr)" \
		same_listing xattr "$a.xattr" "$b.xattr"
	[ "$copy" = copy ] ||
		fid_check "$what: inode flags (lsattr)" \
			same_listing flags "$a.flags" "$b.flags"
	fid_check "$what: holes (allocated blocks)" \
		same_listing holes "$a.holes" "$b.holes"
}

# fid_compare WHAT EXPECTED_PREFIX DIR: DIR (holding src and src2) against
# the listings of the source taken before, and rsync of each source.
fid_compare() {
	local what=$1 exp=$2 dir=$3 d
	fid_state "$dir" "$SCRATCH/state.$what"
	fid_compare_states "$what" "$exp" "$SCRATCH/state.$what" copy
	for d in src src2; do
		fid_check "$what: rsync -aHAXnci --numeric-ids $d" \
			rsync_same "$IN/$d" "$dir/$d"
	done
}

# fid_finish: fails the test if any fid_check failed, naming each.
fid_finish() {
	local f
	if [ ${#FID_FAILED[@]} -gt 0 ]; then
		for f in "${FID_FAILED[@]}"; do
			echo "FAILED CHECK: $f" >&2
		done
		fail "${#FID_FAILED[@]} fidelity check(s) failed"
	fi
	echo "ok"
}

# The exit status of a create of the fidelity tree: 3 when it has inode
# flags (one warning names their count), else 0.
fid_create_status() {
	if [ "$FID_FLAGS" = yes ]; then echo 3; else echo 0; fi
}

# fid_flags_warned: the last run's stderr has the inode flags warning
# exactly when the tree has flags.
fid_flags_warned() {
	if [ "$FID_FLAGS" = yes ]; then
		[ "$(grep -c 'inode flags' "$ERR")" = 1 ]
	else
		! grep -q 'inode flags' "$ERR"
	fi
}

# expect_status_ok N: like expect_status, but returns 1 instead of failing.
expect_status_ok() {
	[ "$STATUS" = "$1" ] || {
		echo "    snap exited $STATUS, expected $1"
		return 1
	}
}

# history_unchanged_ok NAME: like history_unchanged, but returns 1.
history_unchanged_ok() {
	history_listing "$ROOT/$1" >"$SCRATCH/history.$1.after"
	diff "$SCRATCH/history.$1.before" "$SCRATCH/history.$1.after" |
		sed 's/^/    history: /'
	cmp -s "$SCRATCH/history.$1.before" "$SCRATCH/history.$1.after"
}

# no_acl_below_top DIR: DIR itself has no ACL (access or default).
no_acl_below_top() {
	local a
	a=$(getfattr -h -m '^system\.posix_acl' -d --absolute-names -- "$1" 2>/dev/null |
		grep -v -e '^#' -e '^$' || true)
	[ -z "$a" ] || {
		echo "    $1: $a"
		return 1
	}
}

# summary_has_warnings FILE: the summary in FILE counts at least one
# warning.
summary_has_warnings() {
	local n
	n=$(summary_count warnings "$1")
	[ -n "$n" ] && [ "$n" -gt 0 ] || {
		echo "    the summary counts '${n:-no}' warnings"
		return 1
	}
}

# empty_file FILE: FILE is empty; prints it if not.
empty_file() {
	[ ! -s "$1" ] || {
		sed 's/^/    | /' "$1"
		return 1
	}
}
