#!/usr/bin/env python3
"""A fixed sequence of POSIX operations, for a differential test of a file system.

Usage: posix_ops.py DIR

Runs every operation in DIR (which should be empty) and prints one line per operation:
'<name>: OK [values]' or '<name>: <ERRNO NAME>'. Run it on the file system under test and on a
reference (ext4) and diff the outputs.

It prints nothing that legitimately differs between file systems: no inode numbers, st_blocks,
directory sizes, times other than ones it set itself (or 'now' as a yes/no), nor the root
directory's link count.
"""
import ctypes
import ctypes.util
import errno
import hashlib
import os
import random
import stat
import sys
import time

D = sys.argv[1]
os.chdir(D)
os.umask(0o022)

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
AT_FDCWD = -100
UTIME_NOW = (1 << 30) - 1
UTIME_OMIT = (1 << 30) - 2


class Timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long)]


def check(ret, path):
    if ret != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)


def utimensat(path, atime, mtime):
    """atime and mtime are (sec, nsec) pairs; nsec may be UTIME_NOW or UTIME_OMIT."""
    ts = (Timespec * 2)(Timespec(*atime), Timespec(*mtime))
    check(libc.utimensat(AT_FDCWD, path.encode(), ts, 0), path)


def access(path, mode):
    check(libc.access(path.encode(), mode), path)


def run(name, fn):
    try:
        r = fn()
        line = name + ": OK" + ("" if r is None else " " + str(r))
    except OSError as e:
        line = name + ": " + errno.errorcode.get(e.errno, str(e.errno))
    print(line, flush=True)


def kind(m):
    for test, k in ((stat.S_ISDIR, "dir"), (stat.S_ISREG, "file"), (stat.S_ISLNK, "link"), (stat.S_ISFIFO, "fifo"),
                    (stat.S_ISSOCK, "sock"), (stat.S_ISCHR, "chr"), (stat.S_ISBLK, "blk")):
        if test(m):
            return k
    return "?"


def describe(st, nlink=True):
    s = "%s mode=%04o uid=%d gid=%d" % (kind(st.st_mode), stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid)
    if not stat.S_ISDIR(st.st_mode):
        s += " size=%d" % st.st_size
    if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
        s += " rdev=%d,%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
    if nlink:
        s += " nlink=%d" % st.st_nlink
    return s


def lst(path):
    return describe(os.lstat(path))


def content(path):
    with open(path, "rb") as f:
        data = f.read()
    return digest(data)


def digest(data):
    if len(data) <= 64:
        return repr(data)
    return "len=%d sha256=%s" % (len(data), hashlib.sha256(data).hexdigest()[:16])


def write_file(path, data, mode=0o644):
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return "wrote=%d" % len(data)


def recent(ns, before, after):
    # the kernel stamps with a coarse clock that may lag the one Python reads by a tick
    return "now" if before - 1_000_000_000 <= ns <= after + 1_000_000_000 else "not-now(%d)" % ns


def times(path):
    st = os.lstat(path)
    return "atime=%d mtime=%d" % (st.st_atime_ns, st.st_mtime_ns)


rnd = random.Random(20240601)
BIG = rnd.randbytes(1 << 20)

# ---- getattr, readdir of an empty directory
run("readdir empty root", lambda: sorted(os.listdir(".")))
run("stat root", lambda: describe(os.stat("."), nlink=False))

# ---- create, open, read, write
def create_excl():
    fd = os.open("f1", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    n = os.write(fd, b"hello world\n")
    os.close(fd)
    return "wrote=%d %s" % (n, lst("f1"))
run("create f1", create_excl)
run("read f1", lambda: content("f1"))
run("create f1 O_EXCL again", lambda: os.open("f1", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
run("open missing", lambda: os.open("missing", os.O_RDONLY))

def pwrite_pread():
    fd = os.open("f1", os.O_RDWR)
    try:
        os.pwrite(fd, b"HELLO", 0)
        a = os.pread(fd, 100, 0)
        b = os.pread(fd, 5, 6)
        c = os.pread(fd, 10, 100)
        return "%r %r %r size=%d" % (a, b, c, os.fstat(fd).st_size)
    finally:
        os.close(fd)
run("pwrite/pread f1", pwrite_pread)

def append():
    fd = os.open("f1", os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, b"more\n")
        os.write(fd, b"end\n")
    finally:
        os.close(fd)
    return content("f1") + " size=%d" % os.stat("f1").st_size
run("append f1", append)

def write_past_end():
    fd = os.open("f1", os.O_RDWR)
    try:
        os.pwrite(fd, b"X", 30)
        return "size=%d %r" % (os.fstat(fd).st_size, os.pread(fd, 100, 0))
    finally:
        os.close(fd)
run("pwrite past end f1", write_past_end)

def read_while_open():
    # a second descriptor sees writes of the first before either is closed
    w = os.open("f2", os.O_CREAT | os.O_RDWR, 0o644)
    r = os.open("f2", os.O_RDONLY)
    try:
        os.write(w, b"staged bytes")
        return "%r size=%d" % (os.pread(r, 100, 0), os.fstat(r).st_size)
    finally:
        os.close(w)
        os.close(r)
run("read through second fd", read_while_open)

def o_trunc():
    fd = os.open("f2", os.O_WRONLY | os.O_TRUNC)
    os.close(fd)
    return lst("f2")
run("open O_TRUNC f2", o_trunc)

# a file of many blocks: whole write, middle overwrite after reopening, reads at odd offsets
run("write big", lambda: write_file("big", BIG) + " " + lst("big"))
run("read big", lambda: content("big"))

def big_overwrite():
    fd = os.open("big", os.O_RDWR)
    try:
        os.pwrite(fd, b"Z" * 4096, 500_000)
        os.pwrite(fd, b"Y" * 10, (1 << 20) - 5)
        return "size=%d %s %r" % (os.fstat(fd).st_size, digest(os.pread(fd, 2 << 20, 0)), os.pread(fd, 12, 499_998))
    finally:
        os.close(fd)
run("overwrite middle and tail of big", big_overwrite)
run("reread big", lambda: content("big"))

# ---- truncate and ftruncate, growing and shrinking
run("truncate big shrink", lambda: (os.truncate("big", 300_001), lst("big") + " " + content("big"))[1])
run("truncate big grow", lambda: (os.truncate("big", 700_000), lst("big") + " " + content("big"))[1])
run("truncate f1 to 0", lambda: (os.truncate("f1", 0), lst("f1") + " " + content("f1"))[1])
run("truncate missing", lambda: os.truncate("missing", 10))

def ftruncate():
    fd = os.open("t1", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        out = []
        os.write(fd, b"abcdefgh")
        os.ftruncate(fd, 3)
        out.append("%r/%d" % (os.pread(fd, 100, 0), os.fstat(fd).st_size))
        os.ftruncate(fd, 6)
        out.append("%r/%d" % (os.pread(fd, 100, 0), os.fstat(fd).st_size))
        os.pwrite(fd, b"Q", 4)
        os.ftruncate(fd, 5)
        out.append("%r/%d" % (os.pread(fd, 100, 0), os.fstat(fd).st_size))
        return " ".join(out)
    finally:
        os.close(fd)
run("ftruncate shrink and grow", ftruncate)
run("read t1 after close", lambda: content("t1"))

# ---- mknod: regular file, FIFO, socket, device
run("mknod regular", lambda: (os.mknod("n1", 0o600 | stat.S_IFREG), lst("n1"))[1])
run("mkfifo", lambda: (os.mkfifo("fifo1", 0o640), lst("fifo1"))[1])
run("mkfifo existing", lambda: os.mkfifo("fifo1", 0o640))
run("mknod socket", lambda: (os.mknod("sock1", 0o600 | stat.S_IFSOCK), lst("sock1"))[1])
run("mknod char device", lambda: (os.mknod("null1", 0o600 | stat.S_IFCHR, os.makedev(1, 3)), lst("null1"))[1])

# ---- mkdir, rmdir, readdir
run("mkdir d1", lambda: (os.mkdir("d1", 0o755), lst("d1"))[1])
run("mkdir d1 again", lambda: os.mkdir("d1"))
run("mkdir over file", lambda: os.mkdir("f1"))
run("mkdir in missing parent", lambda: os.mkdir("nope/x"))
run("mkdir d1/sub", lambda: (os.mkdir("d1/sub", 0o700), lst("d1/sub") + " parent " + lst("d1"))[1])
run("create d1/file", lambda: write_file("d1/file", b"in d1"))
run("readdir d1", lambda: sorted(os.listdir("d1")))
run("rmdir non-empty d1", lambda: os.rmdir("d1"))
run("rmdir a file", lambda: os.rmdir("f1"))
run("rmdir missing", lambda: os.rmdir("missing"))
run("rmdir d1/sub", lambda: (os.rmdir("d1/sub"), lst("d1"))[1])
run("readdir missing", lambda: os.listdir("missing"))

def many_entries():
    os.mkdir("many")
    for i in range(600):
        write_file("many/entry-with-a-longish-name-%04d" % i, b"")
    names = sorted(os.listdir("many"))
    return "count=%d sha256=%s" % (len(names), hashlib.sha256("\n".join(names).encode()).hexdigest()[:16])
run("readdir 600 entries", many_entries)

# ---- unlink
run("unlink missing", lambda: os.unlink("missing"))
run("unlink a directory", lambda: os.unlink("d1"))
run("unlink n1", lambda: os.unlink("n1"))
run("stat unlinked n1", lambda: lst("n1"))

# ---- EISDIR, ENOTDIR, ENAMETOOLONG, ENOENT
run("open dir for write", lambda: os.open("d1", os.O_WRONLY))
run("open dir for read-write", lambda: os.open("d1", os.O_RDWR))

def read_dir_fd():
    fd = os.open("d1", os.O_RDONLY)
    try:
        return os.read(fd, 10)
    finally:
        os.close(fd)
run("read from dir fd", read_dir_fd)
run("stat through a file", lambda: os.stat("f1/x"))
run("create through a file", lambda: os.open("f1/x", os.O_CREAT | os.O_WRONLY, 0o644))
run("mkdir through a file", lambda: os.mkdir("f1/x"))
run("listdir of a file", lambda: os.listdir("f1"))
run("stat missing", lambda: os.stat("missing"))
run("stat in missing dir", lambda: os.stat("nope/x"))
LONG = "a" * 256
run("create 256-byte name", lambda: os.open(LONG, os.O_CREAT | os.O_WRONLY, 0o644))
run("mkdir 256-byte name", lambda: os.mkdir(LONG))
run("stat 256-byte name", lambda: os.stat(LONG))
run("create 255-byte name", lambda: (write_file("b" * 255, b"x"), lst("b" * 255))[1])
run("unlink 255-byte name", lambda: os.unlink("b" * 255))

# ---- rename
run("setup rename", lambda: (write_file("ra", b"content A"), write_file("rb", b"content B"),
                             os.mkdir("rd1"), write_file("rd1/inner", b"inner"), os.mkdir("rd2"), os.mkdir("rd3"),
                             write_file("rd3/x", b"x"))[0])
run("rename file over file", lambda: (os.rename("ra", "rb"), content("rb") + " " + lst("rb"))[1])
run("stat renamed-away ra", lambda: lst("ra"))
run("rename dir over empty dir", lambda: (os.rename("rd1", "rd2"), sorted(os.listdir("rd2")))[1])
run("stat renamed-away rd1", lambda: lst("rd1"))
run("rename dir over non-empty dir", lambda: os.rename("rd3", "rd2"))
run("rename file over dir", lambda: os.rename("rb", "rd3"))
run("rename dir over file", lambda: os.rename("rd3", "rb"))
run("rename across directories", lambda: (os.rename("rb", "rd2/moved"), content("rd2/moved"))[1])
run("rename dir into itself", lambda: os.rename("rd2", "rd2/inside"))
run("rename dir into its child", lambda: (os.mkdir("rd2/child"), os.rename("rd2", "rd2/child/x"))[1])
run("rename missing", lambda: os.rename("missing", "other"))
run("rename to missing dir", lambda: os.rename("rd2/moved", "nope/moved"))
run("rename onto itself", lambda: (os.rename("rd2/moved", "rd2/moved"), lst("rd2/moved"))[1])

def rename_dir_links():
    os.mkdir("p1")
    os.mkdir("p1/c")
    os.mkdir("p2")
    os.rename("p1/c", "p2/c")
    return "p1 nlink=%d p2 nlink=%d" % (os.stat("p1").st_nlink, os.stat("p2").st_nlink)
run("rename subdir across parents", rename_dir_links)

# ---- symlinks
run("symlink s1 -> f1", lambda: (os.symlink("f1", "s1"), lst("s1"))[1])
run("readlink s1", lambda: os.readlink("s1"))
run("stat through s1", lambda: describe(os.stat("s1")))
run("write through s1", lambda: (write_file("s1", b"via link"), content("f1"))[1])
run("symlink existing", lambda: os.symlink("x", "s1"))
run("readlink of a file", lambda: os.readlink("f1"))
run("readlink missing", lambda: os.readlink("missing"))
run("dangling symlink", lambda: (os.symlink("does/not/exist", "s2"), lst("s2"))[1])
run("stat through dangling", lambda: os.stat("s2"))
run("symlink to dir", lambda: (os.symlink("d1", "s3"), sorted(os.listdir("s3/")))[1])
run("long symlink target", lambda: (os.symlink("t" * 1000, "s4"), len(os.readlink("s4")), lst("s4"))[1:])

# ---- hard links
run("link f1 -> h1", lambda: (os.link("f1", "h1"), lst("f1") + " / " + lst("h1"))[1])
run("write via h1", lambda: (write_file("h1", b"shared"), content("f1"))[1])
run("link onto existing", lambda: os.link("f1", "h1"))
run("link to directory", lambda: os.link("d1", "hd"))
run("link missing", lambda: os.link("missing", "h2"))
run("link across dirs", lambda: (os.link("f1", "d1/h3"), lst("f1") + " / " + lst("d1/h3"))[1])
run("rename link onto its twin", lambda: (os.rename("h1", "f1"), lst("h1") + " / " + lst("f1"))[1])
run("unlink f1", lambda: (os.unlink("f1"), lst("h1") + " / " + content("h1"))[1])
run("unlink d1/h3", lambda: (os.unlink("d1/h3"), lst("h1"))[1])

# ---- chmod, chown
run("chmod 0600", lambda: (os.chmod("h1", 0o600), lst("h1"))[1])
run("chmod 04755", lambda: (os.chmod("h1", 0o4755), lst("h1"))[1])
run("chown of a setuid file", lambda: (os.chown("h1", 65534, 65534), lst("h1"))[1])
run("chown gid only", lambda: (os.chown("h1", -1, 0), lst("h1"))[1])
run("chmod dir 01777", lambda: (os.chmod("d1", 0o1777), lst("d1"))[1])
run("chmod through symlink", lambda: (os.symlink("t1", "s5"), os.chmod("s5", 0o640), lst("t1") + " / " + lst("s5"))[2])
run("lchown symlink", lambda: (os.lchown("s5", 65534, 65534), lst("s5") + " / " + lst("t1"))[1])
run("chmod missing", lambda: os.chmod("missing", 0o644))
run("chown missing", lambda: os.chown("missing", 1, 1))

# ---- times
run("utime ns", lambda: (os.utime("t1", ns=(1_000_000_123_456_789, 1_500_000_000_000_000_001)), times("t1"))[1])
run("utime before 1970", lambda: (os.utime("t1", ns=(-1_500_000_000, -86_400_000_000_123)), times("t1"))[1])
run("utime after 2038", lambda: (os.utime("t1", ns=(4_102_444_800_000_000_007, 4_102_444_800_000_000_009)),
                                 times("t1"))[1])

def utime_omit_atime():
    os.utime("t1", ns=(1_000_000_000_000_000_000, 1_100_000_000_000_000_000))
    utimensat("t1", (0, UTIME_OMIT), (1_200_000_000, 5))
    return times("t1")
run("utimensat UTIME_OMIT atime", utime_omit_atime)

def utime_omit_mtime():
    utimensat("t1", (1_300_000_000, 7), (0, UTIME_OMIT))
    return times("t1")
run("utimensat UTIME_OMIT mtime", utime_omit_mtime)

def utime_now_mtime():
    before = time.time_ns()
    utimensat("t1", (0, UTIME_OMIT), (0, UTIME_NOW))
    after = time.time_ns()
    st = os.stat("t1")
    return "atime=%d mtime=%s" % (st.st_atime_ns, recent(st.st_mtime_ns, before, after))
run("utimensat UTIME_NOW mtime", utime_now_mtime)

def utime_now_both():
    os.utime("t1", ns=(1_000_000_000, 2_000_000_000))
    before = time.time_ns()
    os.utime("t1", None)
    after = time.time_ns()
    st = os.stat("t1")
    return "atime=%s mtime=%s" % (recent(st.st_atime_ns, before, after), recent(st.st_mtime_ns, before, after))
run("utime None", utime_now_both)

def write_sets_mtime():
    os.utime("t1", ns=(1_000_000_000, 2_000_000_000))
    before = time.time_ns()
    fd = os.open("t1", os.O_WRONLY)
    os.write(fd, b"w")
    os.close(fd)
    after = time.time_ns()
    return "mtime=%s" % recent(os.stat("t1").st_mtime_ns, before, after)
run("write updates mtime", write_sets_mtime)
run("utime dir", lambda: (os.utime("d1", ns=(3_000_000_000, 4_000_000_000)), times("d1"))[1])
run("utime missing", lambda: os.utime("missing", ns=(1, 1)))

# ---- statvfs, access
run("statvfs", lambda: "namemax=%d" % os.statvfs(".").f_namemax)
run("access t1 R_OK|W_OK", lambda: access("t1", os.R_OK | os.W_OK))
run("access t1 X_OK", lambda: access("t1", os.X_OK))
run("access h1 X_OK (mode 04755)", lambda: access("h1", os.X_OK))
run("access d1 X_OK", lambda: access("d1", os.X_OK))
run("access missing", lambda: access("missing", os.F_OK))

# ---- extended attributes
run("setxattr", lambda: (write_file("x1", b"x"), os.setxattr("x1", "user.color", b"blue"),
                         os.getxattr("x1", "user.color"))[2])
run("setxattr second", lambda: (os.setxattr("x1", "user.size", b"\x00\x01\x02"), sorted(os.listxattr("x1")))[1])
run("setxattr XATTR_CREATE existing", lambda: os.setxattr("x1", "user.color", b"red", os.XATTR_CREATE))
run("setxattr XATTR_REPLACE missing", lambda: os.setxattr("x1", "user.nope", b"red", os.XATTR_REPLACE))
run("setxattr XATTR_REPLACE existing", lambda: (os.setxattr("x1", "user.color", b"green", os.XATTR_REPLACE),
                                                os.getxattr("x1", "user.color"))[1])
run("setxattr XATTR_CREATE new", lambda: (os.setxattr("x1", "user.new", b"n", os.XATTR_CREATE),
                                          sorted(os.listxattr("x1")))[1])
run("getxattr missing", lambda: os.getxattr("x1", "user.nope"))
run("getxattr binary", lambda: os.getxattr("x1", "user.size"))
run("setxattr empty value", lambda: (os.setxattr("x1", "user.empty", b""), os.getxattr("x1", "user.empty"))[1])
run("setxattr 2000 bytes", lambda: (os.setxattr("x1", "user.big", BIG[:2000]), digest(os.getxattr("x1", "user.big")))[1])
run("removexattr", lambda: (os.removexattr("x1", "user.color"), sorted(os.listxattr("x1")))[1])
run("removexattr missing", lambda: os.removexattr("x1", "user.color"))
run("xattr on dir", lambda: (os.setxattr("d1", "user.d", b"dir"), os.getxattr("d1", "user.d"), os.listxattr("d1"))[1:])
run("user xattr on symlink", lambda: os.setxattr("s1", "user.l", b"1", follow_symlinks=False))
run("xattr through symlink", lambda: (os.setxattr("s3", "user.via", b"v"), sorted(os.listxattr("d1")))[1])
run("listxattr missing", lambda: os.listxattr("missing"))
run("xattr follows hard link", lambda: (os.link("x1", "x2"), sorted(os.listxattr("x2")))[1])
run("xattr of renamed file", lambda: (os.rename("x2", "d1/x2"), os.getxattr("d1/x2", "user.size"))[1])

# ---- sparse files
GIB = 1 << 30
def sparse_write():
    fd = os.open("sparse", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        os.pwrite(fd, b"end", GIB)
        os.fsync(fd)
        return "size=%d" % os.fstat(fd).st_size
    finally:
        os.close(fd)
run("write at 1 GiB", sparse_write)

def sparse_read():
    fd = os.open("sparse", os.O_RDONLY)
    try:
        head = os.pread(fd, 65536, 0)
        middle = os.pread(fd, 131072, GIB // 2 - 1000)
        edge = os.pread(fd, 16, GIB - 13)
        past = os.pread(fd, 16, GIB + 3)
        return "head-zero=%s middle-zero=%s edge=%r past=%r size=%d" % (
            head == bytes(65536), middle == bytes(131072), edge, past, os.fstat(fd).st_size)
    finally:
        os.close(fd)
run("read holes", sparse_read)
run("truncate to 1 GiB", lambda: (write_file("sparse2", b"start"), os.truncate("sparse2", GIB), lst("sparse2"))[2])

def sparse2_read():
    fd = os.open("sparse2", os.O_RDONLY)
    try:
        return "%r zero=%s tail=%r" % (os.pread(fd, 8, 0), os.pread(fd, 65536, GIB // 3) == bytes(65536),
                                       os.pread(fd, 8, GIB - 4))
    finally:
        os.close(fd)
run("read sparse2", sparse2_read)
run("unlink sparse files", lambda: (os.unlink("sparse"), os.unlink("sparse2"))[0])

# ---- a file unlinked while open stays readable and writable through its descriptor
def unlinked_open():
    fd = os.open("u1", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        os.write(fd, b"before")
        os.unlink("u1")
        out = ["nlink=%d size=%d" % (os.fstat(fd).st_nlink, os.fstat(fd).st_size)]
        out.append(repr(os.pread(fd, 100, 0)))
        os.pwrite(fd, b"after", 6)
        out.append(repr(os.pread(fd, 100, 0)))
        os.ftruncate(fd, 8)
        out.append("size=%d %r" % (os.fstat(fd).st_size, os.pread(fd, 100, 0)))
        out.append("listed=%s" % sorted(n for n in os.listdir(".") if n.startswith("u1") or n.startswith(".")))
        try:
            os.stat("u1")
            out.append("stat=found")
        except OSError as e:
            out.append("stat=" + errno.errorcode[e.errno])
        return " ".join(out)
    finally:
        os.close(fd)
run("unlinked while open", unlinked_open)

def replaced_while_open():
    write_file("old", b"old content")
    write_file("new", b"new content")
    fd = os.open("old", os.O_RDWR)
    try:
        os.rename("new", "old")
        a = os.pread(fd, 100, 0)
        os.pwrite(fd, b"OLD", 0)
        return "%r nlink=%d now=%s listed=%s" % (os.pread(fd, 100, 0), os.fstat(fd).st_nlink, content("old"),
                                                sorted(n for n in os.listdir(".") if n.startswith(".")))
    finally:
        os.close(fd)
run("replaced by rename while open", replaced_while_open)

def unlinked_dir_listing():
    fd = os.open("u2", os.O_CREAT | os.O_RDWR, 0o644)
    os.unlink("u2")
    try:
        return sorted(os.listdir("."))
    finally:
        os.close(fd)
run("readdir while an unlinked file is open", unlinked_dir_listing)
run("readdir after close", lambda: sorted(os.listdir(".")))

# ---- the whole tree at the end
def dump():
    lines = []
    for base, dirs, files in os.walk(".", followlinks=False):
        dirs.sort()
        for name in sorted(dirs + files):
            p = os.path.join(base, name)
            if p.startswith("./many/"):
                continue
            st = os.lstat(p)
            line = p + " " + describe(st)
            if stat.S_ISREG(st.st_mode):
                line += " " + content(p)
            elif stat.S_ISLNK(st.st_mode):
                line += " -> " + os.readlink(p)[:40]
            lines.append(line)
    return "\n".join(lines)
print("tree:")
print(dump())
