package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random puts, overwrites, renames and deletes over a handful of shared contents; afterwards every
 * refcount equals a recount from the extents, and every file reads back as the model says.
 */
class RefcountRandomizedTest {
  @TempDir
  Path tmp;

  @RepeatedTest(3)
  void refcountsEqualARecountFromTheExtents(org.junit.jupiter.api.RepetitionInfo rep) throws IOException {
    Random r = new Random(rep.getCurrentRepetition() * 7919L);
    byte[][] contents = new byte[6][];
    for (int i = 0; i < contents.length; i++) {
      // overlapping contents: shared prefixes and suffixes make blocks shared across files
      byte[] base = TestData.bytes(i % 3, 200_000 + r.nextInt(600_000));
      contents[i] = i < 3 ? base : concat(TestData.bytes(100 + i, r.nextInt(70_000)), base);
    }
    Map<String, byte[]> model = new HashMap<>();
    Path dir = tmp.resolve("s" + rep.getCurrentRepetition());
    StoreConfig config = StoreConfig.defaults().withChunker("fastcdc:4K:16K:64K").withPackSize(1 << 20);
    try (ChunkStore s = ChunkStore.create(dir, config)) {
      s.mkdir("/d");
      for (int step = 0; step < 120; step++) {
        String name = (r.nextBoolean() ? "/d/f" : "/f") + r.nextInt(8);
        int op = r.nextInt(10);
        if (op < 6) {
          byte[] c = contents[r.nextInt(contents.length)];
          s.write(name, new ByteArrayInputStream(c));
          model.put(name, c);
        } else if (op < 8 && model.containsKey(name)) {
          s.delete(name);
          model.remove(name);
        } else if (model.containsKey(name)) {
          String to = (r.nextBoolean() ? "/d/f" : "/f") + r.nextInt(8);
          s.rename(name, to);
          model.put(to, model.remove(name));
        }
        if (step % 40 == 39) {
          s.flush();
        }
      }
    }
    try (ChunkStore s = ChunkStore.open(dir)) {
      Map<BlockId, Long> recount = new HashMap<>();
      Internals.index(s).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
      Map<BlockId, Long> stored = new HashMap<>();
      Internals.index(s).forEachRef((id, n) -> {
        if (n != 0) {
          stored.put(id, n);
        }
      });
      assertEquals(recount, stored);
      long logical = 0;
      for (Map.Entry<String, byte[]> e : model.entrySet()) {
        try (InputStream in = s.newInputStream(e.getKey())) {
          assertArrayEquals(e.getValue(), in.readAllBytes(), e.getKey());
        }
        logical += e.getValue().length;
      }
      assertEquals(logical, s.stats().logicalBytes());
      for (BlockId id : recount.keySet()) {
        assertEquals(true, Internals.index(s).block(id).isPresent(), "referenced block " + id + " is indexed");
      }
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
