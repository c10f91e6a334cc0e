package io.chunkstore.fs;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.Attributes;
import io.chunkstore.ChunkStore;
import io.chunkstore.TestData;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.index.Index;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.internal.Internals;
import io.chunkstore.store.BlockStore;
import io.chunkstore.StoreConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreeConsistencyTest {
  @TempDir Path tmp;

  /** A mkdir between importFile and commitPending must not let the pending batch write an older next_ino. */
  @Test
  void nextInoNeverGoesBackWhenMkdirRunsWhileImportsArePending() throws IOException {
    Path dir = tmp.resolve("s");
    long dIno;
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults())) {
      s.importFile("/a", new ByteArrayInputStream(TestData.bytes(1, 1000)), Attributes.none());
      dIno = Internals.tree(s).mkdir("/d", Attributes.none()).ino();
      Internals.tree(s).commitPending(); // e.g. PutCommand's setAttributes of directory times
    }
    try (ChunkStore s = ChunkStore.open(dir)) {
      long eIno = Internals.tree(s).mkdir("/e", Attributes.none()).ino();
      assertNotEquals(dIno, eIno, "a new directory reuses the inode number of /d");
    }
  }

  /**
   * A fold holds the file and then takes the tree lock; setAttributes must never wait for the file
   * under the tree lock. Proves something only if calls ran while the fold did, so they are counted.
   */
  @Test
  void setAttributesDuringAFoldDoesNotDeadlock() throws Exception {
    ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults()); // closed only if no deadlock
    FileTree t = Internals.tree(s);
    long fh = t.create("/f", 0644, 0, 0);
    byte[] data = TestData.bytes(7, 16 << 20);
    t.write(fh, 0, data, 0, data.length);
    ExecutorService ex = Executors.newFixedThreadPool(2, r -> { Thread th = new Thread(r); th.setDaemon(true); return th; });
    CountDownLatch folding = new CountDownLatch(1);
    AtomicInteger duringFold = new AtomicInteger();
    Future<?> fold = ex.submit(() -> { folding.countDown(); t.flush(fh); return null; });
    Future<?> chmod = ex.submit(() -> {
      folding.await();
      while (!fold.isDone()) {
        t.setAttributes("/f", Attributes.permissions(0600)); // mtime NOW: reaches the open file
        if (!fold.isDone()) {
          duringFold.incrementAndGet(); // began and ended while the fold ran
        }
      }
      return null;
    });
    try {
      fold.get(20, TimeUnit.SECONDS);
      chmod.get(20, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      long[] dead = java.lang.management.ManagementFactory.getThreadMXBean().findMonitorDeadlockedThreads();
      fail("fold and setAttributes did not finish; deadlocked threads: " + (dead == null ? 0 : dead.length));
    }
    assertTrue(duringFold.get() > 0, "no setAttributes call ran while the 16 MiB fold did: the race did not happen");
    assertEquals(0600, t.stat("/f").mode() & 07777);
    s.close();
  }

  /** Staged bytes of a file unlinked while open go back to the shared budget at its last release. */
  @Test
  void stagedBytesOfAnUnlinkedOpenFileReturnToTheBudget() throws Exception {
    Path root = tmp.resolve("s");
    Files.createDirectories(root.resolve("staging"));
    try (Index index = Index.open(root.resolve("index"))) {
      BlockStore blocks = BlockStore.open(index, new LocalDiskBackend(root.resolve("packs")),
          StoreConfig.defaults(), root.resolve("staging"), 1 << 20, 2);
      FileTree t = new FileTree(index, blocks, 1 << 20);
      long fh = t.create("/tmpfile", 0644, 0, 0);
      byte[] d = TestData.bytes(1, 900_000);
      t.write(fh, 0, d, 0, d.length);
      t.delete("/tmpfile");
      t.release(fh);
      java.lang.reflect.Field f = FileTree.class.getDeclaredField("stagedTotal");
      f.setAccessible(true);
      long left = ((AtomicLong) f.get(t)).get();
      // consequence: every small write of any other file now folds at once
      long fh2 = t.create("/g", 0644, 0, 0);
      byte[] small = TestData.bytes(2, 200_000);
      t.write(fh2, 0, small, 0, small.length);
      long ino = t.stat(fh2).ino();
      int extentsBeforeFlush = t.extents(ino).size();
      t.release(fh2);
      blocks.close();
      assertEquals(0, left, "staging budget still charged for a freed file");
      assertEquals(0, extentsBeforeFlush, "a 200 KB write folded at once: budget exhausted by the leak");
    }
  }

  /** Two names of one inode replaced in one pending batch: the second sees the first, and the inode is freed. */
  @Test
  void importingOverBothHardLinksInOnePendingBatchFreesTheInode() throws IOException {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      long old = t.writeFile("/a", new ByteArrayInputStream(TestData.bytes(1, 300_000)), Attributes.none()).ino();
      t.link("/a", "/b");
      t.importFile("/a", new ByteArrayInputStream(TestData.bytes(2, 1000)), Attributes.none());
      t.importFile("/b", new ByteArrayInputStream(TestData.bytes(3, 1000)), Attributes.none());
      t.commitPending();
      assertTrue(Internals.index(s).inode(old).isEmpty(),
          "old inode still there with nlink " + Internals.index(s).inode(old).map(InodeRecord::nlink).orElse(-1)
              + " and " + t.extents(old).size() + " extents, but no name");
      assertEquals(2000, s.stats().logicalBytes());
    }
  }

  /**
   * open() resolves the inode outside treeLock and newHandle() builds the OpenFile from that record.
   * Replays the interleaving: A resolves /f (size 1000); B, holding the only handle, grows /f to
   * 100000 and releases; A's newHandle(stale record) makes an OpenFile with committedSize 1000.
   */
  @Test
  void openRacingTheLastReleaseKeepsTheFileWhole() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.writeFile("/f", new ByteArrayInputStream(TestData.bytes(1, 1000)), Attributes.none());
      InodeRecord stale = t.inode(t.stat("/f").ino()); // thread A: resolve in open()
      long fhB = t.open("/f");                          // thread B
      byte[] big = TestData.bytes(2, 100_000);
      t.write(fhB, 0, big, 0, big.length);
      t.release(fhB);                                   // folds: size 100000, OpenFile dropped
      java.lang.reflect.Method nh = FileTree.class.getDeclaredMethod("newHandle", InodeRecord.class);
      nh.setAccessible(true);
      long fhA = (Long) nh.invoke(t, stale);            // thread A: newHandle(n)
      t.write(fhA, 0, new byte[] {'x'}, 0, 1);
      t.release(fhA);
      assertEquals(100_000, t.stat("/f").size(), "file size after a one-byte overwrite");
    }
  }

  /** cp -p: write, futimens on the open fd, close: the explicit mtime survives the fold. */
  @Test
  void explicitMtimeSetWhileDirtySurvivesTheFold() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      long fh = t.create("/f", 0644, 0, 0);
      byte[] d = TestData.bytes(1, 5000);
      t.write(fh, 0, d, 0, d.length);
      long when = 1_000_000_000L * 1_000_000_000L;
      t.setAttributes("/f", Attributes.none().withMtime(when));
      t.flush(fh);
      t.release(fh);
      assertEquals(when, t.stat("/f").mtimeNanos());
    }
  }

  /**
   * importFile("/a") puts free(old /a) -- computed from old's extents now -- into the pending batch.
   * Before commitPending, /a is still the old inode and can be opened and folded; the pending
   * free then drops references that the fold already dropped.
   */
  @Test
  void foldOfTheOldFileBeforeCommitPendingKeepsRefcounts() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      byte[] shared = TestData.bytes(1, 400_000);
      t.writeFile("/a", new ByteArrayInputStream(shared), Attributes.none());
      t.writeFile("/c", new ByteArrayInputStream(shared), Attributes.none());
      t.importFile("/a", new ByteArrayInputStream(TestData.bytes(2, 1000)), Attributes.none());
      long fh = t.open("/a"); // still the old inode: pending is not visible yet
      t.write(fh, 10, new byte[] {1, 2, 3}, 0, 3);
      t.release(fh);          // fold: replaces the first extent
      t.commitPending();
      java.util.Map<io.chunkstore.id.BlockId, Long> recount = new java.util.HashMap<>();
      Internals.index(s).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
      java.util.Map<io.chunkstore.id.BlockId, Long> stored = new java.util.HashMap<>();
      Internals.index(s).forEachRef((id, n) -> { if (n != 0) stored.put(id, n); });
      assertEquals(recount, stored, "refcounts vs. extents");
    }
  }

  /**
   * A stat that reads the inode just before a background fold commits, and checks the open file just
   * after, must not report the older, smaller size: the kernel would cut its cached size back to it
   * and answer lseek(SEEK_DATA) past it with ENXIO (seen as stress-ng's seek failures). Each round
   * stages exactly one fold piece, so the file is clean the moment its background fold commits.
   */
  @Test
  void statNeverShowsLessThanWasWrittenWhileABackgroundFoldCommits() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      byte[] piece = TestData.bytes(3, (int) OpenFile.FOLD_BYTES);
      long stats = 0;
      for (int round = 0; round < 12; round++) {
        String path = "/f" + round;
        long fh = t.create(path, 0644, 0, 0);
        t.write(fh, 0, piece, 0, piece.length); // hands the piece to a background fold
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long size;
        do {
          size = t.stat(path).size();
          assertEquals(piece.length, size, "stat during the fold of round " + round);
          stats++;
        } while (Internals.index(s).inode(t.stat(path).ino()).orElseThrow().size() != piece.length
            && System.nanoTime() < deadline);
        for (int i = 0; i < 1000; i++) { // and right after it committed
          assertEquals(piece.length, t.stat(path).size(), "stat after the fold of round " + round);
        }
        t.release(fh);
      }
      assertTrue(stats > 100, "only " + stats + " stats ran during the folds: the race was hardly tried");
    }
  }
}
