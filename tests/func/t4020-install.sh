#!/bin/bash
# t4020: cmake --install puts everything in place and never replaces a
# config.
#
# Proves: "cmake --install BUILD --prefix /usr" with DESTDIR stages the
# binary (which runs), snap-inhibit, the units (with ExecStart= on the
# installed paths, and passing systemd-analyze verify once those paths
# are pointed into the stage), the tmpfiles.d snippet, the man page, the
# example config in share/doc/snap and as /etc/snap/snap.yaml (mode 0644,
# writable by its owner only); a second install keeps an edited
# /etc/snap/snap.yaml and a symlink there as they are; --prefix /usr/local
# moves the units' ExecStart= along; the example config names every key
# of src/config.c, and with its paths moved into the scratch folder it
# passes "snap check" and "snap create" (exit 0, no warning) on a host
# without prometheus-node-exporter's folder.
# Skips without cmake or a build tree.  cmake --install itself writes
# into the build tree: install_manifest.txt and systemd-install/.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd cmake

SOURCE_DIR=${SNAP_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD_DIR=${SNAP_BUILD_DIR:-$(dirname "$SNAP")}
[ -f "$BUILD_DIR/CMakeCache.txt" ] ||
	skip "no CMake build tree at '$BUILD_DIR' (set SNAP_BUILD_DIR)"

# cache VAR: a value from the build's CMakeCache.txt.
cache() {
	sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt"
}

# dir_under PREFIX DIR: DIR as installed with PREFIX (DIR may be absolute).
dir_under() {
	case $2 in
	/*) echo "$2" ;;
	*) echo "$1/$2" ;;
	esac
}

# install_to STAGE PREFIX: cmake --install into DESTDIR=STAGE.
install_to() {
	local rc=0
	echo "+ DESTDIR=$1 cmake --install $BUILD_DIR --prefix $2"
	DESTDIR=$1 cmake --install "$BUILD_DIR" --prefix "$2" >"$OUT" 2>"$ERR" || rc=$?
	if [ "$rc" != 0 ]; then
		sed 's/^/    /' "$OUT" "$ERR"
		fail "cmake --install failed (exit $rc)"
	fi
}

STAGE=$SCRATCH/stage
PREFIX=/usr
UNITDIR=$(dir_under $PREFIX "$(cache SNAP_SYSTEMD_UNITDIR)")
TMPFILESDIR=$(dir_under $PREFIX "$(cache SNAP_TMPFILESDIR)")
LIBEXEC=$(dir_under $PREFIX "$(cache CMAKE_INSTALL_LIBEXECDIR)")/snap
EXAMPLE=$SOURCE_DIR/config/snap.example.yaml
[ "$UNITDIR" != "$PREFIX/" ] || fail "SNAP_SYSTEMD_UNITDIR is not in the cache"

say "install with --prefix $PREFIX"
install_to "$STAGE" $PREFIX
[ -x "$STAGE$PREFIX/bin/snap" ] || fail "no executable $PREFIX/bin/snap"
"$STAGE$PREFIX/bin/snap" --help >"$SCRATCH/help" ||
	fail "the installed snap --help failed"
assert_grep '^commands:' "$SCRATCH/help"
[ -x "$STAGE$LIBEXEC/snap-inhibit" ] || fail "no executable $LIBEXEC/snap-inhibit"
cmp "$SOURCE_DIR/doc/snap.1" "$STAGE$PREFIX/share/man/man1/snap.1" ||
	fail "the man page is not installed as share/man/man1/snap.1"
cmp "$EXAMPLE" "$STAGE$PREFIX/share/doc/snap/snap.example.yaml" ||
	fail "the example config is not in share/doc/snap"
assert_grep '^d /var/backups/snap 0700 root root' "$STAGE$TMPFILESDIR/snap.conf"

CFG=$STAGE/etc/snap/snap.yaml
cmp "$EXAMPLE" "$CFG" || fail "/etc/snap/snap.yaml is not the example config"
assert_eq "$(stat -c %a "$CFG")" 644 "mode of /etc/snap/snap.yaml"

say "the units run the installed paths"
for u in snap.service snap@.service snap.timer snap@.timer snap-failure@.service; do
	[ -f "$STAGE$UNITDIR/$u" ] || fail "no unit $UNITDIR/$u"
done
assert_grep "^ExecStart=$LIBEXEC/snap-inhibit $PREFIX/bin/snap -c /etc/snap/snap.yaml --wait 3600 create\$" \
	"$STAGE$UNITDIR/snap.service"
assert_grep "^ExecStart=$LIBEXEC/snap-inhibit $PREFIX/bin/snap -c /etc/snap/%i.yaml --wait 3600 create\$" \
	"$STAGE$UNITDIR/snap@.service"

if command -v systemd-analyze >/dev/null 2>&1; then
	say "the installed units pass verify with their paths in the stage"
	V=$SCRATCH/verify
	mkdir -p "$V" "$SCRATCH/man/man1"
	cp "$STAGE$PREFIX/share/man/man1/snap.1" "$SCRATCH/man/man1/"
	for u in snap.service snap@.service snap.timer snap@.timer snap-failure@.service; do
		sed "s|^ExecStart=$LIBEXEC/|ExecStart=$STAGE$LIBEXEC/|" \
			"$STAGE$UNITDIR/$u" >"$V/$u"
	done
	rc=0
	(cd "$V" && MANPATH=$SCRATCH/man systemd-analyze verify ./*.service ./*.timer) \
		>"$SCRATCH/verify.out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$SCRATCH/verify.out" ]; then
		sed 's/^/    verify: /' "$SCRATCH/verify.out"
		fail "systemd-analyze verify on the installed units (exit $rc)"
	fi
fi

say "a second install keeps an edited /etc/snap/snap.yaml"
echo "# edited by the admin" >>"$CFG"
cp -p "$CFG" "$SCRATCH/edited.yaml"
install_to "$STAGE" $PREFIX
cmp "$SCRATCH/edited.yaml" "$CFG" || fail "the second install replaced the config"
assert_grep 'Keeping: .*/etc/snap/snap.yaml' "$OUT" "the install log"

say "... and a symlink there, even a dangling one"
rm "$CFG"
ln -s /nonexistent/snap.yaml "$CFG"
install_to "$STAGE" $PREFIX
[ -L "$CFG" ] && [ "$(readlink "$CFG")" = /nonexistent/snap.yaml ] ||
	fail "the install replaced or wrote through a symlink at /etc/snap/snap.yaml"

say "--prefix /usr/local moves ExecStart= along"
STAGE2=$SCRATCH/stage2
install_to "$STAGE2" /usr/local
UNITDIR2=$(dir_under /usr/local "$(cache SNAP_SYSTEMD_UNITDIR)")
LIBEXEC2=$(dir_under /usr/local "$(cache CMAKE_INSTALL_LIBEXECDIR)")/snap
assert_grep "^ExecStart=$LIBEXEC2/snap-inhibit /usr/local/bin/snap -c /etc/snap/snap.yaml " \
	"$STAGE2$UNITDIR2/snap.service"
[ -x "$STAGE2/usr/local/bin/snap" ] || fail "no /usr/local/bin/snap"

say "the example config names every key of src/config.c"
keys=$(sed -n 's/^[[:space:]]*\[[A-Z_]*\] = "\([a-z_]*\)",$/\1/p' \
	"$SOURCE_DIR/src/config.c" | sort -u)
[ "$(echo "$keys" | wc -w)" -ge 20 ] ||
	fail "found only '$keys' in src/config.c; the extraction is broken"
for k in $keys; do
	grep -qE "^[# -]*$k:" "$EXAMPLE" || fail "the example config lacks '$k:'"
done

say "the example config, moved into the scratch folder, passes check and create"
# Every absolute path of the example moves below $SCRATCH/sys.
SYS=$SCRATCH/sys
sed -E "s#^(snapshot_root: |metrics_file: |  - path: )/#\\1$SYS/#" "$EXAMPLE" \
	>"$CONFIG"
chmod 0600 "$CONFIG"
if grep -nE '^(snapshot_root|metrics_file|  - path):' "$CONFIG" | grep -v "$SYS/"; then
	fail "a path of the example config was not moved"
fi
# The source paths, without the comments that follow some of them.
sed -n 's/^  - path: \([^ #]*\).*/\1/p' "$CONFIG" >"$SCRATCH/sources"
[ -s "$SCRATCH/sources" ] || fail "no sources found in the example config"
while read -r p; do
	case $p in
	"$SYS"/*) ;;
	*) fail "source path '$p' is not below $SYS" ;;
	esac
	mkdir -p "$p"
	echo "a file in $p" >"$p/file"
done <"$SCRATCH/sources"
mkdir -p "$SYS/var/backups"
run_snap check
[ "$STATUS" = 0 ] || [ "$STATUS" = 3 ] || fail "snap check exited $STATUS"
assert_not_grep '^PROBLEM:' "$OUT"
ROOT=$SYS/var/backups/snap
create_snapshot N
# (dest: home is kept; the other sources land under their moved paths.)
[ -f "$ROOT/$N/home/file" ] || fail "the snapshot lacks home/file"
assert_eq "$(find "$ROOT/$N" -type f -name file | wc -l)" \
	"$(wc -l <"$SCRATCH/sources")" "files in the snapshot"
# It runs clean on a host without node-exporter: no metrics folder is
# needed, and nothing is written there.
assert_missing "$SYS/var/lib/prometheus"
assert_not_grep 'warning' "$ERR"
