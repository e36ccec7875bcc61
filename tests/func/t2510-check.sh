#!/bin/bash
# t2510: snap check reports a good setup as OK and names each problem.
#
# Proves: before the first run (root absent, parent writable) and after it,
# every check says OK and the exit status is 0 (3 only with the low-space
# warning, printed with its numbers); --json parses; a flipped byte in a
# manifest is a PROBLEM naming that manifest, exit 1; a snapshot folder
# without its manifest is a problem; a missing source that is the only
# one is a problem (t2640 has the rest); a root that is not writable
# (mode 0500, checked as user nobody when run as root, else as ourselves)
# is a problem, exit 1.  -q prints only problems and warnings; under the
# journal problems are <3>, warnings <4>, OK lines <6>.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

# expect_ok: exit 0, or 3 when the one warning is low space.
expect_ok() {
	if [ "$STATUS" = 3 ]; then
		assert_grep '^WARNING: only .* free of .* \(' "$OUT" "low-space warning"
		[ "$(grep -c '^WARNING:' "$OUT")" = 1 ] || fail "warnings besides low space"
	else
		expect_status 0 "$1"
	fi
	assert_not_grep '^PROBLEM:' "$OUT"
}

setup_sample_source "$SCRATCH/backups"

say "before the first run"
run_snap check
expect_ok "before the first run"
assert_grep "^OK: source '$SRC' is readable" "$OUT"
assert_grep '^OK: snapshot root .* does not exist yet' "$OUT"
assert_grep '^(OK|WARNING): .* free of ' "$OUT"

say "after a snapshot"
create_snapshot N1
run_snap check
expect_ok "good setup"
assert_grep '^OK: snapshot root .* is writable' "$OUT"
assert_grep '^OK: .* and its \.snap/ are on one filesystem' "$OUT"
assert_grep '^OK: 1 manifest read to the end' "$OUT"
run_snap --json check
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d and all(x["status"] in ("ok","warning") for x in d), d' "$OUT" ||
	fail "check --json does not parse or reports a problem"

say "a corrupted manifest"
M=$ROOT/.snap/manifests/$N1
cp -p "$M" "$SCRATCH/manifest.good"
size=$(stat -c %s "$M")
python3 - "$M" $((size / 2)) <<'PY'
import sys
path, off = sys.argv[1], int(sys.argv[2])
with open(path, "r+b") as f:
    f.seek(off)
    b = f.read(1)
    f.seek(off)
    f.write(bytes([b[0] ^ 0x40]))
PY
run_snap check
expect_status 1 "corrupted manifest"
assert_grep "^PROBLEM: manifest .*$N1.* is corrupt" "$OUT"
cp -p "$SCRATCH/manifest.good" "$M"
run_snap check
expect_ok "manifest restored"

say "a snapshot folder without its manifest"
mv "$M" "$SCRATCH/manifest.moved"
run_snap check
expect_status 1 "folder without manifest"
assert_grep "^PROBLEM: snapshot folder .*$N1.* has no manifest" "$OUT"

say "-q: only the problems; under the journal they are <3>, OK lines <6>"
run_snap -q check
expect_status 1 "folder without manifest, -q"
assert_grep "^PROBLEM: snapshot folder .*$N1.* has no manifest" "$OUT"
assert_not_grep '^OK:' "$OUT" "check -q"
assert_grep '^1 problem found$' "$OUT" "check -q"
LOG=$SCRATCH/journal.log
: >"$LOG"
STATUS=0
JOURNAL_STREAM=$(stat -c '%d:%i' "$LOG") "$SNAP" -c "$CONFIG" check >>"$LOG" 2>&1 ||
	STATUS=$?
sed 's/^/    journal: /' "$LOG"
expect_status 1 "folder without manifest, journal"
assert_grep "^<3>PROBLEM: snapshot folder .*$N1" "$LOG" "the journal"
assert_grep '^<3>1 problem found$' "$LOG" "the journal"
assert_grep "^<6>OK: source '$SRC' is readable" "$LOG" "the journal"
if grep -nEv '^<[346]>(OK|WARNING|PROBLEM|1 problem)' "$LOG"; then
	fail "check lines without their priority under the journal (above)"
fi
mv "$SCRATCH/manifest.moved" "$M"

say "a missing source: a problem when it is the only one"
GOOD_CONFIG=$CONFIG
CONFIG=$SCRATCH/missing-source.yaml
write_config "$ROOT" "$SCRATCH/no-such-source"
run_snap check
expect_status 1 "missing source"
assert_grep "^PROBLEM: source '.*no-such-source' does not exist; it is the only source" "$OUT"
CONFIG=$GOOD_CONFIG

say "a root that is not writable"
if [ "$(id -u)" = 0 ]; then
	if ! command -v setpriv >/dev/null || ! getent passwd nobody >/dev/null ||
		! getent group nogroup >/dev/null; then
		echo "note: no setpriv or no nobody/nogroup; not testing a read-only root"
		echo "ok"
		exit 0
	fi
	# A setup that user nobody owns, with the root at mode 0500.
	chmod 0711 "$SCRATCH"
	mkdir "$SCRATCH/ro-src" "$SCRATCH/ro-root"
	echo data >"$SCRATCH/ro-src/file"
	chmod -R a+rX "$SCRATCH/ro-src"
	chown nobody:nogroup "$SCRATCH/ro-root"
	chmod 0500 "$SCRATCH/ro-root"
	CONFIG=$SCRATCH/ro.yaml
	write_config "$SCRATCH/ro-root" "$SCRATCH/ro-src"
	chmod 0644 "$CONFIG"
	# nobody may not reach the build's binary (a checkout under /root):
	# run a copy from the scratch folder.
	cp "$SNAP" "$SCRATCH/snap-for-nobody"
	chmod 0755 "$SCRATCH/snap-for-nobody"
	SNAP_MAIN=$SNAP
	SNAP=$SCRATCH/snap-for-nobody
	SNAP_PREFIX=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	run_snap check
	SNAP_PREFIX=()
	SNAP=$SNAP_MAIN
	expect_status 1 "read-only root"
	assert_grep "^PROBLEM: snapshot root '$SCRATCH/ro-root' is not writable" "$OUT"
else
	chmod 0500 "$ROOT"
	run_snap check
	chmod 0700 "$ROOT"
	expect_status 1 "read-only root"
	assert_grep "^PROBLEM: snapshot root '$ROOT' is not writable" "$OUT"
fi

echo "ok"
