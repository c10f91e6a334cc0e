#!/usr/bin/env python3
"""Writes, truncates and chowns set-user-ID and set-group-ID files, as root and as uid 65534
(which has no CAP_FSETID), and prints each file's mode after: what the kernel's own file systems
clear (POSIX: a write or truncation by an unprivileged process, any chown) must be cleared on the
mount too, and nothing else.

Usage (as root): set_id_bits.py DIR    (DIR empty, 0755)
Prints one line per step: 'name: mode=OOOOOO' or 'name: ERRNO NAME'.
"""
import errno
import os
import sys

D = sys.argv[1]
os.chdir(D)
os.umask(0)


def as_nobody(fn):
    """Runs fn in a child that dropped to uid/gid 65534; returns its errno name or None."""
    pid = os.fork()
    if pid == 0:
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            fn()
            os._exit(0)
        except OSError as e:
            os._exit(e.errno)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return None if code == 0 else errno.errorcode.get(code, str(code))


def make(name, mode):
    fd = os.open(name, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    os.write(fd, b"content")
    os.close(fd)
    os.chmod(name, mode)


def append(name):
    fd = os.open(name, os.O_WRONLY | os.O_APPEND)
    try:
        os.write(fd, b" more")
    finally:
        os.close(fd)


def open_truncating(name):
    os.close(os.open(name, os.O_WRONLY | os.O_TRUNC))


def step(name, fn, unprivileged=False):
    if unprivileged:
        err = as_nobody(fn)
    else:
        try:
            fn()
            err = None
        except OSError as e:
            err = errno.errorcode.get(e.errno, str(e.errno))
    print(name + ": " + (err if err else "mode=%06o" % os.lstat(name.split()[0]).st_mode), flush=True)


# a write by an unprivileged process clears set-uid, and set-gid with group execute
make("w1", 0o6777)
step("w1 written by nobody", lambda: append("w1"), unprivileged=True)
make("w2", 0o2767)  # set-gid without group execute: it goes, since nobody is not in group root...
step("w2 written by nobody", lambda: append("w2"), unprivileged=True)
make("w5", 0o2767)
os.chown("w5", 0, 65534)  # ...and stays for a writer in the file's group
step("w5 written by nobody in its group", lambda: append("w5"), unprivileged=True)
make("w3", 0o6777)
step("w3 written by root", lambda: append("w3"))
make("w4", 0o4777)
step("w4 written by nobody", lambda: append("w4"), unprivileged=True)
os.chmod("w4", 0o4777)  # set again: the next unprivileged write clears it again
step("w4 chmod 4777 by root", lambda: None)
step("w4 written by nobody again", lambda: append("w4"), unprivileged=True)

# truncation, by truncate(2) and by open(O_TRUNC)
make("t1", 0o6777)
step("t1 truncated by nobody", lambda: os.truncate("t1", 2), unprivileged=True)
make("t2", 0o6777)
step("t2 opened O_TRUNC by nobody", lambda: open_truncating("t2"), unprivileged=True)
make("t3", 0o6777)
step("t3 truncated by root", lambda: os.truncate("t3", 2))

# chown clears set-uid (and set-gid with group execute) even for root; chmod sets them back
make("c1", 0o6755)
step("c1 chown 0:0 by root", lambda: os.chown("c1", 0, 0))
make("c2", 0o6755)
step("c2 chgrp 65534 by root", lambda: os.chown("c2", -1, 65534))
make("c3", 0o2745)
step("c3 chown 65534 by root", lambda: os.chown("c3", 65534, -1))
# (chown(f, -1, -1) clears them on ext4 too, but the kernel passes such a call on to FUSE as a
# request that names nothing, so the mount cannot tell it from others: not tested, README says so)
make("c4", 0o6755)
step("c4 chmod 6755 after chown", lambda: (os.chown("c4", 0, 0), os.chmod("c4", 0o6755)))
os.mkdir("d1")
os.chmod("d1", 0o2775)
step("d1 chown 65534 by root", lambda: os.chown("d1", 65534, 65534))
