package io.chunkstore.cli;

import io.chunkstore.control.ControlSetup;
import io.chunkstore.fuse.Mounter;
import io.chunkstore.StorePermissions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "mount", mixinStandardHelpOptions = true,
    description = {"Mount a store as a read-write POSIX file system (also: dedup-mount STORE MOUNTPOINT).",
        "Runs in the background unless -f is given; its log goes to STORE/mount.log.",
        "Unmount with 'chunkstore umount MOUNTPOINT', 'fusermount -u MOUNTPOINT' or SIGTERM: every write is "
            + "folded into the store and the store closed before the process exits.",
        "While mounted, the daemon answers 'chunkstore stats STORE' through its control",
        "socket, STORE/control.sock (mode 0600)."},
    footerHeading = "%nMount options (-o):%n",
    footer = {
        "  ro                     read-only",
        "  allow_other            let other users in",
        "  nodefault_permissions  skip the kernel's mode and owner checks (on by default)",
        "  cache=SIZE             decompressed block cache (default 128M)",
        "  staging=SIZE           writes held in memory before they are stored (64M)",
        "  compress=fast|store    new blocks at zstd level 1 (fast, default) or at",
        "                         the store's level; gc rewrites at the store's",
        "  autogc=PCT             gc by itself, online, when dead bytes pass PCT%% of the store",
        "  backup_interval=MIN    back the index up every MIN minutes (default 60; 0: only at unmount)",
        "  entry_timeout=S        seconds the kernel keeps names (default 60)",
        "  attr_timeout=S         ... and attributes (60; exact on every name)",
        "  negative_timeout=S     ... and missing names (as entry_timeout)",
        "  max_write=BYTES        largest write request (default and most 1M)",
        "  nosuid,nodev,noexec,noatime,sync,dirsync   as for mount(8)",
        "  writeback_cache        kernel gathers writes (off: dedups less)",
        "  sync_close             close returns once its writes are stored (by default",
        "                         a fold thread stores them right after; fsync waits)",
        "  libfuse2               the libfuse 2 adapter; its other options",
        "                         go to libfuse as they are",
        "Tahoe-LAFS stores:",
        "  sync_upload            upload each sealed pack before going on (no queue)",
        "  nodrain                unmount leaves queued uploads for the next mount",
        "  pack_cache=SIZE        local cache of pack pieces read back (default 1G)",
        "  uploads=N              parallel uploads (default 4)"})
final class MountCommand implements Callable<Integer> {
  private static final String READY = "CHUNKSTORE-READY";
  private static final String ERROR = "CHUNKSTORE-ERROR ";

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Parameters(index = "1", paramLabel = "MOUNTPOINT", description = "An existing, empty directory.")
  Path mountPoint;

  @Option(names = {"-f", "--foreground"}, description = "Stay in the foreground (log to stderr).")
  boolean foreground;

  @Option(names = "-o", paramLabel = "OPTS", split = ",", description = "Mount options, comma-separated (below).")
  List<String> options = new ArrayList<>();

  @Option(names = "--init", description = "Create the store (with default settings) and the mount point if they do not exist.")
  boolean init;

  @Option(names = {"-d", "--debug"}, description = "Print every FUSE request (implies -f).")
  boolean debug;

  @Option(names = "--notify-ready", hidden = true, description = "Internal: report readiness on stdout.")
  boolean notifyReady;

  @Override
  public Integer call() throws Exception {
    if (init && !notifyReady) {
      if (!Files.exists(store.resolve("chunkstore.json"))) {
        io.chunkstore.ChunkStore.create(store, io.chunkstore.StoreConfig.defaults()).close();
        System.err.println("created store " + store);
      }
      Files.createDirectories(mountPoint);
    }
    if (!notifyReady) {
      Stores.checkPermissions(store); // here, on the user's terminal; not in the daemon's log
    }
    if (!foreground && !debug) {
      return background();
    }
    Mounter.Options opts = parseOptions();
    long needed = heapFor(opts);
    if (!notifyReady && needed > maxHeap()) {
      System.err.println("mount: warning: cache=" + Sizes.human(opts.cacheBytes()) + " and staging="
          + Sizes.human(opts.stagingBytes()) + " do not fit in the heap of "
          + Sizes.human(maxHeap()) + "; start with JAVA_OPTS=-Xmx" + (needed >> 20)
          + "m or lower them");
    }
    PrintStream readyOut = System.out;
    try {
      Mounter.run(store, mountPoint, opts, () -> {
        if (notifyReady) {
          readyOut.println(READY);
          readyOut.flush();
        } else {
          System.err.println("mounted " + store + " at " + mountPoint + "; unmount with: chunkstore umount "
              + mountPoint + " (or fusermount -u)");
        }
      }, controlHandlers(autogcPercent, backupMinutes));
    } catch (IOException | RuntimeException e) {
      if (notifyReady) {
        readyOut.println(ERROR + Errors.sentence(e));
        readyOut.flush();
        return 1;
      }
      throw e;
    }
    return 0;
  }

  /**
   * What the mount's control socket serves beyond info, stats and flush: modules add their
   * operations here (fsck and gc from chunkstore-fsck).
   */
  static ControlSetup controlHandlers(int autogcPercent, int backupMinutes) {
    ControlSetup backups = (s, registry) -> {
      if (backupMinutes > 0) {
        s.backupPeriodically(java.time.Duration.ofMinutes(backupMinutes));
      }
    };
    return backups.andThen(io.chunkstore.gc.MaintenanceControl.setup(autogcPercent, AUTOGC_EVERY_MILLIS));
  }

  /** How often a mount with -o autogc looks at its dead bytes. */
  private static final long AUTOGC_EVERY_MILLIS = Long.getLong("chunkstore.autogc.everyMillis", 60_000);
  private int autogcPercent;
  private int backupMinutes = 60;

  private Mounter.Options parseOptions() {
    boolean ro = false;
    boolean allowOther = false;
    boolean defaultPermissions = true;
    long cache = DEFAULT_CACHE;
    long staging = DEFAULT_STAGING;
    List<String> extra = new ArrayList<>();
    java.util.Map<String, String> backend = new java.util.HashMap<>();
    for (String o : options) {
      String opt = o.trim();
      if (opt.isEmpty()) {
        continue;
      }
      switch (opt) {
        case "ro" -> ro = true;
        case "rw" -> ro = false;
        case "allow_other" -> allowOther = true;
        case "default_permissions" -> defaultPermissions = true;
        case "nodefault_permissions" -> defaultPermissions = false;
        case "sync_upload" -> backend.put("sync_upload", "true");
        case "nodrain" -> backend.put("drain", "false");
        default -> {
          if (opt.startsWith("pack_cache=")) {
            backend.put("pack_cache", String.valueOf(Sizes.parse(opt.substring(11))));
          } else if (opt.startsWith("uploads=")) {
            backend.put("uploads", String.valueOf(Integer.parseInt(opt.substring(8))));
          } else if (opt.startsWith("cache=")) {
            cache = Sizes.parse(opt.substring(6));
          } else if (opt.startsWith("staging=")) {
            staging = Sizes.parse(opt.substring(8));
          } else if (opt.startsWith("autogc=")) {
            autogcPercent = wholeNumberOption(opt, 1, 99);
          } else if (opt.startsWith("backup_interval=")) {
            backupMinutes = wholeNumberOption(opt, 0, 100_000);
          } else {
            extra.add(opt);
          }
        }
      }
    }
    return new Mounter.Options(ro, allowOther, defaultPermissions, extra, cache, staging, debug, backend);
  }

  private static int wholeNumberOption(String opt, int min, int max) {
    String v = opt.substring(opt.indexOf('=') + 1);
    try {
      int n = Integer.parseInt(v);
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // told below
    }
    throw new IllegalArgumentException(
        "-o " + opt.substring(0, opt.indexOf('=')) + " takes a whole number from " + min + " to " + max + ", not '" + v + "'");
  }

  /**
   * The default budgets: the kernel keeps file pages in its own cache, so the block cache mostly
   * holds shared frames of small files; staging holds a piece being folded and the next one per
   * writer (2 x 16 MiB). With them the daemon's heap is 320 MiB and it stays under 512 MiB resident.
   */
  static final long DEFAULT_CACHE = 128L << 20;
  static final long DEFAULT_STAGING = 64L << 20;

  /** The heap the budgets need: the cache and the staged writes, plus room to work (buffers, garbage). */
  private static long heapFor(Mounter.Options opts) {
    return opts.cacheBytes() + opts.stagingBytes() + (128L << 20);
  }

  /** This JVM's -Xmx (maxMemory() is less by a survivor space). */
  private static long maxHeap() {
    try {
      return Long.parseLong(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
          .getVMOption("MaxHeapSize").getValue());
    } catch (RuntimeException e) {
      return Runtime.getRuntime().maxMemory();
    }
  }

  /** True if the user chose the heap: JAVA_OPTS names -Xmx (the launcher passes it on). */
  private static boolean heapChosen() {
    return java.util.Arrays.stream(System.getenv().getOrDefault("JAVA_OPTS", "").trim().split("\\s+"))
        .anyMatch(o -> o.startsWith("-Xmx"));
  }

  /** Starts this command again with -f in a new session, and returns once it has mounted. */
  private int background() throws IOException, InterruptedException {
    Mounter.Options opts = parseOptions(); // a bad option is told here, not in the log
    long needed = heapFor(opts);
    Path log = store.resolve("mount.log");
    long logStart = Files.exists(log) ? Files.size(log) : 0;
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    if (needed > maxHeap() || !heapChosen()) {
      // The budgets decide the daemon's heap (a later -Xmx wins over the launcher's): what they
      // need and no more, since a bigger heap fills with garbage and shows as resident memory.
      cmd.add("-Xmx" + (needed >> 20) + "m");
      long ram = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
          .getTotalMemorySize();
      if (needed > ram) {
        System.err.println("mount: warning: cache=" + Sizes.human(opts.cacheBytes()) + " and staging="
            + Sizes.human(opts.stagingBytes()) + " need a heap of " + Sizes.human(needed) + ", more than the "
            + Sizes.human(ram) + " of memory this machine has");
      }
    }
    cmd.addAll(Arrays.asList("-cp", System.getProperty("java.class.path"), Main.class.getName(), "mount",
        store.toString(), mountPoint.toString(), "-f", "--notify-ready"));
    for (String o : options) {
      cmd.add("-o");
      cmd.add(o);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    if (Files.isRegularFile(store.resolve("chunkstore.json"))) { // nothing is written into a folder that is not a store
      StorePermissions.of(store).createFileIfMissing(log);
      pb.redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    } else {
      pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    }
    Process child = pb.start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.equals(READY)) {
          System.err.println("mounted " + store + " at " + mountPoint + " (pid " + child.pid()
              + "); unmount with: chunkstore umount " + mountPoint);
          return 0;
        }
        if (line.startsWith(ERROR)) {
          child.waitFor();
          System.err.println("mount: " + line.substring(ERROR.length()) + libfuseSays(log, logStart));
          return 1;
        }
      }
    }
    int status = child.waitFor();
    System.err.println("mount: the mount process ended with status " + status + " before mounting"
        + libfuseSays(log, logStart) + "; see " + log);
    return 1;
  }

  /** What libfuse printed ("fuse: ...") to the log since {@code from}, as a clause. */
  private static String libfuseSays(Path log, long from) {
    try {
      byte[] all = Files.readAllBytes(log);
      String added = new String(all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from),
          StandardCharsets.UTF_8);
      List<String> fuse = added.lines().filter(l -> l.startsWith("fuse: ")).map(l -> l.substring(6)).toList();
      return fuse.isEmpty() ? "" : ": " + String.join("; ", fuse);
    } catch (IOException e) {
      return "";
    }
  }
}
