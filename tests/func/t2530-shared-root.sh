#!/bin/bash
# t2530: the snapshot root and .snap are for root only (issue 9.2).
#
# A root that others may enter lets any user read, through a snapshot,
# a file that a 0700 folder protects at the source, and lets a file's
# owner rewrite her files in old snapshots (they are hard links).
# Proves: a new root and .snap are made 0700 (even under umask 0), and
# so are the folders made up for a dest's parents; an existing root or
# .snap that group or others can read or enter (0755, 0710, 0701) makes
# create (also --dry-run), list, diff, log, restore, verify, du, prune
# and delete exit 2 with the chmod to run, changing nothing; check calls
# it a PROBLEM (exit 1); with allow_shared_root: true they all run, and
# check says the root is shared on purpose.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/d"
echo data >"$SRC/d/file"
write_config "$ROOT" "$SRC"
cat >>"$CONFIG" <<EOT
  - path: $(yaml_str "$SRC/d")
    dest: made/up/parents
EOT

say "a new root: 0700, .snap and made-up parents too, whatever the umask"
(umask 0 && run_snap create) || true
run_snap create
expect_status 0
N1=$(newest_snapshot "$ROOT")
check_snapshot "$ROOT" "$N1"
assert_eq "$(stat -c %a "$ROOT/.snap")" 700 "mode of .snap"
assert_eq "$(stat -c %a "$ROOT/$N1/made")" 700 "mode of a made-up parent"
assert_eq "$(stat -c %a "$ROOT/$N1/made/up")" 700 "mode of a made-up parent"

state() {
	find "$ROOT" -printf '%P %y %m %T@\n' | LC_ALL=C sort
}

# refused DIR: with DIR open to others, every command that opens the
# store exits 2 naming "chmod 700 'DIR'", and nothing changes.
refused() {
	local dir=$1 before cmd
	before=$(state)
	for cmd in create "create --dry-run" list "diff" "log d/file" \
		"restore latest / $SCRATCH/out" "verify --all" du prune \
		"delete --force $N1"; do
		say "$(stat -c %a "$dir") on $dir: $cmd"
		# shellcheck disable=SC2086
		run_snap $cmd
		expect_status 2 "$cmd"
		assert_grep "chmod 700 '$dir'" "$ERR" "stderr of $cmd"
		assert_missing "$SCRATCH/out"
	done
	[ "$before" = "$(state)" ] || fail "a refused command changed the root"
	run_snap check
	expect_status 1
	assert_grep "^PROBLEM: .*'$dir'.*chmod 700 '$dir'" "$OUT"
}

chmod 755 "$ROOT"
refused "$ROOT"
chmod 710 "$ROOT"
refused "$ROOT"
chmod 701 "$ROOT"
refused "$ROOT"
chmod 700 "$ROOT"
chmod 750 "$ROOT/.snap"
refused "$ROOT/.snap"

say "allow_shared_root: true"
chmod 755 "$ROOT"
echo "allow_shared_root: true" >>"$CONFIG"
run_snap create
expect_status 0
N2=$(newest_snapshot "$ROOT")
[ "$N2" != "$N1" ] || fail "no new snapshot"
assert_eq "$(stat -c %a "$ROOT")" 755 "the root's mode is left as it is"
run_snap list
expect_status 0
assert_grep "$N2" "$OUT"
run_snap check
assert_not_grep "PROBLEM" "$OUT"
assert_grep "^OK: .*allow_shared_root" "$OUT"
say "passed"
