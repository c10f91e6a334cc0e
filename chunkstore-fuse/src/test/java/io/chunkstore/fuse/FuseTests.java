package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chunkstore.ChunkStore;
import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Helpers for tests that mount a real FUSE file system: the skip switch, child processes,
 * unmounting that never leaves a dead mount behind, and the refcount recount.
 */
final class FuseTests {
  /** Set to 1 to skip every test that needs a working FUSE; otherwise such tests fail without it. */
  static final String SKIP_ENV = "CHUNKSTORE_SKIP_FUSE_TESTS";

  private FuseTests() {}

  /**
   * Skips the calling test if {@value #SKIP_ENV}=1; otherwise fails it at once, with the reason, if
   * this machine cannot mount (no /dev/fuse, no fusermount). A missing libfuse 2 shows up as the
   * mount's own error.
   */
  static void requireFuse() {
    String problem = fuseProblem();
    Assumptions.assumeFalse("1".equals(System.getenv(SKIP_ENV)),
        SKIP_ENV + "=1: FUSE tests skipped" + (problem == null ? "" : " (" + problem + ")"));
    if (problem != null) {
      fail("FUSE is unusable here: " + problem + " (set " + SKIP_ENV + "=1 to skip the FUSE tests)");
    }
  }

  private static String fuseProblem() {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      return "/dev/fuse does not exist";
    }
    if (which("fusermount") == null) {
      return "fusermount is not installed (apt-get install fuse)";
    }
    return null;
  }

  /** Fails the test unless {@code tool} is on the PATH. */
  static void requireTool(String tool, String pkg) {
    if (which(tool) == null) {
      fail(tool + " is not installed; the test needs it (apt-get install " + pkg + ")");
    }
  }

  /** Fails the test unless it runs as root. */
  static void requireRoot() {
    if (!"root".equals(System.getProperty("user.name"))) {
      fail("this test needs root (it changes owners and drops privileges), not " + System.getProperty("user.name"));
    }
  }

  static Path which(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** What a child process did. */
  record Result(int status, String output) {
    List<String> lines() {
      return output.lines().toList();
    }
  }

  /** Runs {@code cmd}, stdout and stderr together, and fails the test if it runs past {@code timeout}. */
  static Result run(Duration timeout, List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("fusetest", ".out");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
        fail(String.join(" ", cmd) + " ran longer than " + timeout + "; its output:\n" + tail(Files.readString(out)));
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }

  static Result run(Duration timeout, String... cmd) throws IOException, InterruptedException {
    return run(timeout, List.of(cmd));
  }

  static String tail(String s) {
    return s.length() <= 6000 ? s : "...\n" + s.substring(s.length() - 6000);
  }

  /** Copies a test resource to {@code dir} and returns its path. */
  static Path resource(String name, Path dir) throws IOException {
    Path p = dir.resolve(name);
    try (InputStream in = FuseTests.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IOException("test resource " + name + " is missing");
      }
      Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
    }
    return p;
  }

  /** True if {@code dir} is a mount point, per /proc/self/mountinfo (works on dead mounts too). */
  static boolean isMounted(Path dir) throws IOException {
    String target = dir.toAbsolutePath().normalize().toString();
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
      String[] f = line.split(" ");
      if (f.length > 4 && Mounter.unescape(f[4]).equals(target)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Unmounts {@code dir}: {@code fusermount -u}, retried while it is busy, then a lazy
   * {@code fusermount -u -z} and {@code umount -l}, so that a failed test never leaves a mount.
   *
   * @return true if a plain (not lazy) unmount did it
   */
  static boolean unmount(Path dir, Duration patience) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    while (isMounted(dir)) {
      Result r = run(Duration.ofSeconds(60), "fusermount", "-u", dir.toString());
      if (r.status() == 0 && !isMounted(dir)) {
        return true;
      }
      if (System.nanoTime() > deadline) {
        run(Duration.ofSeconds(60), "fusermount", "-u", "-z", dir.toString());
        if (isMounted(dir)) {
          run(Duration.ofSeconds(60), "umount", "-l", dir.toString());
        }
        return false;
      }
      Thread.sleep(100);
    }
    return true;
  }

  /** Unmounts at once, lazily: for dead mounts and clean-ups after failures. */
  static void unmountLazily(Path dir) throws IOException, InterruptedException {
    if (isMounted(dir)) {
      run(Duration.ofSeconds(60), "fusermount", "-u", "-z", dir.toString());
    }
    if (isMounted(dir)) {
      run(Duration.ofSeconds(60), "umount", "-l", dir.toString());
    }
  }

  /** Every stored refcount equals the number of extents that name the block, and no orphans remain. */
  static void assertRefcountsMatchExtents(ChunkStore s) {
    Map<BlockId, Long> recount = new HashMap<>();
    Internals.index(s).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
    Map<BlockId, Long> stored = new HashMap<>();
    Internals.index(s).forEachRef((id, n) -> {
      if (n != 0) {
        stored.put(id, n);
      }
    });
    List<String> wrong = new ArrayList<>();
    for (BlockId id : union(recount, stored)) {
      long want = recount.getOrDefault(id, 0L);
      long have = stored.getOrDefault(id, 0L);
      if (want != have && wrong.size() < 20) {
        wrong.add(id + ": refcount " + have + ", extents " + want);
      }
    }
    assertEquals(List.of(), wrong, "refcounts that differ from a recount of the extents");
    for (BlockId id : recount.keySet()) {
      assertTrue(Internals.index(s).block(id).isPresent(), "referenced block " + id + " is indexed");
    }
  }

  private static List<BlockId> union(Map<BlockId, Long> a, Map<BlockId, Long> b) {
    java.util.Set<BlockId> all = new java.util.HashSet<>(a.keySet());
    all.addAll(b.keySet());
    return new ArrayList<>(all);
  }

  /** A line-by-line comparison for failure messages: every differing line with its number. */
  static String diff(String leftName, List<String> left, String rightName, List<String> right) {
    StringBuilder sb = new StringBuilder();
    int n = Math.max(left.size(), right.size());
    int shown = 0;
    for (int i = 0; i < n; i++) {
      String l = i < left.size() ? left.get(i) : "<missing>";
      String r = i < right.size() ? right.get(i) : "<missing>";
      if (!l.equals(r) && shown++ < 60) {
        sb.append(String.format("line %d%n  %-6s %s%n  %-6s %s%n", i + 1, leftName, l, rightName, r));
      }
    }
    return sb.toString();
  }

  /**
   * Bytes of the files in the store's {@code packs/} and {@code staging/}: what its blocks cost on
   * disk, measured there rather than taken from the store's counters.
   */
  static long bytesOnDisk(Path store) throws IOException {
    long sum = 0;
    for (String sub : new String[] {"packs", "staging"}) {
      Path dir = store.resolve(sub);
      if (Files.isDirectory(dir)) {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
          for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
            sum += Files.size(f);
          }
        }
      }
    }
    return sum;
  }
}
