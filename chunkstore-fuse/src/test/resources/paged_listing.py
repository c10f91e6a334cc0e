"""Pages through a large directory with getdents64 and a 4 KiB buffer, changing it between pages.

usage: paged_listing.py DIR
Makes u0..u1499 and x0..x299 in DIR, reads one page, then deletes every x name, makes c0..c299
and lists DIR once from the start (another reader), and reads the remaining pages. Prints every
name the paged reader got, one per line ("." and ".." left out).
"""
import ctypes
import os
import struct
import sys

PAD = "-a-name-long-enough-to-fill-pages-quickly"
SYS_GETDENTS64 = 217  # x86-64

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def page(fd, buf):
    n = libc.syscall(SYS_GETDENTS64, fd, buf, len(buf))
    if n < 0:
        raise OSError(ctypes.get_errno(), "getdents64")
    names, pos = [], 0
    while pos < n:
        _ino, _off, reclen, _type = struct.unpack_from("<QqHB", buf, pos)
        name = buf.raw[pos + 19:pos + reclen].split(b"\0", 1)[0].decode()
        if name not in (".", ".."):
            names.append(name)
        pos += reclen
    return names


def main(d):
    for i in range(1500):
        open(os.path.join(d, "u%d%s" % (i, PAD)), "w").close()
    for i in range(300):
        open(os.path.join(d, "x%d%s" % (i, PAD)), "w").close()
    buf = ctypes.create_string_buffer(4096)
    fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
    seen = page(fd, buf)
    for i in range(300):
        os.unlink(os.path.join(d, "x%d%s" % (i, PAD)))
    for i in range(300):
        open(os.path.join(d, "c%d%s" % (i, PAD)), "w").close()
    if len(os.listdir(d)) != 1800:
        sys.exit("another reader's listing is not 1800 names")
    while True:
        names = page(fd, buf)
        if not names:
            break
        seen.extend(names)
    os.close(fd)
    print("\n".join(seen))


main(sys.argv[1])
