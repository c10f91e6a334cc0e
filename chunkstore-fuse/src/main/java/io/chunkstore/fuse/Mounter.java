package io.chunkstore.fuse;

import io.chunkstore.ChunkStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts a store: checks what can be checked first (the mount point, /dev/fuse, libfuse, the
 * store's lock), mounts, and after the kernel lets go — {@code fusermount -u}, {@code umount} or
 * SIGTERM — folds every open file and closes the store before returning.
 */
public final class Mounter {
  private static final Logger log = LoggerFactory.getLogger(Mounter.class);

  /**
   * How to mount.
   *
   * @param readOnly mount read-only ({@code -o ro})
   * @param allowOther let other users in ({@code -o allow_other})
   * @param defaultPermissions let the kernel check permissions against modes and owners
   * @param extraOptions further {@code -o} options passed to libfuse as they are
   * @param cacheBytes budget of the decompressed block cache
   * @param stagingBytes budget of writes staged in memory before they are folded into blocks
   * @param debug libfuse's debug output
   */
  public record Options(boolean readOnly, boolean allowOther, boolean defaultPermissions, List<String> extraOptions,
      long cacheBytes, long stagingBytes, boolean debug) {}

  private Mounter() {}

  /**
   * Mounts {@code storeDir} at {@code mountPoint} and blocks until it is unmounted.
   *
   * @param onReady called once the mount is usable
   * @throws MountException (or a store error) with one sentence if the mount cannot be made
   */
  public static void run(Path storeDir, Path mountPoint, Options opts, Runnable onReady) throws IOException {
    checkMountPoint(mountPoint, opts);
    checkFuse();
    ChunkStore store = ChunkStore.open(storeDir,
        new ChunkStore.Options(opts.cacheBytes(), Math.max(1, Runtime.getRuntime().availableProcessors()),
            opts.stagingBytes()));
    CountDownLatch closed = new CountDownLatch(1);
    ChunkstoreFuse fs;
    try {
      fs = new ChunkstoreFuse(store);
    } catch (Throwable e) {
      store.close();
      throw new MountException("libfuse 2 could not be loaded (" + e.getMessage() + "); install it with: apt-get install libfuse2");
    }
    Thread hook = new Thread(() -> {
      // SIGTERM: let go of the kernel, then wait until every write is folded and the store closed.
      fs.umount();
      try {
        closed.await(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "chunkstore-unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread loop = new Thread(() -> {
      try {
        fs.mount(mountPoint, true, opts.debug(), fuseArgs(storeDir, opts));
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "fuse-loop");
    try {
      loop.start();
      while (loop.isAlive() && !fs.ready().await(100, TimeUnit.MILLISECONDS)) {
        // waiting for the kernel to connect, or for the mount to fail
      }
      if (fs.ready().getCount() == 0) {
        log.info("mounted {} at {}", storeDir, mountPoint);
        onReady.run();
      }
      loop.join();
      if (fs.ready().getCount() != 0) {
        Throwable t = failure.get();
        throw new MountException("libfuse refused to mount at " + mountPoint
            + (t == null ? "" : " (" + rootMessage(t) + ")"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while mounted");
    } finally {
      try {
        try {
          fs.flushAll();
        } finally {
          store.close();
          log.info("store {} closed", storeDir);
        }
      } finally {
        // Also when closing failed: the shutdown hook waits for this, and the failure is reported.
        closed.countDown();
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook is running and waits for 'closed'
        }
      }
    }
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage());
  }

  static String[] fuseArgs(Path storeDir, Options opts) {
    List<String> o = new ArrayList<>();
    String source = storeDir.toAbsolutePath().toString();
    // A comma would end the option; mountinfo escapes spaces, which MountInfo undoes.
    o.add("fsname=" + (source.matches("[^,\\\\]+") ? "chunkstore:" + source : "chunkstore"));
    o.add("subtype=chunkstore");
    o.add("big_writes");
    o.add("max_write=131072");
    o.add("max_read=131072");
    // Every change goes through this mount, so the kernel's page cache never goes stale.
    o.add("kernel_cache");
    o.add("use_ino");
    // The kernel keeps attributes for libfuse's default second, as bindfs and sshfs do: a stat of
    // a large tree costs what it costs there (attr_timeout=0 makes it 10x slower). The price:
    // libfuse 2's high-level API gives each name of a hard-linked file its own kernel inode, so
    // another name may show old attributes (and, through them, cached pages) for up to a second
    // after a change; -o attr_timeout=0 makes every name exact.
    if (opts.defaultPermissions()) {
      o.add("default_permissions");
    }
    if (opts.allowOther()) {
      o.add("allow_other");
    }
    if (opts.readOnly()) {
      o.add("ro");
    }
    o.addAll(opts.extraOptions());
    return new String[] {"-o", String.join(",", o)};
  }

  private static void checkMountPoint(Path mp, Options opts) throws IOException {
    java.util.Optional<MountInfo> there = MountInfo.at(mp);
    if (there.isPresent()) {
      throw new MountException(there.get().isAlive()
          ? mp + " is already a mount point, of " + describe(there.get()) + "; unmount it first: chunkstore umount " + mp
          : mp + " is a dead mount (the process that served it is gone); clear it first: fusermount -u " + mp);
    }
    if (!Files.exists(mp)) {
      throw new MountException("the mount point " + mp + " does not exist; create it first (mkdir -p " + mp + ")");
    }
    if (!Files.isDirectory(mp)) {
      throw new MountException("the mount point " + mp + " is not a directory");
    }
    boolean nonempty = opts.extraOptions().contains("nonempty");
    try (Stream<Path> s = Files.list(mp)) {
      if (!nonempty && s.findAny().isPresent()) {
        throw new MountException("the mount point " + mp + " is not empty; use an empty directory (or -o nonempty)");
      }
    }
  }

  /** True if {@code dir} is the mount point of a mounted file system, as /proc/self/mountinfo says. */
  public static boolean isMountPoint(Path dir) throws IOException {
    return MountInfo.at(dir).isPresent();
  }

  /** Mount info escapes spaces and such as octal: {@code \040}. */
  static String unescape(String s) {
    return MountInfo.unescape(s);
  }

  /** What a live mount serves and which process serves it, as far as can be told. */
  private static String describe(MountInfo m) {
    java.util.Optional<Path> store = m.store();
    if (store.isEmpty()) {
      return m.source() + " (" + m.fsType() + ")";
    }
    String pid = "";
    try {
      pid = Files.readString(store.get().resolve("lock"), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      // the store is elsewhere or unreadable: name it without its process
    }
    return "the store " + store.get() + (pid.isEmpty() ? "" : " (pid " + pid + ")");
  }

  private static void checkFuse() throws MountException {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new MountException("FUSE is not available: /dev/fuse is missing; load the kernel module (modprobe fuse)");
    }
    boolean found = false;
    for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib/x86_64-linux-gnu",
        "/usr/lib", "/usr/local/lib", "/lib"}) {
      if (Files.exists(Path.of(dir, "libfuse.so.2"))) {
        found = true;
        break;
      }
    }
    if (!found) {
      throw new MountException("libfuse 2 is not installed (dedup-mount needs libfuse.so.2); install it with: apt-get install libfuse2");
    }
  }
}
