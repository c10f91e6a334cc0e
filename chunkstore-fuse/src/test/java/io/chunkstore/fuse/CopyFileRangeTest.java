package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.Extent;
import io.chunkstore.internal.Internals;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * copy_file_range inside the mount shares the source's blocks instead of storing the bytes
 * again: after copying a range that starts in the middle of a block, the copy's extents name only
 * blocks of the source (a copy of the bytes would have cut new blocks at its start), and its
 * content is the source's range. {@code cp} of a whole file goes the same way.
 */
class CopyFileRangeTest extends MountTestBase {
  private static final int SKIP = 12_345;

  @Test
  void copyFileRangeSharesTheSourceBlocks() throws Exception {
    FuseTests.requireTool("python3", "python3");
    mount = MountedStore.create(tmp.resolve("fuse"));
    byte[] data = new byte[3 << 20];
    new Random(8).nextBytes(data);
    Files.write(mount.path("src"), data);
    String copy = "import os, sys\n"
        + "src = os.open(sys.argv[1], os.O_RDONLY)\n"
        + "dst = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)\n"
        + "off, left = " + SKIP + ", os.fstat(src).st_size - " + SKIP + "\n"
        + "while left > 0:\n"
        + "    n = os.copy_file_range(src, dst, left, off)\n"
        + "    if n == 0: break\n"
        + "    off += n; left -= n\n"
        + "os.close(dst)\n";
    FuseTests.Result r = FuseTests.run(Duration.ofMinutes(2), "python3", "-c", copy, mount.path("src").toString(),
        mount.path("tail").toString());
    assertEquals(0, r.status(), r.output());
    FuseTests.Result cp = FuseTests.run(Duration.ofMinutes(2), "cp", mount.path("src").toString(),
        mount.path("whole").toString());
    assertEquals(0, cp.status(), cp.output());
    assertArrayEquals(Arrays.copyOfRange(data, SKIP, data.length), Files.readAllBytes(mount.path("tail")),
        "the copied range through the mount");
    mount.close();

    try (ChunkStore s = ChunkStore.open(mount.store())) {
      Set<BlockId> source = blocksOf(s, "/src");
      List<Extent> tail = Internals.tree(s).extents(Internals.tree(s).stat("/tail").ino());
      assertTrue(source.containsAll(tail.stream().map(Extent::block).collect(Collectors.toSet())),
          "the copy names only blocks of the source");
      assertNotEquals(0, tail.get(0).blockOffset(), "the copy starts inside a source block");
      assertEquals(source, blocksOf(s, "/whole"), "cp shares the blocks too");
      for (String name : List.of("/tail", "/whole")) {
        try (InputStream in = s.newInputStream(name)) {
          byte[] want = name.equals("/tail") ? Arrays.copyOfRange(data, SKIP, data.length) : data;
          assertArrayEquals(want, in.readAllBytes(), name + " as stored");
        }
      }
      FuseTests.assertRefcountsMatchExtents(s);
    }
  }

  private static Set<BlockId> blocksOf(ChunkStore s, String path) throws Exception {
    return Internals.tree(s).extents(Internals.tree(s).stat(path).ino()).stream().map(Extent::block).collect(Collectors.toSet());
  }
}
