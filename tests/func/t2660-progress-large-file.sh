#!/bin/bash
# t2660: the progress line moves while one large file is copied.
#
# create runs under a pseudo-terminal (python3's pty, TERM=xterm) on a
# source that is one file of 96 MiB.  Each write of the copy is slowed
# down by 25 ms with strace's fault injection (about 2.5 s for the file),
# or, without strace, the file is 300 MiB read past the page cache.
# Proves: at least two progress lines with different byte counts, each
# more than 0 and less than the file's size, are drawn while that one
# file is copied (the entry count does not change between them), and the
# copy is whole.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
require_cmd python3
python3 -c 'import pty, termios, fcntl' 2>/dev/null ||
	skip "python3 has no pty module"

PTY=$SCRATCH/pty.py
cat >"$PTY" <<'PY'
"""run OUT COLS CMD...: CMD under a new pty of COLS columns, everything it
writes in OUT, its exit status ours.
screen OUT: what a terminal shows after replaying OUT, one line each.
draws OUT: each progress line drawn ("\r" TEXT "\033[K"), one a line."""
import fcntl, os, re, struct, subprocess, sys, termios

def run(out, cols, cmd):
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave,
                         stderr=slave, start_new_session=True)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child side is closed
            break
        if not chunk:
            break
        data += chunk
    with open(out, "wb") as f:
        f.write(data)
    return p.wait()

def screen(raw):
    # The pty turns "\n" into "\r\n"; a terminal moves down on "\n".
    lines = []
    for seg in raw.replace(b"\r\n", b"\n").split(b"\n"):
        line, col, i = bytearray(), 0, 0
        while i < len(seg):
            if seg[i:i + 3] == b"\x1b[K":
                del line[col:]
                i += 3
            elif seg[i:i + 1] == b"\r":
                col, i = 0, i + 1
            else:
                if col < len(line):
                    line[col] = seg[i]
                else:
                    line.append(seg[i])
                col, i = col + 1, i + 1
        lines.append(line.decode("utf-8", "replace"))
    if lines and lines[-1] == "":
        lines.pop()
    return lines

if sys.argv[1] == "run":
    sys.exit(run(sys.argv[2], int(sys.argv[3]), sys.argv[4:]))
raw = open(sys.argv[2], "rb").read()
if sys.argv[1] == "screen":
    for l in screen(raw):
        print(l)
elif sys.argv[1] == "draws":
    for m in re.finditer(rb"\r([^\r\n\x1b]+)\x1b\[K", raw):
        print(m.group(1).decode())
PY

# pty_run NAME ARGS...: snap ARGS under a pty; raw output in
# $SCRATCH/NAME.raw, the final screen in NAME.screen, the progress lines
# drawn in NAME.draws; sets STATUS.
pty_run() {
	local name=$1
	shift
	RAW=$SCRATCH/$name.raw
	SCREEN=$SCRATCH/$name.screen
	DRAWS=$SCRATCH/$name.draws
	STATUS=0
	echo "+ (pty) snap -c $CONFIG $*"
	env TERM=xterm timeout -k 10 "$SNAP_TIMEOUT" \
		python3 "$PTY" run "$RAW" 100 ${SNAP_PREFIX[@]+"${SNAP_PREFIX[@]}"} \
		"$SNAP" -c "$CONFIG" "$@" || STATUS=$?
	python3 "$PTY" screen "$RAW" >"$SCREEN"
	python3 "$PTY" draws "$RAW" >"$DRAWS"
	echo "    $(wc -l <"$DRAWS") progress lines drawn; the screen:"
	sed 's/^/    | /' "$SCREEN"
}

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
write_config "$ROOT" "$SRC"
if command -v strace >/dev/null 2>&1 &&
	strace -f -o /dev/null -e trace=none true 2>/dev/null; then
	mib=96
	SNAP_PREFIX=(strace -f -o /dev/null -e trace=pwrite64,write
		-e inject=pwrite64:delay_exit=25000)
else
	mib=300
fi
head -c $((mib << 20)) /dev/zero | tr '\0' 'x' >"$SRC/big.bin"
# Read from the disk, not from the page cache, where there is no strace.
dd if="$SRC/big.bin" iflag=nocache count=0 status=none 2>/dev/null || true

pty_run create create
expect_status 0
SNAP_PREFIX=()
cmp "$SRC/big.bin" "$ROOT/$(newest_snapshot "$ROOT")/src/big.bin" ||
	fail "the copy differs"
sed 's/^/    draw: /' "$DRAWS"
python3 - "$DRAWS" "$mib" <<'PY' || fail "fewer than two progress lines inside the file"
import re, sys
units = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30}
size = int(sys.argv[2]) << 20
inside = set()
for line in open(sys.argv[1]):
    m = re.match(r"create: (\d+)(?:/\d+)? entries, ([\d.]+) (B|KiB|MiB|GiB)", line)
    if not m:
        continue
    n = float(m.group(2)) * units[m.group(3)]
    if 0 < n < size:
        inside.add((m.group(1), m.group(2)))
entries = {e for e, _ in inside}
print("    drawn inside the file:", sorted(inside))
sys.exit(0 if len(inside) >= 2 and len(entries) == 1 else 1)
PY
echo ok
