#!/usr/bin/env python3
"""seccomp-deny.py NR[,NR...] CMD [ARGS]: runs CMD with the system calls
numbered NR failing with EPERM, as a seccomp filter (systemd's
SystemCallFilter= with SystemCallErrorNumber=EPERM) makes them fail:
the way to force the path a program takes when the kernel refuses a call.

The filter holds for CMD and everything it starts.  Linux only; the
numbers are the running architecture's (e.g. 451 for cachestat on
x86_64 and arm64).  Exits 77 when the kernel refuses the filter.
"""
import ctypes
import errno
import os
import struct
import sys

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
BPF_LD_W_ABS = 0x20      # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15         # BPF_JMP | BPF_JEQ | BPF_K
BPF_RET_K = 0x06         # BPF_RET | BPF_K


def insn(code, jt, jf, k):
    return struct.pack("=HBBI", code, jt, jf, k)


def program(numbers):
    """Load the call number (offset 0 of struct seccomp_data); for each
    denied number jump to the EPERM return; otherwise allow."""
    n = len(numbers)
    prog = [insn(BPF_LD_W_ABS, 0, 0, 0)]
    for i, nr in enumerate(numbers):
        # Equal: skip the remaining compares and the ALLOW.
        prog.append(insn(BPF_JEQ_K, n - i, 0, nr))
    prog.append(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ALLOW))
    prog.append(insn(BPF_RET_K, 0, 0, SECCOMP_RET_ERRNO | errno.EPERM))
    return prog


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    numbers = [int(x) for x in sys.argv[1].split(",")]
    code = b"".join(program(numbers))
    buf = ctypes.create_string_buffer(code, len(code))
    # struct sock_fprog: unsigned short len; struct sock_filter *filter.
    fprog = struct.pack("=HxxxxxxQ", len(code) // 8, ctypes.addressof(buf))
    fbuf = ctypes.create_string_buffer(fprog, len(fprog))
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong,
                           ctypes.c_ulong, ctypes.c_ulong]
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 or \
            libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER,
                       ctypes.addressof(fbuf), 0, 0) != 0:
        print("seccomp-deny: the kernel refuses a filter: %s"
              % os.strerror(ctypes.get_errno()), file=sys.stderr)
        sys.exit(77)
    os.execvp(sys.argv[2], sys.argv[2:])


main()
