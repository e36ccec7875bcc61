#!/bin/bash
# t1160: a source or a metrics_file inside the snapshot root is a config
# error (issue 9.11); a snapshot root inside a source is not.
#
# A source that is the root, or lies in it, made create recurse into its
# own incomplete tree; a metrics_file in a snapshot rewrote a completed
# snapshot after every run.  Proves: each is refused at load with exit 2,
# FILE:LINE:COL pointing at the path, for create, check and list alike,
# and nothing is created; paths are compared after resolving symlinks (a
# symlink into the root, a root reached through a symlink) and, where
# they do not exist yet, as written ("a/../root/x"); a root inside a
# source is still fine (create exits 0 and leaves the root out), and so
# is a source whose name merely starts with the root's ("root2").
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC" "$ROOT/sub" "$SCRATCH/root2"
echo data >"$SRC/file"
ln -s "$ROOT/sub" "$SCRATCH/link-into-root"
ln -s "$ROOT" "$SCRATCH/link-to-root"

# refused WHAT LINE:COL WORDS: run create, check and list on $CONFIG: exit
# 2, naming the position and WORDS (an ERE), with the root left as it was.
refused() {
	local what=$1 where=$2 words=$3 cmd before
	before=$(find "$ROOT" "$SRC" -printf '%p %y\n' | LC_ALL=C sort)
	for cmd in create check list; do
		say "$what: $cmd"
		run_snap "$cmd"
		expect_status 2 "$what: $cmd"
		assert_grep "snap\.yaml:$where: .*$words" "$ERR" "stderr of $cmd"
	done
	[ "$before" = "$(find "$ROOT" "$SRC" -printf '%p %y\n' | LC_ALL=C sort)" ] ||
		fail "$what: something was created"
}

write_config "$ROOT" "$ROOT"
refused "source is the root" 3:11 "source '.*/root' is the snapshot root"

write_config "$ROOT" "$ROOT/sub"
refused "source inside the root" 3:11 "source '.*/root/sub' is inside the snapshot root"

write_config "$ROOT" "$SCRATCH/link-into-root"
refused "source reaching into the root through a symlink" 3:11 \
	"source '.*/link-into-root' is inside the snapshot root"

write_config "$SCRATCH/link-to-root" "$ROOT/sub"
refused "root reached through a symlink" 3:11 "is inside the snapshot root"

write_config "$ROOT" "$SRC"
echo "metrics_file: $(yaml_str "$ROOT/sub/snap.prom")" >>"$CONFIG"
refused "metrics_file inside the root" 5:15 \
	"metrics_file '.*/root/sub/snap.prom' is inside the snapshot root"

rm -rf "$ROOT"
write_config "$ROOT" "$SRC"
echo "metrics_file: $(yaml_str "$SCRATCH/x/../root/latest/snap.prom")" >>"$CONFIG"
say "metrics_file inside a root that does not exist yet"
run_snap create
expect_status 2
assert_grep "snap\.yaml:5:15: metrics_file .* is inside the snapshot root" "$ERR"
assert_missing "$ROOT"

say "a root inside a source is left out of it"
mkdir -p "$SRC/backup"
ROOT=$SRC/backup/root
write_config "$ROOT" "$SRC"
create_snapshot N1
assert_exists "$ROOT/$N1/src/file"
assert_missing "$ROOT/$N1/src/backup/root"

say "a source named like the root but beside it"
ROOT=$SCRATCH/root
mkdir -p "$ROOT"
chmod 700 "$ROOT"
echo x >"$SCRATCH/root2/f"
write_config "$ROOT" "$SCRATCH/root2"
echo "metrics_file: $(yaml_str "$SCRATCH/root2.prom")" >>"$CONFIG"
create_snapshot N2
assert_exists "$ROOT/$N2/src/f"
say "passed"
