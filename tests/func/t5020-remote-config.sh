#!/bin/bash
# t5020: a remote source's config errors are exit status 2 at the
# value's line:column and create nothing (no root, no host contacted): a
# relative remote path, a host that would be an ssh option, a quote left
# open in ssh_command, rsync_path on a local source.  check names a
# valid remote source without contacting it.
. "$(dirname "$0")/lib.sh"

ROOT=$SCRATCH/root

# bad_config LINE:COL WORDS (a regex) with $CONFIG written: exit 2, the
# position and the words on stderr, nothing created.
bad_config() {
	run_snap create
	expect_status 2
	assert_grep "snap.yaml:$1: $2" "$ERR"
	assert_missing "$ROOT"
}

say "a relative remote path"
printf 'snapshot_root: %s\nsources:\n  - path: web1:var/www\n' \
	"$(yaml_str "$ROOT")" >"$CONFIG"
bad_config 3:11 "remote path 'var/www' on 'web1' must be absolute"

say "a host that ssh would take for an option"
printf 'snapshot_root: %s\nsources:\n  - path: "-oProxyCommand=x:/srv"\n' \
	"$(yaml_str "$ROOT")" >"$CONFIG"
bad_config 3:11 "remote source '-oProxyCommand=x:/srv' needs a host name before the ':'"

say "a quote left open in ssh_command"
printf 'snapshot_root: %s\nssh_command: ssh -i "/my key\nsources:\n  - path: web1:/srv\n' \
	"$(yaml_str "$ROOT")" >"$CONFIG"
bad_config 2:14 "'ssh_command' has a quote or backslash left open at byte 8"

say "rsync_path on a local source"
mkdir "$SCRATCH/src"
printf 'snapshot_root: %s\nsources:\n  - path: %s\n    rsync_path: sudo rsync\n' \
	"$(yaml_str "$ROOT")" "$(yaml_str "$SCRATCH/src")" >"$CONFIG"
bad_config 3:11 "source '.*/src' is local; 'ssh_command' and 'rsync_path' are for remote sources"

say "check names a remote source without contacting it"
# A command that would leave a mark if it ever ran.
printf 'snapshot_root: %s\nssh_command: touch %s\nsources:\n  - path: web1:/srv\n' \
	"$(yaml_str "$ROOT")" "$(yaml_str "$SCRATCH/contacted")" >"$CONFIG"
run_snap check
assert_grep "OK: source 'web1:/srv' is remote" "$OUT"
assert_missing "$SCRATCH/contacted"
