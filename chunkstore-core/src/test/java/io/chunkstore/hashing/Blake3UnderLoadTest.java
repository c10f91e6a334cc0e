package io.chunkstore.hashing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chunkstore.id.BlockId;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The fast hasher equals Bouncy Castle's once the JIT has fully compiled it, on several threads
 * at once: the state a pipeline's workers are in after a few seconds of ingest. (An earlier
 * version returned all-zero ids now and then only in that state.)
 */
class Blake3UnderLoadTest {
  @Test
  void warmHashesOnManyThreadsEqualTheReference() throws Exception {
    Hasher fast = Hashers.byName("blake3");
    Hasher reference = new BouncyCastleBlake3Hasher();
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        long seed = t;
        results.add(pool.submit(() -> {
          SplittableRandom r = new SplittableRandom(seed);
          byte[] buf = new byte[20_000];
          int checked = 0;
          for (int i = 0; i < 20_000; i++) {
            int len = r.nextInt(1, buf.length);
            buf[r.nextInt(len)] ^= (byte) (1 + r.nextInt(255));
            BlockId id = fast.hash(buf, 0, len);
            // Check a sample against the slower reference, and every id for the all-zero failure.
            if (i % 20 == 0) {
              assertEquals(reference.hash(buf, 0, len), id, "length " + len);
              checked++;
            }
            assertEquals(false, id.equals(BlockId.wrap(new byte[32])), "all-zero id at length " + len);
          }
          return checked;
        }));
      }
      for (Future<Integer> f : results) {
        assertEquals(1000, f.get());
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
