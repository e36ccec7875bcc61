#!/bin/bash
# t2640: a missing local source is a warning, and the rest is backed up.
#
# Proves: with two sources, one that does not exist, is a file, or (with
# require_mount: true) is a folder that is no mount point makes create
# exit 3 with a warning naming it; its folder in the new snapshot is the
# previous copy, the very inodes, equal to it (rsync), so diff shows no
# change; the summary, list and list --json and create --json name it
# missing.  A missing source never backed up has no folder.  With
# required: true, or as the only source, create exits 1 and writes
# nothing.  prune (retain last: 1) keeps the newest snapshot with a real
# copy of the missing source ("last-copy"), and lets it go once the
# source is back; the files that come back are linked unchanged, not
# copied.  check warns about a missing source, and calls a required one
# a problem.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3 rsync

SRC=$SCRATCH/src
USB=$SCRATCH/usb
ROOT=$SCRATCH/root
make_sample_tree "$SRC"
mkdir -p "$USB/photos/2026"
for i in 1 2 3; do
	head -c $((i * 1000)) /dev/urandom >"$USB/photos/2026/img$i.jpg"
done
ln "$USB/photos/2026/img1.jpg" "$USB/photos/img1-again.jpg"
ln -s 2026/img2.jpg "$USB/photos/latest.jpg"
printf 'notes\n' >"$USB/notes.txt"
nusb=5

# config [EXTRA_USB_YAML]: src and usb (and EXTRA_USB_YAML in usb's
# mapping), keeping only the newest snapshot.
config() {
	write_config "$ROOT" "$SRC"
	{
		printf '  - path: %s\n    dest: usb\n' "$(yaml_str "$USB")"
		[ $# -eq 0 ] || printf '%s\n' "$1"
		printf 'retain: {last: 1}\n'
	} >>"$CONFIG"
}
T=1780000000
at() {
	T=$((T + 3600))
	SNAP_NOW=$T run_snap "$@"
}

config
say "both sources there"
at create
expect_status 0
new_snapshot N1
ino_img3=$(inode "$ROOT/$N1/usb/photos/2026/img3.jpg")

say "the usb source does not exist"
mv "$USB" "$SCRATCH/usb.away"
at create
expect_status 3 "a missing source"
new_snapshot N2 "$N1"
assert_grep "warning: source '$USB' does not exist; its folder 'usb' in this snapshot is the copy of snapshot $N1, unchanged \(stale\)" "$ERR"
assert_grep "^  missing    usb: the source was missing" "$OUT"
assert_grep '^missing usb$' "$ROOT/.snap/manifests/$N2.summary"
compare_trees "$SCRATCH/usb.away" "$ROOT/$N2/usb"
compare_trees "$SRC" "$ROOT/$N2/src"
for f in photos/2026/img1.jpg photos/2026/img3.jpg notes.txt; do
	same_inode "$ROOT/$N1/usb/$f" "$ROOT/$N2/usb/$f"
done
same_inode "$ROOT/$N2/usb/photos/2026/img1.jpg" "$ROOT/$N2/usb/photos/img1-again.jpg"
assert_eq "$(summary_count copied "$OUT")" 0 "files copied for a stale copy"
at diff "$N1" "$N2"
expect_status 0
assert_eq "$(wc -l <"$OUT")" 0 "diff lines between the real and the stale copy"
# retain last: 1, but N1 holds the only real copy of usb.
assert_exists "$ROOT/$N1"
at list
expect_status 0
assert_grep "^  missing source: usb " "$OUT"
[ "$(grep -c '^  missing source:' "$OUT")" = 1 ] || fail "one missing line in list"
at --json list
expect_status 0
assert_eq "$(json_get '[s["missing"] for s in j]')" "[[], ['usb']]" "list --json missing"
at prune --dry-run
expect_status 0
assert_grep "^keep +$N1 +last-copy$" "$OUT"

say "usb is a file"
printf 'not a folder\n' >"$USB"
at --json create
expect_status 3 "a source that is a file"
new_snapshot N3 "$N2"
assert_grep "source '$USB' is not a folder; its folder 'usb' in this snapshot is the copy of snapshot $N2" "$ERR"
assert_eq "$(json_get 'j["missing"]')" "['usb']" "create --json missing"
compare_trees "$SCRATCH/usb.away" "$ROOT/$N3/usb"
rm "$USB"

say "usb is a folder but not mounted (require_mount: true)"
mv "$SCRATCH/usb.away" "$USB"
config "    require_mount: true"
at create
expect_status 3 "an unmounted source"
new_snapshot N4 "$N3"
assert_grep "source '$USB' is not mounted \(it says require_mount: true\)" "$ERR"
same_inode "$ROOT/$N1/usb/notes.txt" "$ROOT/$N4/usb/notes.txt"
assert_exists "$ROOT/$N1"
at check
expect_status 3 "check with an unmounted source"
assert_grep "^WARNING: source '$USB' is not mounted" "$OUT"

say "required: true and missing: no snapshot"
mv "$USB" "$SCRATCH/usb.away"
config "    required: true"
at check
expect_status 1 "check with a required missing source"
assert_grep "^PROBLEM: source '$USB' does not exist; it is required" "$OUT"
before=$(snapshots "$ROOT" | tr '\n' ' ')
at create
expect_status 1 "a required source missing"
assert_grep "error: source '$USB' does not exist, and it is required \(required: true\)" "$ERR"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$before" "snapshots after a failed run"
incomplete_empty "$ROOT" || fail "a failed run left files in .snap/incomplete"

say "the only source missing: no snapshot"
GOOD=$CONFIG
CONFIG=$SCRATCH/only.yaml
write_config "$ROOT" "$SCRATCH/usb"
at create
expect_status 1 "the only source missing"
assert_grep "does not exist, and it is the only source" "$ERR"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$before" "snapshots after a failed run"
CONFIG=$GOOD

say "a source never backed up is missing: no folder"
config "  - path: $(yaml_str "$SCRATCH/never")
    dest: never"
at create
expect_status 3
new_snapshot N5 "$N4"
assert_grep "source '$SCRATCH/never' does not exist; no earlier snapshot holds a copy of it, so this one has no 'never'" "$ERR"
assert_missing "$ROOT/$N5/never"
assert_grep '^missing never$' "$ROOT/.snap/manifests/$N5.summary"

say "usb is back: linked unchanged, and the old real copy may go"
mv "$SCRATCH/usb.away" "$USB"
config
at create
expect_status 0
new_snapshot N6 "$N5"
assert_eq "$(summary_count copied "$OUT")" 0 "files copied when the source came back"
assert_eq "$(inode "$ROOT/$N6/usb/photos/2026/img3.jpg")" "$ino_img3" "inode of a file that came back"
compare_trees "$USB" "$ROOT/$N6/usb"
assert_missing "$ROOT/$N1"
assert_eq "$(snapshots "$ROOT" | tr '\n' ' ')" "$N6 " "snapshots once every source is back"
echo ok
