package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code fallocate} on the mount: a plain preallocation grows the file, punching a hole (and
 * zeroing a range) drops the blocks there, and {@code st_blocks} counts only what is not a hole,
 * so that {@code cp} and {@code tar} see a sparse file as sparse.
 */
class FallocateTest extends MountTestBase {
  private static final Duration T = Duration.ofMinutes(1);

  @Test
  void preallocatingGrowsTheFileAndPunchingAHoleDropsItsBlocks() throws Exception {
    FuseTests.requireTool("fallocate", "util-linux");
    mount = MountedStore.create(tmp.resolve("fuse"), io.chunkstore.StoreConfig.defaults(),
        MountedStore.strictOptions());
    Path pre = mount.path("pre");
    FuseTests.Result r = FuseTests.run(T, "fallocate", "-l", "10M", pre.toString());
    assertEquals(0, r.status(), r.output());
    assertEquals(10L << 20, Files.size(pre));
    FuseTests.Result keep = FuseTests.run(T, "fallocate", "-n", "-l", "20M", pre.toString());
    assertEquals(0, keep.status(), keep.output());
    assertEquals(10L << 20, Files.size(pre), "--keep-size keeps the size");

    byte[] data = new byte[4 << 20];
    new Random(9).nextBytes(data);
    Path f = mount.path("data.bin");
    Files.write(f, data);
    long denseBlocks = blocks(f);
    assertTrue(denseBlocks >= data.length / 512, "a file without holes is fully allocated: " + denseBlocks);

    FuseTests.Result punch = FuseTests.run(T, "fallocate", "-p", "-o", "1000000", "-l", "2000000", f.toString());
    assertEquals(0, punch.status(), punch.output());
    Arrays.fill(data, 1_000_000, 3_000_000, (byte) 0);
    FuseTests.Result zero = FuseTests.run(T, "fallocate", "-z", "-o", "3500000", "-l", "100000", f.toString());
    assertEquals(0, zero.status(), zero.output());
    Arrays.fill(data, 3_500_000, 3_600_000, (byte) 0);
    assertArrayEquals(data, Files.readAllBytes(f));
    assertEquals(data.length, Files.size(f));
    long sparseBlocks = blocks(f);
    assertTrue(sparseBlocks < denseBlocks - 1_500_000 / 512,
        "the punched range is no longer allocated: " + sparseBlocks + " of " + denseBlocks);
    assertEquals(0, blocks(pre), "a preallocated file of holes allocates nothing");

    FuseTests.Result insert = FuseTests.run(T, "fallocate", "-i", "-o", "0", "-l", "4096", f.toString());
    assertTrue(insert.status() != 0 && insert.output().contains("Operation not supported"), insert.output());

    mount.close();
    try (ChunkStore s = ChunkStore.open(mount.store())) {
      FuseTests.assertRefcountsMatchExtents(s);
      try (var in = s.newInputStream("/data.bin")) {
        assertArrayEquals(data, in.readAllBytes(), "the holes are in the store after unmount");
      }
    }
  }

  /** {@code st_blocks}, which Java does not read. */
  private static long blocks(Path p) throws Exception {
    FuseTests.Result r = FuseTests.run(T, "stat", "-c", "%b", p.toString());
    assertEquals(0, r.status(), r.output());
    return Long.parseLong(r.output().trim());
  }
}
