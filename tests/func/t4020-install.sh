#!/bin/bash
# t4020: cmake --install puts everything in place, follows the prefix,
# and never replaces a config.
#
# Proves: "cmake --install BUILD --prefix /usr" with DESTDIR stages the
# binary (which runs), snap-inhibit and snap-failure-report, the units
# (with ExecStart= on the installed paths, and passing systemd-analyze
# verify once those paths are pointed into the stage) in systemd's own
# folder (from pkg-config), the tmpfiles.d snippet, the man page, the
# example config in share/doc/snap and as CONFDIR/snap.yaml (the folder
# the binary reads by default, mode 0644); a second install keeps an
# edited snap.yaml and a symlink there as they are; with --prefix
# /usr/local the units and tmpfiles.d go below that prefix, ExecStart=
# follows, nothing lands outside /usr/local when the build's config
# folder is inside it, and "xargs rm < install_manifest.txt" removes
# every installed file but the config; a build configured with
# -DCMAKE_INSTALL_PREFIX=/usr reads /etc/snap, and one with
# -DSNAP_PROGRAM_NAME=snapshot names the binary, its man page (file,
# .TH and NAME), the units' ExecStart= and Documentation= and the bash
# and zsh completions (file names, the name completed and run) so, while
# a name with a slash is refused; the example config names every key of
# src/config.c, and with its paths moved into the scratch folder it
# passes "snap check" and "snap create" (exit 0, no warning) on a host
# without prometheus-node-exporter's folder; the bash and zsh completions
# go to bash-completion's completionsdir (else
# share/bash-completion/completions) and share/zsh/vendor-completions.
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

# systemd_dir PREFIX CACHEVAR PKGVAR FALLBACK: where the install puts
# systemd's files: the folder the user named, else systemd's own for
# /usr, else FALLBACK below the prefix.
systemd_dir() {
	local given pc
	given=$(cache "$2")
	if [ -n "$given" ]; then
		dir_under "$1" "$given"
		return
	fi
	pc=$(pkg-config --variable="$3" systemd 2>/dev/null || true)
	if [ "$1" = /usr ] && [ -n "$pc" ]; then
		echo "$pc"
	else
		echo "$1/$4"
	fi
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

# The configs' folder this build reads, as snap --help says it.
CONFDIR=$("$SNAP" --help | sed -n 's|.*then \(/.*\)/snap\.yaml)$|\1|p')
[ -n "$CONFDIR" ] || fail "snap --help names no default config"
UNITS=(snap.service snap@.service snap.timer snap@.timer snap-failure@.service
	snap-notify-start@.service snap-notify-success@.service
	snap-notify-fail@.service)

STAGE=$SCRATCH/stage
PREFIX=/usr
UNITDIR=$(systemd_dir $PREFIX SNAP_SYSTEMD_UNITDIR systemdsystemunitdir lib/systemd/system)
TMPFILESDIR=$(systemd_dir $PREFIX SNAP_TMPFILESDIR tmpfilesdir lib/tmpfiles.d)
LIBEXEC=$(dir_under $PREFIX "$(cache CMAKE_INSTALL_LIBEXECDIR)")/snap
EXAMPLE=$SOURCE_DIR/config/snap.example.yaml

say "install with --prefix $PREFIX"
install_to "$STAGE" $PREFIX
[ -x "$STAGE$PREFIX/bin/snap" ] || fail "no executable $PREFIX/bin/snap"
"$STAGE$PREFIX/bin/snap" --help >"$SCRATCH/help" ||
	fail "the installed snap --help failed"
assert_grep '^commands:' "$SCRATCH/help"
[ -x "$STAGE$LIBEXEC/snap-inhibit" ] || fail "no executable $LIBEXEC/snap-inhibit"
[ -x "$STAGE$LIBEXEC/snap-failure-report" ] ||
	fail "no executable $LIBEXEC/snap-failure-report"
cmp "$SOURCE_DIR/doc/snap.1" "$STAGE$PREFIX/share/man/man1/snap.1" ||
	fail "the man page is not installed as share/man/man1/snap.1"
cmp "$EXAMPLE" "$STAGE$PREFIX/share/doc/snap/snap.example.yaml" ||
	fail "the example config is not in share/doc/snap"
assert_grep '^d /var/backups/snap 0700 root root' "$STAGE$TMPFILESDIR/snap.conf"
# Shell completion where the shells look: installing to /usr,
# bash-completion's folder (from its pkg-config file when there is one),
# else below the prefix; zsh's vendor-completions.
BASHCOMPDIR=$PREFIX/share/bash-completion/completions
if [ "$PREFIX" = /usr ] &&
	pc=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null) &&
	[ -n "$pc" ]; then
	BASHCOMPDIR=$pc
fi
cmp "$SOURCE_DIR/contrib/completion/snap.bash" "$STAGE$BASHCOMPDIR/snap" ||
	fail "the bash completion is not installed as $BASHCOMPDIR/snap"
cmp "$SOURCE_DIR/contrib/completion/_snap" \
	"$STAGE$PREFIX/share/zsh/vendor-completions/_snap" ||
	fail "the zsh completion is not in share/zsh/vendor-completions"

CFG=$STAGE$CONFDIR/snap.yaml
cmp "$EXAMPLE" "$CFG" || fail "$CONFDIR/snap.yaml is not the example config"
assert_eq "$(stat -c %a "$CFG")" 644 "mode of $CONFDIR/snap.yaml"

say "the units run the installed paths"
for u in "${UNITS[@]}"; do
	[ -f "$STAGE$UNITDIR/$u" ] || fail "no unit $UNITDIR/$u"
done
assert_grep "^ExecStart=$LIBEXEC/snap-inhibit $PREFIX/bin/snap -c $CONFDIR/snap.yaml --wait 3600 create\$" \
	"$STAGE$UNITDIR/snap.service"
assert_grep "^ExecStart=$LIBEXEC/snap-inhibit $PREFIX/bin/snap -c $CONFDIR/%i.yaml --wait 3600 create\$" \
	"$STAGE$UNITDIR/snap@.service"
assert_grep "^ExecStart=$PREFIX/bin/snap -c $CONFDIR/%i.yaml notify fail\$" \
	"$STAGE$UNITDIR/snap-notify-fail@.service"
assert_grep "^ExecStart=$LIBEXEC/snap-failure-report %i\$" \
	"$STAGE$UNITDIR/snap-failure@.service"

if command -v systemd-analyze >/dev/null 2>&1; then
	say "the installed units pass verify with their paths in the stage"
	V=$SCRATCH/verify
	mkdir -p "$V" "$SCRATCH/man/man1"
	cp "$STAGE$PREFIX/share/man/man1/snap.1" "$SCRATCH/man/man1/"
	for u in "${UNITS[@]}"; do
		sed -e "s|^ExecStart=$LIBEXEC/|ExecStart=$STAGE$LIBEXEC/|" \
			-e "s|^ExecStart=$PREFIX/bin/|ExecStart=$STAGE$PREFIX/bin/|" \
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

say "a second install keeps an edited $CONFDIR/snap.yaml"
echo "# edited by the admin" >>"$CFG"
cp -p "$CFG" "$SCRATCH/edited.yaml"
install_to "$STAGE" $PREFIX
cmp "$SCRATCH/edited.yaml" "$CFG" || fail "the second install replaced the config"
assert_grep "Keeping: .*$CONFDIR/snap.yaml" "$OUT" "the install log"

say "... and a symlink there, even a dangling one"
rm "$CFG"
ln -s /nonexistent/snap.yaml "$CFG"
install_to "$STAGE" $PREFIX
[ -L "$CFG" ] && [ "$(readlink "$CFG")" = /nonexistent/snap.yaml ] ||
	fail "the install replaced or wrote through a symlink at $CONFDIR/snap.yaml"

say "--prefix /usr/local: units and tmpfiles.d below it, ExecStart= along"
STAGE2=$SCRATCH/stage2
install_to "$STAGE2" /usr/local
UNITDIR2=$(systemd_dir /usr/local SNAP_SYSTEMD_UNITDIR systemdsystemunitdir lib/systemd/system)
TMPFILESDIR2=$(systemd_dir /usr/local SNAP_TMPFILESDIR tmpfilesdir lib/tmpfiles.d)
LIBEXEC2=$(dir_under /usr/local "$(cache CMAKE_INSTALL_LIBEXECDIR)")/snap
assert_grep "^ExecStart=$LIBEXEC2/snap-inhibit /usr/local/bin/snap -c $CONFDIR/snap.yaml " \
	"$STAGE2$UNITDIR2/snap.service"
[ -f "$STAGE2$TMPFILESDIR2/snap.conf" ] || fail "no $TMPFILESDIR2/snap.conf"
[ -x "$STAGE2/usr/local/bin/snap" ] || fail "no /usr/local/bin/snap"
if [ -z "$(cache SNAP_SYSTEMD_UNITDIR)$(cache SNAP_TMPFILESDIR)" ]; then
	# (The config goes to the configured folder, which the prefix
	# given at install time does not move.)
	(cd "$STAGE2" && find . ! -type d | sed 's/^\.//') |
		grep -v -e '^/usr/local/' -e "^$CONFDIR/" >"$SCRATCH/outside" || true
	if [ -s "$SCRATCH/outside" ]; then
		sed 's/^/    outside: /' "$SCRATCH/outside"
		fail "the /usr/local install put files outside the prefix"
	fi
fi

say "xargs rm < install_manifest.txt uninstalls all but the config"
# The manifest names the files without DESTDIR: as they would be in /.
manifest=$BUILD_DIR/install_manifest.txt
assert_grep "^/usr/local/bin/snap\$" "$manifest"
assert_not_grep "snap\.yaml\$" "$manifest"
sed "s|^|$STAGE2|" "$manifest" | xargs rm
(cd "$STAGE2" && find . ! -type d | sed 's/^\.//') >"$SCRATCH/left"
assert_eq "$(cat "$SCRATCH/left")" "$CONFDIR/snap.yaml" "files left by the uninstall"

say "configured for /usr, and under another program name"
B2=$SCRATCH/build-usr
rc=0
cmake -S "$SOURCE_DIR" -B "$B2" -DCMAKE_INSTALL_PREFIX=/usr \
	-DSNAP_PROGRAM_NAME=snapshot >"$OUT" 2>&1 || rc=$?
[ "$rc" = 0 ] || { sed 's/^/    /' "$OUT"; fail "cmake configure failed (exit $rc)"; }
# The define that makes the binary read /etc/snap, in whatever file
# the generator keeps compile flags.
grep -rqE 'SNAP_CONFIG_DIR=\\?"/etc/snap\\?"' "$B2" ||
	fail "a build for /usr does not compile in /etc/snap"
M=$B2/man/snapshot.1
[ -f "$M" ] || fail "no man page snapshot.1"
assert_grep '^\.TH SNAPSHOT 1 ' "$M"
assert_grep '^snapshot \\- ' "$M"
assert_not_grep '^\.TH SNAP 1 ' "$M"
assert_grep "^ExecStart=.*/snap-inhibit $B2/snapshot -c /etc/snap/snap.yaml --wait 3600 create\$" \
	"$B2/systemd/snap.service"
assert_grep "^ExecStart=$B2/snapshot -c /etc/snap/%i.yaml notify start\$" \
	"$B2/systemd/snap-notify-start@.service"
assert_grep '^Documentation=man:snapshot\(1\)$' "$B2/systemd/snap.service"
# The completions that install puts in place: named for the program,
# completing and running it.
assert_grep '^complete -F _snap snapshot$' "$B2/completion/snapshot"
assert_grep '^_snap_program=snapshot$' "$B2/completion/snapshot"
assert_grep '^#compdef snapshot$' "$B2/completion/_snapshot"
assert_grep '^_snap_program=snapshot$' "$B2/completion/_snapshot"
rc=0
cmake -S "$SOURCE_DIR" -B "$SCRATCH/build-bad" -DSNAP_PROGRAM_NAME=../x \
	>"$OUT" 2>&1 || rc=$?
[ "$rc" != 0 ] || fail "cmake accepted SNAP_PROGRAM_NAME=../x"
assert_grep 'is not a plain file name' "$OUT"

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
