package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Overwriting 4 KiB in the middle of a 256 MB file through the mount stores a few blocks, not
 * the file: after the edit is fsynced and the store unmounted, it has grown by less than 1 MB —
 * by its counters and by the bytes of packs/ and staging/ on disk — but by at least the 4 KiB of
 * random bytes, and the file reads back with exactly that change.
 */
class EditInPlaceTest extends MountTestBase {
  private static final long SIZE = 256L * GeneratedContent.MIB;
  private static final long AT = 128L * GeneratedContent.MIB + 12_345;

  @Test
  void overwriting4KiBInTheMiddleStoresAFewBlocksNotTheFile() throws Exception {
    mount = MountedStore.create(tmp.resolve("fuse"));
    assertEquals(SIZE, GeneratedContent.write(GeneratedContent.stream(11, SIZE), mount.path("big.bin"), true));
    mount.close();
    StoreStats before;
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      before = s.stats();
    }
    long onDiskBefore = FuseTests.bytesOnDisk(mount.store());
    assertTrue(onDiskBefore > SIZE / 4, "the 256 MB file is on disk: " + onDiskBefore + " bytes");
    assertEquals(before.storedBytes(), onDiskBefore, "storedBytes counts what is on disk");

    byte[] patch = new byte[4096];
    new Random(5).nextBytes(patch);
    mount = mount.remount();
    try (RandomAccessFile f = new RandomAccessFile(mount.path("big.bin").toFile(), "rw")) {
      f.seek(AT);
      f.write(patch);
      f.getFD().sync();
    }
    assertEquals(SIZE, Files.size(mount.path("big.bin")));
    mount.close();

    String expected;
    try (InputStream in = new SequenceInputStream(Collections.enumeration(List.of(
        GeneratedContent.stream(11, AT), new ByteArrayInputStream(patch),
        skip(GeneratedContent.stream(11, SIZE), AT + patch.length))))) {
      expected = GeneratedContent.sha256(in);
    }
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      StoreStats after = s.stats();
      long grown = after.storedBytes() - before.storedBytes();
      System.out.println("EditInPlaceTest: before the edit " + before + ", after " + after);
      assertTrue(grown < 1_000_000, "4 KiB edited in place grew the store by " + grown + " bytes ("
          + before + " then " + after + ")");
      long grownOnDisk = FuseTests.bytesOnDisk(mount.store()) - onDiskBefore;
      // the patch is random, so its block cannot compress below it
      assertTrue(grownOnDisk >= patch.length && grownOnDisk < 1_000_000,
          "4 KiB edited in place grew packs/ and staging/ by " + grownOnDisk + " bytes");
      assertTrue(grown >= patch.length, "storedBytes grew by " + grown + " bytes, less than the 4 KiB of new data");
      assertEquals(after.storedBytes(), FuseTests.bytesOnDisk(mount.store()), "storedBytes counts what is on disk");
      assertEquals(SIZE, after.logicalBytes(), after.toString());
      try (InputStream in = s.newInputStream("/big.bin")) {
        assertEquals(expected, GeneratedContent.sha256(in), "the file has the 4 KiB change and nothing else");
      }
      FuseTests.assertRefcountsMatchExtents(s);
    }
  }

  private static InputStream skip(InputStream in, long n) throws java.io.IOException {
    in.skipNBytes(n);
    return in;
  }
}
