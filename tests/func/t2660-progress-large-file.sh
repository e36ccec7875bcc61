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
# shellcheck source=lib-pty.sh
. "$(dirname "$0")/lib-pty.sh"

SRC=$SCRATCH/src
ROOT=$SCRATCH/root
mkdir -p "$SRC"
write_config "$ROOT" "$SRC"
if command -v strace >/dev/null 2>&1 &&
	strace -f -o /dev/null -e trace=none true 2>/dev/null; then
	mib=96
	SNAP_PREFIX=(strace -f -o /dev/null -e trace=pwrite64,write
		-e inject=pwrite64:delay_exit=25000)
	# LeakSanitizer cannot work under ptrace (an ASan build).
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
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
