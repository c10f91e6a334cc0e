package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunkstore-fsck --read-data} on a Tahoe store has the grid verify every share, and with
 * {@code --repair} replace a share that a storage server lost: observed in the servers' share
 * directories.
 */
class GridRepairTest {
  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void readDataReportsAPackMissingAShareAndRepairHasTheGridMakeItAgain() throws Exception {
    Path store = tmp.resolve("store");
    CliRunner.initOnGrid(store, grid.clientUrl(), "--pack-size", "1M");
    Path src = Files.createDirectories(tmp.resolve("src"));
    try (InputStream in = GridStores.content(5L << 19, 9); OutputStream out = Files.newOutputStream(src.resolve("data"))) {
      in.transferTo(out);
    }
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString(), "-q").status());

    Map.Entry<String, String> pack = GridShares.linkedPacks(store).entrySet().iterator().next();
    List<Path> shares = GridShares.shareFiles(grid, pack.getValue());
    assertEquals(TahoeGrid.STORAGE_NODES, shares.size(), "one share on each server (2-of-4)");
    Files.delete(shares.get(0)); // a storage server lost it

    CliRunner.Result check = CliRunner.run("fsck", store.toString(), "--read-data", "--json");
    assertEquals(0, check.status(), "a missing share is a notice, the pack is readable: " + check.out() + check.err());
    JsonNode c = new ObjectMapper().readTree(check.out());
    assertTrue(c.path("figures").path("packsVerifiedOnGrid").asLong() >= 1, c.toString());
    assertTrue(c.toString().contains("unhealthy_on_grid") && c.toString().contains(pack.getKey()), c.toString());
    assertEquals(TahoeGrid.STORAGE_NODES - 1, GridShares.shareFiles(grid, pack.getValue()).size(), "a check repairs nothing");

    CliRunner.Result repair = CliRunner.run("fsck", store.toString(), "--read-data", "--repair", "--json");
    assertEquals(0, repair.status(), repair.out() + repair.err());
    JsonNode r = new ObjectMapper().readTree(repair.out());
    assertTrue(r.path("figures").path("packsRepairedOnGrid").asLong() >= 1, r.toString());
    // a share file is named by its share number; the lost number is back (Tahoe may place more)
    Set<String> numbers = GridShares.shareFiles(grid, pack.getValue()).stream().map(p -> p.getFileName().toString())
        .collect(Collectors.toSet());
    assertTrue(numbers.containsAll(Set.of("0", "1", "2", "3")), "every share number again: " + numbers);
    CliRunner.Result again = CliRunner.run("fsck", store.toString(), "--read-data", "--json");
    assertEquals(0, again.status(), again.out());
    assertTrue(!again.out().contains("unhealthy_on_grid"), "healthy after the repair: " + again.out());
    assertTrue(!(check.out() + repair.out()).contains("URI:"), "no cap in the reports");
  }
}
