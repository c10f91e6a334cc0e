package io.chunkstore.cli;

import java.io.IOException;
import java.nio.file.Path;
import jnr.ffi.LibraryLoader;

/**
 * The two calls {@code get} needs that Java lacks: {@code mknod} (FIFOs, sockets, devices) and
 * {@code utimensat} without following symlinks, to the nanosecond. Through jnr-ffi, which the
 * FUSE adapter brings along.
 */
final class Posix {
  private static final int AT_FDCWD = -100;
  private static final int AT_SYMLINK_NOFOLLOW = 0x100;

  /** The libc functions used. */
  public interface LibC {
    int mknod(String path, int mode, long dev);

    int utimensat(int dirfd, String path, long[] times, int flags);

    String strerror(int errnum);
  }

  private static final class Holder {
    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);
  }

  private Posix() {}

  /** Makes a node of the type and permissions in {@code mode}. */
  static void mknod(Path path, int mode, long device) throws IOException {
    if (Holder.LIBC.mknod(path.toString(), mode, device) != 0) {
      throw failure(path, "cannot make a node");
    }
  }

  /** Sets access and modification times of {@code path} itself (a symlink is not followed). */
  static void setTimes(Path path, long atimeNanos, long mtimeNanos) throws IOException {
    long[] t = {Math.floorDiv(atimeNanos, 1_000_000_000L), Math.floorMod(atimeNanos, 1_000_000_000L),
        Math.floorDiv(mtimeNanos, 1_000_000_000L), Math.floorMod(mtimeNanos, 1_000_000_000L)};
    if (Holder.LIBC.utimensat(AT_FDCWD, path.toString(), t, AT_SYMLINK_NOFOLLOW) != 0) {
      throw failure(path, "cannot set its times");
    }
  }

  private static IOException failure(Path path, String what) {
    int errno = Holder.RUNTIME.getLastError();
    return new java.nio.file.FileSystemException(path.toString(), null, what + " (" + Holder.LIBC.strerror(errno) + ")");
  }
}
