package io.chunkstore.fsck;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.index.PackRecord;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.SuperChunkReader;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;

/**
 * Records a pack that is in the backend but not in the index, from its trailer: a crash between an
 * upload and its index batch, or an index rebuilt without it. Blocks the index does not know get
 * their entries back, which heals every file that names them; blocks it knows elsewhere stay where
 * they are (this pack's copies are garbage for gc).
 */
public final class PackAdoption {
  private PackAdoption() {}

  /** Adds the pack's record, and entries for the blocks the index lacks, to {@code batch}. */
  public static int adopt(MaintenanceStore store, Batch batch, PackId id) throws IOException {
    PackManifest m = SuperChunkReader.readManifest(store.backend(), id);
    return adopt(store.index(), batch, m, new HashSet<>());
  }

  /**
   * Adds {@code m}'s record and the entries of blocks that neither the index nor {@code claimed}
   * (blocks entered earlier in the same batch) has. Returns how many entries it added.
   */
  public static int adopt(Index index, Batch batch, PackManifest m, Set<BlockId> claimed) {
    batch.putPack(new PackRecord(m.id(), m.size(), m.entries().size(), System.currentTimeMillis()));
    batch.addCounter(Counter.PACKS, 1);
    batch.addCounter(Counter.PACK_BYTES, m.size());
    int added = 0;
    long raw = 0;
    for (PackEntry e : m.entries()) {
      if (claimed.contains(e.id()) || index.block(e.id()).isPresent()) {
        continue;
      }
      claimed.add(e.id());
      batch.putBlock(e.id(), new BlockRecord(m.id(), e.frameOffset(), e.frameLength(), e.offsetInFrame(), e.length()));
      added++;
      raw += e.length();
    }
    batch.addCounter(Counter.UNIQUE_BLOCKS, added);
    batch.addCounter(Counter.UNIQUE_RAW_BYTES, raw);
    return added;
  }
}
