package io.chunkstore.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few C library calls that speaking FUSE on /dev/fuse needs, through jnr-ffi. */
public interface Libc {
  int O_RDWR = 2;
  int O_CLOEXEC = 02000000;
  int MNT_DETACH = 2;
  long MS_RDONLY = 1;
  long MS_NOSUID = 2;
  long MS_NODEV = 4;
  long MS_NOEXEC = 8;
  long MS_SYNCHRONOUS = 16;
  long MS_DIRSYNC = 128;
  long MS_NOATIME = 1024;

  /** The C library, loaded once. */
  static Libc get() {
    return Holder.LIBC;
  }

  /** The errno of the last call annotated {@code @SaveError} on this thread. */
  static int errno() {
    return jnr.ffi.Runtime.getRuntime(Holder.LIBC).getLastError();
  }

  @SaveError
  int open(String path, int flags);

  int close(int fd);

  @SaveError
  @ssize_t long read(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t long write(int fd, Pointer buf, @size_t long count);

  @SaveError
  int mount(String source, String target, String type, long flags, String data);

  @SaveError
  int umount2(String target, int flags);

  @SaveError
  int socketpair(int domain, int type, int protocol, @Out int[] fds);

  @SaveError
  @ssize_t long recvmsg(int fd, Pointer msghdr, int flags);

  /** Returns an error number itself (0 on success), not through errno. */
  int posix_spawnp(@Out int[] pid, String file, Pointer fileActions, Pointer attributes, Pointer argv, Pointer envp);

  @SaveError
  int waitpid(int pid, @Out int[] status, int options);

  int getuid();

  int getgid();

  int geteuid();

  String strerror(int errnum);

  /** Lazy loading: only a mount needs the C library. */
  final class Holder {
    static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");

    private Holder() {}
  }
}
