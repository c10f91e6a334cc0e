package io.chunkstore.tahoe;

import static io.chunkstore.tahoe.GridStores.assertContent;
import static io.chunkstore.tahoe.GridStores.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.chunkstore.ChunkStore;
import io.chunkstore.backend.UploadBacklog;
import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens when the grid misbehaves: the client node goes away and comes back, servers are
 * missing or full, the URL is wrong. Every failure is one sentence without a cap; nothing that
 * was stored is lost. Each test leaves every node running again.
 */
class GridFailuresTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void whileTheClientNodeIsDownCachedReadsWorkWritesQueueAndTheQueueDrainsWhenItReturns() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 1 << 20);
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      s.write("/old", content(3 << 20, 1));
    }
    try (ChunkStore s = GridStores.open(store, Map.of("drain", "false"))) {
      assertContent(s, "/old", 3 << 20, 1); // from the grid, into the pack cache
      grid.client().stop();
      try {
        assertContent(s, "/old", 3 << 20, 1); // the block cache is 1 MiB: these come from the pack cache
        s.write("/new", content(4 << 20, 2));
        s.flush();
        UploadBacklog b = s.uploadBacklog();
        assertTrue(b.objects() >= 3, "sealed packs wait for the grid: " + b);
        assertContent(s, "/new", 4 << 20, 2); // read from the upload queue
        awaitError(s);
        String err = s.uploadBacklog().lastError();
        assertTrue(err.contains("not running") || err.contains("does not answer"), err);
        assertFalse(err.contains("URI:"), err);
      } finally {
        grid.client().start();
      }
      grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
      long end = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (s.uploadBacklog().objects() > 0 && System.nanoTime() < end) {
        Thread.sleep(200);
      }
      assertEquals(0, s.uploadBacklog().objects(), "the queue drained once the node was back: " + s.uploadBacklog());
    }
    GridStores.deleteTree(store.resolve("cache"));
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      assertContent(s, "/old", 3 << 20, 1);
      assertContent(s, "/new", 4 << 20, 2);
    }
  }

  private static void awaitError(ChunkStore s) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (s.uploadBacklog().lastError().isEmpty() && System.nanoTime() < end) {
      Thread.sleep(100);
    }
  }

  @Test
  void aWrongUrlIsOneSentenceAndLeavesNoStoreBehind() throws Exception {
    Path store = tmp.resolve("store");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StoreConfig tahoe = StoreConfig.defaults().withBackend("tahoe");
    IOException down = assertThrows(IOException.class, () -> ChunkStore.create(store, tahoe, "http://127.0.0.1:" + port));
    assertEquals("the Tahoe-LAFS client node at http://127.0.0.1:" + port + " is not running (connection refused);"
        + " start it with: tahoe run NODEDIR", down.getMessage());
    assertFalse(Files.exists(store), "a failed init leaves nothing");

    HttpServer notTahoe = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    notTahoe.createContext("/", x -> {
      x.sendResponseHeaders(404, -1);
      x.close();
    });
    notTahoe.start();
    try {
      String url = "http://127.0.0.1:" + notTahoe.getAddress().getPort();
      IOException e = assertThrows(IOException.class, () -> ChunkStore.create(store, tahoe, url));
      assertTrue(e.getMessage().startsWith(url + " is not a Tahoe-LAFS client node's web API (GET /?t=json answered"
          + " HTTP 404)"), e.getMessage());
    } finally {
      notTahoe.stop(0);
    }
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> ChunkStore.create(store, tahoe, "ftp://127.0.0.1/x"));
    assertTrue(bad.getMessage().startsWith("'ftp://127.0.0.1/x' is not the URL of a Tahoe-LAFS client node's web API"));
    assertFalse(Files.exists(store));
  }

  @Test
  void tooFewStorageServersAreOneSentenceForWritesAndForReads() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 1 << 20);
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      s.write("/kept", content(2 << 20, 3));
    }
    GridStores.deleteTree(store.resolve("cache"));
    try {
      grid.storage(1).stop();
      grid.storage(2).stop();
      grid.awaitConnectedServers(2, Duration.ofSeconds(60));
      ChunkStore s = GridStores.open(store, Map.of("sync_upload", "true"));
      try {
        // a pack seals (and fails to upload) during the write or at the flush
        IOException e = assertThrows(IOException.class, () -> {
          s.write("/more", content(3 << 20, 4));
          s.flush();
        });
        assertEquals("the grid cannot upload a pack: too few storage servers are connected to place its shares"
            + " (Tahoe-LAFS: UploadUnhappinessError; shares.happy servers are needed)", e.getMessage());
        grid.storage(3).stop();
        grid.awaitConnectedServers(1, Duration.ofSeconds(60));
        IOException r = assertThrows(IOException.class, () -> GridStores.sha256(s.newInputStream("/kept")));
        assertTrue(rootMessage(r).startsWith("the grid cannot read a pack: too few of its storage servers are reachable"
            + " to rebuild it (Tahoe-LAFS: NotEnoughShares)"), rootMessage(r));
      } finally {
        closeAfterFailure(s);
      }
    } finally {
      for (int i = 1; i <= 3; i++) {
        grid.storage(i).start();
      }
      grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
    }
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      assertContent(s, "/kept", 2 << 20, 3);
    }
  }

  @Test
  void aFullGridIsOneSentence() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 1 << 20);
    try {
      for (int i = 0; i < TahoeGrid.STORAGE_NODES; i++) {
        grid.storage(i).stop();
        grid.setReservedSpace(grid.storage(i), "1000T");
        grid.storage(i).start();
      }
      grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
      ChunkStore s = GridStores.open(store, Map.of("sync_upload", "true"));
      try {
        IOException e = assertThrows(IOException.class, () -> {
          s.write("/f", content(2 << 20, 5));
          s.flush();
        });
        assertTrue(e.getMessage().startsWith("the grid is full: 4 of the 4 connected storage servers have no space left"),
            e.getMessage());
      } finally {
        closeAfterFailure(s);
      }
    } finally {
      for (int i = 0; i < TahoeGrid.STORAGE_NODES; i++) {
        grid.storage(i).stop();
        grid.setReservedSpace(grid.storage(i), "10M");
        grid.storage(i).start();
      }
      grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
    }
  }

  /**
   * Closes a store whose last pack could not be uploaded: closing tries again and may fail with
   * the same kind of sentence; the pack stays in staging for the next open.
   */
  private static void closeAfterFailure(ChunkStore s) {
    try {
      s.close();
    } catch (IOException e) {
      assertTrue(e instanceof TahoeException && !e.getMessage().contains("URI:"), String.valueOf(e));
    }
  }

  private static String rootMessage(Throwable t) {
    String m = t.getMessage();
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof TahoeException) {
        return c.getMessage();
      }
    }
    return m;
  }
}
