package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.chunkstore.ChunkStore;
import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Helpers for tests that run the mount command as a separate process: the FUSE skip switch,
 * starting the launcher, unmounting whatever a test left mounted, and the refcount recount.
 */
final class FuseProcesses {
  /** Set to 1 to skip every test that needs a working FUSE; otherwise such tests fail without it. */
  static final String SKIP_ENV = "CHUNKSTORE_SKIP_FUSE_TESTS";

  private FuseProcesses() {}

  /** Skips if {@value #SKIP_ENV}=1, else fails at once if this machine cannot mount. */
  static void requireFuse() {
    String problem = null;
    if (!Files.exists(Path.of("/dev/fuse"))) {
      problem = "/dev/fuse does not exist";
    } else if (!onPath("fusermount")) {
      problem = "fusermount is not installed (apt-get install fuse)";
    }
    Assumptions.assumeFalse("1".equals(System.getenv(SKIP_ENV)),
        SKIP_ENV + "=1: FUSE tests skipped" + (problem == null ? "" : " (" + problem + ")"));
    if (problem != null) {
      fail("FUSE is unusable here: " + problem + " (set " + SKIP_ENV + "=1 to skip the FUSE tests)");
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** The command line that runs the launcher with this test's class path. */
  static List<String> launcher(String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** What a finished process printed. */
  record Result(int status, String out, String err) {}

  /** Runs the launcher as a separate process and waits for it. */
  static Result cli(Duration timeout, String... args) throws IOException, InterruptedException {
    return run(timeout, launcher(args));
  }

  static Result run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("cli", ".out");
    Path err = Files.createTempFile("cli", ".err");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        fail(String.join(" ", cmd.subList(Math.max(0, cmd.size() - 6), cmd.size())) + " ran longer than " + timeout
            + "; stderr:\n" + Files.readString(err));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /**
   * Starts {@code mount STORE MOUNTPOINT -f --notify-ready} with stderr to {@code log} and returns
   * the daemon once it says it is ready; fails the test with the log if it does not within
   * {@code timeout}.
   */
  static Process startForegroundMount(Path store, Path mountPoint, Path log, Duration timeout) throws Exception {
    return startForegroundMount(List.of("mount", store.toString(), mountPoint.toString(), "-f", "--notify-ready"), store,
        log, timeout);
  }

  /** As above, with the mount's whole argument list ({@code mount STORE MOUNTPOINT -f --notify-ready -o ...}). */
  static Process startForegroundMount(List<String> mountArgs, Path store, Path log, Duration timeout) throws Exception {
    Process p = new ProcessBuilder(launcher(mountArgs.toArray(String[]::new)))
        .redirectError(log.toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        String l;
        while ((l = out.readLine()) != null) {
          if (l.startsWith("CHUNKSTORE-")) {
            return l;
          }
        }
        return "<end of output>";
      } catch (IOException e) {
        return "<" + e + ">";
      }
    });
    String got;
    try {
      got = line.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      got = "<no answer in " + timeout.toSeconds() + " s>";
    }
    if (!got.equals("CHUNKSTORE-READY")) {
      p.destroyForcibly();
      fail("the mount of " + store + " did not come up: " + got + "\n" + Files.readString(log));
    }
    return p;
  }

  /** True if {@code dir} is a mount point, per /proc/self/mountinfo (dead mounts too). */
  static boolean isMounted(Path dir) throws IOException {
    String target = dir.toAbsolutePath().normalize().toString().replace(" ", "\\040");
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && f[4].equals(target)) {
        return true;
      }
    }
    return false;
  }

  /** Waits up to {@code timeout} for {@code dir} to be mounted ({@code true}) or not. */
  static boolean awaitMounted(Path dir, boolean mounted, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (isMounted(dir) != mounted) {
      if (System.nanoTime() > deadline) {
        return false;
      }
      Thread.sleep(20);
    }
    return true;
  }

  /** {@code fusermount -u}, then lazily with -z and {@code umount -l}: never leaves a mount behind. */
  static void unmountQuietly(Path dir) {
    try {
      for (int i = 0; i < 20 && isMounted(dir); i++) {
        run(Duration.ofSeconds(30), List.of("fusermount", "-u", dir.toString()));
        if (isMounted(dir)) {
          Thread.sleep(100);
        }
      }
      unmountLazily(dir);
    } catch (Exception e) {
      // best effort: a clean-up must not hide the test's own failure
    }
  }

  /** {@code fusermount -u -z}, then {@code umount -l}: for a mount whose daemon is dead. */
  static void unmountLazily(Path dir) throws IOException, InterruptedException {
    if (isMounted(dir)) {
      run(Duration.ofSeconds(30), List.of("fusermount", "-u", "-z", dir.toString()));
    }
    if (isMounted(dir)) {
      run(Duration.ofSeconds(30), List.of("umount", "-l", dir.toString()));
    }
  }

  /** Every stored refcount equals the number of extents that name the block. */
  static void assertRefcountsMatchExtents(ChunkStore s) {
    Map<BlockId, Long> recount = new HashMap<>();
    Internals.index(s).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
    Map<BlockId, Long> stored = new HashMap<>();
    Internals.index(s).forEachRef((id, n) -> {
      if (n != 0) {
        stored.put(id, n);
      }
    });
    assertEquals(recount, stored, "refcounts equal a recount from the extents");
    for (BlockId id : recount.keySet()) {
      assertEquals(true, Internals.index(s).block(id).isPresent(), "referenced block " + id + " is indexed");
    }
  }
}
