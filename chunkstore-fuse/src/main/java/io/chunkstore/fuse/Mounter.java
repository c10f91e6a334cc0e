package io.chunkstore.fuse;

import io.chunkstore.ChunkStore;
import io.chunkstore.control.ControlSetup;
import io.chunkstore.control.StoreControl;
import io.chunkstore.internal.Internals;
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
 * Mounts a store: checks what can be checked first (the mount point, the options, /dev/fuse, the
 * store's lock), mounts, and after the kernel lets go — {@code fusermount -u}, {@code umount} or
 * SIGTERM — folds every open file and closes the store before returning.
 *
 * <p>Two adapters: {@link LowLevelFuse}, the default, speaks the kernel's FUSE protocol on
 * /dev/fuse itself (inode-based requests, one kernel inode per file, 1 MiB writes) and mounts
 * with mount(2) as root or through fusermount3 otherwise; {@link ChunkstoreFuse} goes through
 * libfuse 2's path-based API, with {@code -o libfuse2} or where fusermount3 is missing.
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
   * @param backendOptions settings for the store's backend, such as {@code sync_upload=true}
   */
  public record Options(boolean readOnly, boolean allowOther, boolean defaultPermissions, List<String> extraOptions,
      long cacheBytes, long stagingBytes, boolean debug, java.util.Map<String, String> backendOptions) {
    /** Options with no backend settings. */
    public Options(boolean readOnly, boolean allowOther, boolean defaultPermissions, List<String> extraOptions,
        long cacheBytes, long stagingBytes, boolean debug) {
      this(readOnly, allowOther, defaultPermissions, extraOptions, cacheBytes, stagingBytes, debug, java.util.Map.of());
    }
  }

  private Mounter() {}

  /**
   * Mounts {@code storeDir} at {@code mountPoint} and blocks until it is unmounted.
   *
   * @param onReady called once the mount is usable
   * @throws MountException (or a store error) with one sentence if the mount cannot be made
   */
  public static void run(Path storeDir, Path mountPoint, Options opts, Runnable onReady) throws IOException {
    run(storeDir, mountPoint, opts, onReady, ControlSetup.NONE);
  }

  /**
   * Mounts {@code storeDir} at {@code mountPoint} and blocks until it is unmounted; while mounted,
   * serves {@code STORE/control.sock} with info, stats and flush, and whatever {@code control}
   * registers (fsck, gc).
   *
   * @param onReady called once the mount is usable
   * @param control further operations for the control socket
   * @throws MountException (or a store error) with one sentence if the mount cannot be made
   */
  public static void run(Path storeDir, Path mountPoint, Options opts, Runnable onReady, ControlSetup control)
      throws IOException {
    checkMountPoint(mountPoint, opts);
    if (opts.extraOptions().contains(LIBFUSE2) || (!isRoot() && !onPath("fusermount3"))) {
      runLibfuse2(storeDir, mountPoint, opts, onReady, control);
    } else {
      runLowLevel(storeDir, mountPoint, opts, onReady, control);
    }
  }

  /** Selects the libfuse 2 adapter. */
  static final String LIBFUSE2 = "libfuse2";
  /** A close returns only once its writes are stored (see {@link #openStore}). */
  static final String SYNC_CLOSE = "sync_close";

  /**
   * Opens the store as a mount uses it. A close returns once its writes are handed to a fold
   * thread, which stores them at once: {@code tar} then goes on to its next file while the other
   * core stores the last one, and a file is safe against a crash of the mount process a moment
   * after its close instead of when the close returns ({@code fsync} waits, as ever). With
   * {@code -o sync_close} every close stores its writes before it returns.
   */
  static ChunkStore openStore(Path storeDir, Options opts) throws IOException {
    ChunkStore store = ChunkStore.open(storeDir, storeOptions(opts));
    if (!opts.extraOptions().contains(SYNC_CLOSE)) {
      try {
        Internals.tree(store).foldAfterClose(Files.getFileStore(store.directory()));
      } catch (IOException | RuntimeException e) {
        store.close();
        throw e;
      }
    }
    return store;
  }

  /** {@code compress=fast} (the default) or {@code compress=store}: the level new blocks are compressed at. */
  static final String COMPRESS = "compress";

  /**
   * How the mount opens the store. Writers through a mount wait for what they write to be stored
   * (at close, fsync, and when staging is full), so new blocks are compressed at the codec's fast
   * level unless {@code -o compress=store}; gc rewrites packs at the store's own level.
   */
  static ChunkStore.Options storeOptions(Options opts) throws MountException {
    boolean fast = true;
    for (String o : opts.extraOptions()) {
      if (o.startsWith(COMPRESS + "=")) {
        switch (o.substring(COMPRESS.length() + 1)) {
          case "fast" -> fast = true;
          case "store" -> fast = false;
          default -> throw new MountException("mount option " + o + " takes fast (the default: zstd level 1 while"
              + " writing) or store (the store's own level)");
        }
      }
    }
    return new ChunkStore.Options(opts.cacheBytes(), Math.max(1, Runtime.getRuntime().availableProcessors()),
        opts.stagingBytes(), opts.backendOptions(), fast);
  }
  /** Seconds the kernel keeps names and attributes by default: every change goes through it, so they stay right. */
  static final double DEFAULT_TIMEOUT = 60;
  static final int MAX_WRITE = 1 << 20;
  private static final int THREADS = 8;

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRoot() {
    try {
      return Libc.get().geteuid() == 0;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** What the kernel-protocol adapter makes of the options: mount(2)'s flags and data, and its settings. */
  record KernelMount(List<String> flagOptions, List<String> driverOptions, String fsname, String subtype,
      LowLevelFuse.Settings settings) {}

  static KernelMount kernelMount(Path storeDir, Options opts) throws MountException {
    List<String> flags = new ArrayList<>();
    if (opts.readOnly()) {
      flags.add("ro");
    }
    List<String> driver = new ArrayList<>();
    if (opts.defaultPermissions()) {
      driver.add("default_permissions");
    }
    if (opts.allowOther()) {
      driver.add("allow_other");
    }
    String source = storeDir.toAbsolutePath().toString();
    // the source names the store, so that umount can wait for it; mountinfo escapes spaces (\040)
    // and MountInfo reads them back; a comma or backslash would break the option string
    String fsname = source.matches("[^,\\\\]+") ? "chunkstore:" + source : "chunkstore";
    String subtype = "chunkstore";
    double entry = DEFAULT_TIMEOUT;
    double attr = DEFAULT_TIMEOUT;
    Double negative = null;
    int maxWrite = MAX_WRITE;
    boolean writeback = false;
    boolean debug = opts.debug();
    for (String o : opts.extraOptions()) {
      String key = o.contains("=") ? o.substring(0, o.indexOf('=')) : o;
      String value = o.contains("=") ? o.substring(o.indexOf('=') + 1) : null;
      switch (key) {
        case "entry_timeout" -> entry = seconds(o, value);
        case "attr_timeout" -> attr = seconds(o, value);
        case "negative_timeout" -> negative = seconds(o, value);
        case "max_write" -> maxWrite = maxWrite(o, value);
        case COMPRESS, SYNC_CLOSE -> { } // storeOptions and openStore read them
        case "writeback_cache" -> writeback = true;
        case "no_writeback_cache" -> writeback = false;
        case "fsname" -> fsname = value;
        case "subtype" -> subtype = value;
        case "debug" -> debug = true;
        case "nosuid", "nodev", "noexec", "noatime", "sync", "dirsync" -> flags.add(o);
        // what libfuse 2 needed spelled out is always so here; the mount point check reads nonempty
        case "suid", "dev", "exec", "atime", "rw", "kernel_cache", "big_writes", "use_ino", "auto_cache",
            "nonempty", "max_read", "default_permissions", "allow_other" -> { }
        default -> throw new MountException("unknown mount option '" + o + "' (chunkstore mount --help lists them;"
            + " -o libfuse2 passes others on to libfuse 2)");
      }
    }
    return new KernelMount(flags, driver, fsname, subtype,
        new LowLevelFuse.Settings(entry, attr, negative == null ? entry : negative, maxWrite, writeback, THREADS, debug));
  }

  private static double seconds(String option, String value) throws MountException {
    try {
      double d = Double.parseDouble(String.valueOf(value));
      if (d >= 0 && d < 1e9) {
        return d;
      }
    } catch (NumberFormatException e) {
      // told below
    }
    throw new MountException("mount option " + option + " needs a number of seconds, such as 1 or 0.5");
  }

  private static int maxWrite(String option, String value) throws MountException {
    try {
      int n = Integer.parseInt(String.valueOf(value));
      if (n >= 4096 && n <= MAX_WRITE) {
        return n / 4096 * 4096;
      }
    } catch (NumberFormatException e) {
      // told below
    }
    throw new MountException("mount option " + option + " needs a number of bytes from 4096 to " + MAX_WRITE);
  }

  private static void runLowLevel(Path storeDir, Path mountPoint, Options opts, Runnable onReady, ControlSetup control)
      throws IOException {
    KernelMount km = kernelMount(storeDir, opts);
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new MountException("FUSE is not available: /dev/fuse is missing; load the kernel module (modprobe fuse)");
    }
    ChunkStore store = openStore(storeDir, opts);
    FuseChannel channel;
    try {
      channel = FuseChannel.mount(mountPoint, km.fsname(), km.subtype(), km.flagOptions(), km.driverOptions());
    } catch (IOException | RuntimeException | LinkageError e) {
      store.close();
      throw e instanceof MountException m ? m : new MountException("cannot mount at " + mountPoint + " (" + e + ")");
    }
    LowLevelFuse fuse = new LowLevelFuse(store, channel, km.settings());
    serveUntilUnmounted(store, storeDir, mountPoint, onReady, control, new Adapter() {
      @Override
      public void serve() throws Exception {
        fuse.serve();
      }

      @Override
      public CountDownLatch ready() {
        return fuse.ready();
      }

      @Override
      public String refusal(Throwable failure) {
        if (fuse.ready().getCount() == 0 && fuse.refusal() == null) {
          return null;
        }
        return fuse.refusal() != null ? fuse.refusal() : "the kernel did not connect to the mount at " + mountPoint
            + (failure == null ? "" : " (" + rootMessage(failure) + ")");
      }

      @Override
      public void unmount() {
        channel.unmount();
      }

      @Override
      public void close() {
        channel.close();
      }
    });
  }

  private static void runLibfuse2(Path storeDir, Path mountPoint, Options opts, Runnable onReady, ControlSetup control)
      throws IOException {
    checkFuse();
    ChunkStore store = openStore(storeDir, opts);
    ChunkstoreFuse fs;
    try {
      fs = new ChunkstoreFuse(store);
    } catch (Throwable e) {
      store.close();
      throw new MountException("libfuse 2 could not be loaded (" + e.getMessage() + "); install it with: apt-get install libfuse2");
    }
    serveUntilUnmounted(store, storeDir, mountPoint, onReady, control, new Adapter() {
      @Override
      public void serve() {
        fs.mount(mountPoint, true, opts.debug(), fuseArgs(storeDir, opts));
      }

      @Override
      public CountDownLatch ready() {
        return fs.ready();
      }

      @Override
      public String refusal(Throwable failure) {
        return fs.ready().getCount() == 0 ? null : "libfuse refused to mount at " + mountPoint
            + (failure == null ? "" : " (" + rootMessage(failure) + ")");
      }

      @Override
      public void unmount() {
        fs.umount();
      }

      @Override
      public void close() {
        // libfuse has let go of everything when mount() returns
      }
    });
  }

  /** What {@link #serveUntilUnmounted} needs of an adapter. */
  private interface Adapter {
    /** Serves requests until the kernel lets go. */
    void serve() throws Exception;

    /** Counts down once the kernel has connected (or the adapter refused it). */
    CountDownLatch ready();

    /** Why the mount is not usable, in one sentence, or null if it is. */
    String refusal(Throwable failure);

    /** Lets go of the kernel: SIGTERM, or a connection the adapter refused. */
    void unmount();

    /** Releases what the adapter holds once it has stopped serving. */
    void close();
  }

  /**
   * The life cycle every mount shares: serve on a thread, report readiness once the kernel has
   * connected, and after it lets go (unmount, or SIGTERM through the shutdown hook) fold every
   * open file and close the store before returning.
   */
  private static void serveUntilUnmounted(ChunkStore store, Path storeDir, Path mountPoint, Runnable onReady,
      ControlSetup control, Adapter adapter) throws IOException {
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      // SIGTERM: let go of the kernel, then wait until every write is folded and the store closed.
      adapter.unmount();
      try {
        closed.await(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "chunkstore-unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    StoreControl controlSocket = null;
    Thread loop = new Thread(() -> {
      try {
        adapter.serve();
      } catch (Throwable e) {
        failure.set(e);
      }
    }, "fuse-loop");
    try {
      loop.start();
      while (loop.isAlive() && !adapter.ready().await(100, TimeUnit.MILLISECONDS)) {
        // waiting for the kernel to connect, or for the mount to fail
      }
      boolean connected = adapter.refusal(null) == null;
      if (connected) {
        log.info("mounted {} at {}", storeDir, mountPoint);
        controlSocket = startControlSocket(store, mountPoint, control);
        onReady.run();
      } else if (adapter.ready().getCount() == 0) {
        adapter.unmount(); // connected, but refused: let go so that serving ends
      }
      loop.join();
      if (!connected) {
        throw new MountException(adapter.refusal(failure.get()));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while mounted");
    } finally {
      stopControlSocket(controlSocket);
      adapter.close();
      try {
        try {
          Internals.tree(store).flushAll();
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

  /** The control socket; a mount works without one, so a failure to make it is only logged. */
  private static StoreControl startControlSocket(ChunkStore store, Path mountPoint, ControlSetup control) {
    try {
      StoreControl c = StoreControl.start(store, mountPoint, control);
      log.info("control socket at {}", c.socket());
      return c;
    } catch (IOException | RuntimeException e) {
      log.warn("no control socket ({}): stats, fsck and gc cannot reach this mount", e.getMessage());
      return null;
    }
  }

  /** Before the store closes: running requests are cancelled and the socket removed. */
  private static void stopControlSocket(StoreControl controlSocket) {
    if (controlSocket != null) {
      try {
        controlSocket.close();
      } catch (IOException | RuntimeException e) {
        log.warn("closing the control socket: {}", e.toString());
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
    for (String extra : opts.extraOptions()) {
      if (!extra.equals(LIBFUSE2) && !extra.equals(SYNC_CLOSE) && !extra.startsWith(COMPRESS + "=")) {
        o.add(extra);
      }
    }
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
