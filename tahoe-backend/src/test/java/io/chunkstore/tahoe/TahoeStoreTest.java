package io.chunkstore.tahoe;

import static io.chunkstore.tahoe.GridStores.assertContent;
import static io.chunkstore.tahoe.GridStores.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.backend.UploadBacklog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Whole stores on a real grid: round trips, a lost storage node, the pack cache's budget. */
class TahoeStoreTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void filesOfManySizesRoundTripThroughTheGridAlone() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 4 << 20);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(store.resolve("backend.json"))));
    assertTrue(!Files.readString(store.resolve("chunkstore.json")).contains("URI:"), "no cap in the format file");
    List<Long> sizes = List.of(0L, 1L, 55L, 56L, 4095L, 65_536L, (1L << 20) + 7, 7L << 20, 24L << 20);
    // 200 MiB that repeat 16 MiB of random bytes: the whole length goes through the read path,
    // while dedup keeps the upload (Tahoe's encoding, the slow part) within a CI budget
    long big = 200L << 20;
    int period = 16 << 20;
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      for (int i = 0; i < sizes.size(); i++) {
        s.write("/f" + i, content(sizes.get(i), i));
      }
      s.write("/big", GridStores.repeating(big, 99, period));
    } // close drains the upload queue
    assertEquals(0, GridStores.count(store.resolve("staging").resolve("upload")), "queue drained at close");
    // nothing local but the index: every byte comes from the grid
    GridStores.deleteTree(store.resolve("cache"));
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      assertEquals(UploadBacklog.NONE, s.uploadBacklog());
      assertTrue(s.stats().packs() >= 10, "packs: " + s.stats().packs());
      for (int i = 0; i < sizes.size(); i++) {
        assertContent(s, "/f" + i, sizes.get(i), i);
      }
      assertEquals(big, s.stat("/big").size());
      assertEquals(GridStores.sha256(GridStores.repeating(big, 99, period)), GridStores.sha256(s.newInputStream("/big")));
    }
  }

  @Test
  void readsAndWritesGoOnWithOneOfFourStorageNodesDown() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 1 << 20);
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      s.write("/before", content(5 << 20, 1));
    }
    GridStores.deleteTree(store.resolve("cache"));
    grid.storage(3).stop();
    try {
      grid.awaitConnectedServers(3, Duration.ofSeconds(60));
      try (ChunkStore s = GridStores.open(store, Map.of("sync_upload", "true"))) {
        assertContent(s, "/before", 5 << 20, 1);
        s.write("/during", content(3 << 20, 2));
      }
      GridStores.deleteTree(store.resolve("cache"));
      try (ChunkStore s = GridStores.open(store, Map.of())) {
        assertContent(s, "/during", 3 << 20, 2);
        assertContent(s, "/before", 5 << 20, 1);
      }
    } finally {
      grid.storage(3).start();
      grid.awaitConnectedServers(4, Duration.ofSeconds(120));
    }
  }

  @Test
  void readingMoreThanTheCacheBudgetKeepsTheCacheWithinIt() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 4 << 20);
    try (ChunkStore s = GridStores.open(store, Map.of())) {
      for (int i = 0; i < 4; i++) {
        s.write("/f" + i, content(4 << 20, 10 + i));
      }
    }
    Path cache = store.resolve("cache").resolve("packs");
    GridStores.deleteTree(store.resolve("cache"));
    long budget = 6L << 20;
    try (ChunkStore s = GridStores.open(store, Map.of("pack_cache", String.valueOf(budget)))) {
      for (int i = 0; i < 4; i++) {
        assertContent(s, "/f" + i, 4 << 20, 10 + i);
        long used = GridStores.du(cache);
        assertTrue(used <= budget, "cache holds " + used + " bytes, budget " + budget);
      }
      assertTrue(GridStores.du(cache) >= budget / 2, "the cache is used: " + GridStores.du(cache));
    }
    assertTrue(GridStores.du(cache) <= budget);
  }
}
