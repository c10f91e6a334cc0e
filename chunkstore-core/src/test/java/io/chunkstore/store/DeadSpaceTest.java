package io.chunkstore.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead space — what blocks at refcount 0 hold in sealed packs — measured from a real index:
 * none while every block is used, every frame once everything is deleted, and for a partial
 * delete an amount between the frames only dead blocks fill and the frames a dead block touches.
 */
class DeadSpaceTest {
  @TempDir
  Path tmp;

  /** Small fixed blocks, so that many share a 128 KiB frame and frames mix files. */
  private ChunkStore newStore() throws Exception {
    return ChunkStore.create(tmp.resolve("store"), StoreConfig.defaults().withChunker("fixed:4K"));
  }

  /** Random content: no block of one seed repeats in another. */
  private static ByteArrayInputStream random(long seed, int size) {
    byte[] b = new byte[size];
    new java.util.Random(seed).nextBytes(b);
    return new ByteArrayInputStream(b);
  }

  private static void write(ChunkStore s, String path, long seed, int size) throws Exception {
    s.write(path, random(seed, size));
  }

  private static void importFile(ChunkStore s, String path, long seed, int size) throws Exception {
    s.importFile(path, random(seed, size), io.chunkstore.Attributes.none());
  }

  private record Frame(PackId pack, long offset) {}

  /** Frame lengths: of frames with a dead block, and of frames with nothing else. */
  private static long[] frameBounds(ChunkStore s) {
    Map<Frame, Integer> length = new HashMap<>();
    Set<Frame> touched = new HashSet<>();
    Set<Frame> live = new HashSet<>();
    Internals.index(s).forEachBlockWithRefCount((id, rec, refs) -> {
      Frame f = new Frame(rec.pack(), rec.frameOffset());
      length.put(f, rec.frameLength());
      (refs > 0 ? live : touched).add(f);
    });
    long upper = touched.stream().mapToLong(length::get).sum();
    long lower = touched.stream().filter(f -> !live.contains(f)).mapToLong(length::get).sum();
    return new long[] {lower, upper};
  }

  @Test
  void aStoreWhoseBlocksAreAllUsedHasNoDeadSpace() throws Exception {
    try (ChunkStore s = newStore()) {
      write(s, "/a", 1, 700_000);
      write(s, "/b", 2, 300_000);
      s.flush();
      DeadSpace d = DeadSpace.measure(Internals.index(s));
      assertEquals(new DeadSpace(0, 0, 0, Map.of()), d);
    }
  }

  @Test
  void deletingEveryFileMakesEveryFrameDead() throws Exception {
    try (ChunkStore s = newStore()) {
      write(s, "/a", 1, 700_000);
      write(s, "/b", 2, 300_000);
      s.flush();
      s.delete("/a");
      s.delete("/b");
      Map<Frame, Integer> frames = new HashMap<>();
      long[] raw = new long[1];
      Internals.index(s).forEachBlock((id, rec) -> {
        frames.put(new Frame(rec.pack(), rec.frameOffset()), rec.frameLength());
        raw[0] += rec.length();
      });
      DeadSpace d = DeadSpace.measure(Internals.index(s));
      assertEquals(s.stats().uniqueBlocks(), d.blocks());
      assertEquals(raw[0], d.rawBytes());
      assertEquals(frames.values().stream().mapToLong(Integer::longValue).sum(), d.storedBytes());
      assertTrue(d.storedBytes() <= s.stats().storedBytes(), d + " fits in the packs");
      assertEquals(d.storedBytes(), d.storedBytesByPack().values().stream().mapToLong(Long::longValue).sum());
    }
  }

  @Test
  void deletingOneFileCountsItsShareOfTheFramesItSharesWithAnother() throws Exception {
    try (ChunkStore s = newStore()) {
      // a bulk import of interleaved small files, so that frames hold blocks of both kinds
      for (int i = 0; i < 6; i++) {
        importFile(s, "/a" + i, 10 + i, 50_000);
        importFile(s, "/b" + i, 20 + i, 50_000);
      }
      s.flush();
      for (int i = 0; i < 6; i++) {
        s.delete("/a" + i);
      }
      long[] bounds = frameBounds(s);
      DeadSpace d = DeadSpace.measure(Internals.index(s));
      assertTrue(bounds[0] < bounds[1], "some frames mix the deleted and the kept files: " + bounds[0] + " < " + bounds[1]);
      assertTrue(d.storedBytes() >= bounds[0] && d.storedBytes() <= bounds[1],
          d.storedBytes() + " within [" + bounds[0] + ", " + bounds[1] + "]");
      long keptRaw = 6 * 50_000;
      assertEquals(s.stats().uniqueRawBytes() - keptRaw, d.rawBytes(), "the deleted files' blocks are dead");
    }
  }

  @Test
  void blocksOfTheOpenPackAreLeftOutAsStoredBytesLeavesThemOut() throws Exception {
    try (ChunkStore s = newStore()) {
      write(s, "/a", 1, 200_000);
      s.sync();
      s.delete("/a");
      assertEquals(0, s.stats().storedBytes(), "nothing sealed yet");
      assertEquals(0, DeadSpace.measure(Internals.index(s)).storedBytes());
      s.flush();
      assertTrue(DeadSpace.measure(Internals.index(s)).storedBytes() > 0, "sealed, the dead blocks count");
    }
  }

  @Test
  void blocksWithRefCountsAgreeWithPointLookups() throws Exception {
    try (ChunkStore s = newStore()) {
      write(s, "/a", 1, 400_000);
      write(s, "/b", 1, 400_000); // the same content: refcount 2
      write(s, "/c", 3, 100_000);
      s.flush();
      s.delete("/c");
      Map<BlockId, Long> seen = new HashMap<>();
      Map<BlockId, BlockRecord> records = new HashMap<>();
      Internals.index(s).forEachBlockWithRefCount((id, rec, refs) -> {
        seen.put(id, refs);
        records.put(id, rec);
      });
      assertEquals(s.stats().uniqueBlocks(), seen.size());
      Set<Long> counts = new HashSet<>(seen.values());
      assertTrue(counts.contains(0L) && counts.contains(2L), "dead and doubly used blocks: " + counts);
      for (Map.Entry<BlockId, Long> e : seen.entrySet()) {
        assertEquals(Internals.index(s).refCount(e.getKey()), e.getValue(), "refcount of " + e.getKey());
        assertEquals(Internals.index(s).block(e.getKey()).orElseThrow(), records.get(e.getKey()));
      }
    }
  }
}
