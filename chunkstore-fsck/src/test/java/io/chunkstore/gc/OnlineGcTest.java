package io.chunkstore.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.GcFixture;
import io.chunkstore.fsck.OnlineCheck;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.fsck.Report;
import io.chunkstore.fsck.Subset;
import io.chunkstore.StoreConfig;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * gc inside an open store while writers replace and delete files whose content comes from a small
 * pool (so blocks die and come back to life all the time: dedup hits race with gc's drops; bulk
 * imports hold their hits a while before committing them) and
 * readers read files gc keeps moving. No read fails, every file ends as its writer left it, and
 * the store checks clean afterwards.
 */
class OnlineGcTest {
  @TempDir
  Path tmp;

  @Test
  void gcWhileWritersAndReadersGoOnLosesNothingAndNoReadFails() throws Exception {
    Path root = tmp.resolve("s");
    Random seed = new Random(424242);
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      pool.add(io.chunkstore.fsck.GcFixture.bytes(seed, 60_000 + seed.nextInt(250_000)));
    }
    Map<String, byte[]> expected = new ConcurrentHashMap<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger gcRuns = new AtomicInteger();
    AtomicInteger reads = new AtomicInteger();
    long dropped = 0;
    try (ChunkStore s = ChunkStore.create(root, StoreConfig.defaults().withPackSize(1 << 20))) {
      s.mkdirs("/static");
      for (int i = 0; i < 6; i++) { // never changed: their blocks are shared with the pool and get moved
        byte[] b = pool.get(i);
        s.write("/static/" + i, new ByteArrayInputStream(b));
        expected.put("/static/" + i, b);
      }
      List<Thread> threads = new ArrayList<>();
      for (int w = 0; w < 3; w++) {
        int me = w;
        threads.add(new Thread(() -> {
          Random r = new Random(me);
          try {
            s.mkdirs("/w" + me);
            while (!stop.get()) {
              String path = "/w" + me + "/f" + r.nextInt(8);
              if (r.nextInt(4) == 0 && expected.containsKey(path)) {
                s.delete(path);
                expected.remove(path);
              } else if (r.nextBoolean()) {
                // a bulk import: its dedup hits wait a while before they are committed
                byte[] b = pool.get(r.nextInt(pool.size()));
                s.importFile(path, new ByteArrayInputStream(b), io.chunkstore.Attributes.none());
                Thread.sleep(r.nextInt(40));
                s.sync();
                expected.put(path, b);
              } else {
                byte[] b = pool.get(r.nextInt(pool.size()));
                s.write(path, new ByteArrayInputStream(b));
                expected.put(path, b);
                try (InputStream in = s.newInputStream(path)) {
                  assertArrayEquals(b, in.readAllBytes(), path + " right after it was written");
                }
              }
            }
          } catch (Throwable t) {
            failures.add(t);
          }
        }, "writer-" + w));
      }
      threads.add(new Thread(() -> {
        Random r = new Random(99);
        try {
          while (!stop.get()) {
            String path = "/static/" + r.nextInt(6);
            try (InputStream in = s.newInputStream(path)) {
              assertArrayEquals(expected.get(path), in.readAllBytes(), path);
            }
            reads.incrementAndGet();
          }
        } catch (Throwable t) {
          failures.add(t);
        }
      }, "reader"));
      threads.forEach(Thread::start);
      long until = System.currentTimeMillis() + 12_000;
      int checks = 0;
      try {
        while (System.currentTimeMillis() < until && failures.isEmpty()) {
          GcExecutor.GcResult g = GcExecutor.runOnline(s, 0.9, ProgressListener.NONE, Cancellation.NEVER);
          dropped += g.blocksDropped();
          gcRuns.incrementAndGet();
          // a check of the live store sees a consistent snapshot: nothing the writers do is an error
          Report live = OnlineCheck.run(s, checks++ % 2 == 1, Subset.ALL, ProgressListener.NONE, Cancellation.NEVER);
          assertEquals(List.of(), live.errors().stream().map(x -> x.kind() + " " + x.subject() + ": " + x.detail()).toList(),
              "online check after gc run " + gcRuns);
        }
      } finally {
        // the writers stop before the store closes, also when a check failed
        stop.set(true);
        for (Thread t : threads) {
          t.join(60_000);
        }
      }
      assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
      assertTrue(gcRuns.get() >= 3 && dropped > 0, gcRuns + " gc runs dropped " + dropped + " blocks");
      assertTrue(reads.get() > 50, "the reader kept reading: " + reads);
    }
    GcFixture f = GcFixture.of(root, expected);
    f.assertAllFilesIntact();
    f.assertChecksClean();
  }

  /**
   * A bulk import that replaces a name still pending commits the pending imports first; the dedup
   * hits it has confirmed by then must stay in flight until its own content is committed, or a gc
   * in between drops a block the import names (found by the test above, about one run in ten).
   */
  @Test
  void aDedupHitOfAnImportStaysProtectedWhenTheImportCommitsAnEarlierOne() throws Exception {
    Path root = tmp.resolve("s");
    byte[] revived = GcFixture.bytes(new Random(5), 300_000);
    try (ChunkStore s = ChunkStore.create(root, StoreConfig.defaults().withPackSize(1 << 20))) {
      s.write("/g", new ByteArrayInputStream(revived));
      s.flush();
      s.delete("/g"); // its blocks are garbage now, still stored: a hit on them brings them back
      s.importFile("/f", new ByteArrayInputStream(GcFixture.bytes(new Random(6), 100_000)), io.chunkstore.Attributes.none());
      // the same name again: this import commits the one above, after its own hits on /g's blocks
      s.importFile("/f", new ByteArrayInputStream(revived), io.chunkstore.Attributes.none());
      GcExecutor.runOnline(s, 0.9, ProgressListener.NONE, Cancellation.NEVER);
      s.sync();
      try (InputStream in = s.newInputStream("/f")) {
        assertArrayEquals(revived, in.readAllBytes(), "/f after gc ran between its hits and its commit");
      }
    }
  }
}
