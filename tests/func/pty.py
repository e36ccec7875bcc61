#!/usr/bin/env python3
# pty.py: the progress tests' terminal (lib-pty.sh).
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
