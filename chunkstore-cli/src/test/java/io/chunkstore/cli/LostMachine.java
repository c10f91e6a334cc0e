package io.chunkstore.cli;

import io.chunkstore.ChunkStore;
import io.chunkstore.tahoe.GridStores;
import java.nio.file.Path;
import java.util.Map;

/**
 * A writer whose machine dies (run as its own process): opens a Tahoe store with
 * {@code sync_upload}, writes one file of {@link GridStores#content}, flushes, so that its packs are
 * on the grid, and halts without closing: no metadata backup records the file.
 *
 * <p>Arguments: STORE PATH LENGTH SEED.
 */
final class LostMachine {
  private LostMachine() {}

  public static void main(String[] args) throws Exception {
    ChunkStore s = ChunkStore.open(Path.of(args[0]),
        ChunkStore.Options.defaults().withBackendOptions(Map.of("sync_upload", "true")));
    s.write(args[1], GridStores.content(Long.parseLong(args[2]), Long.parseLong(args[3])));
    s.flush();
    Runtime.getRuntime().halt(0);
  }
}
