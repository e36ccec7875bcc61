#!/usr/bin/env python3
"""manifest-edit.py: read and rewrite snap manifests for the tests.

A test that must show what snap does with a forged manifest needs one
whose checksums are right, or the reader stops at the checksum and the
check under test never runs.  This rewrites a manifest record by record
(src/manifest.h has the layout), recomputing every record checksum and
the trailer with the XXH3-64 of the system's libxxhash.

  manifest-edit.py FILE paths              print the record paths, one a line
  manifest-edit.py FILE records            print each record in hex, one a
                                           line, a folder's ctime and inodes
                                           (new each run) as zeros
  manifest-edit.py FILE rename OLD NEW     give the record with path OLD path NEW
  manifest-edit.py FILE drop PATH          leave the record with path PATH out
"""
import ctypes
import ctypes.util
import struct
import sys

FIXED_LEN = 106

lib = ctypes.CDLL(ctypes.util.find_library("xxhash") or "libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]


def xxh3(data):
    return lib.XXH3_64bits(data, len(data))


def read(path):
    with open(path, "rb") as f:
        data = f.read()
    header, pos, bodies = data[:16], 16, []
    while True:
        (n,) = struct.unpack_from("<I", data, pos)
        if n == 0xFFFFFFFF:
            return header, bodies
        bodies.append(data[pos + 4:pos + 4 + n])
        pos += 4 + n + 8


def body_path(body):
    (plen,) = struct.unpack_from("<I", body, 98)
    return body[FIXED_LEN:FIXED_LEN + plen]


def with_path(body, new):
    plen, tlen = struct.unpack_from("<II", body, 98)
    target = body[FIXED_LEN + plen:FIXED_LEN + plen + tlen]
    return (body[:98] + struct.pack("<II", len(new), tlen) + new + target)


def write(path, header, bodies):
    out = bytearray(header)
    for b in bodies:
        out += struct.pack("<I", len(b)) + b + struct.pack("<Q", xxh3(b))
    # The file checksum covers every byte before the trailer's mark.
    out += struct.pack("<IQQ", 0xFFFFFFFF, len(bodies), xxh3(bytes(out)))
    with open(path, "wb") as f:
        f.write(out)


def main(argv):
    path, op, args = argv[1], argv[2], [a.encode() for a in argv[3:]]
    header, bodies = read(path)
    if op == "paths":
        for b in bodies:
            sys.stdout.buffer.write(body_path(b) + b"\n")
        return 0
    if op == "records":
        for b in bodies:
            if b[0] == 2:  # ENTRY_DIR: ctime, ino (38..58), stored_ino
                b = b[:38] + bytes(20) + b[58:66] + bytes(8) + b[74:]
            print(b.hex())
        return 0
    hits = [i for i, b in enumerate(bodies) if body_path(b) == args[0]]
    if len(hits) != 1:
        sys.exit("manifest-edit.py: no record '%s' in %s" % (argv[3], path))
    if op == "rename":
        bodies[hits[0]] = with_path(bodies[hits[0]], args[1])
    elif op == "drop":
        del bodies[hits[0]]
    else:
        sys.exit("manifest-edit.py: unknown operation " + op)
    write(path, header, bodies)
    return 0


sys.exit(main(sys.argv))
