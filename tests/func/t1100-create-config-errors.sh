#!/bin/bash
# t1100: bad configs and bad usage exit 2, say where, and create nothing.
#
# Each case writes a broken config and runs create.  Proves: exit status
# 2; for config errors stderr says FILE:LINE:COLUMN pointing at the
# offending key or value; the snapshot root is not created (nor anything
# else in the scratch directory).  Then an existing root with a snapshot
# is left as it was by a bad config.  Also: usage errors (unknown command,
# unknown option, a missing config file) exit 2; $SNAP_CONFIG stands in
# for -c.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/sub"
echo data >"$SRC/file"
CONFIG=$SCRATCH/bad.yaml
q_root=$(yaml_str "$ROOT")
q_src=$(yaml_str "$SRC")

# Everything in the scratch directory but the test's own files.
scratch_state() {
	find "$SCRATCH" -mindepth 1 ! -name 'stdout' ! -name 'stderr' ! -name '.scratch.*' \
		! -name '*.yaml' -printf '%P %y %T@\n' | LC_ALL=C sort
}

# bad_config NAME [LINE:COL]: create with the config on stdin must exit 2,
# name bad.yaml:LINE:COL (an ERE, when given; else any position) and
# create nothing.  The position is the offending value's where there is
# one (a key's for an unknown key).
bad_config() {
	local what=$1 where=${2:-}
	say "bad config: $what"
	cat >"$CONFIG"
	sed 's/^/    yaml: /' "$CONFIG"
	scratch_state >"$SCRATCH/.scratch.before"
	run_snap create
	expect_status 2 "$what"
	[ -s "$ERR" ] || fail "$what: nothing on stderr"
	if [ -n "$where" ]; then
		assert_grep "bad\.yaml:($where):" "$ERR" "stderr for $what"
	else
		assert_grep 'bad\.yaml:[0-9]+:[0-9]+:' "$ERR" "stderr for $what"
	fi
	assert_missing "$ROOT"
	scratch_state >"$SCRATCH/.scratch.after"
	diff "$SCRATCH/.scratch.before" "$SCRATCH/.scratch.after" ||
		fail "$what: the run created something"
}

bad_config "unknown top-level key" 2:1 <<EOF
snapshot_root: $q_root
retian: {last: 3}
sources:
  - path: $q_src
EOF

bad_config "unknown key in a source" 5:5 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: src
    exlude: ["*.tmp"]
EOF

bad_config "the same dest twice" 6:11 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: data
  - path: $(yaml_str "$SRC/sub")
    dest: data
EOF

bad_config "overlapping dests" 6:11 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: data
  - path: $(yaml_str "$SRC/sub")
    dest: data/sub
EOF

bad_config "overlapping default dests" 4:11 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
  - path: $(yaml_str "$SRC/sub")
EOF

bad_config "YAML syntax error" <<EOF
snapshot_root: $q_root
sources:
  - path: [$q_src
EOF

bad_config "no snapshot_root" <<EOF
sources:
  - path: $q_src
EOF

bad_config "no sources" 2:10 <<EOF
snapshot_root: $q_root
sources: []
EOF

bad_config "a boolean that is not one" 5:22 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: src
    one_file_system: maybe
EOF

bad_config "checksum not a boolean" 2:11 <<EOF
snapshot_root: $q_root
checksum: 12
sources:
  - path: $q_src
EOF

bad_config "a dest that climbs out" 4:11 <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: ../outside
EOF

bad_config "sources not a list" 2:10 <<EOF
snapshot_root: $q_root
sources: $q_src
EOF

say "a bad config leaves an existing root as it was"
CONFIG=$SCRATCH/good.yaml
write_config "$ROOT" "$SRC"
create_snapshot N1
find "$ROOT" -printf '%P %i %T@ %s\n' | sort >"$SCRATCH/root.before"
CONFIG=$SCRATCH/bad2.yaml
cat >"$CONFIG" <<EOF
snapshot_root: $q_root
sources:
  - path: $q_src
    dest: src
    exclude: "*.tmp"
    bogus: 1
EOF
run_snap create
expect_status 2 "bad config on an existing root"
assert_grep 'bad2\.yaml:[0-9]+:[0-9]+:' "$ERR" "stderr"
find "$ROOT" -printf '%P %i %T@ %s\n' | sort >"$SCRATCH/root.after"
diff "$SCRATCH/root.before" "$SCRATCH/root.after" || fail "a bad config changed the root"

say "usage errors"
CONFIG=$SCRATCH/good.yaml
run_snap no-such-command
expect_status 2 "unknown command"
[ -s "$ERR" ] || fail "unknown command: nothing on stderr"
run_snap --no-such-option create
expect_status 2 "unknown option"
run_snap create --no-such-option
expect_status 2 "unknown create option"
CONFIG=$SCRATCH/does-not-exist.yaml
run_snap create
expect_status 2 "missing config file"
assert_grep 'does-not-exist\.yaml' "$ERR" "stderr for a missing config file"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N1 " "snapshots after the usage errors"

say "without -c, \$SNAP_CONFIG names the config"
STATUS=0
SNAP_CONFIG=$SCRATCH/good.yaml timeout 300 "$SNAP" create >"$OUT" 2>"$ERR" || STATUS=$?
show_output
expect_status 0 "create with SNAP_CONFIG"
N2=$(newest_snapshot "$ROOT")
[ "$N2" != "$N1" ] || fail "SNAP_CONFIG was not used"
check_snapshot "$ROOT" "$N2"

say "a snapshot root inside the source: refused, or kept out of the snapshot"
CONFIG=$SCRATCH/inside.yaml
write_config "$SRC/sub/snaps" "$SRC"
run_snap create
case $STATUS in
2) assert_missing "$SRC/sub/snaps" ;;
0)
	N=$(newest_snapshot "$SRC/sub/snaps")
	check_snapshot "$SRC/sub/snaps" "$N"
	[ -z "$(ls -A "$SRC/sub/snaps/$N/src/sub/snaps" 2>/dev/null)" ] ||
		fail "the snapshot contains the snapshot root"
	run_snap create
	expect_status 0
	N=$(newest_snapshot "$SRC/sub/snaps")
	[ -z "$(ls -A "$SRC/sub/snaps/$N/src/sub/snaps" 2>/dev/null)" ] ||
		fail "the second snapshot contains the earlier snapshots"
	;;
*) fail "snap exited $STATUS for a snapshot root inside the source" ;;
esac

echo "ok"
