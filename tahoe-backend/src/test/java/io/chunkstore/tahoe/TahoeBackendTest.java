package io.chunkstore.tahoe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the contract does not say about TahoeBackend: what is on the grid and when, what stays in
 * the queue, and what a second backend on the same directory sees.
 */
class TahoeBackendTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  private TahoeBackend open(String dircap, String name, boolean sync, boolean drain) throws Exception {
    return TahoeBackend.open(grid.clientUrl(), dircap, tmp.resolve(name).resolve("upload"),
        tmp.resolve(name).resolve("cache"), new TahoeBackend.Options(sync, 4, 16L << 20, drain, Duration.ofMinutes(2),
            Duration.ofSeconds(60)));
  }

  private Path source(byte[] data) throws Exception {
    Path p = Files.createTempFile(Files.createDirectories(tmp.resolve("src")), "s", "");
    Files.write(p, data);
    return p;
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aSyncPutIsOnTheGridWhenItReturnsAndNothingIsQueued() throws Exception {
    String dir = grid.newDirectory();
    byte[] data = bytes(300_000, 1);
    try (TahoeBackend a = open(dir, "a", true, true)) {
      a.put("ab01", source(data));
      a.put("empty", source(new byte[0]));
      assertEquals(0, a.uploadBacklog().objects());
      assertEquals(0, GridStores.count(tmp.resolve("a").resolve("upload")));
      // another backend on the same directory, with nothing local: it reads what a stored
      try (TahoeBackend b = open(dir, "b", false, true)) {
        assertArrayEquals(data, b.get("ab01", 0, data.length));
        assertEquals(OptionalLong.of(0), b.stat("empty"));
        assertEquals(List.of("ab01"), b.list("ab"));
      }
    }
  }

  @Test
  void aQueueLeftByAnEarlierRunGoesUpAtTheNextOpen() throws Exception {
    String dir = grid.newDirectory();
    byte[] data = bytes(200_000, 2);
    Path queue = tmp.resolve("a").resolve("upload");
    try (TahoeBackend a = open(dir, "a", false, false)) {
      grid.client().stop(); // nothing can go up
      try {
        a.put("cd01", source(data));
        a.put("cd02", source(bytes(10, 3)));
        assertEquals(2, a.uploadBacklog().objects());
        assertArrayEquals(data, a.get("cd01", 0, data.length)); // served from the queue
      } finally {
        grid.client().start();
      }
    } // no drain: the files stay queued, as after a crash
    assertEquals(2, GridStores.count(queue));
    grid.awaitConnectedServers(TahoeGrid.STORAGE_NODES, Duration.ofSeconds(120));
    try (TahoeBackend a = open(dir, "a", false, true)) {
      assertEquals(2, a.uploadBacklog().objects(), "resumed");
    } // drains
    assertEquals(0, GridStores.count(queue));
    try (TahoeBackend b = open(dir, "b", false, true)) {
      assertArrayEquals(data, b.get("cd01", 0, data.length));
      assertEquals(OptionalLong.of(10), b.stat("cd02"));
    }
  }

  @Test
  void keysAreLinkedIntoShardsByTheirFirstTwoCharacters() throws Exception {
    String dir = grid.newDirectory();
    try (TahoeBackend a = open(dir, "a", true, true)) {
      for (String k : List.of("ab01", "ab02", "cd01", "x")) {
        a.put(k, source(k.getBytes()));
      }
    }
    TahoeClient c = new TahoeClient(grid.clientUrl(), Duration.ofSeconds(60));
    var root = c.list(dir);
    assertEquals(java.util.Set.of("ab", "cd", "x_"), root.keySet());
    assertTrue(root.values().stream().allMatch(TahoeClient.Child::directory));
    assertEquals(java.util.Set.of("ab01", "ab02"), c.list(root.get("ab").cap()).keySet());
  }
}
