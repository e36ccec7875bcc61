# shellcheck shell=bash
# lib.sh: helpers for snap's functional tests.  Every tNNNN-*.sh sources it:
#
#	. "$(dirname "$0")/lib.sh"
#
# It makes a scratch directory $SCRATCH (removed on exit, after anything
# mounted under it has been lazily unmounted and any process the test
# started with start_bg has been killed by its pid), and gives the test:
#
#	write_config ROOT SRC [SOURCE_YAML]	writes $CONFIG (source stored as "src")
#	run_snap ARGS...		"$SNAP" -c "$CONFIG" ARGS (bounded by timeout);
#					sets $STATUS, stdout in $OUT, stderr in $ERR
#	expect_status N			fails (showing the output) unless $STATUS is N
#	start_bg VAR CMD / wait_hang PID DIR / kill_bg PID	background runs
#	compare_trees [-x NAME]... A B	B reproduces A (rsync -ani, diff -r, and a
#					find listing with ns mtimes)
#	same_inode A B / diff_inode A B / inode P
#	snapshots ROOT / newest_snapshot ROOT / latest ROOT / manifests ROOT
#	check_snapshot ROOT NAME	committed, newest, latest, manifest, 0700
#	new_snapshot VAR [PREV]		the newest in $ROOT: not PREV, check_snapshot
#	create_snapshot [-q] VAR [PREV]	run_snap create, exit 0, new_snapshot
#	create_checked [-q] [-x NAME]... VAR [PREV]
#					create_snapshot, and it reproduces $SRC
#	history_listing DIR		inodes, metadata, hashes: "did it change?"
#	remember_history NAME / history_unchanged NAME	for $ROOT/NAME
#	make_sample_tree DIR / regular_files DIR / summary_count WORD FILE
#	manifest_edit FILE paths|rename OLD NEW|drop PATH
#					rewrites a manifest with valid checksums
#	setup_sample_source ROOT	$SRC, $ROOT and $CONFIG for the sample tree
#	create_both T VAR [EXPECT [MIN]]	--jobs 1 into $RA, --jobs 3 into $RB:
#					the same snapshot, warnings and counts
#	fail MSG / skip MSG / say MSG / assert_* / require_root / require_cmd
#
# Exit status: 0 passed, 1 failed, 77 skipped (ctest's SKIP_RETURN_CODE).
# A test never touches anything outside $SCRATCH.

set -eu

TEST_NAME=$(basename "$0" .sh)

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*"
	exit 77
}

say() {
	echo "--- $*"
}

if [ -z "${SNAP:-}" ]; then
	fail "SNAP is not set: run with SNAP=/path/to/snap (ctest does that)"
fi
case $SNAP in
/*) ;;
*) SNAP=$PWD/$SNAP ;;
esac
[ -x "$SNAP" ] || fail "SNAP='$SNAP' is not an executable file"

# Processes started with start_bg, killed (by pid) on exit.
BG_PIDS=()

# The mount points under $SCRATCH, deepest first.
scratch_mounts() {
	awk -v s="$SCRATCH" '$5 == s || index($5, s "/") == 1 { print $5 }' \
		/proc/self/mountinfo | sort -r
}

cleanup() {
	local pid m
	for pid in ${BG_PIDS[@]+"${BG_PIDS[@]}"}; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -n "${SCRATCH:-}" ] && [ -d "$SCRATCH" ] || return 0
	# What a test's "remote host" runs (an sshd session on this
	# machine) outlives the snap that started it: a host-side wrapper
	# may still be appending to a file here while rm runs, which then
	# fails with "Directory not empty".  A process that names the
	# scratch folder on its command line is the test's own.
	if command -v pkill >/dev/null 2>&1; then
		pkill -KILL -f -- "${SCRATCH//./[.]}" 2>/dev/null || true
	fi
	if [ -r /proc/self/mountinfo ]; then
		for m in $(scratch_mounts); do
			umount -l "$m" 2>/dev/null || true
		done
	fi
	if [ -n "${KEEP_SCRATCH:-}" ]; then
		echo "scratch kept: $SCRATCH" >&2
		return 0
	fi
	# Tests make directories without permissions; as non-root that
	# would stop rm.  chmod -R does not follow symlinks below its root.
	chmod -R u+rwx "$SCRATCH" 2>/dev/null || true
	rm -rf "$SCRATCH"
}

# Only the number in the name, so that output naming the scratch path
# cannot match words a test looks for.
SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/snap-test-${TEST_NAME%%-*}.XXXXXX")
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
OUT=$SCRATCH/stdout
ERR=$SCRATCH/stderr
CONFIG=$SCRATCH/snap.yaml
STATUS=
# Commands to put before "$SNAP" (e.g. setpriv ...); empty by default.
SNAP_PREFIX=()
# Every foreground run is bounded so that a hang fails instead of waiting
# for ctest's timeout.
SNAP_TIMEOUT=${SNAP_TIMEOUT:-300}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root${1:+ ($1)}"
}

# A python3 that starts quickly (a pyenv shim can take seconds per start).
PYTHON3=python3
[ ! -x /usr/bin/python3 ] || PYTHON3=/usr/bin/python3

require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs the command '$c'"
	done
}

# A YAML double-quoted scalar holding $1.
yaml_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# write_config ROOT SRC [SOURCE_YAML]: one source SRC stored as "src" in
# snapshots under ROOT.  SOURCE_YAML (lines indented by four spaces) is
# added to the source's mapping, e.g. "    exclude: ['*.tmp']".  Top-level
# keys can be appended to $CONFIG afterwards.
write_config() {
	{
		printf 'snapshot_root: %s\n' "$(yaml_str "$1")"
		printf 'sources:\n'
		printf '  - path: %s\n' "$(yaml_str "$2")"
		printf '    dest: src\n'
		if [ $# -ge 3 ]; then
			printf '%s\n' "$3"
		fi
	} >"$CONFIG"
}

# write_ab_configs: the configs $CA and $CB, of the roots $RA and $RB,
# each with the one source $SRC (the tests that compare one job with
# more snapshot one source into two roots).
write_ab_configs() {
	CONFIG=$CA write_config "$RA" "$SRC"
	CONFIG=$CB write_config "$RB" "$SRC"
}

# two_snapshots: a file 'a' in $SRC (made), snapshot N1 of it into $ROOT
# (the config written), then a file 'b' and snapshot N2 an hour later.
two_snapshots() {
	mkdir -p "$SRC"
	echo a >"$SRC/a"
	write_config "$ROOT" "$SRC"
	SNAP_NOW=1764000000 create_snapshot N1
	echo b >"$SRC/b"
	SNAP_NOW=1764003600 create_snapshot N2 "$N1"
}

# json_get EXPR: evaluates the Python expression EXPR on the JSON in $OUT
# (the output of the last run_snap, as j) and prints the result.
json_get() {
	python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$OUT" "$1"
}

# metric NAME [LABELS]: the value of the sample NAME{config=...LABELS}
# of the metrics file $PROM ("absent" if none), the config label being
# $CONFIG, after checking the whole file's syntax (the Prometheus text
# format: HELP and TYPE before each family, every sample labelled).
metric() {
	python3 - "$PROM" "$CONFIG" "$@" <<'EOF'
import re, sys
path, config, name = sys.argv[1], sys.argv[2], sys.argv[3]
extra = sys.argv[4] if len(sys.argv) > 4 else ""
sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)\{((?:[a-zA-Z_]+="(?:[^"\\\n]|\\.)*",?)*)\} (\S+)$')
typed, helped, values = set(), set(), {}
for n, line in enumerate(open(path), 1):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        helped.add(line.split()[2])
    elif line.startswith("# TYPE "):
        fam, kind = line.split()[2:4]
        assert kind == "gauge", line
        assert fam in helped, f"line {n}: TYPE before HELP"
        typed.add(fam)
    else:
        m = sample.match(line)
        assert m, f"line {n} is not a sample: {line!r}"
        assert m.group(1) in typed, f"line {n}: no TYPE for {m.group(1)}"
        labels = m.group(2)
        assert labels.startswith('config="%s"' % config), f"line {n}: {labels}"
        float(m.group(3))
        values[(m.group(1), labels[len('config="%s"' % config):])] = m.group(3)
key = (name, extra)
print(values[key] if key in values else "absent")
EOF
}

# Shows the output of the last run_snap, prefixed.
show_output() {
	echo "    status: $STATUS"
	sed 's/^/    stdout: /' "$OUT"
	sed 's/^/    stderr: /' "$ERR"
}

# run_snap ARGS...: runs "$SNAP" -c "$CONFIG" ARGS..., never fails itself.
run_snap() {
	STATUS=0
	echo "+ snap -c $CONFIG $*"
	${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} timeout -k 10 "$SNAP_TIMEOUT" \
		"$SNAP" -c "$CONFIG" "$@" >"$OUT" 2>"$ERR" || STATUS=$?
	show_output
	if [ "$STATUS" = 124 ] || [ "$STATUS" = 137 ]; then
		fail "snap $* did not finish within ${SNAP_TIMEOUT}s"
	fi
}

expect_status() {
	[ "$STATUS" = "$1" ] ||
		fail "snap exited $STATUS, expected $1${2:+ ($2)}"
}

# start_bg VAR CMD...: runs CMD in the background with stdout and stderr
# in the files $BG_OUT and $BG_ERR (new ones for each call), stores its pid
# in VAR.  It is killed (by that pid) when the test exits.
BG_N=0
start_bg() {
	local var=$1
	shift
	BG_N=$((BG_N + 1))
	BG_OUT=$SCRATCH/bg$BG_N.out
	BG_ERR=$SCRATCH/bg$BG_N.err
	"$@" >"$BG_OUT" 2>"$BG_ERR" &
	BG_PIDS+=("$!")
	printf -v "$var" '%s' "$!"
}

# The names in DIR, sorted, on one line, each followed by a space.
list_dir() {
	find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' '
}

# The number of entries below DIR (0 if DIR does not exist).
count_entries() {
	if [ -d "$1" ]; then
		find "$1" -mindepth 1 -printf x | wc -c
	else
		echo 0
	fi
}

# wait_hang PID DIR [MIN]: waits until PID (a create run with
# SNAP_TEST_HANG_AFTER) has reached its hang point: it is alive, DIR holds
# at least MIN (default 1) entries, nothing below DIR changed for a second
# and the process sleeps (wchan); when its wchan says nothing, three quiet
# seconds are needed.  Fails if PID exits or after 120 seconds.
wait_hang() {
	local pid=$1 dir=$2 min=${3:-1} prev=-1 n stable=0 need i wchan
	for i in $(seq 1 1200); do
		kill -0 "$pid" 2>/dev/null ||
			fail "snap (pid $pid) exited before it reached the test hang point"
		n=$(find "$dir" -printf '%p %T@ %s\n' 2>/dev/null | cksum)
		if [ "$(count_entries "$dir")" -ge "$min" ] && [ "$n" = "$prev" ]; then
			stable=$((stable + 1))
		else
			stable=0
		fi
		prev=$n
		wchan=$(cat "/proc/$pid/wchan" 2>/dev/null || true)
		case $wchan in
		*sleep* | *pause* | *sigsuspend* | *sigtimedwait*) need=10 ;;
		*) need=30 ;;
		esac
		[ "$stable" -lt "$need" ] || return 0
		sleep 0.1
	done
	fail "snap (pid $pid) did not reach its hang point in 120s"
}

# kill_bg PID: kill -9 and reap a process started with start_bg.
kill_bg() {
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

#
# Snapshot roots
#

# The snapshot names in ROOT, sorted: directories that are not dot-names.
snapshots() {
	[ -d "$1" ] || return 0
	find "$1" -mindepth 1 -maxdepth 1 -type d ! -name '.*' -printf '%f\n' |
		LC_ALL=C sort
}

snapshot_count() {
	snapshots "$1" | wc -l
}

newest_snapshot() {
	snapshots "$1" | tail -n 1
}

# The snapshot names that have a manifest in ROOT/.snap/manifests, sorted
# (side files such as NAME.tmp or NAME.summary are not manifests).
manifests() {
	[ -d "$1/.snap/manifests" ] || return 0
	find "$1/.snap/manifests" -mindepth 1 -maxdepth 1 -type f -printf '%f\n' |
		grep -E '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z$' | LC_ALL=C sort || true
}

# What ROOT/latest points to ("" if there is no such link).
latest() {
	if [ -L "$1/latest" ]; then
		readlink "$1/latest"
	fi
}

# True if ROOT/.snap/incomplete is absent or empty.
incomplete_empty() {
	[ ! -e "$1/.snap/incomplete" ] ||
		[ -z "$(find "$1/.snap/incomplete" -mindepth 1 -maxdepth 1)" ]
}

# check_snapshot ROOT NAME: NAME is a committed snapshot and the newest:
# its name has the documented form, latest points to it, its manifest
# exists, nothing is left in .snap/incomplete and ROOT is mode 0700.
check_snapshot() {
	local root=$1 name=$2
	[[ $name =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{6}Z$ ]] ||
		fail "snapshot name '$name' is not like 2026-11-26T101500Z"
	[ -d "$root/$name" ] && [ ! -L "$root/$name" ] ||
		fail "snapshot '$root/$name' is not a directory"
	[ -L "$root/latest" ] || fail "$root/latest is not a symlink"
	[ "$(latest "$root")" = "$name" ] ||
		fail "latest points to '$(latest "$root")', expected '$name'"
	[ "$(newest_snapshot "$root")" = "$name" ] ||
		fail "'$name' is not the newest snapshot: $(snapshots "$root" | tr '\n' ' ')"
	[ -f "$root/.snap/manifests/$name" ] ||
		fail "no manifest $root/.snap/manifests/$name"
	[ "$(head -c 8 "$root/.snap/manifests/$name")" = "SNAPMAN" ] ||
		fail "manifest of $name does not start with the SNAPMAN header"
	incomplete_empty "$root" ||
		fail "$root/.snap/incomplete is not empty: $(ls -A "$root/.snap/incomplete")"
	[ "$(stat -c %a "$root")" = 700 ] ||
		fail "snapshot root has mode $(stat -c %a "$root"), expected 700"
}

# new_snapshot VAR [PREV]: after a successful run, the newest snapshot in
# $ROOT is a new one (not PREV, when given) and passes check_snapshot; its
# name is stored in VAR.
new_snapshot() {
	local _ns_var=$1 _ns_prev=${2:-} _ns_name
	_ns_name=$(newest_snapshot "$ROOT")
	if [ -n "$_ns_prev" ]; then
		[ "$_ns_name" != "$_ns_prev" ] ||
			fail "no new snapshot: the newest is still $_ns_prev"
	fi
	check_snapshot "$ROOT" "$_ns_name"
	printf -v "$_ns_var" '%s' "$_ns_name"
}

# create_snapshot [-q] VAR [PREV]: run_snap [-q] create must exit 0 and make
# a new snapshot (see new_snapshot); its name is stored in VAR.
create_snapshot() {
	local _cs_q=()
	if [ "$1" = -q ]; then
		_cs_q=(-q)
		shift
	fi
	run_snap ${_cs_q[@]+"${_cs_q[@]}"} create
	expect_status 0
	new_snapshot "$@"
}

# create_checked [-q] [-x NAME]... VAR [PREV]: create_snapshot, and then the
# new snapshot's "src" reproduces $SRC (compare_trees, with the -x NAMEs).
create_checked() {
	local _cc_q=() _cc_x=()
	if [ "$1" = -q ]; then
		_cc_q=(-q)
		shift
	fi
	while [ "$1" = -x ]; do
		_cc_x+=(-x "$2")
		shift 2
	done
	create_snapshot ${_cc_q[@]+"${_cc_q[@]}"} "$@"
	compare_trees ${_cc_x[@]+"${_cc_x[@]}"} "$SRC" "$ROOT/${!1}/src"
}

# The seconds since the epoch that a snapshot name stands for.
name_to_epoch() {
	local n=$1
	date -u -d "${n:0:10} ${n:11:2}:${n:13:2}:${n:15:2} UTC" +%s
}

#
# Files and trees
#

# "device:inode" of a path, not following symlinks.
inode() {
	stat -c '%d:%i' -- "$1"
}

same_inode() {
	[ "$(inode "$1")" = "$(inode "$2")" ] ||
		fail "'$1' and '$2' are not the same inode ($(inode "$1") vs $(inode "$2"))"
}

diff_inode() {
	[ "$(inode "$1")" != "$(inode "$2")" ] ||
		fail "'$1' and '$2' are the same inode ($(inode "$1")), expected a copy"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "${3:-value}: got '$1', expected '$2'"
}

assert_exists() {
	[ -e "$1" ] || [ -L "$1" ] || fail "'$1' does not exist"
}

assert_missing() {
	! [ -e "$1" ] && ! [ -L "$1" ] || fail "'$1' exists, expected it absent"
}

# assert_grep ERE FILE [what]: FILE has a line matching ERE.
assert_grep() {
	grep -Eq -- "$1" "$2" || {
		sed 's/^/    | /' "$2"
		fail "${3:-$2} does not match /$1/"
	}
}

assert_not_grep() {
	! grep -Eq -- "$1" "$2" || {
		sed 's/^/    | /' "$2"
		fail "${3:-$2} matches /$1/ but should not"
	}
}

# tree_listing [-x NAME]... DIR: one NUL-terminated record per entry below
# and including DIR, sorted: type, mode, owner, size (not for
# directories, whose size depends on the filesystem), mtime with
# nanoseconds, device number, path, symlink target.
tree_listing() {
	local prune=() dir
	while [ "$1" = -x ]; do
		prune+=(-name "$2" -prune -o)
		shift 2
	done
	dir=$1
	find "$dir" ${prune[@]+"${prune[@]}"} \
		\( -type d -printf 'd %m %U:%G - %T@ %P\0' \) -o \
		\( -type b -printf 'b %m %U:%G - %T@ %P dev\0' \) -o \
		\( -type c -printf 'c %m %U:%G - %T@ %P dev\0' \) -o \
		-printf '%y %m %U:%G %s %T@ %P -> %l\0' | LC_ALL=C sort -z
	# Device numbers (find cannot print them).
	find "$dir" ${prune[@]+"${prune[@]}"} \( -type b -o -type c \) \
		-printf '%P\0' | LC_ALL=C sort -z |
		while IFS= read -r -d '' p; do
			printf 'rdev %s %s\0' "$(stat -c '%t:%T' -- "$dir/$p")" "$p"
		done
}

# compare_trees [-x NAME]... A B: the tree B reproduces A: same entries,
# types, content, modes, owners, ns mtimes, symlink targets, hard-link
# structure, xattrs and ACLs.  -x NAME leaves out entries with that base
# name (a glob) on both sides.  Uses tools nobody here wrote: rsync -ani
# (content by checksum, ns times, -H, -X, -A), diff -r, and find.
compare_trees() {
	local x=() dx=() a b out=$SCRATCH/compare.out rc=0
	while [ "$1" = -x ]; do
		x+=(-x "$2")
		dx+=(--exclude="$2")
		shift 2
	done
	a=$1 b=$2
	[ -d "$a" ] || fail "compare_trees: '$a' is not a directory"
	[ -d "$b" ] || fail "compare_trees: '$b' is not a directory"

	rsync -aniHXAc --modify-window=-1 --delete --dry-run ${dx[@]+"${dx[@]}"} -- "$a/" "$b/" \
		>"$out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$out" ]; then
		sed 's/^/    rsync: /' "$out"
		fail "rsync -ani finds differences between '$a' and '$b' (exit $rc)"
	fi

	# diff -r reads the content of both trees; it reports every pair
	# of special files, so those lines are dropped.
	rc=0
	diff -r --no-dereference ${dx[@]+"${dx[@]}"} -- "$a" "$b" >"$out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] && grep -Ev \
		'^File .* is a (fifo|character special file|block special file|socket) while file .* is a (fifo|character special file|block special file|socket)$' \
		"$out" >"$out.rest"; then
		sed 's/^/    diff: /' "$out.rest"
		fail "diff -r finds differences between '$a' and '$b'"
	fi

	tree_listing ${x[@]+"${x[@]}"} "$a" >"$out.a"
	tree_listing ${x[@]+"${x[@]}"} "$b" >"$out.b"
	if ! cmp -s "$out.a" "$out.b"; then
		diff <(tr '\0' '\n' <"$out.a") <(tr '\0' '\n' <"$out.b") |
			sed 's/^/    listing: /' || true
		fail "'$a' and '$b' differ in types, modes, owners, sizes or ns mtimes"
	fi
}

# All of a file's extended attributes (and ACLs), as a text dump.
xattr_dump() {
	getfattr -h -d -m - -e hex --absolute-names -- "$1" 2>/dev/null |
		grep -v '^# file:' || true
}

# A listing of inode, mode, owner, mtime and content hash of every file
# below DIR: for "history did not change" checks.
history_listing() {
	(cd "$1" && find . -printf '%P %y %i %m %U:%G %T@ %s\n' | LC_ALL=C sort &&
		find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# remember_history NAME: records history_listing of the snapshot $ROOT/NAME
# for a later history_unchanged NAME.
remember_history() {
	history_listing "$ROOT/$1" >"$SCRATCH/history.$1.before"
}

# history_unchanged NAME: the snapshot $ROOT/NAME is what remember_history
# NAME recorded (inodes, metadata and content); the diff is shown if not.
history_unchanged() {
	history_listing "$ROOT/$1" >"$SCRATCH/history.$1.after"
	diff "$SCRATCH/history.$1.before" "$SCRATCH/history.$1.after" ||
		fail "snapshot $1 changed"
}

# True if the user xattr namespace works in DIR.
xattrs_work() {
	local f=$1/.xattr-probe rc=0
	: >"$f"
	setfattr -n user.probe -v 1 "$f" 2>/dev/null || rc=1
	rm -f "$f"
	return "$rc"
}

# True if POSIX ACLs work in DIR.
acls_work() {
	local f=$1/.acl-probe rc=0
	: >"$f"
	setfacl -m u:65534:r "$f" 2>/dev/null || rc=1
	rm -f "$f"
	return "$rc"
}

# The counts in a summary: the number printed next to WORD ("12 linked",
# "linked: 12", "linked 12").  Empty if WORD has no number next to it.
summary_count() {
	local word=$1 file=$2
	grep -Eo "[0-9]+ +(files? +)?$word|$word:? +[0-9]+" "$file" | head -n 1 |
		grep -Eo '[0-9]+' || true
}

# make_sample_tree DIR: a small tree of 40 regular files (one pair of them
# hard-linked) in nested directories, a symlink, a FIFO and an xattr if
# the filesystem has them.  Every file's content is distinct.
make_sample_tree() {
	local d=$1 i
	mkdir -p "$d/a/b/c" "$d/docs" "$d/empty"
	for i in $(seq 1 12); do
		printf 'a file %s\n' "$i" >"$d/a/f$i.txt"
		printf 'b file %s\n' "$i" >"$d/a/b/f$i.txt"
		printf 'doc %s\n%s\n' "$i" "$(seq 1 $((i * 100)))" >"$d/docs/doc$i.txt"
	done
	head -c 100000 /dev/urandom >"$d/a/b/c/blob.bin"
	printf 'top\n' >"$d/top.txt"
	printf 'linked\n' >"$d/hard1"
	ln "$d/hard1" "$d/a/hard2"
	ln -s a/f1.txt "$d/link"
	mkfifo "$d/fifo"
	chmod 0640 "$d/docs/doc3.txt"
	touch -d '2020-02-02 02:02:02.222222222 UTC' "$d/docs/doc2.txt"
	if xattrs_work "$d"; then
		setfattr -n user.tag -v sample "$d/docs/doc1.txt"
	fi
}

# setup_sample_source ROOT: sets SRC=$SCRATCH/src, fills it with
# make_sample_tree, sets ROOT and writes $CONFIG (write_config), which
# stores SRC as "src" in snapshots under ROOT.
setup_sample_source() {
	SRC=$SCRATCH/src
	ROOT=$1
	make_sample_tree "$SRC"
	write_config "$ROOT" "$SRC"
}

# manifest_edit FILE OP ARGS: manifest-edit.py (beside this file) on a
# manifest: list its paths, or forge it with every checksum right.
manifest_edit() {
	python3 "$(dirname "${BASH_SOURCE[0]}")/manifest-edit.py" "$@"
}

# The regular files below DIR, relative, NUL-terminated, sorted.
regular_files() {
	(cd "$1" && find . -type f -printf '%P\0' | LC_ALL=C sort -z)
}

#
# Fidelity: does a copy (a snapshot, a restore) reproduce its source in
# every property?  Each helper prints what differs and returns 1, so a
# test can run them all and report every difference before it fails.
#

# mount_loop_ext4 DIR SIZE_MB [OPTS]: mounts a new ext4 filesystem (an image
# in $SCRATCH) at DIR with the mount options OPTS (default noatime: reads
# then never move an atime, so atimes can be compared after any look).
# Returns 1 (and says why) when that cannot be done here.  Unmounted on
# exit like every mount below $SCRATCH.
mount_loop_ext4() {
	local dir=$1 mb=$2 opts=${3:-noatime} img
	img=$SCRATCH/$(basename "$dir").ext4.img
	command -v mkfs.ext4 >/dev/null 2>&1 || {
		say "no mkfs.ext4"
		return 1
	}
	mkdir -p "$dir"
	truncate -s "${mb}M" "$img" &&
		mkfs.ext4 -q -F -b 4096 -I 256 -E lazy_itable_init=1 "$img" >/dev/null 2>&1 || {
		say "cannot make an ext4 image"
		return 1
	}
	mount -o "loop,$opts" "$img" "$dir" 2>"$SCRATCH/mount.err" || {
		say "cannot mount an ext4 image with -o loop,$opts: $(cat "$SCRATCH/mount.err")"
		return 1
	}
	rmdir "$dir/lost+found"
}

# The entries below DIR (and DIR itself as ".", unless ENTRIES_TOP=no),
# NUL-terminated, sorted.
ENTRIES_TOP=yes
all_entries() {
	local min=0
	[ "$ENTRIES_TOP" = yes ] || min=1
	(cd "$1" && find . -mindepth "$min" -print0 | LC_ALL=C sort -z)
}

# fidelity_listing [-T] [-L] DIR: one line per entry below and including DIR
# (as ".", sorted by name): type, mode with setuid/setgid/sticky, owner and
# group by number, link count, size (not for folders), device number, atime
# and mtime in ns; then one "group:" line per set of names that share an
# inode (across all of DIR).  -T leaves out atimes, -L link counts (which
# later snapshots raise by linking to an inode).
fidelity_listing() {
	local a='%x' h='%h' fmt
	while :; do
		case $1 in
		-T) a=- ;;
		-L) h=- ;;
		*) break ;;
		esac
		shift
	done
	fmt="%F|%a|%u:%g|$h|%s|%t:%T|$a|%y|%n"
	(cd "$1" && all_entries . | TZ=UTC xargs -0 -r stat -c "$fmt" --) |
		awk -F'|' '{ if ($1 == "directory") $5 = "-"; $1 = $1; print }' OFS=' '
	(cd "$1" && find . ! -type d -printf '%i %p\n' | LC_ALL=C sort -k2) |
		awk '{ n[$1]++; g[$1] = g[$1] " " $2 }
		     END { for (i in n) if (n[i] > 1) print "group:" g[i] }' |
		LC_ALL=C sort
}

# xattr_listing DIR: every xattr (ACLs and capabilities included) of every
# entry below and including DIR, symlinks' own, hex values, one
# "./path name=value" line each, sorted.  One getfattr for the tree.
xattr_listing() {
	(cd "$1" && getfattr -R -h -d -m - -e hex . 2>/dev/null) |
		awk -v top="$ENTRIES_TOP" '
			/^# file: / { f = substr($0, 9); next }
			/^$/ { next }
			top == "no" && f == "." { next }
			{ print f " " $0 }' | LC_ALL=C sort
}

# flags_listing DIR: the inode flags (lsattr) a user can set, of every
# regular file and folder below and including DIR, "./path FLAGS", sorted;
# flags the filesystem sets itself (e extents, I indexed, E, N, V, m) are
# left out.
flags_listing() {
	(cd "$1" && all_entries . | xargs -0 -r lsattr -d -- 2>/dev/null) |
		awk '{ f = $1; gsub(/[-eIENVm]/, "", f); if (f == "") f = "-";
		       p = $0; sub(/^[^ ]+ /, "", p); print p " " f }' |
		LC_ALL=C sort
}

# holes_listing DIR: allocated 512-byte blocks and size of every regular
# file below DIR whose name contains "hole".
holes_listing() {
	(cd "$1" && find . -type f -name '*hole*' -printf '%p %b %s\n' | LC_ALL=C sort)
}

# same_listing WHAT A_FILE B_FILE: the two listings are equal; otherwise
# prints the differing lines ("-" for A, "+" for B) and returns 1.
same_listing() {
	local what=$1
	if ! cmp -s "$2" "$3"; then
		diff "$2" "$3" | grep '^[<>]' | sed -e "s/^</    $what: -/" -e "s/^>/    $what: +/"
		return 1
	fi
}

# rsync_same [--no-xattrs] A B: rsync -aHAXnci --numeric-ids (ns times,
# --delete, and --open-noatime so that the look moves no atime; without
# -A and -X with --no-xattrs) finds nothing to do from A to B.  Prints
# every line it found, returns 1 if any.
rsync_same() {
	local out=$SCRATCH/rsync_same.out rc=0 ax=-AX
	if [ "$1" = --no-xattrs ]; then
		ax=
		shift
	fi
	rsync -aHnci $ax --numeric-ids --delete --open-noatime --modify-window=-1 \
		-- "$1/" "$2/" >"$out" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || [ -s "$out" ]; then
		sed 's/^/    rsync: /' "$out"
		[ "$rc" = 0 ] || echo "    rsync: exit status $rc"
		return 1
	fi
}

# crash_driver SCRIPT OPS...: runs the python driver SCRIPT (crash.py,
# powercut.py) on a 256 MiB tmpfs (or $SCRATCH's own filesystem where
# none can be mounted) for the operations OPS, telling it when snap is
# the sanitized build (SNAP_CRASH_SANITIZED: fewer stop points).  Needs
# root (owners and device nodes in the driver's tree); skips without
# python3, rsync, setfattr or user xattrs.  Returns the driver's status.
crash_driver() {
	local script=$1
	shift
	require_root "owners and device nodes in the tree"
	require_cmd rsync setfattr
	[ -x "$PYTHON3" ] || command -v "$PYTHON3" >/dev/null || skip "needs python3"
	mkdir "$SCRATCH/fs"
	if ! mount -t tmpfs -o size=256m,mode=0700 tmpfs "$SCRATCH/fs" 2>/dev/null; then
		say "no tmpfs: working on $(df --output=fstype "$SCRATCH" | tail -n 1)"
	fi
	xattrs_work "$SCRATCH/fs" || skip "no user xattrs on $SCRATCH/fs"
	if [ -z "${SNAP_CRASH_SANITIZED:-}" ] && [ -n "${SNAP_BUILD_DIR:-}" ] &&
		grep -q '^SNAP_SANITIZE:BOOL=ON' "$SNAP_BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
		export SNAP_CRASH_SANITIZED=1
	fi
	"$PYTHON3" "$(dirname "${BASH_SOURCE[0]}")/$script" "$SCRATCH/fs" "$@"
}

# manifest_shape FILE: the records of manifest FILE, one a line in hex,
# each stored inode number replaced by the order in which it first
# appears: two roots' manifests of one source compare equal when their
# records and the structure of shared inodes are.
manifest_shape() {
	python3 - "$1" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
print(data[:16].hex())
pos, seen = 16, {}
while True:
    (n,) = struct.unpack_from("<I", data, pos)
    if n == 0xFFFFFFFF:
        print(data[pos:pos + 12].hex())
        break
    body = bytearray(data[pos + 4:pos + 4 + n])
    ino = bytes(body[66:74])
    if ino != bytes(8):
        body[66:74] = struct.pack("<Q", seen.setdefault(ino, len(seen) + 1))
    print(body.hex())
    pos += 4 + n + 8
EOF
}

# create_both T VAR [EXPECT [MIN]]: a create at time T (SNAP_NOW) of $SRC
# into root $RA (config $CA) with --jobs 1 and into root $RB (config $CB)
# with --jobs 3; both exit EXPECT (default 0), reproduce $SRC, and agree
# on the manifest (manifest_shape, at least MIN records, default 1), the
# warnings in their order (stderr) and the counts.  The name of the new
# snapshot goes to VAR; $ERR of the --jobs 3 run is also in
# $SCRATCH/err.b, that of --jobs 1 in $SCRATCH/err.a.
create_both() {
	local t=$1 var=$2 want=${3:-0} min=${4:-1} name word
	CONFIG=$CA ROOT=$RA
	SNAP_NOW=$t run_snap create --jobs 1
	expect_status "$want" "--jobs 1"
	new_snapshot name
	compare_trees "$SRC" "$RA/$name/src"
	sed "s|$RA|ROOT|g" "$ERR" >"$SCRATCH/err.a"
	cp "$OUT" "$SCRATCH/out.a"
	CONFIG=$CB ROOT=$RB
	SNAP_NOW=$t run_snap create --jobs 3
	expect_status "$want" "--jobs 3"
	[ "$(newest_snapshot "$RB")" = "$name" ] ||
		fail "root B's newest is $(newest_snapshot "$RB"), not $name"
	check_snapshot "$RB" "$name"
	compare_trees "$SRC" "$RB/$name/src"
	sed "s|$RB|ROOT|g" "$ERR" >"$SCRATCH/err.b"
	diff "$SCRATCH/err.a" "$SCRATCH/err.b" ||
		fail "the warnings of --jobs 1 and --jobs 3 differ ($name)"
	for word in linked copied entries; do
		assert_eq "$(summary_count "$word" "$OUT")" \
			"$(summary_count "$word" "$SCRATCH/out.a")" "'$word' count"
	done
	manifest_shape "$RA/.snap/manifests/$name" >"$SCRATCH/shape.a"
	manifest_shape "$RB/.snap/manifests/$name" >"$SCRATCH/shape.b"
	[ "$(wc -l <"$SCRATCH/shape.a")" -ge "$min" ] ||
		fail "manifest of $name has fewer than $min records"
	cmp -s "$SCRATCH/shape.a" "$SCRATCH/shape.b" || {
		diff "$SCRATCH/shape.a" "$SCRATCH/shape.b" | head -n 20
		fail "the manifests of --jobs 1 and --jobs 3 differ ($name)"
	}
	printf -v "$var" '%s' "$name"
}

# fill_links FILE DIR: hard-links FILE into DIR until the filesystem says
# EMLINK; prints "emlink N" or, after 70000 links, "nolimit N".
fill_links() {
	python3 - "$1" "$2" <<'PY'
import errno, os, sys
f, d = sys.argv[1], sys.argv[2]
os.makedirs(d, exist_ok=True)
for i in range(70000):
    try:
        os.link(f, os.path.join(d, str(i)))
    except OSError as e:
        if e.errno == errno.EMLINK:
            print("emlink", i)
            sys.exit(0)
        raise
print("nolimit", 70000)
PY
}

# start_notify_server: starts notify-server.py (as SERVER, see start_bg),
# recording the requests it gets in $REQS; sets PORT.
start_notify_server() {
	REQS=$SCRATCH/requests
	: >"$REQS"
	start_bg SERVER "$PYTHON3" "$(dirname "$0")/notify-server.py" "$REQS" \
		"$SCRATCH/port"
	for _ in $(seq 1 100); do
		[ -s "$SCRATCH/port" ] && break
		sleep 0.1
	done
	[ -s "$SCRATCH/port" ] ||
		fail "the HTTP server did not start: $(cat "$BG_ERR")"
	PORT=$(cat "$SCRATCH/port")
}
