package io.chunkstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.chunkstore.ChunkStore;
import io.chunkstore.control.ControlClient;
import io.chunkstore.control.NotMountedException;
import io.chunkstore.control.StoreControl;
import io.chunkstore.StoreLockedException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Show how much the store holds, how much dedup and compression saved, and how much "
        + "space blocks no file uses any more take (what gc frees).",
        "Works while the store is mounted: the mount daemon answers through its",
        "control socket, STORE/control.sock."})
final class StatsCommand implements Callable<Integer> {
  /** A daemon that says nothing for this long is stuck; stats of a big store take seconds. */
  private static final Duration DAEMON_TIMEOUT = Duration.ofMinutes(5);

  @Parameters(index = "0", paramLabel = "STORE", description = "The store's directory.")
  Path store;

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    JsonNode s = read();
    if (json) {
      System.out.println(s);
      return 0;
    }
    long logical = s.path("logicalBytes").asLong();
    long packs = s.path("packs").asLong();
    long dead = s.path("deadBytes").asLong();
    System.out.printf(Locale.ROOT, "logical size        %s (%d bytes)%n", Sizes.human(logical), logical);
    System.out.printf(Locale.ROOT, "of which holes      %s (sparse files: stored as nothing)%n",
        Sizes.human(s.path("holeBytes").asLong()));
    System.out.printf(Locale.ROOT, "unique blocks       %d, %s before compression%n", s.path("uniqueBlocks").asLong(),
        Sizes.human(s.path("uniqueRawBytes").asLong()));
    System.out.printf(Locale.ROOT, "stored              %s in %d pack%s%n", Sizes.human(s.path("storedBytes").asLong()),
        packs, packs == 1 ? "" : "s");
    System.out.printf(Locale.ROOT, "dead (gc frees)     %s in %d unused block%s%n", Sizes.human(dead),
        s.path("deadBlocks").asLong(), s.path("deadBlocks").asLong() == 1 ? "" : "s");
    System.out.printf(Locale.ROOT, "dedup ratio         %.2fx%n", s.path("dedupRatio").asDouble());
    System.out.printf(Locale.ROOT, "compression ratio   %.2fx%n", s.path("compressionRatio").asDouble());
    System.out.printf(Locale.ROOT, "total saving        %.2fx%n", s.path("totalRatio").asDouble());
    long backlog = s.path("uploadBacklogPacks").asLong();
    if (backlog > 0) {
      System.out.printf(Locale.ROOT, "upload backlog      %d pack%s, %s, not on the grid yet%s%n", backlog,
          backlog == 1 ? "" : "s", Sizes.human(s.path("uploadBacklogBytes").asLong()),
          s.has("uploadLastError") ? " (last attempt: " + s.path("uploadLastError").asText() + ")" : "");
    }
    return 0;
  }

  /** From the store itself, or, while a mount holds it, from the mount daemon. */
  private JsonNode read() throws IOException {
    // a look must not wait for a remote backend's uploads: they carry on at the next open
    try (ChunkStore cs = Stores.open(store, ChunkStore.Options.defaults().withBackendOptions(Map.of("drain", "false")))) {
      return StoreControl.stats(cs);
    } catch (StoreLockedException locked) {
      try (ControlClient daemon = ControlClient.connect(store).timeout(DAEMON_TIMEOUT)) {
        return daemon.call("stats");
      } catch (NotMountedException notMounted) {
        throw locked; // held by a put or another command, or by a daemon killed mid-start
      }
    }
  }
}
