#!/bin/bash
# t1505: the content index of the previous snapshot is built only when a
# changed or new file asks for it (issue 14).
#
# The index costs 32 to 64 bytes per stored file and is read from the
# previous manifest.  Counted with strace (opens of that manifest):
#   - an unchanged run reads it twice: once through to check its
#     checksum before anything is linked against it, once merge-joined
#     with the walk; never a third time for the index;
#   - a run with one moved file reads it a third time, for the index,
#     and links the moved file by content (the index works when asked);
#   - both snapshots reproduce the source (rsync -ani, diff -r).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd rsync
require_cmd strace

setup_sample_source "$SCRATCH/root"

# opens NAME PREV: snap create under strace; sets OPENS to the number of
# times it opened the manifest of snapshot PREV.
opens() {
	STATUS=0
	# LeakSanitizer cannot work under ptrace (an ASan build).
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -e trace=openat -o "$SCRATCH/$1.tr" "$SNAP" -q -c "$CONFIG" \
		create >"$SCRATCH/$1.out" 2>"$SCRATCH/$1.err" || STATUS=$?
	[ "$STATUS" = 0 ] || {
		cat "$SCRATCH/$1.err"
		fail "snap create exited with $STATUS"
	}
	# The snapshot's folder has the same name: O_DIRECTORY tells it.
	OPENS=$(grep -E "openat\(.*\"$2\"" "$SCRATCH/$1.tr" |
		grep -vc O_DIRECTORY || true)
}

say "first snapshot"
create_snapshot -q N1

say "unchanged tree: no index"
opens same "$N1"
new_snapshot N2 "$N1"
compare_trees "$SRC" "$ROOT/$N2/src"
assert_eq "$OPENS" 2 "opens of the previous manifest in an unchanged run"

say "a moved file: the index is built and finds it"
mkdir "$SRC/moved"
mv "$SRC/a/b/c/blob.bin" "$SRC/moved/blob.bin"
opens moved "$N2"
new_snapshot N3 "$N2"
compare_trees "$SRC" "$ROOT/$N3/src"
same_inode "$ROOT/$N2/src/a/b/c/blob.bin" "$ROOT/$N3/src/moved/blob.bin"
assert_eq "$OPENS" 3 "opens of the previous manifest when a file asks"
