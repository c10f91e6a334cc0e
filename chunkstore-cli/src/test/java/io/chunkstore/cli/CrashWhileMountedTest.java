package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of the mount daemon while a writer is busy: every file whose fsync returned
 * is byte-identical afterwards, a file caught mid-write is absent, empty or whole, an overwrite
 * caught before its fsync left the old or the new content (never a mix), and every refcount
 * equals a recount from the extents. Ten rounds on the same store, each with new files and some
 * fsynced overwrites of earlier ones. And the attributes a daemon holds back for a file's fold
 * (README, "Durability") survive it once the file is closed, or a second after they were set.
 */
class CrashWhileMountedTest {
  private static final int ROUNDS = 10;

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

  /** A file's expected content: its length and SHA-256. */
  private record Expect(long length, String sha) {
    static Expect of(byte[] b) {
      return new Expect(b.length, sha256(b));
    }
  }

  /** Writes files (and overwrites earlier ones) into the mount, fsyncing each, until the daemon dies. */
  private static final class Writer implements Runnable {
    final Path mnt;
    final int round;
    final Random r;
    final Map<String, Expect> durable;
    /** The file being written, and its expected content before (null: a new file) and after. */
    volatile String inFlight;
    volatile Expect inFlightOld;
    volatile Expect inFlightNew;
    volatile int fsynced;
    volatile Throwable stoppedBy;
    /** {@link System#nanoTime()} when the writer stopped. */
    volatile long stoppedAt;

    Writer(Path mnt, int round, Random r, Map<String, Expect> durable) {
      this.mnt = mnt;
      this.round = round;
      this.r = r;
      this.durable = durable;
    }

    @Override
    public void run() {
      try {
        Files.createDirectories(mnt.resolve("r" + round));
        for (int i = 0; ; i++) {
          List<String> earlier = new ArrayList<>(durable.keySet());
          boolean overwrite = !earlier.isEmpty() && r.nextInt(4) == 0;
          String name = overwrite ? earlier.get(r.nextInt(earlier.size())) : "/r" + round + "/f" + i;
          Expect old = durable.get(name);
          byte[] content = content(overwrite ? (int) old.length() : r.nextInt(1 << 20));
          Expect fresh = Expect.of(content);
          inFlightOld = old;
          inFlightNew = fresh;
          inFlight = name;
          Path p = mnt.resolve(name.substring(1));
          // An overwrite keeps the size and does not truncate: one fold at fsync replaces the
          // content, so a crash before it leaves the old content and after it the new.
          try (FileChannel ch = overwrite ? FileChannel.open(p, StandardOpenOption.WRITE)
              : FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(content);
            while (b.hasRemaining()) {
              ch.write(b, b.position());
            }
            ch.force(true);
            durable.put(name, fresh);
            inFlight = null;
            fsynced++;
          }
        }
      } catch (Throwable e) {
        stoppedAt = System.nanoTime();
        stoppedBy = e; // the daemon died under us: ENOTCONN or ECONNABORTED
      }
    }

    private byte[] content(int size) {
      byte[] b = new byte[size];
      r.nextBytes(b);
      int shift = r.nextInt(1000);
      for (int i = 0; i < size / 2; i++) {
        b[i] = (byte) ((i + shift) / 1000); // a compressible half
      }
      return b;
    }
  }

  @Test
  void everyFsyncedFileSurvivesKill9OfTheMountDaemon() throws Exception {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString(), "--pack-size", "4M").status());
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    Random r = new Random(4242);
    Random killer = new Random(99);
    Map<String, Expect> durable = new LinkedHashMap<>();
    int midWrite = 0;
    for (int round = 0; round < ROUNDS; round++) {
      daemon = startDaemon(store, round);
      Writer w = new Writer(mountPoint, round, r, durable);
      Thread t = new Thread(w, "writer-" + round);
      t.start();
      // kill at a random point, later in some rounds than in others
      Thread.sleep(300 + killer.nextInt(1700));
      long killedAt = System.nanoTime();
      daemon.destroyForcibly(); // SIGKILL
      assertTrue(daemon.waitFor(30, TimeUnit.SECONDS), "the daemon died");
      t.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(t.isAlive(), "the writer returned once the daemon was gone");
      assertStoppedByTheKill(w, killedAt, round);
      FuseProcesses.unmountLazily(mountPoint);
      assertFalse(FuseProcesses.isMounted(mountPoint), "the dead mount is gone");
      if (w.inFlight != null) {
        midWrite++;
      }
      verify(store, round, durable, w);
    }
    assertTrue(durable.size() > ROUNDS, "the writer got files through: " + durable.size());
    assertTrue(midWrite >= ROUNDS / 2, "only " + midWrite + " of " + ROUNDS + " kills caught a write in flight");
  }

  /**
   * The writer must have stopped because the daemon died — after the kill, with ENOTCONN or
   * ECONNABORTED — and not earlier on an error of its own (EIO, ENOSPC), which would make every
   * check of this round meaningless.
   */
  private static void assertStoppedByTheKill(Writer w, long killedAt, int round) {
    Throwable e = w.stoppedBy;
    assertTrue(e != null, "round " + round + ": the writer stopped without an error");
    assertTrue(w.stoppedAt >= killedAt, "round " + round + ": the writer stopped "
        + TimeUnit.NANOSECONDS.toMillis(killedAt - w.stoppedAt) + " ms before the kill: " + e);
    String why = String.valueOf(e.getMessage());
    assertTrue(e instanceof IOException
            && (why.contains("Transport endpoint is not connected") || why.contains("Software caused connection abort")),
        "round " + round + ": the writer stopped with ENOTCONN or ECONNABORTED, not " + e);
  }

  private static final Instant WHEN = Instant.parse("2020-02-02T02:02:02Z");

  /** What tar does (write, then set the time and the mode on the open file, then close), and a log kept open. */
  @Test
  void attributesSetBeforeACloseOrASecondAgoSurviveKill9() throws Exception {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    mountPoint = Files.createDirectory(tmp.resolve("mnt"));
    daemon = startDaemon(store, 0);

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

  private Process startDaemon(Path store, int round) throws Exception {
    return FuseProcesses.startForegroundMount(store, mountPoint, tmp.resolve("daemon" + round + ".log"),
        Duration.ofSeconds(60));
  }

  private static void verify(Path store, int round, Map<String, Expect> durable, Writer w) throws IOException {
    try (ChunkStore s = ChunkStore.open(store)) {
      String flight = w.inFlight;
      for (Map.Entry<String, Expect> e : durable.entrySet()) {
        if (e.getKey().equals(flight)) {
          continue;
        }
        assertEquals(e.getValue(), Expect.of(read(s, e.getKey())), "round " + round + ": fsynced " + e.getKey());
      }
      if (flight != null) {
        byte[] bytes = readOrNull(s, flight);
        Expect now = bytes == null ? null : Expect.of(bytes);
        if (w.inFlightOld != null) {
          // an overwrite in place caught before its fsync returned
          assertTrue(w.inFlightOld.equals(now) || w.inFlightNew.equals(now),
              "round " + round + ": " + flight + " is its old or its new content, not a mix");
          durable.put(flight, now);
        } else {
          // a new file caught before its fsync returned: absent, empty or whole
          assertTrue(now == null || now.length() == 0 || w.inFlightNew.equals(now),
              "round " + round + ": " + flight + " is absent, empty or whole, not " + now + " for "
                  + w.inFlightNew);
        }
      }
      FuseProcesses.assertRefcountsMatchExtents(s);
      assertTrue(Internals.index(s).orphans().isEmpty(), "orphans are freed when the store opens");
    }
  }

  private static String sha256(byte[] b) {
    try {
      return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] read(ChunkStore s, String path) throws IOException {
    try (InputStream in = s.newInputStream(path)) {
      return in.readAllBytes();
    }
  }

  private static byte[] readOrNull(ChunkStore s, String path) throws IOException {
    try {
      return read(s, path);
    } catch (NoSuchFileException e) {
      return null;
    }
  }
}
