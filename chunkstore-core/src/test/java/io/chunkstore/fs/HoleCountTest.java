package io.chunkstore.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.Attributes;
import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.TestData;
import io.chunkstore.index.Counter;
import io.chunkstore.StoreConfig;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hole counter equals a recount (each linked file's size less what its extents hold) after
 * every kind of change, and stats report holes apart from dedup: a sparse file is not 68x dedup.
 */
class HoleCountTest {
  @TempDir Path tmp;

  private static long recount(ChunkStore s) {
    long[] holes = {0};
    Internals.index(s).forEachInode(n -> {
      if (n.isRegularFile() && n.nlink() > 0) {
        long[] stored = {0};
        Internals.index(s).forEachExtent(n.ino(), e -> stored[0] += e.length());
        holes[0] += n.size() - stored[0];
      }
    });
    return holes[0];
  }

  private static void check(ChunkStore s, String after) {
    assertEquals(recount(s), Internals.index(s).counter(Counter.HOLE_BYTES), "hole bytes after " + after);
  }

  @Test
  void holesAreCountedApartFromDedupAndTheCounterMatchesARecount() throws IOException {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      byte[] sparse = new byte[100 << 20];
      byte[] data = TestData.bytes(3, 1 << 20);
      System.arraycopy(data, 0, sparse, 0, data.length);
      System.arraycopy(data, 0, sparse, 60 << 20, 300_000);
      s.write("/sparse.img", new ByteArrayInputStream(sparse));
      check(s, "writing a sparse file");
      s.flush();
      StoreStats st = s.stats();
      assertTrue(st.holeBytes() > 95L << 20, "holes: " + st.holeBytes());
      assertTrue(st.dedupRatio() < 1.5, "the zeros are not dedup: " + st.dedupRatio());

      FileTree t = Internals.tree(s);
      long fh = t.open("/sparse.img");
      t.write(fh, 30L << 20, data, 0, 200_000); // into a hole
      t.flush(fh);
      check(s, "a write into a hole");
      t.punchHole(fh, 100_000, 500_000);
      check(s, "a punched hole");
      t.truncate(fh, 200L << 20);
      t.flush(fh);
      check(s, "growing by truncate");
      t.truncate(fh, 50_000);
      t.flush(fh);
      check(s, "shrinking by truncate");
      t.release(fh);

      Random rnd = new Random(5);
      for (int i = 0; i < 20; i++) {
        byte[] b = new byte[rnd.nextInt(2 << 20)];
        for (int j = 0; j < b.length; j += 1 + rnd.nextInt(300_000)) {
          b[j] = (byte) (1 + rnd.nextInt(200));
        }
        s.importFile("/f" + rnd.nextInt(6), new ByteArrayInputStream(b), Attributes.none()); // creates and replaces
      }
      s.sync();
      check(s, "imports that replace files");
      s.link("/f1", "/f1-again");
      s.delete("/f1");
      check(s, "deleting one of two names");
      long open = t.open("/f1-again");
      s.delete("/f1-again");
      check(s, "unlinking a file that is open");
      t.write(open, 10L << 20, data, 0, 10); // grows the orphan: not counted
      t.release(open);
      check(s, "the last release of an unlinked file");
      s.delete("/sparse.img");
      check(s, "deleting the sparse file");
    }
  }
}
