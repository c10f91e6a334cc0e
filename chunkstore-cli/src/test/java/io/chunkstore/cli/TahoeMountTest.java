package io.chunkstore.cli;

import static io.chunkstore.tahoe.GridStores.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.tahoe.GridStores;
import io.chunkstore.tahoe.TahoeGrid;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a real Tahoe-LAFS grid through the commands users type: {@code init --backend
 * tahoe:URL}, {@code put}, {@code get}, {@code stats}, and a real FUSE mount, including a
 * {@code kill -9} of the mount while packs wait in the upload queue.
 */
class TahoeMountTest {
  private static final Duration CLI_TIMEOUT = Duration.ofMinutes(5);
  private static final List<Long> SIZES = List.of(0L, 1L, 4095L, (1L << 20) + 3, 9L << 20, 40L << 20);

  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  private Path mountPoint;
  private Process daemon;

  @BeforeEach
  void requirements() {
    FuseProcesses.requireFuse();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null && daemon.isAlive()) {
      daemon.destroyForcibly();
      daemon.waitFor(30, TimeUnit.SECONDS);
    }
    if (mountPoint != null) {
      FuseProcesses.unmountQuietly(mountPoint);
    }
  }

  /** A cap is a secret: no daemon log may hold one. */
  private void assertNoCapInLogs() throws IOException {
    try (var logs = Files.list(tmp)) {
      for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
        assertTrue(!Files.readString(log).contains("URI:"), log + " holds a cap");
      }
    }
  }

  private Path initStore(String packSize) {
    Path store = tmp.resolve("store");
    CliRunner.Result r = CliRunner.initOnGrid(store, grid.clientUrl(), "--pack-size", packSize);
    assertTrue(r.out().contains("packs on tahoe through " + grid.clientUrl()), r.out());
    assertTrue(!r.out().contains("URI:") && !r.err().contains("URI:"), "no cap on the terminal");
    return store;
  }

  @Test
  void putGetAndTheMountRoundTripFilesThroughTheGrid() throws Exception {
    Path store = initStore("8M");
    Path src = Files.createDirectories(tmp.resolve("src"));
    for (int i = 0; i < SIZES.size(); i++) {
      try (InputStream in = content(SIZES.get(i), i)) {
        Files.copy(in, src.resolve("f" + i));
      }
    }
    CliRunner.Result put = CliRunner.run("put", store.toString(), src.toString(), "-q");
    assertEquals(0, put.status(), put.err());
    FuseProcesses.Result stats = FuseProcesses.cli(CLI_TIMEOUT, "stats", store.toString(), "--json");
    assertEquals(0, stats.status(), stats.err());
    assertTrue(stats.out().contains("\"uploadBacklogPacks\":0,"), "put drained its uploads: " + stats.out());

    // through the mount: copy the same files in under another name, unmount (drains the queue)
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    daemon = startDaemon(store, "mount1");
    Files.createDirectory(mountPoint.resolve("viaMount"));
    for (int i = 0; i < SIZES.size(); i++) {
      Files.copy(src.resolve("f" + i), mountPoint.resolve("viaMount").resolve("f" + i));
    }
    stopDaemon();

    GridStores.deleteTree(store.resolve("cache"));
    Path out = tmp.resolve("out");
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/src", out.toString());
    assertEquals(0, get.status(), get.err());
    daemon = startDaemon(store, "mount2");
    for (int i = 0; i < SIZES.size(); i++) {
      String expected = GridStores.sha256(SIZES.get(i), i);
      assertEquals(expected, GridStores.sha256(Files.newInputStream(out.resolve("f" + i))), "get f" + i);
      assertEquals(expected, GridStores.sha256(Files.newInputStream(mountPoint.resolve("src").resolve("f" + i))),
          "mounted put f" + i);
      assertEquals(expected, GridStores.sha256(Files.newInputStream(mountPoint.resolve("viaMount").resolve("f" + i))),
          "mounted copy f" + i);
    }
    stopDaemon();
    assertNoCapInLogs();
  }

  @Test
  void killMinus9WithUploadsQueuedThenRemountDrainsTheQueueAndFsyncedFilesReadBack() throws Exception {
    Path store = initStore("1M");
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    daemon = startDaemon(store, "mount1");
    Path queue = store.resolve("staging").resolve("upload");
    Map<String, Long> written = new LinkedHashMap<>();
    grid.client().stop(); // the grid out of reach: sealed packs stay in the queue
    try {
      for (int i = 0; i < 6; i++) {
        long size = (1L << 20) + i * 333_333L;
        Path f = mountPoint.resolve("f" + i);
        try (InputStream in = content(size, 100 + i)) {
          Files.copy(in, f);
        }
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
          ch.force(true);
        }
        written.put("f" + i, size);
      }
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (GridStores.count(queue) < 3 && System.nanoTime() < end) {
        Thread.sleep(100);
      }
      assertTrue(GridStores.count(queue) >= 3, "sealed packs wait in the queue: " + GridStores.count(queue));
      daemon.destroyForcibly(); // kill -9
      daemon.waitFor(30, TimeUnit.SECONDS);
      FuseProcesses.unmountLazily(mountPoint);
    } finally {
      grid.client().start();
    }
    grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
    daemon = startDaemon(store, "mount2");
    long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (GridStores.count(queue) > 0 && System.nanoTime() < end) {
      Thread.sleep(200);
    }
    assertEquals(0, GridStores.count(queue), "the remount drained the queue");
    for (Map.Entry<String, Long> e : written.entrySet()) {
      int seed = 100 + Integer.parseInt(e.getKey().substring(1));
      assertEquals(GridStores.sha256(e.getValue(), seed),
          GridStores.sha256(Files.newInputStream(mountPoint.resolve(e.getKey()))), "fsynced " + e.getKey());
    }
    stopDaemon();
    // and from the grid alone
    GridStores.deleteTree(store.resolve("cache"));
    Path out = tmp.resolve("out");
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/", out.toString());
    assertEquals(0, get.status(), get.err());
    for (Map.Entry<String, Long> e : written.entrySet()) {
      int seed = 100 + Integer.parseInt(e.getKey().substring(1));
      assertEquals(GridStores.sha256(e.getValue(), seed), GridStores.sha256(Files.newInputStream(out.resolve(e.getKey()))));
    }
    assertNoCapInLogs();
  }

  private Process startDaemon(Path store, String name) throws Exception {
    return FuseProcesses.startForegroundMount(store, mountPoint, tmp.resolve(name + ".log"), Duration.ofSeconds(120));
  }

  /** Unmounts and waits until the daemon has closed the store (which drains the upload queue). */
  private void stopDaemon() throws Exception {
    FuseProcesses.Result r = FuseProcesses.run(Duration.ofSeconds(60), List.of("fusermount", "-u", mountPoint.toString()));
    assertEquals(0, r.status(), r.err());
    assertTrue(daemon.waitFor(5, TimeUnit.MINUTES), "the daemon closed the store");
    assertEquals(0, daemon.exitValue());
    daemon = null;
  }
}
