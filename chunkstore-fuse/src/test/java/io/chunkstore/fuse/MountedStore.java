package io.chunkstore.fuse;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A store mounted in this JVM, for tests: {@link Mounter#run} on a background thread, with
 * {@code allow_other,default_permissions} by default. {@link #close()} unmounts
 * ({@code fusermount -u}, lazily if it stays busy) and waits for {@code Mounter.run} to return, so
 * that afterwards every write is folded and the store is closed and can be opened again.
 *
 * <pre>{@code
 * try (MountedStore m = MountedStore.create(tmp)) {
 *   Files.writeString(m.mountPoint().resolve("a"), "hello");
 * }
 * try (ChunkStore s = ChunkStore.open(m.store())) { ... }
 * }</pre>
 */
final class MountedStore implements AutoCloseable {
  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(60);
  /** Folding and closing a store after a big write can take a while on two busy cores. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofMinutes(5);

  private final Path store;
  private final Path mountPoint;
  private final Thread thread;
  private final CountDownLatch ready = new CountDownLatch(1);
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile Throwable failure;
  private boolean closed;

  private MountedStore(Path store, Path mountPoint, Mounter.Options options) {
    this.store = store;
    this.mountPoint = mountPoint;
    this.thread = new Thread(() -> {
      try {
        Mounter.run(store, mountPoint, options, ready::countDown);
      } catch (Throwable e) {
        failure = e;
      } finally {
        done.countDown();
      }
    }, "mounted-store " + mountPoint.getFileName());
    thread.setDaemon(true);
  }

  /** Mount options for tests: allow_other, default_permissions, 64 MiB of cache and of staging. */
  static Mounter.Options defaultOptions() {
    return new Mounter.Options(false, true, true, List.of(), 64L << 20, 64L << 20, false);
  }

  /**
   * Exact attributes on every name of a hard-linked file ({@code -o attr_timeout=0}): what tests
   * that compare link counts and contents across names with a local file system need. With the
   * default second of attribute caching, another name of a hard-linked file may lag a change.
   */
  static Mounter.Options strictOptions() {
    return new Mounter.Options(false, true, true, List.of("attr_timeout=0"), 64L << 20, 64L << 20, false);
  }

  /** A new store with default settings in {@code dir}/store, mounted at {@code dir}/mnt. */
  static MountedStore create(Path dir) throws Exception {
    return create(dir, StoreConfig.defaults(), defaultOptions());
  }

  /**
   * A new store in {@code dir}/store, mounted at {@code dir}/mnt. {@code dir} is made
   * world-searchable (0755) so that other users reach the mount.
   */
  static MountedStore create(Path dir, StoreConfig config, Mounter.Options options) throws Exception {
    Files.createDirectories(dir);
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path store = dir.resolve("store");
    ChunkStore.create(store, config).close();
    Path mnt = Files.createDirectories(dir.resolve("mnt"));
    Files.setPosixFilePermissions(mnt, PosixFilePermissions.fromString("rwxr-xr-x"));
    return mount(store, mnt, options);
  }

  /** Mounts the existing store at {@code store} on the empty directory {@code mountPoint}. */
  static MountedStore mount(Path store, Path mountPoint, Mounter.Options options) throws Exception {
    FuseTests.requireFuse();
    MountedStore m = new MountedStore(store, mountPoint, options);
    m.thread.start();
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    while (!m.ready.await(50, TimeUnit.MILLISECONDS)) {
      if (m.done.getCount() == 0) {
        throw new AssertionError("mounting " + store + " at " + mountPoint + " failed: " + m.failure, m.failure);
      }
      if (System.nanoTime() > deadline) {
        FuseTests.unmountLazily(mountPoint);
        throw new AssertionError("mounting " + store + " at " + mountPoint + " took longer than " + MOUNT_TIMEOUT);
      }
    }
    return m;
  }

  /** Mounts this store again at the same place, after {@link #close()}. */
  MountedStore remount(Mounter.Options options) throws Exception {
    if (!closed) {
      throw new IllegalStateException("still mounted");
    }
    return mount(store, mountPoint, options);
  }

  MountedStore remount() throws Exception {
    return remount(defaultOptions());
  }

  Path store() {
    return store;
  }

  Path mountPoint() {
    return mountPoint;
  }

  /** {@code mountPoint().resolve(name)} */
  Path path(String name) {
    return mountPoint.resolve(name);
  }

  /**
   * Unmounts and waits until the store is closed; rethrows what {@link Mounter#run} failed with.
   * A mount that stays busy for 30 s is detached lazily and the test fails.
   */
  @Override
  public void close() throws Exception {
    if (closed) {
      return;
    }
    closed = true;
    boolean clean = FuseTests.unmount(mountPoint, Duration.ofSeconds(30));
    if (!done.await(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("the store " + store + " was still open " + CLOSE_TIMEOUT + " after unmounting");
    }
    if (failure != null) {
      throw new AssertionError("Mounter.run failed: " + failure, failure);
    }
    if (!clean) {
      throw new AssertionError(mountPoint + " stayed busy and was unmounted lazily");
    }
  }

  /** Like {@link #close()}, for clean-up after a failure: never throws. */
  void closeQuietly() {
    try {
      close();
    } catch (Throwable e) {
      try {
        FuseTests.unmountLazily(mountPoint);
      } catch (IOException | InterruptedException ignored) {
        // nothing more to do
      }
    }
  }
}
