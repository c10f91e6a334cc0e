package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkStoreTest {
  @TempDir
  Path tmp;

  private ChunkStore create() throws IOException {
    return ChunkStore.create(tmp.resolve("store"), StoreConfig.defaults().withPackSize(1 << 20));
  }

  private static byte[] readAll(ChunkStore s, String path) throws IOException {
    try (InputStream in = s.newInputStream(path)) {
      return in.readAllBytes();
    }
  }

  @Test
  void writtenFilesReadBackIdenticalAfterReopen() throws IOException {
    byte[] small = TestData.bytes(1, 1000);
    byte[] big = TestData.bytes(2, 5 << 20);
    try (ChunkStore s = create()) {
      s.mkdirs("/a/b");
      s.write("/a/b/small", new ByteArrayInputStream(small));
      s.write("/a/big", new ByteArrayInputStream(big));
      s.write("/empty", new ByteArrayInputStream(new byte[0]));
      assertArrayEquals(big, readAll(s, "/a/big"), "readable before close");
    }
    try (ChunkStore s = ChunkStore.open(tmp.resolve("store"))) {
      assertArrayEquals(small, readAll(s, "/a/b/small"));
      assertArrayEquals(big, readAll(s, "/a/big"));
      assertEquals(0, readAll(s, "/empty").length);
      assertEquals(big.length, s.stat("/a/big").size());
      assertEquals(List.of("/a/b", "/a/big"), s.list("/a").stream().map(FileInfo::path).toList());
    }
  }

  @Test
  void identicalContentIsStoredOnce() throws IOException {
    byte[] data = TestData.bytes(3, 3 << 20);
    Path dir = tmp.resolve("store");
    try (ChunkStore s = create()) {
      s.write("/one", new ByteArrayInputStream(data));
      s.flush();
      StoreStats first = s.stats();
      long firstOnDisk = StoreChecks.bytesOnDisk(dir);
      s.write("/two", new ByteArrayInputStream(data));
      s.flush();
      StoreStats second = s.stats();
      assertEquals(first.uniqueBlocks(), second.uniqueBlocks());
      assertEquals(first.uniqueRawBytes(), second.uniqueRawBytes());
      assertEquals(2L * data.length, second.logicalBytes());
      assertEquals(2.0, second.dedupRatio(), 0.001);
      // the disk, not only the counters: half of TestData is random, so the first copy costs
      // at least a quarter of its size, and the second nothing
      assertTrue(firstOnDisk > data.length / 4, "the first copy is on disk: " + firstOnDisk + " bytes");
      assertEquals(firstOnDisk, StoreChecks.bytesOnDisk(dir), "the second copy added bytes on disk");
      assertEquals(second.storedBytes(), StoreChecks.bytesOnDisk(dir), "storedBytes counts what is on disk");
    }
  }

  @Test
  void shiftedContentSharesMostBlocks() throws IOException {
    byte[] data = TestData.bytes(4, 8 << 20);
    byte[] shifted = new byte[data.length + 100];
    System.arraycopy(data, 0, shifted, 100, data.length);
    Path dir = tmp.resolve("store");
    try (ChunkStore s = create()) {
      s.write("/v1", new ByteArrayInputStream(data));
      s.flush();
      long before = s.stats().uniqueRawBytes();
      long onDiskBefore = StoreChecks.bytesOnDisk(dir);
      s.write("/v2", new ByteArrayInputStream(shifted));
      s.flush();
      long added = s.stats().uniqueRawBytes() - before;
      long addedOnDisk = StoreChecks.bytesOnDisk(dir) - onDiskBefore;
      assertTrue(added > 0 && added < data.length / 10, "a 100-byte shift added " + added + " bytes");
      assertTrue(onDiskBefore > data.length / 4, "the first version is on disk: " + onDiskBefore + " bytes");
      // at least the new first block; at most a tenth of the file
      assertTrue(addedOnDisk > 100 && addedOnDisk < data.length / 10,
          "a 100-byte shift added " + addedOnDisk + " bytes on disk");
      assertEquals(s.stats().storedBytes(), StoreChecks.bytesOnDisk(dir), "storedBytes counts what is on disk");
      assertArrayEquals(shifted, readAll(s, "/v2"));
    }
  }

  @Test
  void seekableChannelReadsAnyRange() throws IOException {
    byte[] data = TestData.bytes(5, 3 << 20);
    try (ChunkStore s = create()) {
      s.write("/f", new ByteArrayInputStream(data));
      try (SeekableByteChannel ch = s.newByteChannel("/f")) {
        for (long pos : new long[] {0, 1, 65535, 1 << 20, data.length - 10}) {
          ByteBuffer buf = ByteBuffer.allocate(300_000);
          ch.position(pos);
          int n = ch.read(buf);
          int expected = (int) Math.min(300_000, data.length - pos);
          assertEquals(expected, n);
          assertArrayEquals(Arrays.copyOfRange(data, (int) pos, (int) pos + n), Arrays.copyOf(buf.array(), n));
        }
        ch.position(data.length);
        assertEquals(-1, ch.read(ByteBuffer.allocate(10)));
      }
    }
  }

  @Test
  void overwriteReplacesContentAndDeleteFreesReferences() throws IOException {
    try (ChunkStore s = create()) {
      s.write("/f", new ByteArrayInputStream(TestData.bytes(6, 1 << 20)));
      byte[] second = TestData.bytes(7, 2 << 20);
      s.write("/f", new ByteArrayInputStream(second));
      assertArrayEquals(second, readAll(s, "/f"));
      assertEquals(second.length, s.stats().logicalBytes());
      s.delete("/f");
      assertEquals(0, s.stats().logicalBytes());
      long[] live = {0};
      Internals.index(s).forEachRef((id, n) -> live[0] += n);
      assertEquals(0, live[0], "no block is referenced once every file is gone");
    }
  }

  @Test
  void treeOperationsBehaveLikeAFileSystem() throws IOException {
    try (ChunkStore s = create()) {
      s.mkdir("/d");
      assertThrows(FileAlreadyExistsException.class, () -> s.mkdir("/d"));
      assertThrows(NoSuchFileException.class, () -> s.mkdir("/x/y"));
      s.write("/d/f", new ByteArrayInputStream(new byte[] {1, 2, 3}));
      assertThrows(DirectoryNotEmptyException.class, () -> s.delete("/d"));
      assertThrows(FileSystemException.class, () -> s.write("/d", new ByteArrayInputStream(new byte[1])));
      s.symlink("/d/link", "f");
      assertEquals("f", s.readSymlink("/d/link"));
      s.rename("/d/f", "/g");
      assertFalse(s.exists("/d/f"));
      assertArrayEquals(new byte[] {1, 2, 3}, readAll(s, "/g"));
      s.mkdir("/d/sub");
      assertThrows(FileSystemException.class, () -> s.rename("/d", "/d/sub/inside"));
      s.rename("/d/sub", "/sub");
      assertEquals(2, s.stat("/d").links(), "a directory's link count follows its subdirectories");
      s.setAttributes("/g", new Attributes(0600, 123, 456, 1_000_000_000L, Attributes.KEEP));
      FileInfo g = s.stat("/g");
      assertEquals(0600, g.permissions());
      assertEquals(123, g.uid());
      assertEquals(1, g.modified().getEpochSecond());
      assertThrows(NoSuchFileException.class, () -> s.newInputStream("/nope"));
      assertThrows(IllegalArgumentException.class, () -> s.stat("/a/../b"));
    }
  }
}
