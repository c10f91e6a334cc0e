package io.chunkstore.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection to the kernel's FUSE driver: {@code /dev/fuse}, mounted with mount(2) (or by
 * fusermount3 for other users than root). Requests
 * are read whole, one per read(2); replies are written whole, one per write(2). Many threads may
 * read and write at once: the kernel hands each request to one reader.
 */
final class FuseChannel {
  private static final Logger log = LoggerFactory.getLogger(FuseChannel.class);
  private static final int EINTR = 4;
  private static final int ENOENT = 2;
  private static final int EAGAIN = 11;
  private static final int ENODEV = 19;

  private final Libc libc = Libc.get();
  private final int fd;
  private final String target;
  private final boolean viaFusermount;
  private volatile boolean closed;

  private FuseChannel(int fd, String target, boolean viaFusermount) {
    this.fd = fd;
    this.target = target;
    this.viaFusermount = viaFusermount;
  }

  /**
   * Mounts the FUSE driver at {@code mountPoint}: as root with mount(2), else through fusermount3.
   *
   * @param flagOptions mount(8)-style flags: ro, nosuid, nodev, noexec, noatime, sync, dirsync
   * @param options the FUSE driver's options beyond fd, rootmode, user_id and group_id
   */
  static FuseChannel mount(Path mountPoint, String fsname, String subtype, List<String> flagOptions,
      List<String> options) throws IOException {
    Libc libc = Libc.get();
    String target = mountPoint.toRealPath().toString();
    if (libc.geteuid() != 0) {
      List<String> all = new java.util.ArrayList<>(List.of("fsname=" + fsname, "subtype=" + subtype));
      all.addAll(flagOptions);
      all.addAll(options);
      return new FuseChannel(Fusermount.mount(target, String.join(",", all)), target, true);
    }
    int fd = libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
    if (fd < 0) {
      throw new MountException("cannot open /dev/fuse (" + libc.strerror(Libc.errno()) + ")");
    }
    StringBuilder data = new StringBuilder("fd=" + fd + ",rootmode=40000,user_id=" + libc.getuid()
        + ",group_id=" + libc.getgid());
    for (String o : options) {
      data.append(',').append(o);
    }
    if (libc.mount(fsname, target, "fuse." + subtype, flags(flagOptions), data.toString()) != 0) {
      int e = Libc.errno();
      libc.close(fd);
      throw new MountException("the kernel refused to mount at " + mountPoint + " (" + libc.strerror(e) + ")");
    }
    return new FuseChannel(fd, target, false);
  }

  private static long flags(List<String> flagOptions) {
    long flags = 0;
    for (String f : flagOptions) {
      flags |= switch (f) {
        case "ro" -> Libc.MS_RDONLY;
        case "nosuid" -> Libc.MS_NOSUID;
        case "nodev" -> Libc.MS_NODEV;
        case "noexec" -> Libc.MS_NOEXEC;
        case "noatime" -> Libc.MS_NOATIME;
        case "sync" -> Libc.MS_SYNCHRONOUS;
        case "dirsync" -> Libc.MS_DIRSYNC;
        default -> throw new IllegalArgumentException("not a mount flag: " + f);
      };
    }
    return flags;
  }

  /** Reads one request into {@code buf}; returns its length, or -1 once the file system is unmounted. */
  int read(Pointer buf, int capacity) throws IOException {
    while (!closed) {
      long n = libc.read(fd, buf, capacity);
      if (n >= 0) {
        return (int) n;
      }
      int e = Libc.errno();
      if (e == ENODEV) {
        return -1;
      }
      if (e != EINTR && e != ENOENT && e != EAGAIN) {
        throw new IOException("reading /dev/fuse failed: " + libc.strerror(e));
      }
    }
    return -1;
  }

  /** Writes one reply (or notification) of {@code len} bytes. */
  void write(Pointer buf, int len) {
    long n = libc.write(fd, buf, len);
    if (n < 0) {
      int e = Libc.errno();
      // ENOENT: the request was interrupted and is gone; ENODEV: unmounted meanwhile
      if (e != ENOENT && e != ENODEV) {
        log.warn("a FUSE reply of {} bytes was refused: {}", len, libc.strerror(e));
      }
    }
  }

  /** Lets go of the kernel: a lazy unmount, so that open files keep working until they are closed. */
  void unmount() {
    if (viaFusermount) {
      Fusermount.unmount(target);
      return;
    }
    if (libc.umount2(target, Libc.MNT_DETACH) != 0) {
      int e = Libc.errno();
      if (e != 22) { // EINVAL: not mounted (any more)
        log.warn("unmounting {} failed: {}", target, libc.strerror(e));
      }
    }
  }

  /** Closes /dev/fuse: after the last reader has returned. */
  void close() {
    closed = true;
    libc.close(fd);
  }
}
