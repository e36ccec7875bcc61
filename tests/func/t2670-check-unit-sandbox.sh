#!/bin/bash
# t2670: check says whether the systemd unit's sandbox lets it write.
#
# For a config that a shipped unit runs (CONFIGDIR/snap.yaml for
# snap.service, CONFIGDIR/NAME.yaml for snap@NAME.service; the test
# points SNAP_TEST_UNIT_CONFIG_DIR at a folder of its own), check
# proves: snap.service (ProtectSystem=strict) may write
# /var/backups/snap and the node-exporter folder and nothing else: a
# root on /srv gets a WARNING with the exact drop-in (ReadWritePaths=
# for the root, and "-" the metrics folder); snap@NAME.service
# (ProtectSystem=full) writes /srv, /mnt and /var as it is, and gets the
# drop-in for a root below /home (ProtectHome=read-only), and a warning
# for one below /etc; a root in /tmp (the unit's private /tmp) gets
# PrivateTmp=no.  --json carries the same text.  A config elsewhere gets
# no unit line.  Only check runs: nothing outside the scratch folder is
# written.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3

ETC=$SCRATCH/etc
mkdir -p "$ETC" "$SCRATCH/src"
export SNAP_TEST_UNIT_CONFIG_DIR=$ETC

# unit_config NAME ROOT [METRICS]: $ETC/NAME.yaml, and CONFIG names it.
unit_config() {
	CONFIG=$ETC/$1.yaml
	{
		printf 'snapshot_root: %s\n' "$(yaml_str "$2")"
		printf 'sources:\n  - path: %s\n' "$(yaml_str "$SCRATCH/src")"
		[ $# -lt 3 ] || printf 'metrics_file: %s\n' "$(yaml_str "$3")"
	} >"$CONFIG"
	chmod 600 "$CONFIG"
}

# The unit lines check printed (the drop-in lines follow a WARNING).
unit_lines() {
	grep -A3 '\.service' "$OUT" || true
}

say "snap.service, the default root and metrics folder"
unit_config snap /var/backups/snap /var/lib/prometheus/node-exporter/snap.prom
run_snap check
assert_grep "^OK: snap\.service may write snapshot root '/var/backups/snap' and the metrics folder '/var/lib/prometheus/node-exporter'$" "$OUT"

say "snap.service, a root on /srv: the drop-in"
unit_config snap /srv/backup/snap /srv/metrics/snap.prom
run_snap check
cat >"$SCRATCH/want" <<'EOF2'
WARNING: snap.service cannot write snapshot root '/srv/backup/snap' (ProtectSystem=strict); add this drop-in with 'systemctl edit snap.service':
    [Service]
    ReadWritePaths=/srv/backup/snap
    ReadWritePaths=-/srv/metrics
EOF2
grep -A3 '^WARNING: snap\.service' "$OUT" >"$SCRATCH/got" || true
diff -u "$SCRATCH/want" "$SCRATCH/got" || fail "the drop-in for snap.service"
run_snap --json check
python3 - "$OUT" <<'PY' || fail "check --json: the drop-in"
import json, sys
j = json.load(open(sys.argv[1]))
w = [x["check"] for x in j if "snap.service" in x["check"]]
assert len(w) == 1 and w[0].endswith("\n    [Service]\n    ReadWritePaths=/srv/backup/snap\n    ReadWritePaths=-/srv/metrics"), w
assert [x["status"] for x in j if "snap.service" in x["check"]] == ["warning"]
PY

say "snap.service, the metrics file elsewhere only"
unit_config snap /var/backups/snap /srv/metrics/snap.prom
run_snap check
assert_grep "^WARNING: snap\.service cannot write the metrics folder '/srv/metrics' \(ProtectSystem=strict\)" "$OUT"
assert_grep "^    ReadWritePaths=-/srv/metrics$" "$OUT"
assert_not_grep "^    ReadWritePaths=/var/backups/snap" "$OUT"

say "snap@usb.service: /srv, /mnt and /var as they are"
for r in /srv/backup/snap /mnt/usb/snap /var/backups/usb; do
	unit_config usb "$r"
	run_snap check
	assert_grep "^OK: snap@usb\.service may write snapshot root '$r'$" "$OUT"
done

say "snap@usb.service: below /home, the drop-in; below /etc, a warning"
unit_config usb /home/backup/snap
run_snap check
assert_grep "^WARNING: snap@usb\.service cannot write snapshot root '/home/backup/snap' \(ProtectHome=read-only\); add this drop-in with 'systemctl edit snap@usb\.service':$" "$OUT"
assert_grep "^    ReadWritePaths=/home/backup/snap$" "$OUT"
unit_config usb /etc/snapshots
run_snap check
assert_grep "^WARNING: snap@usb\.service cannot write snapshot root '/etc/snapshots' \(ProtectSystem=full\)" "$OUT"

case $SCRATCH in
/tmp/* | /var/tmp/*)
	say "a root in /tmp: the unit's /tmp is its own"
	unit_config usb "$SCRATCH/root"
	run_snap check
	assert_grep "^WARNING: snap@usb\.service cannot write snapshot root '$SCRATCH/root' \(PrivateTmp=yes" "$OUT"
	assert_grep "^    PrivateTmp=no$" "$OUT"
	assert_not_grep "^    ReadWritePaths=" "$OUT"
	;;
esac

say "a config the units do not run: no unit line"
unit_config usb /srv/backup/snap
mv "$CONFIG" "$SCRATCH/usb.yaml"
CONFIG=$SCRATCH/usb.yaml
run_snap check
[ -z "$(unit_lines)" ] || fail "a unit line for a config no unit runs"
echo ok
