package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chunkstore.tahoe.GridShares;
import io.chunkstore.tahoe.GridStores;
import io.chunkstore.tahoe.TahoeGrid;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code gc --renew-leases} on a real grid, observed where lease expiry would look: the lease
 * records in the storage servers' share files. Live packs and the store's metadata get later
 * expiry times; the packs gc dropped keep the ones they had, so they lapse.
 */
class RenewLeasesTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void renewLeasesRenewsLivePacksAndMetadataButNeverThePacksGcDropped() throws Exception {
    Path store = tmp.resolve("store");
    CliRunner.initOnGrid(store, grid.clientUrl(), "--pack-size", "1M");
    put(store, "keep", 1);
    put(store, "drop", 2);
    assertEquals(0, CliRunner.run("rm", store.toString(), "-r", "/drop").status());

    Map<String, String> before = GridShares.linkedPacks(store);
    Map<String, List<Long>> expiriesBefore = new HashMap<>();
    for (Map.Entry<String, String> e : before.entrySet()) {
      expiriesBefore.put(e.getKey(), GridShares.leaseExpiries(grid, e.getValue()));
    }
    String settings = GridShares.settingsCap(store);
    List<Long> settingsBefore = GridShares.leaseExpiries(grid, settings);
    Thread.sleep(2_100); // lease times have a resolution of a second

    CliRunner.Result r = CliRunner.run("gc", store.toString(), "--renew-leases", "--json");
    assertEquals(0, r.status(), r.out() + r.err());
    assertFalse((r.out() + r.err()).contains("URI:"), "no cap on the terminal");
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertTrue(j.path("packsDeleted").asLong() > 0, "gc dropped the packs of /drop: " + j);

    Map<String, String> after = GridShares.linkedPacks(store);
    Set<String> dropped = new HashSet<>(before.keySet());
    dropped.removeAll(after.keySet());
    Set<String> kept = new HashSet<>(before.keySet());
    kept.retainAll(after.keySet());
    assertFalse(dropped.isEmpty(), "some packs were dropped");
    assertFalse(kept.isEmpty(), "some packs were kept");
    assertEquals(after.size(), j.path("leases").path("packsRenewed").asLong(), "every live pack: " + j);
    assertTrue(j.path("leases").path("metadataRenewed").asLong() > 1, j.toString());

    for (String key : kept) {
      List<Long> now = GridShares.leaseExpiries(grid, before.get(key));
      assertTrue(Collections.min(now) > Collections.max(expiriesBefore.get(key)),
          "live pack " + key + ": leases renewed (" + expiriesBefore.get(key) + " -> " + now + ")");
    }
    for (String key : dropped) {
      List<Long> now = GridShares.leaseExpiries(grid, before.get(key));
      assertEquals(sorted(expiriesBefore.get(key)), sorted(now), "dropped pack " + key + ": leases left to lapse");
    }
    List<Long> settingsNow = GridShares.leaseExpiries(grid, settings);
    assertTrue(Collections.min(settingsNow) > Collections.max(settingsBefore),
        "the store's settings on the grid: " + settingsBefore + " -> " + settingsNow);
  }

  @Test
  void renewLeasesOnALocalStoreSaysThereAreNone() throws Exception {
    Path store = tmp.resolve("local");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    CliRunner.Result r = CliRunner.run("gc", store.toString(), "--renew-leases");
    assertEquals(0, r.status(), r.err());
    assertTrue(r.err().contains("there are no leases to renew"), r.err());
  }

  private static List<Long> sorted(List<Long> l) {
    return l.stream().sorted().toList();
  }

  private void put(Path store, String name, long seed) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    try (InputStream in = GridStores.content((5L << 19) + seed, seed);
        OutputStream out = Files.newOutputStream(dir.resolve("data"))) {
      in.transferTo(out);
    }
    assertEquals(0, CliRunner.run("put", store.toString(), dir.toString(), "-q").status());
  }
}
