package io.chunkstore.fs;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.Attributes;
import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import io.chunkstore.TestData;
import io.chunkstore.index.InodeRecord;
import io.chunkstore.internal.Internals;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Attributes set on a file whose writes are still staged (tar's utimens, chown and chmod before
 * close) wait for the fold that stores those writes, and are seen at once meanwhile.
 */
class DeferredAttributesTest {
  @TempDir Path tmp;

  private static final long WHEN = 1_500_000_000L * 1_000_000_000L;

  /** What chmod(2) asks: the permissions, no time (Attributes.permissions also sets the times). */
  private static Attributes chmod(int permissions) {
    return new Attributes(permissions, Attributes.KEEP, Attributes.KEEP, Attributes.KEEP, Attributes.KEEP);
  }

  private static Attributes chown(int uid, int gid) {
    return new Attributes(Attributes.KEEP, uid, gid, Attributes.KEEP, Attributes.KEEP);
  }

  /** A file created at {@code path} with {@code data} written and still staged: its handle and inode. */
  private record Staged(long fh, long ino) {}

  private static Staged staged(FileTree t, String path, int mode, byte[] data) throws Exception {
    long fh = t.create(path, mode, 0, 0);
    t.write(fh, 0, data, 0, data.length);
    return new Staged(fh, t.stat(fh).ino());
  }

  @Test
  void attributesSetWhileWritesAreStagedAreSeenAtOnceAndCommittedByTheClose() throws Exception {
    Path dir = tmp.resolve("s");
    long ino;
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.deferredCommitDelay(60_000); // the index must not have them before the close, however slow this runs
      long fh = t.create("/f", 0644, 0, 0);
      ino = t.stat(fh).ino();
      byte[] d = TestData.bytes(1, 30_000);
      t.write(fh, 0, d, 0, d.length);
      t.setAttributes(ino, new Attributes(Attributes.KEEP, Attributes.KEEP, Attributes.KEEP, WHEN, Attributes.KEEP));
      t.setAttributes(ino, chown(1234, 5678));
      Stat shown = t.setAttributes(ino, chmod(0600));

      for (Stat st : new Stat[] {shown, t.statInode(ino), t.stat("/f"), t.lookup(FileTree.ROOT, "f")}) {
        assertEquals(0100600, st.mode());
        assertEquals(1234, st.uid());
        assertEquals(5678, st.gid());
        assertEquals(WHEN, st.mtimeNanos());
        assertEquals(30_000, st.size());
      }
      assertEquals(0100644, t.inode(ino).mode(), "the index was written before the fold: tar pays for every chmod");

      t.flush(fh);
      t.release(fh);
      InodeRecord committed = t.inode(ino); // what a kill -9 now would leave
      assertEquals(0100600, committed.mode());
      assertEquals(1234, committed.uid());
      assertEquals(5678, committed.gid());
      assertEquals(WHEN, committed.mtimeNanos());
      assertEquals(30_000, committed.size());
    }
    try (ChunkStore s = ChunkStore.open(dir)) {
      Stat st = Internals.tree(s).statInode(ino);
      assertEquals(0100600, st.mode());
      assertEquals(WHEN, st.mtimeNanos());
    }
  }

  /** A file kept open with writes staged (a log, say) still gets its chmod into the index within a second or so. */
  @Test
  void aDeferredChmodReachesTheIndexWithoutAClose() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      Staged f = staged(t, "/log", 0644, new byte[] {'x'});
      long fh = f.fh();
      long ino = f.ino();
      t.setAttributes(ino, chmod(0600));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (t.inode(ino).mode() != 0100600 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(0100600, t.inode(ino).mode(), "the chmod waited more than 10 s for a close");
      assertEquals(0, t.inode(ino).size(), "the write was folded too: the file's staged data should still wait");
      assertEquals(1, t.statInode(ino).size());
      t.release(fh);
    }
  }

  /**
   * A set-uid bit is in the index at once (a write's check for one reads the index alone), and
   * replaces what was deferred; what clears the bit may wait: the kernel's kill-suid at a write,
   * and chown(2).
   */
  @Test
  void aSetUidChmodIsCommittedAtOnceAndWhatClearsTheBitMayWait() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.deferredCommitDelay(60_000);
      Staged f = staged(t, "/x", 0755, new byte[] {1});
      long ino = f.ino();
      t.setAttributes(ino, chmod(04755));
      assertEquals(0104755, t.inode(ino).mode());
      t.dropSetIdBits(ino, g -> false);
      assertEquals(0755, t.statInode(ino).mode() & 07777);
      assertEquals(0104755, t.inode(ino).mode(), "the kill-suid did not wait");

      t.setAttributes(ino, chmod(04700));
      assertEquals(0104700, t.inode(ino).mode());
      assertEquals(04700, t.statInode(ino).mode() & 07777, "the deferred 0755 outlived a later chmod");
      t.setAttributes(ino, chown(42, Attributes.KEEP));
      assertEquals(0700, t.statInode(ino).mode() & 07777, "chown kept the set-uid bit");
      t.release(f.fh());
      assertEquals(0100700, t.inode(ino).mode());
      assertEquals(42, t.inode(ino).uid());
    }
  }

  /** A link changes nlink in the index while a chmod waits: the fold must keep both. */
  @Test
  void aDeferredChmodAndALinkMadeBeforeTheFoldBothStay() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      Staged f = staged(t, "/a", 0644, new byte[] {1, 2, 3});
      long fh = f.fh();
      long ino = f.ino();
      t.setAttributes(ino, chmod(0640));
      Stat linked = t.link("/a", "/b");
      assertEquals(0100640, linked.mode(), "the link's reply (cached by the kernel) lost the chmod");
      assertEquals(2, linked.nlink());
      t.release(fh);
      InodeRecord committed = t.inode(ino);
      assertEquals(0100640, committed.mode());
      assertEquals(2, committed.nlink());
      assertEquals(3, committed.size());
    }
  }

  /**
   * chmods that land while a 16 MiB piece is stored in the background and then flushed (some
   * before the commit, some after) leave the last one in the index when the flush returns.
   */
  @Test
  void theLastChmodDuringAFoldIsInTheIndexWhenTheFlushReturns() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      byte[] data = TestData.bytes(7, 16 << 20);
      Staged f = staged(t, "/f", 0644, data);
      long fh = f.fh();
      long ino = f.ino();
      ExecutorService ex = Executors.newSingleThreadExecutor();
      try {
        Future<?> fold = ex.submit(() -> {
          t.flush(fh);
          return null;
        });
        int rounds = 0;
        int mode;
        do {
          mode = rounds % 2 == 0 ? 0600 : 0640;
          t.setAttributes(ino, chmod(mode));
          rounds++;
        } while (!fold.isDone());
        fold.get(30, TimeUnit.SECONDS);
        assertTrue(rounds > 1, "no chmod ran while the fold did");
        assertEquals(0100000 | mode, t.inode(ino).mode(), "the last of " + rounds + " chmods is not in the index");
        assertEquals(16 << 20, t.inode(ino).size());
      } finally {
        ex.shutdownNow();
      }
      t.release(fh);
    }
  }
}
