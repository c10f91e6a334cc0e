#!/usr/bin/env python3
"""Drops to uid/gid 65534 and tries what an ordinary user may and may not do.

Usage (as root): as_nobody.py DIR

DIR must hold, owned by root: 'rootfile' (0644), 'rootdir/' (0755) with 'rootdir/inner' (0644),
and 'mine/' (0755) owned by 65534:65534. Prints one line per operation: 'name: OK [values]' or
'name: ERRNO NAME'.
"""
import errno
import os
import stat
import sys

D = sys.argv[1]
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
os.chdir(D)
os.umask(0o022)


def run(name, fn):
    try:
        r = fn()
        line = name + ": OK" + ("" if r is None else " " + str(r))
    except OSError as e:
        line = name + ": " + errno.errorcode.get(e.errno, str(e.errno))
    print(line, flush=True)


def lst(path):
    st = os.lstat(path)
    return "mode=%06o uid=%d gid=%d size=%d" % (st.st_mode, st.st_uid, st.st_gid,
                                                 0 if stat.S_ISDIR(st.st_mode) else st.st_size)


def write(path, data, flags=os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode=0o644):
    fd = os.open(path, flags, mode)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read(path):
    with open(path, "rb") as f:
        return f.read()


run("whoami", lambda: "uid=%d gid=%d groups=%s" % (os.getuid(), os.getgid(), os.getgroups()))

# ---- what belongs to root
run("read root file", lambda: read("rootfile"))
run("write root file", lambda: write("rootfile", b"mine now", os.O_WRONLY))
run("append to root file", lambda: write("rootfile", b"more", os.O_WRONLY | os.O_APPEND))
run("truncate root file", lambda: os.truncate("rootfile", 0))
run("create in root dir", lambda: write("rootdir/new", b"x"))
run("create in the mount's root", lambda: write("new", b"x"))
run("mkdir in root dir", lambda: os.mkdir("rootdir/sub"))
run("unlink in root dir", lambda: os.unlink("rootdir/inner"))
run("rename out of root dir", lambda: os.rename("rootdir/inner", "mine/inner"))
run("symlink in root dir", lambda: os.symlink("x", "rootdir/link"))
run("link into root dir", lambda: os.link("rootfile", "rootdir/hard"))
run("chown root file to me", lambda: os.chown("rootfile", 65534, 65534))
run("chgrp root file", lambda: os.chown("rootfile", -1, 65534))
run("chmod root file", lambda: os.chmod("rootfile", 0o666))
run("chmod root dir", lambda: os.chmod("rootdir", 0o777))
run("utime root file to a time", lambda: os.utime("rootfile", ns=(1, 1)))
run("utime root file to now", lambda: os.utime("rootfile", None))
run("setxattr on root file", lambda: os.setxattr("rootfile", "user.x", b"1"))
run("list root dir", lambda: sorted(os.listdir("rootdir")))
run("root file unchanged", lambda: (read("rootfile"), lst("rootfile")))

# ---- what is mine
run("create in my dir", lambda: (write("mine/f", b"hello"), lst("mine/f"))[1])
run("read my file", lambda: read("mine/f"))
run("append to my file", lambda: (write("mine/f", b" world", os.O_WRONLY | os.O_APPEND), read("mine/f"))[1])
run("truncate my file", lambda: (os.truncate("mine/f", 5), read("mine/f"))[1])
run("mkdir in my dir", lambda: (os.mkdir("mine/sub", 0o750), lst("mine/sub"))[1])
run("create in my subdir", lambda: (write("mine/sub/g", b"g"), lst("mine/sub/g"))[1])
run("rename in my dir", lambda: (os.rename("mine/sub/g", "mine/g"), sorted(os.listdir("mine")))[1])
run("symlink in my dir", lambda: (os.symlink("f", "mine/s"), os.readlink("mine/s"), lst("mine/s"))[1:])
run("link in my dir", lambda: (os.link("mine/f", "mine/h"), lst("mine/h"), os.stat("mine/f").st_nlink)[1:])
run("chmod my file", lambda: (os.chmod("mine/f", 0o600), lst("mine/f"))[1])
run("chown my file to myself", lambda: (os.chown("mine/f", 65534, 65534), lst("mine/f"))[1])
run("chown my file to root", lambda: os.chown("mine/f", 0, -1))
run("chgrp my file to root's group", lambda: os.chown("mine/f", -1, 0))
run("utime my file", lambda: (os.utime("mine/f", ns=(1_000_000_000, 2_000_000_000)),
                              os.stat("mine/f").st_mtime_ns)[1])
run("utime my file to now", lambda: os.utime("mine/f", None))
run("setxattr on my file", lambda: (os.setxattr("mine/f", "user.x", b"1"), os.getxattr("mine/f", "user.x"))[1])
run("mkfifo in my dir", lambda: (os.mkfifo("mine/p", 0o600), lst("mine/p"))[1])
run("write a 0400 file of mine", lambda: (os.chmod("mine/g", 0o400), write("mine/g", b"no", os.O_WRONLY))[1])
run("chmod it back and write", lambda: (os.chmod("mine/g", 0o600), write("mine/g", b"yes", os.O_WRONLY),
                                        read("mine/g"))[2])
run("unlink in my dir", lambda: (os.unlink("mine/h"), os.unlink("mine/s"), os.unlink("mine/p"),
                                 sorted(os.listdir("mine")))[3])
run("rmdir in my dir", lambda: (os.rmdir("mine/sub"), sorted(os.listdir("mine")))[1])
run("move my file into root dir", lambda: os.rename("mine/f", "rootdir/f"))
run("final listing", lambda: sorted(os.listdir("mine")))
