package io.chunkstore.fuse;

import static org.junit.jupiter.api.Assertions.*;

import io.chunkstore.ChunkStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mount whose store's disk fills up, on a real (tmpfs) disk of 48 MiB: the write or close that
 * does not fit fails with ENOSPC, as on a local file system, and what was stored before stays.
 * On a disk this small every close stores its writes itself before it returns (a close leaves its
 * fold to a fold thread only with room to spare), so the error reaches the writer. The writes that
 * did not fit stay staged until the unmount, which fails to store them too and says so.
 */
class FullDiskTest {
  @TempDir Path tmp;
  private Path disk;

  @BeforeEach
  void smallDisk() throws Exception {
    FuseTests.requireFuse();
    FuseTests.requireRoot();
    disk = Files.createDirectory(tmp.resolve("disk"));
    FuseTests.Result r = FuseTests.run(Duration.ofSeconds(30), "mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs",
        disk.toString());
    assertEquals(0, r.status(), "mount tmpfs: " + r.output());
  }

  @AfterEach
  void dropDisk() throws Exception {
    FuseTests.run(Duration.ofSeconds(30), "umount", "-l", disk.toString());
  }

  @Test
  void aWriteThatFillsTheStoresDiskFailsWithEnospcAndWhatWasStoredBeforeStays() throws Exception {
    byte[] small = random(1, 8 << 20);
    MountedStore m = MountedStore.create(disk);
    try {
      Files.writeString(m.path("keep.txt"), "kept");
      Files.write(m.path("small.bin"), small);
      IOException full = assertThrows(IOException.class, () -> {
        try (OutputStream out = Files.newOutputStream(m.path("big.bin"))) {
          byte[] piece = new byte[1 << 20];
          Random r = new Random(2);
          for (int i = 0; i < 100; i++) { // twice the disk, incompressible
            r.nextBytes(piece);
            out.write(piece);
          }
        }
      }, "100 MiB went onto a 48 MiB disk without an error");
      assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
      // big.bin's last writes stay staged, and the unmount's try to store them fails the same way
      AssertionError unmount = assertThrows(AssertionError.class, m::close, "the unmount stored what did not fit");
      assertTrue(unmount.getMessage().contains("No space left on device"), unmount.toString());
    } finally {
      m.close(); // once only: a no-op after the close above
    }

    // opening a store writes to its index: give the disk room again, as a user would
    FuseTests.Result grown = FuseTests.run(Duration.ofSeconds(30), "mount", "-o", "remount,size=128m", disk.toString());
    assertEquals(0, grown.status(), "remount tmpfs: " + grown.output());
    try (ChunkStore s = ChunkStore.open(m.store())) {
      try (InputStream in = s.newInputStream("/keep.txt")) {
        assertEquals("kept", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      try (InputStream in = s.newInputStream("/small.bin")) {
        assertArrayEquals(small, in.readAllBytes(), "a file stored before the disk filled changed");
      }
      FuseTests.assertRefcountsMatchExtents(s);
    }
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }
}
