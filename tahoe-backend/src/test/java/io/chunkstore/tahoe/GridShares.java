package io.chunkstore.tahoe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the grid itself holds for a store, for tests that check it from outside the backend: the
 * caps linked in the store's directory, and the leases on the storage servers' share files (read
 * with Tahoe's own share parser, so a test observes what lease expiry would see).
 */
public final class GridShares {
  private GridShares() {}

  /** Every object linked in the store's directory on the grid, key to cap (no metadata). */
  public static Map<String, String> linkedPacks(Path store) throws IOException {
    TahoeSettings s = TahoeSettings.read(store);
    Map<String, String> out = new HashMap<>();
    new GridDirectory(client(s), s.dircap()).loadAll().forEach((k, c) -> out.put(k, c.cap()));
    return out;
  }

  /** The cap of {@code meta/chunkstore.json}, the store's settings on the grid. */
  public static String settingsCap(Path store) throws IOException {
    TahoeSettings s = TahoeSettings.read(store);
    TahoeClient c = client(s);
    TahoeClient.Child meta = c.list(s.dircap()).get(GridMetadata.DIR);
    return c.list(meta.cap()).get(GridMetadata.CONFIG).cap();
  }

  /** The store's directory cap, from its backend.json. */
  public static String dircap(Path store) throws IOException {
    return TahoeSettings.read(store).dircap();
  }

  /**
   * When the leases on each share of the immutable file {@code cap} expire, in epoch seconds, the
   * latest lease of each share file on every storage node of {@code grid}.
   */
  public static List<Long> leaseExpiries(TahoeGrid grid, String cap) throws IOException, InterruptedException {
    List<String> shares = shareFiles(grid, cap).stream().map(Path::toString).toList();
    if (shares.isEmpty()) {
      throw new IOException("no storage node holds a share of this file");
    }
    List<String> cmd = new ArrayList<>(List.of(python().toString(), "-c",
        "import sys\nfrom allmydata.storage.immutable import ShareFile\n"
            + "for p in sys.argv[1:]:\n    print(max(l.get_expiration_time() for l in ShareFile(p).get_leases()))\n"));
    cmd.addAll(shares);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("reading the leases of a share failed: " + out);
    }
    return out.lines().map(String::strip).filter(l -> !l.isEmpty()).map(l -> (long) Double.parseDouble(l)).toList();
  }

  /** The share files of the immutable file {@code cap} on every storage node of {@code grid}. */
  public static List<Path> shareFiles(TahoeGrid grid, String cap) throws IOException {
    String si = new TahoeClient(grid.clientUrl(), Duration.ofSeconds(60)).check(cap, false, false, false)
        .path("storage-index").asText();
    List<Path> shares = new ArrayList<>();
    for (int i = 0; i < TahoeGrid.STORAGE_NODES; i++) {
      Path dir = grid.storage(i).directory().resolve("storage").resolve("shares").resolve(si.substring(0, 2)).resolve(si);
      if (Files.isDirectory(dir)) {
        try (Stream<Path> s = Files.list(dir)) {
          s.forEach(shares::add);
        }
      }
    }
    return shares;
  }

  /** The Python that runs {@code tahoe}, from its #! line. */
  private static Path python() throws IOException {
    String first = Files.readAllLines(TahoeGrid.findTahoe()).get(0);
    return Path.of(first.substring(2).strip().split(" ")[0]);
  }

  private static TahoeClient client(TahoeSettings s) {
    return new TahoeClient(s.nodeUrl(), Duration.ofSeconds(60));
  }
}
