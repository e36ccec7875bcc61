#!/bin/bash
# t1080: hostile names and file types are stored safely.
#
# The source holds names with a newline, a tab, a leading dash, invalid
# UTF-8, glob characters, a backslash, 255 bytes, a path longer than
# PATH_MAX (4096) made by deep nesting, symlink loops, symlinks pointing
# outside the source, a FIFO without writer, a unix socket, and entries
# named like snap's own (".snap", "latest").  Proves: create exits 0 (it
# neither blocks on the FIFO nor follows a symlink), the snapshot
# reproduces the tree (compare_trees; the deep path is checked by walking
# down to it), symlinks are stored as symlinks with their targets, nothing
# outside the snapshot root is written, the socket is kept as a node.  A second
# run where a file became a symlink, a directory a file and a symlink a
# directory is right too.  A third run with an unreadable file and an
# unreadable directory exits 3, names both, and stores everything else (as
# root the run drops CAP_DAC_OVERRIDE with setpriv; skipped without it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync python3

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
VICTIM=$SCRATCH/victim
SNAP_TIMEOUT=120
mkdir "$SRC" "$VICTIM"
echo "must not change" >"$VICTIM/file"

say "building the hostile tree"
cd "$SRC"
echo nl >$'new\nline'
echo tab >$'tab\there'
echo dash >-leading-dash
echo dd >--
echo inv >$'bad-\xff\xfe-utf8'
mkdir $'dir\nwith newline' $'\xe9t\xe9-latin1'
echo inner >$'dir\nwith newline/inner'
echo inner >$'\xe9t\xe9-latin1/caf\xe9'
long=$(printf 'L%.0s' $(seq 1 255))
echo long >"$long"
echo glob >'*?[x]'
echo bs >'back\slash'
echo sp >' '
echo hidden >.hidden
mkdir .snap
echo "not a lock" >.snap/lock
echo "not a link" >latest
ln -s loop-b loop-a
ln -s loop-a loop-b
ln -s self-loop self-loop
ln -s /etc outside-abs
ln -s ../victim outside-rel
ln -s ../../../../../../../../../../etc/passwd escape-up
ln -s $'new\nline' link-to-newline
mkfifo fifo
python3 -c 'import socket; socket.socket(socket.AF_UNIX).bind("sock")'
[ -S sock ] || fail "could not make a unix socket"
mkdir typechange-dir
echo in-dir >typechange-dir/f
echo file >typechange-file
ln -s typechange-file typechange-link
# 45 levels of 102-byte names: the bottom is ~4600 bytes below deep/.
level=$(printf 'D%.0s' $(seq 1 100))
(
	mkdir deep
	cd deep
	for i in $(seq 10 54); do
		mkdir "$level$i"
		cd "$level$i"
	done
	echo bottom >bottom.txt
)
cd "$SCRATCH"
find "$VICTIM" -printf '%p %i %T@ %s\n' | sort >"$SCRATCH/victim.before"

# check_deep SNAPDIR: the deep file is there, walking down by relative cd.
check_deep() {
	local got
	got=$(
		cd "$1/deep" || exit 1
		for i in $(seq 10 54); do
			cd "$level$i" || exit 1
		done
		cat bottom.txt
	) || fail "the path longer than PATH_MAX is missing in $1"
	assert_eq "$got" bottom "content of the deep file"
}

say "snapshot 1"
write_config "$ROOT" "$SRC"
create_checked -x deep -x sock N1
check_deep "$ROOT/$N1/src"
# Kept as a socket, as rsync --specials keeps one, with its mode.
[ -S "$ROOT/$N1/src/sock" ] || fail "sock is not a socket in the snapshot"
assert_eq "$(stat -c %a "$ROOT/$N1/src/sock")" "$(stat -c %a "$SRC/sock")" \
	"mode of the stored socket"
[ -p "$ROOT/$N1/src/fifo" ] || fail "fifo is not a FIFO in the snapshot"
for l in loop-a loop-b self-loop outside-abs outside-rel escape-up link-to-newline; do
	[ -L "$ROOT/$N1/src/$l" ] || fail "$l is not stored as a symlink"
	assert_eq "$(readlink "$ROOT/$N1/src/$l")" "$(readlink "$SRC/$l")" "target of $l"
done
[ -f "$ROOT/$N1/src/$long" ] || fail "the 255-byte name is missing"
[ -f "$ROOT/$N1/src/"$'bad-\xff\xfe-utf8' ] || fail "the invalid UTF-8 name is missing"
[ -f "$ROOT/$N1/src/"$'new\nline' ] || fail "the name with a newline is missing"
find "$VICTIM" -printf '%p %i %T@ %s\n' | sort >"$SCRATCH/victim.after"
diff "$SCRATCH/victim.before" "$SCRATCH/victim.after" ||
	fail "something outside the snapshot root changed"

say "snapshot 2: types changed under the same names"
rm -r "$SRC/typechange-dir" "$SRC/typechange-file" "$SRC/typechange-link"
echo "now a file" >"$SRC/typechange-dir"
ln -s /etc/passwd "$SRC/typechange-file"
mkdir "$SRC/typechange-link"
echo "now in a dir" >"$SRC/typechange-link/g"
create_checked -x deep -x sock N2 "$N1"
check_deep "$ROOT/$N2/src"
[ -L "$ROOT/$N2/src/typechange-file" ] || fail "typechange-file is not a symlink"
same_inode "$ROOT/$N1/src/$long" "$ROOT/$N2/src/$long"
same_inode "$ROOT/$N1/src/"$'new\nline' "$ROOT/$N2/src/"$'new\nline'
[ -f "$ROOT/$N1/src/typechange-file" ] && [ -d "$ROOT/$N1/src/typechange-dir" ] ||
	fail "snapshot 1 changed"

say "snapshot 3: an unreadable file and directory"
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null ||
		{ echo "note: no setpriv; cannot test unreadable files as root"; echo ok; exit 0; }
	SNAP_PREFIX=(setpriv --bounding-set '-dac_override,-dac_read_search' --)
fi
echo "top secret" >"$SRC/secret.txt"
mkdir "$SRC/locked-dir"
echo "inside" >"$SRC/locked-dir/inner.txt"
chmod 000 "$SRC/secret.txt" "$SRC/locked-dir"
if ${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} cat "$SRC/secret.txt" >/dev/null 2>&1; then
	echo "note: cannot make a file unreadable for snap here; not testing it"
	echo ok
	exit 0
fi
echo "also new" >"$SRC/also-new.txt"
run_snap create
expect_status 3 "unreadable file and directory"
assert_grep 'secret\.txt' "$ERR" "stderr"
assert_grep 'locked-dir' "$ERR" "stderr"
N3=$(newest_snapshot "$ROOT")
[ "$N3" != "$N2" ] || fail "no snapshot was made despite mere warnings"
check_snapshot "$ROOT" "$N3"
compare_trees -x deep -x sock -x secret.txt -x locked-dir "$SRC" "$ROOT/$N3/src"
if [ -e "$ROOT/$N3/src/secret.txt" ]; then
	chmod 600 "$SRC/secret.txt"
	cmp "$SRC/secret.txt" "$ROOT/$N3/src/secret.txt" ||
		fail "the snapshot holds a wrong secret.txt instead of none"
fi
[ ! -e "$ROOT/$N3/src/locked-dir/inner.txt" ] || cmp "$SRC/locked-dir/inner.txt" "$ROOT/$N3/src/locked-dir/inner.txt"

echo "ok"
