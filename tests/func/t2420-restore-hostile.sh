#!/bin/bash
# t2420: a restore target's owner cannot turn a root restore against the
# system, and a restore never writes into the store.
#
# As root, a snapshot of many FIFOs, sockets and symlinks is restored
# into a folder that user nobody owns, while nobody swaps every name that
# appears there for a symlink to a root-owned 0600 file, in a loop, over
# many rounds, with --overwrite into folders nobody made beforehand.  Proves: the root-owned file keeps its mode and owner (a
# metadata call that followed a swapped name would chmod it 4777); the
# restore finishes.  Then: a DEST inside the snapshot root (a snapshot,
# latest, .snap, or a symlink that leads there) exits 2 and changes
# nothing in the store.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_root
require_cmd python3 setpriv
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3 for user nobody"
getent passwd nobody >/dev/null || skip "no user nobody"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC/nodes"
NFIFO=1000
for i in $(seq 1 $NFIFO); do
	mkfifo "$SRC/nodes/fifo$i"
	ln -s "target$i" "$SRC/nodes/link$i"
done
python3 -c '
import socket, sys
for i in range(1, 21):
	socket.socket(socket.AF_UNIX).bind(sys.argv[1] + "/sock%d" % i)
' "$SRC/nodes"
chmod 4777 "$SRC/nodes"/sock* "$SRC/nodes"/fifo*
write_config "$ROOT" "$SRC"
create_snapshot N1

# The file an attacker would like to own: root's, 0600.
SECRET=$SCRATCH/secret
echo "root only" >"$SECRET"
chmod 0600 "$SECRET"
want=$(stat -c '%a %u:%g' "$SECRET")

# nobody's folder, reachable by nobody.
chmod 0711 "$SCRATCH"
USERDIR=$SCRATCH/userdir
mkdir "$USERDIR"
chown nobody: "$USERDIR"

# The swapper: renames a symlink to SECRET over every name that appears
# below the user's folder, as fast as it can, until told to stop.
cat >"$SCRATCH/swap.py" <<'EOF'
import os, stat, sys, time
nodes, secret, stop, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
names = [os.path.join(nodes, "fifo%d" % i) for i in range(1, count + 1)]
tmp = os.path.join(os.path.dirname(nodes), "evil")
deadline = time.time() + 120
open(sys.argv[5], "w").close()	# ready
while not os.path.exists(stop) and time.time() < deadline:
	for name in names:
		try:
			if not stat.S_ISFIFO(os.lstat(name).st_mode):
				continue
			os.symlink(secret, tmp)
			os.rename(tmp, name)
		except OSError:
			try:
				os.unlink(tmp)
			except OSError:
				pass
EOF

say "restore into a folder whose owner swaps names for symlinks"
for round in $(seq 1 10); do
	rm -rf "${USERDIR:?}"/* "$SCRATCH/stop"
	# The attacker makes the folders the restore will fill, as --overwrite
	# lets a restore reuse them, and waits in them.
	mkdir -p "$USERDIR/dest$round/nodes"
	chown -R nobody: "$USERDIR/dest$round"
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
		/usr/bin/python3 "$SCRATCH/swap.py" "$USERDIR/dest$round/nodes" "$SECRET" \
		"$SCRATCH/stop" "$NFIFO" "$USERDIR/ready" &
	swapper=$!
	for _ in $(seq 1 100); do
		[ -e "$USERDIR/ready" ] && break
		sleep 0.1
	done
	run_snap restore "$N1" src "$USERDIR/dest$round" --overwrite
	touch "$SCRATCH/stop"
	wait "$swapper" || true
	case $STATUS in 0 | 1 | 3) ;; *) fail "restore round $round: exit $STATUS" ;; esac
	got=$(stat -c '%a %u:%g' "$SECRET")
	assert_eq "$got" "$want" "mode and owner of a root file after round $round"
done

say "a restore without an attacker keeps every node"
rm -rf "$SCRATCH/clean"
run_snap restore "$N1" src "$SCRATCH/clean"
assert_eq "$STATUS" 0 "restore exit status"
[ -p "$SCRATCH/clean/nodes/fifo7" ] || fail "fifo7 is not a FIFO"
[ -S "$SCRATCH/clean/nodes/sock7" ] || fail "sock7 is not a socket"
assert_eq "$(stat -c %a "$SCRATCH/clean/nodes/fifo7")" 4777 "FIFO mode"
assert_eq "$(stat -c %a "$SCRATCH/clean/nodes/sock7")" 4777 "socket mode"
assert_eq "$(readlink "$SCRATCH/clean/nodes/link7")" target7 "symlink target"
leftover=$(find "$SCRATCH/clean" -name '.snap-node.*' | head -1)
[ -z "$leftover" ] || fail "a private node folder was left behind: $leftover"

say "a DEST inside the snapshot root is refused"
remember_history "$N1"
ln -s "$ROOT/$N1" "$SCRATCH/into-store"
for dest in "$ROOT/$N1/src/nodes/new" "$ROOT/latest/src/x" \
	"$ROOT/.snap/x" "$ROOT/x" "$SCRATCH/into-store/x"; do
	run_snap restore "$N1" src/nodes/fifo1 "$dest" --overwrite
	assert_eq "$STATUS" 2 "restore into $dest"
	assert_grep 'inside the snapshot root' "$ERR" "why $dest is refused"
	assert_missing "$dest"
done
run_snap restore "$N1" src/nodes/link1 "$ROOT/$N1/src/nodes/link2" --overwrite
assert_eq "$STATUS" 2 "restore over a stored file"
history_unchanged "$N1"

echo "ok"
