package io.chunkstore.fs;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import io.chunkstore.TestData;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A close through a mount ({@link FileTree#foldAfterClose}) leaves its fold to a fold thread, which
 * starts at once, unless the disk is nearly full: then the close stores the writes itself, so that
 * it can report a full disk.
 */
class FoldAfterCloseTest {
  @TempDir Path tmp;

  /** Big enough that its fold (hash and compress 8 MiB) cannot be over when a flush that left it returns. */
  private static final int SLOW_TO_FOLD = 8 << 20;

  @Test
  void aClosedFileIsStoredWithoutWaitingForItsRelease() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.foldAfterClose(disk(Long.MAX_VALUE));
      Closed c = writeAndClose(t, 3);
      long ino = c.ino();
      assertEquals(SLOW_TO_FOLD, t.statInode(ino).size(), "the writes are seen at once, stored or not");

      long deadline = System.nanoTime() + 30_000_000_000L;
      while (t.inode(ino).size() != SLOW_TO_FOLD && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(SLOW_TO_FOLD, t.inode(ino).size(), "no fold stored the closed file before its release");
      assertEquals(SLOW_TO_FOLD, extentBytes(s, ino));

      t.release(c.fh());
      byte[] back = new byte[SLOW_TO_FOLD];
      long rfh = t.open("/f");
      assertEquals(SLOW_TO_FOLD, t.read(rfh, 0, back, 0, back.length));
      t.release(rfh);
      assertArrayEquals(c.data(), back);
    }
  }

  @Test
  void aCloseOnANearlyFullDiskStoresItsWritesBeforeItReturns() throws Exception {
    try (ChunkStore s = ChunkStore.create(tmp.resolve("s"), StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.foldAfterClose(disk(FileTree.CLOSE_ROOM)); // less than twice the staged bytes beyond the room
      Closed c = writeAndClose(t, 4);
      assertEquals(SLOW_TO_FOLD, t.inode(c.ino()).size(), "the close left its writes to a fold thread on a full disk");
      assertEquals(SLOW_TO_FOLD, extentBytes(s, c.ino()));
      t.release(c.fh());
    }
  }

  @Test
  void aReleaseWaitsForTheFoldItsCloseLeft() throws Exception {
    Path dir = tmp.resolve("s");
    Closed c;
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults())) {
      FileTree t = Internals.tree(s);
      t.foldAfterClose(Files.getFileStore(tmp));
      c = writeAndClose(t, 5);
      t.release(c.fh());
      assertEquals(SLOW_TO_FOLD, t.inode(c.ino()).size(), "the release returned before the fold was stored");
      assertEquals(SLOW_TO_FOLD, extentBytes(s, c.ino()));
    }
    try (ChunkStore s = ChunkStore.open(dir)) {
      try (java.io.InputStream in = s.newInputStream("/f")) {
        assertArrayEquals(c.data(), in.readAllBytes());
      }
    }
  }

  /** /f with {@link #SLOW_TO_FOLD} bytes written and closed (flushed, not released yet). */
  private record Closed(long fh, long ino, byte[] data) {}

  private static Closed writeAndClose(FileTree t, long seed) throws IOException {
    long fh = t.create("/f", 0644, 0, 0);
    long ino = t.stat(fh).ino();
    byte[] d = TestData.bytes(seed, SLOW_TO_FOLD);
    t.write(fh, 0, d, 0, d.length);
    t.flush(fh);
    return new Closed(fh, ino, d);
  }

  private static long extentBytes(ChunkStore s, long ino) {
    return Internals.of(s).index().extents(ino, 0, Long.MAX_VALUE).stream().mapToLong(e -> e.length()).sum();
  }

  /** A disk with {@code usable} bytes free. */
  private static FileStore disk(long usable) {
    return new FileStore() {
      @Override
      public String name() {
        return "test";
      }

      @Override
      public String type() {
        return "test";
      }

      @Override
      public boolean isReadOnly() {
        return false;
      }

      @Override
      public long getTotalSpace() {
        return Long.MAX_VALUE;
      }

      @Override
      public long getUsableSpace() {
        return usable;
      }

      @Override
      public long getUnallocatedSpace() {
        return usable;
      }

      @Override
      public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
        return false;
      }

      @Override
      public boolean supportsFileAttributeView(String name) {
        return false;
      }

      @Override
      public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
        return null;
      }

      @Override
      public Object getAttribute(String attribute) throws IOException {
        throw new UnsupportedOperationException(attribute);
      }
    };
  }
}
