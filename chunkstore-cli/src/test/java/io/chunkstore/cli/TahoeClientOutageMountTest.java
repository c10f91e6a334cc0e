package io.chunkstore.cli;

import static io.chunkstore.tahoe.GridStores.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chunkstore.tahoe.GridStores;
import io.chunkstore.tahoe.TahoeGrid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Tahoe client node goes away under a mounted store and comes back: what a user of the mount
 * sees. Reads of data the mount has cached keep working, writes and fsync keep succeeding and
 * queue on local disk ({@code chunkstore stats}, through the control socket, shows the backlog
 * and why), a read of data that only the grid has fails with EIO instead of hanging, and once the
 * node is back the queue drains and that read works; after a remount with an empty pack cache
 * every file reads back identical from the grid, and fsck finds nothing wrong.
 *
 * <p>Every mounted read and write runs with a deadline, so that a mount that hangs on the missing
 * node fails the test instead of stalling it. Before each read the kernel's page cache of the file
 * is dropped ({@code dd iflag=nocache}), so that the bytes come from the daemon, not the kernel.
 */
class TahoeClientOutageMountTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What a mounted operation may take on a loaded machine before it counts as hanging. */
  private static final Duration OPERATION_DEADLINE = Duration.ofMinutes(2);

  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  private Path mountPoint;
  private Process daemon;
  private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "mounted-io");
    t.setDaemon(true);
    return t;
  });

  @BeforeEach
  void requirements() {
    FuseProcesses.requireFuse();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (!grid.client().running()) {
      grid.client().start();
    }
    if (daemon != null && daemon.isAlive()) {
      daemon.destroyForcibly();
      daemon.waitFor(30, TimeUnit.SECONDS);
    }
    if (mountPoint != null) {
      FuseProcesses.unmountQuietly(mountPoint);
    }
    io.shutdownNow();
  }

  @Test
  void whileTheClientNodeIsDownCachedReadsAndFsyncedWritesWorkAndTheQueueDrainsWhenItReturns() throws Exception {
    Path store = tmp.resolve("store");
    CliRunner.initOnGrid(store, grid.clientUrl(), "--pack-size", "1M");
    Path queue = store.resolve("staging").resolve("upload");
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    Map<String, Expected> files = new LinkedHashMap<>();

    // Before the outage: files on the grid, read once through a mount whose block cache is too
    // small to hold them, so that they sit in the pack cache.
    daemon = mount(store, "mount1");
    write("old/a", 3L * (1 << 20) + 5, 1, files);
    write("old/b", 5L << 20, 2, files);
    write("old/small", 4000, 3, files);
    Map<String, Expected> unread = new LinkedHashMap<>();
    write("old/unread", (3L << 20) + 11, 8, unread); // its last packs are in no cache
    unmount();
    assertEquals(0, GridStores.count(queue), "the unmount drained the queue");
    daemon = mount(store, "mount2", "-o", "cache=1M");
    assertFilesReadBack(files, "before the outage");
    long cachedBefore = GridStores.du(store.resolve("cache"));
    assertTrue(cachedBefore >= 8L << 20, "the reads filled the pack cache: " + cachedBefore + " bytes");

    grid.client().stop();
    try {
      assertFilesReadBack(files, "client node down, from the pack cache");
      Path uncached = mountPoint.resolve("old").resolve("unread");
      String failure = within("read a file that is in no cache", () -> {
        try {
          GridStores.sha256(Files.newInputStream(uncached));
          return "read";
        } catch (IOException e) {
          return String.valueOf(e.getMessage());
        }
      });
      assertTrue(failure.contains("Input/output error"), "data the grid alone has is EIO: " + failure);

      write("new/c", 4L << 20, 4, files);
      write("new/d", (5L << 19) + 77, 5, files);
      write("new/tiny", 1, 6, files);
      append("old/small", 3, 50_000, 7, files);
      Path renamed = mountPoint.resolve("new").resolve("d-renamed");
      within("rename new/d", () -> Files.move(mountPoint.resolve("new").resolve("d"), renamed));
      files.put("new/d-renamed", files.remove("new/d"));

      JsonNode stats = statsWhenErrorIsKnown(store);
      assertTrue(stats.path("uploadBacklogPacks").asLong() >= 3,
          "sealed packs wait in the queue, and stats says so: " + stats);
      assertTrue(stats.path("uploadBacklogBytes").asLong() >= 3L << 20, "the backlog's bytes: " + stats);
      String why = stats.path("uploadLastError").asText();
      assertTrue(why.contains("not running") || why.contains("does not answer"), "stats tells why: " + why);
      assertFalse(why.contains("URI:"), "no cap in stats: " + why);
      assertEquals(stats.path("uploadBacklogPacks").asLong(), GridStores.count(queue),
          "the backlog is the queue on local disk");
      assertFilesReadBack(files, "client node down, old from the cache and new from the queue");
    } finally {
      grid.client().start();
    }
    grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));

    long end = System.nanoTime() + Duration.ofMinutes(4).toNanos();
    JsonNode stats = stats(store);
    while (stats.path("uploadBacklogPacks").asLong() > 0 && System.nanoTime() < end) {
      Thread.sleep(500);
      stats = stats(store);
    }
    assertEquals(0, stats.path("uploadBacklogPacks").asLong(), "the queue drained with the mount still up: " + stats);
    assertFalse(stats.has("uploadLastError"), "no error left once drained: " + stats);
    files.putAll(unread);
    assertFilesReadBack(files, "client node back");
    unmount();

    // everything from the grid alone: no pack cache, no queue
    assertEquals(0, GridStores.count(queue), "nothing left queued");
    GridStores.deleteTree(store.resolve("cache"));
    daemon = mount(store, "mount3");
    assertFilesReadBack(files, "after a remount with an empty pack cache");
    unmount();

    FuseProcesses.Result fsck = FuseProcesses.cli(Duration.ofMinutes(5), "fsck", store.toString(), "--read-data");
    assertEquals(0, fsck.status(), "fsck --read-data is clean:\n" + fsck.out() + fsck.err());
    try (var logs = Files.list(tmp)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        assertFalse(Files.readString(log).contains("URI:"), log + " holds a cap");
      }
    }
  }

  /** A file's expected length and the SHA-256 of its content. */
  private record Expected(long length, String sha256) {}

  /** Writes {@code content(length, seed)} to {@code name} in the mount and fsyncs it. */
  private void write(String name, long length, long seed, Map<String, Expected> files) throws Exception {
    Path f = mountPoint.resolve(name);
    within("write and fsync " + name, () -> {
      Files.createDirectories(f.getParent());
      try (InputStream in = content(length, seed); OutputStream out = Files.newOutputStream(f)) {
        in.transferTo(out);
      }
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      return null;
    });
    files.put(name, new Expected(length, GridStores.sha256(length, seed)));
  }

  /** Appends {@code content(length, seed)} to the file {@code name}, first written with {@code firstSeed}, and fsyncs. */
  private void append(String name, long firstSeed, long length, long seed, Map<String, Expected> files)
      throws Exception {
    Path f = mountPoint.resolve(name);
    long before = files.get(name).length();
    within("append to and fsync " + name, () -> {
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
          InputStream in = content(length, seed)) {
        in.transferTo(java.nio.channels.Channels.newOutputStream(ch));
        ch.force(true);
      }
      return null;
    });
    String sha = GridStores.sha256(new java.io.SequenceInputStream(content(before, firstSeed), content(length, seed)));
    files.put(name, new Expected(before + length, sha));
  }

  private void assertFilesReadBack(Map<String, Expected> files, String when) throws Exception {
    for (Map.Entry<String, Expected> e : files.entrySet()) {
      Path f = mountPoint.resolve(e.getKey());
      dropPageCache(f);
      String got = within("read " + e.getKey() + " (" + when + ")", () -> GridStores.sha256(Files.newInputStream(f)));
      assertEquals(e.getValue().length(), Files.size(f), e.getKey() + " size, " + when);
      assertEquals(e.getValue().sha256(), got, e.getKey() + " content, " + when);
    }
  }

  /** Drops the kernel's cached pages of {@code f}, so that the next read asks the daemon. */
  private void dropPageCache(Path f) throws Exception {
    FuseProcesses.Result r = FuseProcesses.run(OPERATION_DEADLINE,
        List.of("dd", "if=" + f, "iflag=nocache", "count=0", "status=none"));
    assertEquals(0, r.status(), "dd iflag=nocache " + f + ": " + r.err());
  }

  /** Runs a mounted operation, failing the test if it takes longer than {@link #OPERATION_DEADLINE}. */
  private <T> T within(String what, Callable<T> op) throws Exception {
    Future<T> f = io.submit(op);
    try {
      return f.get(OPERATION_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new AssertionError(what + " hung for " + OPERATION_DEADLINE.toSeconds() + " s with the client node "
          + (grid.client().running() ? "up" : "down") + "; daemon log:\n" + daemonLogs());
    } catch (java.util.concurrent.ExecutionException e) {
      throw new AssertionError(what + " failed: " + e.getCause() + "\ndaemon log:\n" + daemonLogs(), e.getCause());
    }
  }

  private void within(String what, ThrowingRunnable op) throws Exception {
    within(what, () -> {
      op.run();
      return null;
    });
  }

  private interface ThrowingRunnable {
    void run() throws Exception;
  }

  /** {@code chunkstore stats STORE --json} as a separate process (the mount answers through its control socket). */
  private JsonNode stats(Path store) throws Exception {
    FuseProcesses.Result r = FuseProcesses.cli(OPERATION_DEADLINE, "stats", store.toString(), "--json");
    assertEquals(0, r.status(), "stats: " + r.err());
    return JSON.readTree(r.out());
  }

  /** The stats once the uploaders have met the missing node (their first attempt fails at once). */
  private JsonNode statsWhenErrorIsKnown(Path store) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    JsonNode s = stats(store);
    while (!s.has("uploadLastError") && System.nanoTime() < end) {
      Thread.sleep(200);
      s = stats(store);
    }
    return s;
  }

  private Process mount(Path store, String name, String... options) throws Exception {
    List<String> args = new ArrayList<>(List.of("mount", store.toString(), mountPoint.toString(), "-f", "--notify-ready"));
    args.addAll(List.of(options));
    return FuseProcesses.startForegroundMount(args, store, tmp.resolve(name + ".log"), Duration.ofSeconds(120));
  }

  /** Unmounts and waits until the daemon has closed the store (which drains the upload queue). */
  private void unmount() throws Exception {
    FuseProcesses.Result r = FuseProcesses.run(Duration.ofSeconds(60), List.of("fusermount", "-u", mountPoint.toString()));
    assertEquals(0, r.status(), r.err());
    assertTrue(daemon.waitFor(5, TimeUnit.MINUTES), "the daemon closed the store");
    assertEquals(0, daemon.exitValue(), daemonLogs());
    daemon = null;
  }

  private String daemonLogs() {
    StringBuilder b = new StringBuilder();
    try (var logs = Files.list(tmp)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).sorted().toList()) {
        List<String> lines = Files.readAllLines(log);
        b.append("== ").append(log.getFileName()).append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()))).append('\n');
      }
    } catch (IOException e) {
      b.append(e);
    }
    return b.toString();
  }
}
