package io.chunkstore.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Mounting without root: fusermount3 (setuid root) opens /dev/fuse, mounts it and hands the
 * descriptor back over a Unix socket named by {@code _FUSE_COMMFD}, as libfuse does. The child
 * is started with posix_spawn because Java's ProcessBuilder closes every descriptor but 0-2.
 */
final class Fusermount {
  private static final int AF_UNIX = 1;
  private static final int SOCK_STREAM = 1;
  private static final int SOL_SOCKET = 1;
  private static final int SCM_RIGHTS = 1;

  private Fusermount() {}

  /** The /dev/fuse descriptor of a new mount at {@code target} with {@code options} (fusermount3 -o). */
  static int mount(String target, String options) throws IOException {
    Libc libc = Libc.get();
    jnr.ffi.Runtime rt = jnr.ffi.Runtime.getRuntime(libc);
    int[] sv = new int[2];
    if (libc.socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
      throw new MountException("cannot make a socket for fusermount3 (" + libc.strerror(Libc.errno()) + ")");
    }
    try {
      List<Pointer> keep = new ArrayList<>();
      Pointer argv = strings(rt, keep, List.of("fusermount3", "-o", options, "--", target));
      List<String> env = new ArrayList<>();
      for (Map.Entry<String, String> e : System.getenv().entrySet()) {
        if (!e.getKey().equals("_FUSE_COMMFD")) {
          env.add(e.getKey() + "=" + e.getValue());
        }
      }
      env.add("_FUSE_COMMFD=" + sv[1]);
      int[] pid = new int[1];
      int err = libc.posix_spawnp(pid, "fusermount3", null, null, argv, strings(rt, keep, env));
      java.lang.ref.Reference.reachabilityFence(keep);
      libc.close(sv[1]);
      sv[1] = -1;
      if (err != 0) {
        throw new MountException("cannot run fusermount3 (" + libc.strerror(err)
            + "); install it (apt-get install fuse3) or mount as root");
      }
      int fd = receiveDescriptor(libc, rt, sv[0]);
      int[] status = new int[1];
      libc.waitpid(pid[0], status, 0);
      if (fd < 0) {
        throw new MountException("fusermount3 refused to mount at " + target + " (its reason is in the log above;"
            + " allow_other needs user_allow_other in /etc/fuse.conf)");
      }
      return fd;
    } finally {
      libc.close(sv[0]);
      if (sv[1] >= 0) {
        libc.close(sv[1]);
      }
    }
  }

  /** Receives one descriptor (SCM_RIGHTS) on {@code sock}; -1 if the other end closed without one. */
  private static int receiveDescriptor(Libc libc, jnr.ffi.Runtime rt, int sock) {
    Pointer data = Memory.allocateDirect(rt, 8);
    Pointer iov = Memory.allocateDirect(rt, 16);
    iov.putPointer(0, data);
    iov.putLong(8, 1);
    Pointer control = Memory.allocateDirect(rt, 64);
    Pointer msg = Memory.allocateDirect(rt, 56); // struct msghdr on LP64
    msg.putLong(0, 0);
    msg.putInt(8, 0);
    msg.putPointer(16, iov);
    msg.putLong(24, 1);
    msg.putPointer(32, control);
    msg.putLong(40, 64);
    msg.putInt(48, 0);
    long n;
    do {
      n = libc.recvmsg(sock, msg, 0);
    } while (n < 0 && Libc.errno() == 4);
    java.lang.ref.Reference.reachabilityFence(data);
    java.lang.ref.Reference.reachabilityFence(iov);
    if (n <= 0 || msg.getLong(40) < 20) {
      return -1;
    }
    // struct cmsghdr: size_t len, int level, int type, then the data
    if (control.getInt(8) != SOL_SOCKET || control.getInt(12) != SCM_RIGHTS) {
      return -1;
    }
    return control.getInt(16);
  }

  /** A NULL-terminated array of C strings; {@code keep} holds the memory until the call is done. */
  private static Pointer strings(jnr.ffi.Runtime rt, List<Pointer> keep, List<String> values) {
    Pointer array = Memory.allocateDirect(rt, (values.size() + 1) * 8L);
    keep.add(array);
    for (int i = 0; i < values.size(); i++) {
      byte[] b = values.get(i).getBytes(StandardCharsets.UTF_8);
      Pointer s = Memory.allocateDirect(rt, b.length + 1);
      s.put(0, b, 0, b.length);
      s.putByte(b.length, (byte) 0);
      keep.add(s);
      array.putPointer(i * 8L, s);
    }
    array.putAddress(values.size() * 8L, 0);
    return array;
  }

  /** Unmounts {@code target} lazily, as its owner. */
  static void unmount(String target) {
    for (String tool : List.of("fusermount3", "fusermount")) {
      try {
        Process p = new ProcessBuilder(tool, "-u", "-z", target).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (p.waitFor() == 0) {
          return;
        }
      } catch (IOException e) {
        // try the next one
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
