#!/bin/bash
# t1340: reading does not move atimes: create in the source, restore and
# verify in the snapshot (issue 10, point 6).
#
# On the scratch filesystem as it is mounted (relatime is the default:
# a read moves an atime that is older than a day), a source of files and
# folders gets atimes years in the past.  Names are listed before that,
# and afterwards only stat (which reads no folder and no file) looks.
# Proves: after create, every atime in the source is as it was (files,
# and folders, which the walk reads); after restore and after verify,
# every atime in the snapshot is as it was.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=fidelity.sh
. "$(dirname "$0")/fidelity.sh"

require_root "O_NOATIME on files of other owners"
# The options of the mount that holds $SCRATCH (the longest prefix).
if awk -v d="$SCRATCH/" '
	index(d, ($5 == "/" ? "/" : $5 "/")) == 1 && length($5) >= best { best = length($5); o = $6 }
	END { exit !(o ~ /noatime/) }' /proc/self/mountinfo; then
	skip "the scratch filesystem is mounted noatime: reads move no atime anyway"
fi
S=$SCRATCH/src
mkdir -p "$S/a/b" "$S/c" "$SCRATCH/src2"
for f in one a/two a/b/three c/four; do
	head -c 5000 /dev/urandom >"$S/$f"
done
chown 4242:4343 "$S/c/four" "$S/c"
echo two >"$SCRATCH/src2/two"
IN=$SCRATCH
ROOT=$SCRATCH/root
fidelity_config "$ROOT"
# The names, listed before the times are set: later looks use stat only.
(cd "$S" && find . -print0 | LC_ALL=C sort -z) >"$SCRATCH/names"
set_times "$S"

# atimes DIR KIND: "path atime" of each listed name below DIR whose type
# is KIND (f or d).
atimes() {
	local p
	while IFS= read -r -d '' p; do
		if { [ "$2" = f ] && [ -f "$1/$p" ]; } || { [ "$2" = d ] && [ -d "$1/$p" ]; }; then
			printf '%s %s\n' "$p" "$(TZ=UTC stat -c %x -- "$1/$p")"
		fi
	done <"$SCRATCH/names"
}

atimes "$S" f >"$SCRATCH/src.f.before"
atimes "$S" d >"$SCRATCH/src.d.before"
run_snap create
expect_status 0
N=$(newest_snapshot "$ROOT")
atimes "$S" f >"$SCRATCH/src.f.after"
atimes "$S" d >"$SCRATCH/src.d.after"
fid_check "create moved no atime of a source file" \
	same_listing atime "$SCRATCH/src.f.before" "$SCRATCH/src.f.after"
fid_check "create moved no atime of a source folder" \
	same_listing atime "$SCRATCH/src.d.before" "$SCRATCH/src.d.after"

SNAPSRC=$ROOT/$N/src
atimes "$SNAPSRC" f >"$SCRATCH/snap.f.before"
atimes "$SNAPSRC" d >"$SCRATCH/snap.d.before"
fid_check "the snapshot has the source's file atimes" \
	same_listing atime "$SCRATCH/src.f.before" "$SCRATCH/snap.f.before"
run_snap restore "$N" src "$SCRATCH/restored"
fid_check "restore exits 0" expect_status_ok 0
atimes "$SNAPSRC" f >"$SCRATCH/snap.f.restored"
atimes "$SNAPSRC" d >"$SCRATCH/snap.d.restored"
fid_check "restore moved no atime of a stored file" \
	same_listing atime "$SCRATCH/snap.f.before" "$SCRATCH/snap.f.restored"
fid_check "restore moved no atime of a stored folder" \
	same_listing atime "$SCRATCH/snap.d.before" "$SCRATCH/snap.d.restored"
atimes "$SCRATCH/restored" f >"$SCRATCH/restored.f"
fid_check "the restore has the source's file atimes" \
	same_listing atime "$SCRATCH/src.f.before" "$SCRATCH/restored.f"

run_snap verify "$N"
fid_check "verify exits 0" expect_status_ok 0
atimes "$SNAPSRC" f >"$SCRATCH/snap.f.verified"
atimes "$SNAPSRC" d >"$SCRATCH/snap.d.verified"
fid_check "verify moved no atime of a stored file" \
	same_listing atime "$SCRATCH/snap.f.before" "$SCRATCH/snap.f.verified"
fid_check "verify moved no atime of a stored folder" \
	same_listing atime "$SCRATCH/snap.d.before" "$SCRATCH/snap.d.verified"

fid_finish
