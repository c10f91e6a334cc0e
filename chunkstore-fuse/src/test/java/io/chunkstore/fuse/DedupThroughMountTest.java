package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreStats;
import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The same ~200 MB file copied into the mount under two names is stored once: the second copy
 * names no block the first did not, and adds less than 1% to the store's size on disk, measured
 * both by its counters and by the bytes of packs/ and staging/.
 */
class DedupThroughMountTest extends MountTestBase {
  private static final long SIZE = 200L * GeneratedContent.MIB + 12_345;

  @Test
  void aSecondCopyOfTheSameFileAddsLessThanOnePercent() throws Exception {
    Path source = tmp.resolve("source.bin");
    GeneratedContent.write(GeneratedContent.stream(7, SIZE), source, false);
    String sha;
    try (InputStream in = Files.newInputStream(source)) {
      sha = GeneratedContent.sha256(in);
    }

    mount = MountedStore.create(tmp.resolve("fuse"));
    try (InputStream in = Files.newInputStream(source)) {
      assertEquals(SIZE, GeneratedContent.write(in, mount.path("first.bin"), false));
    }
    mount.close();
    StoreStats once = stats(mount.store());
    Set<BlockId> namedOnce = namedBlocks(mount.store());
    long onceOnDisk = FuseTests.bytesOnDisk(mount.store());
    assertEquals(SIZE, once.logicalBytes());
    assertTrue(once.storedBytes() > SIZE / 4, "the first copy is stored: " + once);
    assertTrue(onceOnDisk > SIZE / 4, "the first copy is on disk: " + onceOnDisk + " bytes");

    mount = mount.remount();
    Files.createDirectory(mount.path("elsewhere"));
    try (InputStream in = Files.newInputStream(source)) {
      assertEquals(SIZE, GeneratedContent.write(in, mount.path("elsewhere/second.bin"), false));
    }
    try (InputStream in = Files.newInputStream(mount.path("elsewhere/second.bin"))) {
      assertEquals(sha, GeneratedContent.sha256(in), "the second copy reads back through the mount");
    }
    mount.close();
    StoreStats twice = stats(mount.store());
    System.out.println("DedupThroughMountTest: after one copy " + once + ", after two " + twice);

    assertEquals(2 * SIZE, twice.logicalBytes(), "two copies' worth of files: " + twice);
    // Every block the second copy's extents name is one the first copy stored. (A fold of a 16 MiB
    // piece leaves its last, not content-defined, chunk behind as a dead block when the next piece
    // is chunked across the seam; where the pieces end depends on how the kernel sized the write
    // requests, so such a block of the second copy may be new. gc frees it; the bytes are below.)
    assertEquals(namedOnce, namedBlocks(mount.store()), "the second copy names blocks the first did not: "
        + once + " then " + twice);
    long added = twice.storedBytes() - once.storedBytes();
    assertTrue(added < once.storedBytes() / 100, "the second copy added " + added + " bytes to "
        + once.storedBytes() + " (" + once + " then " + twice + ")");
    long addedOnDisk = FuseTests.bytesOnDisk(mount.store()) - onceOnDisk;
    assertTrue(addedOnDisk < onceOnDisk / 100, "the second copy added " + addedOnDisk + " bytes on disk to " + onceOnDisk);
    assertEquals(twice.storedBytes(), FuseTests.bytesOnDisk(mount.store()), "storedBytes counts what is on disk");

    try (ChunkStore s = ChunkStore.open(mount.store())) {
      FuseTests.assertRefcountsMatchExtents(s);
      try (InputStream in = s.newInputStream("/first.bin")) {
        assertEquals(sha, GeneratedContent.sha256(in), "the first copy, read from the store");
      }
    }
  }

  /** The blocks the store's extents name. */
  private static Set<BlockId> namedBlocks(Path store) throws Exception {
    Set<BlockId> named = new HashSet<>();
    try (ChunkStore s = ChunkStore.open(store)) {
      Internals.index(s).forEachExtent((ino, e) -> named.add(e.block()));
    }
    return named;
  }

  private static StoreStats stats(Path store) throws Exception {
    try (ChunkStore s = ChunkStore.open(store)) {
      return s.stats();
    }
  }
}
