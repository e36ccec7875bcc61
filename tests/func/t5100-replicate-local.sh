#!/bin/bash
# t5100: snap replicate from a local path (a second disk).  Ten daily
# snapshots are copied under their names, each equal to the primary's
# (rsync -aHAXnci, manifest, summary, label), the replica's verify
# --all passes and list, diff and restore work on it; one more snapshot
# costs only what changed (the unchanged files share the replica's
# previous inodes, nothing else is read, du says so); an edit that kept
# size and mtime is fetched again; a replicate killed with kill -9 in the
# middle of a transfer publishes nothing and the next run goes on from
# what it had copied; a snapshot the replica lacks that is
# older than its newest is not copied (a warning, or nothing when retain
# would prune it anyway); create and diff --source refuse a replica;
# replicate_from with sources, or neither, is a config error.
. "$(dirname "$0")/lib.sh"
require_cmd rsync setsid

SRC=$SCRATCH/src
PRIMARY=$SCRATCH/primary
ROOT=$SCRATCH/replica
PCONF=$SCRATCH/primary.yaml
RCONF=$SCRATCH/replica.yaml
make_sample_tree "$SRC"
cat >"$PCONF" <<CONF
snapshot_root: $(yaml_str "$PRIMARY")
sources:
  - path: $(yaml_str "$SRC")
    dest: home/src
CONF
cat >"$RCONF" <<CONF
snapshot_root: $(yaml_str "$ROOT")
replicate_from: $(yaml_str "$PRIMARY")
CONF
DAY0=1767225600		# 2026-01-01T00:00:00Z

# primary_create N [ARGS]: the primary's snapshot of day N.
primary_create() {
	local n=$1
	shift
	CONFIG=$PCONF SNAP_NOW=$((DAY0 + n * 86400 + 3600)) run_snap create "$@"
	expect_status 0
}

# same_snapshot NAME: the replica's NAME is the primary's, file for file,
# with the same manifest records (but the stored inode) and summary.
same_snapshot() {
	local name=$1
	rsync_same "$PRIMARY/$name" "$ROOT/$name" ||
		fail "replica's $name differs from the primary's"
	cmp -s "$PRIMARY/.snap/manifests/$name.summary" \
		"$ROOT/.snap/manifests/$name.summary" ||
		fail "the summary of $name was not carried over"
	diff <(manifest_edit "$PRIMARY/.snap/manifests/$name" paths) \
		<(manifest_edit "$ROOT/.snap/manifests/$name" paths) >/dev/null ||
		fail "the manifest of $name lists other paths"
}

say "ten daily snapshots on the primary, one file changed each day"
for d in $(seq 1 10); do
	printf 'day %s\n' "$d" >>"$SRC/a/f1.txt"
	if [ "$d" = 4 ]; then
		primary_create "$d" --label "before the upgrade"
	else
		primary_create "$d"
	fi
done
mapfile -t PSNAPS < <(snapshots "$PRIMARY")
assert_eq "${#PSNAPS[@]}" 10

say "replicate copies all ten, oldest first, under their names"
CONFIG=$RCONF
run_snap replicate
expect_status 0
assert_grep '10 copied' "$OUT"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$(snapshots "$PRIMARY" | tr '\n' ' ')"
assert_eq "$(manifests "$ROOT" | tr '\n' ' ')" "$(snapshots "$PRIMARY" | tr '\n' ' ')"
check_snapshot "$ROOT" "${PSNAPS[9]}"
for s in "${PSNAPS[@]}"; do
	same_snapshot "$s"
done
[ -z "$(ls -A "$ROOT/.snap/incomplete")" ] || fail ".snap/incomplete is not empty"
[ ! -e "$ROOT/.snap/replicate" ] || fail ".snap/replicate was left behind"
# Each snapshot after the first links its unchanged files to the one before.
for i in $(seq 1 9); do
	same_inode "$ROOT/${PSNAPS[$((i - 1))]}/home/src/docs/doc5.txt" \
		"$ROOT/${PSNAPS[$i]}/home/src/docs/doc5.txt"
	diff_inode "$ROOT/${PSNAPS[$((i - 1))]}/home/src/a/f1.txt" \
		"$ROOT/${PSNAPS[$i]}/home/src/a/f1.txt"
done
# Hard links inside a snapshot stay hard links.
same_inode "$ROOT/${PSNAPS[9]}/home/src/hard1" "$ROOT/${PSNAPS[9]}/home/src/a/hard2"

say "the replica is a full snap root: list, verify --all, diff, restore"
run_snap list
expect_status 0
assert_grep 'before the upgrade' "$OUT"
run_snap verify --all
expect_status 0
assert_not_grep 'copied or moved' "$OUT"
run_snap diff "${PSNAPS[8]}" "${PSNAPS[9]}"
expect_status 0
assert_grep 'a/f1.txt' "$OUT"
run_snap restore "${PSNAPS[9]}" home/src "$SCRATCH/restored"
expect_status 0
compare_trees "$SRC" "$SCRATCH/restored"

say "nothing new: nothing copied, nothing read"
run_snap replicate
expect_status 0
assert_grep '0 copied, 10 present' "$OUT"
assert_grep '0 files read' "$OUT"

say "one more snapshot costs only what changed"
printf 'day 11\n' >>"$SRC/a/f1.txt"
primary_create 11
S11=$(newest_snapshot "$PRIMARY")
run_snap replicate
expect_status 0
assert_grep '1 copied' "$OUT"
# Only the changed file was written, so only it was read to check.
assert_grep ' 1 files read' "$OUT"
same_snapshot "$S11"
check_snapshot "$ROOT" "$S11"
n_new=0
while IFS= read -r -d '' f; do
	if [ "$(inode "$ROOT/${PSNAPS[9]}/$f")" != "$(inode "$ROOT/$S11/$f")" ]; then
		n_new=$((n_new + 1))
		[ "$f" = home/src/a/f1.txt ] || fail "'$f' was stored anew"
	fi
done < <(regular_files "$ROOT/$S11")
assert_eq "$n_new" 1
# du counts each inode once: the new snapshot adds its folders and the
# one changed file, far less than the 100 kB blob it shares.
du_new=$(du -s -B1 "$ROOT/${PSNAPS[9]}" "$ROOT/$S11" | tail -n 1 | cut -f1)
say "du of the new snapshot beside the one before: $du_new bytes"
[ "$du_new" -lt 90000 ] || fail "the new snapshot takes $du_new bytes"
blob=$ROOT/$S11/home/src/a/b/c/blob.bin
[ "$(stat -c %h "$blob")" = 11 ] ||
	fail "the blob has $(stat -c %h "$blob") links, expected 11 (one per snapshot)"

say "an edit that kept size and mtime is fetched again, not linked"
f=$SRC/docs/doc7.txt
cp -p "$f" "$SCRATCH/doc7.orig"
tr '0-9' '1-90' <"$SCRATCH/doc7.orig" >"$f"
touch -r "$SCRATCH/doc7.orig" "$f"
primary_create 12
S12=$(newest_snapshot "$PRIMARY")
run_snap -v replicate
expect_status 0
assert_grep 'fetched again' "$OUT"
same_snapshot "$S12"
cmp "$f" "$ROOT/$S12/home/src/docs/doc7.txt" ||
	fail "the replica kept the old content of doc7.txt"
diff_inode "$ROOT/$S11/home/src/docs/doc7.txt" "$ROOT/$S12/home/src/docs/doc7.txt"
cmp -s "$SCRATCH/doc7.orig" "$ROOT/$S11/home/src/docs/doc7.txt" ||
	fail "the replica's earlier doc7.txt changed"
run_snap verify --all
expect_status 0

say "kill -9 in the middle of a local transfer, then go on"
# A stand-in rsync first in PATH slows the transfer (--bwlimit), so the
# kill lands in the middle of the big file.
mkdir "$SCRATCH/slowbin"
cat >"$SCRATCH/slowbin/rsync" <<SH
#!/bin/sh
PATH=$(yaml_str "$PATH")
exec rsync --bwlimit=2000 "\$@"
SH
chmod 755 "$SCRATCH/slowbin/rsync"
mkdir -p "$SRC/zz"
head -c 8000000 /dev/urandom >"$SRC/zz/big.bin"
primary_create 13
S13=$(newest_snapshot "$PRIMARY")
remember_history "$S12"
start_bg PID env PATH="$SCRATCH/slowbin:$PATH" setsid "$SNAP" -c "$RCONF" replicate
for i in $(seq 1 600); do
	big=$(find "$ROOT/.snap/incomplete/$S13/home/src/zz" -name '.big.bin.*' \
		-size +100k 2>/dev/null | wc -l)
	[ "$big" -ge 1 ] && break
	kill -0 "$PID" 2>/dev/null || { cat "$BG_OUT" "$BG_ERR"; fail "replicate ended before the kill"; }
	sleep 0.1
done
[ "$big" -ge 1 ] || fail "the transfer never got to the big file"
kill -KILL -- "-$PID"
wait "$PID" 2>/dev/null || true
sleep 0.5
assert_missing "$ROOT/$S13"
assert_eq "$(latest "$ROOT")" "$S12"
history_unchanged "$S12"
run_snap replicate
expect_status 0
assert_grep "going on with the interrupted copy of '$S13'" "$OUT"
same_snapshot "$S13"
check_snapshot "$ROOT" "$S13"
run_snap verify --all
expect_status 0

say "a snapshot the replica lacks, older than its newest, is not copied"
run_snap delete "${PSNAPS[5]}"
expect_status 0
run_snap replicate
expect_status 3
assert_grep "${PSNAPS[5]}.*not copied" "$ERR"
assert_missing "$ROOT/${PSNAPS[5]}"

say "with a retain that would prune it anyway, it is not even a warning"
printf 'retain: {last: 3}\n' >>"$RCONF"
run_snap replicate
expect_status 0
assert_eq "$(snapshot_count "$ROOT")" 4	# 3 and the labelled one
assert_exists "$ROOT/${PSNAPS[3]}"
run_snap replicate
expect_status 0
assert_grep '0 copied' "$OUT"
run_snap verify --all
expect_status 0

say "create and diff --source refuse a replica"
run_snap create
expect_status 2
assert_grep 'replicate' "$ERR"
run_snap diff --source
expect_status 2

say "replicate refuses a config with sources"
CONFIG=$PCONF run_snap replicate
expect_status 2
assert_grep 'replicate_from' "$ERR"

say "replicate_from with sources, or neither, or into itself, is a config error"
BAD=$SCRATCH/bad.yaml
cat >"$BAD" <<CONF
snapshot_root: $(yaml_str "$SCRATCH/r2")
replicate_from: $(yaml_str "$PRIMARY")
sources:
  - path: $(yaml_str "$SRC")
CONF
CONFIG=$BAD run_snap check
expect_status 2
assert_grep 'bad.yaml:3:[0-9]*:.*exclude each other' "$ERR"
printf 'snapshot_root: %s\n' "$(yaml_str "$SCRATCH/r2")" >"$BAD"
CONFIG=$BAD run_snap check
expect_status 2
assert_grep "bad.yaml:1:1: missing required key 'sources'" "$ERR"
printf 'snapshot_root: %s\nreplicate_from: %s\n' "$(yaml_str "$PRIMARY")" \
	"$(yaml_str "$PRIMARY/")" >"$BAD"
CONFIG=$BAD run_snap check
expect_status 2
assert_grep 'bad.yaml:2:[0-9]*:.*same' "$ERR"
printf 'snapshot_root: %s\nreplicate_from: %s\nhooks: {on_error: [true]}\n' \
	"$(yaml_str "$SCRATCH/r2")" "$(yaml_str "$PRIMARY")" >"$BAD"
CONFIG=$BAD run_snap check
expect_status 2
assert_grep "bad.yaml:3:[0-9]*:.*'hooks' has no meaning" "$ERR"
say "ok"
