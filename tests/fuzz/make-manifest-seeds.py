#!/usr/bin/env python3
"""make-manifest-seeds.py DIR: writes seed inputs for fuzz_manifest.

Each seed is fuzz_manifest's input: one control byte, then a manifest in
the format of src/manifest.c.  The checksums are left as zeros and the
control byte (2) tells the harness to compute them and the trailer's
record count, so this script needs no XXH3.
"""
import os
import struct
import sys

TYPES = {'reg': 1, 'dir': 2, 'symlink': 3, 'fifo': 4, 'chr': 5, 'blk': 6,
         'sock': 7}
MODES = {'reg': 0o100644, 'dir': 0o40755, 'symlink': 0o120777,
         'fifo': 0o10644, 'chr': 0o20600, 'blk': 0o60660, 'sock': 0o140755}


def record(kind, path, target=b'', hashed=False, size=0):
    body = struct.pack('<BBIIIIQqIqIQQQQ', TYPES[kind], 1 if hashed else 0,
                       MODES[kind], 1000, 1000, 1, size, 1795000000, 5,
                       1795000001, 6, 42, 0x0801 if kind in ('chr', 'blk')
                       else 0, 4242, 0)
    body += (bytes(range(16)) if hashed else bytes(16))
    body += struct.pack('<II', len(path), len(target)) + path + target
    assert len(body) == 106 + len(path) + len(target)
    return struct.pack('<I', len(body)) + body + bytes(8)


def manifest(records, control=2):
    head = b'SNAPMAN\n' + struct.pack('<II', 1, 0)
    trailer = struct.pack('<IQQ', 0xFFFFFFFF, 0, 0)
    return bytes([control]) + head + b''.join(records) + trailer


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    seeds = {
        'empty': manifest([]),
        'every-type': manifest([
            record('dir', b''),
            record('dir', b'etc'),
            record('reg', b'etc/fstab', hashed=True, size=512),
            record('symlink', b'etc/mtab', target=b'/proc/self/mounts',
                   size=17),
            record('fifo', b'etc/pipe'),
            record('chr', b'etc/tty'),
            record('blk', b'etc/sda'),
            record('sock', b'etc/sock'),
        ]),
        # Walk order: '/' sorts below every other byte.
        'walk-order': manifest([
            record('dir', b'a'), record('reg', b'a/b'),
            record('reg', b'a-c'), record('reg', b'a.txt'),
        ]),
        'raw-bad-sums': manifest([record('reg', b'x')], control=0),
        'truncated': manifest([record('reg', b'x')])[:60],
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
