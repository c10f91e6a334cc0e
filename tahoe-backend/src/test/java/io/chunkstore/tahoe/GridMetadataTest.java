package io.chunkstore.tahoe;

import static io.chunkstore.tahoe.GridStores.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metadata copy on a real grid: each close of a store leaves the grid's copy of
 * {@code STORE/meta} equal to it, file for file, purged backups unlinked; and files the grid has
 * already are not sent again, as the storage servers' leases show (an upload of a file whose
 * shares exist renews their leases).
 */
class GridMetadataTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void eachBackupReachesTheGridAndSendsOnlyTheFilesItLacks() throws Exception {
    Path store = tmp.resolve("store");
    GridStores.create(store, grid, 1 << 20);
    TahoeSettings settings = TahoeSettings.read(store);
    TahoeClient client = new TahoeClient(settings.nodeUrl(), Duration.ofSeconds(60));
    Map<String, TahoeClient.Child> firstCopy = null;
    Map<String, List<Long>> firstLeases = new HashMap<>();
    for (int round = 0; round < 5; round++) {
      try (ChunkStore s = GridStores.open(store, Map.of())) {
        s.write("/f" + round, content(300_000, round));
      } // close: a backup, copied to the grid
      Map<String, TahoeClient.Child> copy = files(client, backupsCap(client, settings.dircap()), "");
      assertEquals(localFiles(store.resolve("meta")), new TreeSet<>(copy.keySet()), "round " + round);
      if (round == 0) {
        firstCopy = copy;
        for (Map.Entry<String, TahoeClient.Child> e : copy.entrySet()) {
          if (e.getKey().startsWith("shared_checksum/")) {
            firstLeases.put(e.getKey(), GridShares.leaseExpiries(grid, e.getValue().cap()));
          }
        }
        assertFalse(firstLeases.isEmpty(), "the first backup has shared files");
        Thread.sleep(2_100); // lease times have a resolution of a second
      }
    }
    long descriptors = files(client, backupsCap(client, settings.dircap()), "").keySet().stream()
        .filter(k -> k.startsWith("meta/")).count();
    assertEquals(io.chunkstore.internal.Internals.METADATA_BACKUPS_KEPT, descriptors, "purged backups are unlinked from the grid too");
    int stillShared = 0;
    for (Map.Entry<String, List<Long>> e : firstLeases.entrySet()) {
      if (Files.exists(store.resolve("meta").resolve(e.getKey()))) {
        stillShared++;
        assertEquals(e.getValue(), GridShares.leaseExpiries(grid, firstCopy.get(e.getKey()).cap()),
            e.getKey() + " was not uploaded again");
      }
    }
    assertTrue(stillShared > 0, "some SST of the first backup is still shared by the newest");
  }

  private static String backupsCap(TahoeClient client, String root) throws Exception {
    String meta = client.list(root).get(GridMetadata.DIR).cap();
    return client.list(meta).get(GridMetadata.BACKUPS).cap();
  }

  /** Every file under the grid directory {@code dircap}, by its relative path. */
  private static Map<String, TahoeClient.Child> files(TahoeClient client, String dircap, String prefix) throws Exception {
    Map<String, TahoeClient.Child> out = new HashMap<>();
    for (Map.Entry<String, TahoeClient.Child> e : client.list(dircap).entrySet()) {
      if (e.getValue().directory()) {
        out.putAll(files(client, e.getValue().cap(), prefix + e.getKey() + "/"));
      } else {
        out.put(prefix + e.getKey(), e.getValue());
      }
    }
    return out;
  }

  private static TreeSet<String> localFiles(Path meta) throws Exception {
    try (Stream<Path> s = Files.walk(meta)) {
      return s.filter(Files::isRegularFile).map(p -> meta.relativize(p).toString())
          .filter(n -> !n.contains(".tmp")).collect(java.util.stream.Collectors.toCollection(TreeSet::new));
    }
  }
}
