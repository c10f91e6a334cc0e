package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chmod or utimens of a file with writes not yet stored waits for them in the daemon (README,
 * "Durability"): through a real mount, what {@code close} returned for survives {@code kill -9}
 * of the daemon, and so does a chmod of a file kept open, a second after it returned.
 */
class AttributesSurviveKill9Test {
  private static final Instant WHEN = Instant.parse("2020-02-02T02:02:02Z");

  @TempDir
  Path tmp;

  private Path mountPoint;
  private Process daemon;

  @BeforeEach
  void requirements() {
    FuseProcesses.requireFuse();
  }

  @AfterEach
  void cleanUp() throws Exception {
    if (daemon != null && daemon.isAlive()) {
      daemon.destroyForcibly();
      daemon.waitFor(30, TimeUnit.SECONDS);
    }
    if (mountPoint != null) {
      FuseProcesses.unmountQuietly(mountPoint);
    }
  }

  @Test
  void attributesSetBeforeACloseOrASecondAgoSurviveKill9() throws Exception {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    daemon = FuseProcesses.startForegroundMount(store, mountPoint, tmp.resolve("daemon.log"), Duration.ofSeconds(60));

    // what tar does: write, then set the time and the mode on the open file, then close
    Path closed = mountPoint.resolve("closed");
    try (FileChannel ch = FileChannel.open(closed, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
      Files.setLastModifiedTime(closed, FileTime.from(WHEN));
      Files.setPosixFilePermissions(closed, PosixFilePermissions.fromString("rw-------"));
    }
    // a log kept open: its chmod waits for no close
    Path open = mountPoint.resolve("open");
    try (FileChannel ch = FileChannel.open(open, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {4}));
      Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r-----"));
      assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(open)));
      Thread.sleep(2500); // the daemon commits deferred attributes after one second
      daemon.destroyForcibly(); // SIGKILL, with the file still open
      assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon died");
    } catch (java.io.IOException gone) {
      // closing the channel of a dead mount fails: expected
    }
    FuseProcesses.unmountLazily(mountPoint);

    try (ChunkStore s = ChunkStore.open(store)) {
      FileInfo c = s.stat("/closed");
      assertEquals(0600, c.permissions(), "the chmod before the close was lost");
      assertEquals(WHEN, c.modified(), "the utimens before the close was lost");
      assertEquals(3, c.size());
      FileInfo o = s.stat("/open");
      assertEquals(0640, o.permissions(), "the chmod of a file kept open was lost a second after it returned");
    }
  }
}
