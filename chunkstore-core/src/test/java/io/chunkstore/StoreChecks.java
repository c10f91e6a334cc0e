package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** Checks of a store's invariants that tests share, made from the index and the disk, not from counters. */
public final class StoreChecks {
  private StoreChecks() {}

  /** Every non-zero refcount equals the number of extents that name the block, and each such block is indexed. */
  public static void assertRefcountsMatchExtents(ChunkStore s) {
    Map<BlockId, Long> recount = new HashMap<>();
    Internals.index(s).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
    Map<BlockId, Long> stored = new HashMap<>();
    Internals.index(s).forEachRef((id, n) -> {
      if (n != 0) {
        stored.put(id, n);
      }
    });
    assertEquals(recount, stored, "refcounts equal a recount from the extents");
    for (BlockId id : recount.keySet()) {
      assertTrue(Internals.index(s).block(id).isPresent(), "referenced block " + id + " is indexed");
    }
  }

  /** Bytes of the files in the store's {@code packs/} and {@code staging/}: what its blocks cost on disk. */
  public static long bytesOnDisk(Path store) throws IOException {
    long sum = 0;
    for (String sub : new String[] {"packs", "staging"}) {
      Path dir = store.resolve(sub);
      if (!Files.isDirectory(dir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
          sum += Files.size(f);
        }
      }
    }
    return sum;
  }
}
