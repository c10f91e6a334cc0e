package io.chunkstore.tahoe;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The first half of {@code chunkstore restore --from-tahoe}: lays out a store in a new directory
 * from what the grid keeps of it — its settings, its newest index backups, and the connection to
 * the grid — so that rebuilding the index (the packs' trailers are on the grid) finishes it.
 */
public final class TahoeRestore {
  private TahoeRestore() {}

  /**
   * Fills {@code target}, a new empty directory, with {@code chunkstore.json}, {@code meta/} (the
   * index backups), {@code backend.json} (mode 0600) and the empty {@code packs/} and
   * {@code staging/} of the store whose directory on the grid is {@code dircap}, reached through
   * the client node at {@code nodeUrl}. Leaves the index to be rebuilt.
   *
   * @throws IllegalArgumentException with one sentence if the URL or the cap is malformed
   * @throws TahoeException with one sentence (never the cap) if the node does not answer or the cap
   *     does not name a store's directory
   */
  public static void fetch(String nodeUrl, String dircap, Path target) throws IOException {
    URI url = TahoeClient.parseNodeUrl(nodeUrl);
    String cap = dircap.strip();
    if (cap.startsWith("URI:DIR2-RO:")) {
      throw new IllegalArgumentException("the directory cap given is a read-only cap; a restored store writes to its"
          + " directory, so give the write cap (URI:DIR2:..., the dircap in the old store's backend.json)");
    }
    if (!cap.matches("URI:DIR2:[a-z2-7]+:[a-z2-7]+")) {
      throw new IllegalArgumentException("the directory cap given is not a Tahoe-LAFS directory write cap"
          + " (URI:DIR2:..., the dircap in the old store's backend.json)");
    }
    TahoeClient client = new TahoeClient(url, Duration.ofSeconds(60));
    client.connectedServers(); // a wrong URL or a node that is down: one sentence, now
    new GridMetadata(client, cap).fetch(target);
    for (String sub : new String[] {"packs", "staging"}) {
      Files.createDirectory(target.resolve(sub), PosixFilePermissions.asFileAttribute(
          PosixFilePermissions.fromString("rwx------")));
    }
    ownerOnly(target);
    new TahoeSettings(url, cap).write(target);
  }

  /** What was downloaded, readable by the owner only, as a store made by init is. */
  private static void ownerOnly(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwx------" : "rw-------"));
      }
    }
  }
}
