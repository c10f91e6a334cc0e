package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.id.BlockId;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a {@code put} at several points: the store opens afterwards, files of the
 * put that completed read back byte-identical, and a file of the killed put is either absent or
 * whole — never partly written.
 */
class CrashDuringPutTest {
  @TempDir
  Path tmp;

  @Test
  void aKilledPutLosesNothingThatWasStoredAndLeavesNoHalfFiles() throws Exception {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString(), "--pack-size", "4M").status());
    Path done = Files.createDirectories(tmp.resolve("done"));
    Random r = new Random(42);
    for (int i = 0; i < 3; i++) {
      Files.write(done.resolve("f" + i), randomBytes(r, (1 + i) << 20));
    }
    assertEquals(0, CliRunner.run("put", store.toString(), done.toString(), "-q").status());

    Path big = Files.createDirectories(tmp.resolve("big"));
    for (int i = 0; i < 12; i++) {
      Files.write(big.resolve("g" + i), randomBytes(r, 24 << 20));
    }
    int killed = 0;
    for (int round = 0; round < 4; round++) {
      Process p = new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
          "io.chunkstore.cli.Main", "put", store.toString(), big.toString(), "--to", "/round" + round, "-q")
          .redirectErrorStream(true).redirectOutput(tmp.resolve("put" + round + ".log").toFile()).start();
      // Kill once data is flowing into the open pack, a little later each round.
      waitForStagedData(store.resolve("staging"), p);
      boolean finished = p.waitFor(150L * round, TimeUnit.MILLISECONDS);
      if (!finished) {
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor();
        killed++;
      }
      verify(store, done, big);
    }
    assertTrue(killed >= 3, "only " + killed + " of 4 puts were killed mid-way");
  }

  private static void waitForStagedData(Path staging, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.isAlive() && System.nanoTime() < deadline) {
      try (var files = Files.list(staging)) {
        if (files.anyMatch(f -> f.toString().endsWith(".pack") && f.toFile().length() > (1 << 20))) {
          return;
        }
      }
      Thread.sleep(10);
    }
  }

  private static void verify(Path store, Path done, Path big) throws IOException {
    try (ChunkStore cs = ChunkStore.open(store)) {
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(Files.readAllBytes(done.resolve("f" + i)), read(cs, "/done/f" + i));
      }
      for (FileInfo round : cs.list("/")) {
        if (!round.path().startsWith("/round") || !cs.exists(round.path() + "/big")) {
          continue;
        }
        List<FileInfo> files = cs.list(round.path() + "/big");
        for (FileInfo f : files) {
          byte[] expected = Files.readAllBytes(big.resolve(f.path().substring(f.path().lastIndexOf('/') + 1)));
          assertEquals(expected.length, f.size(), f.path() + " is whole or absent");
          assertArrayEquals(expected, read(cs, f.path()), f.path());
        }
      }
      Map<BlockId, Long> recount = new HashMap<>();
      cs.index().forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
      cs.index().forEachRef((id, n) -> assertEquals(recount.getOrDefault(id, 0L), n, "refcount of " + id));
      assertTrue(cs.index().orphans().isEmpty(), "orphans of the killed put were freed on open");
    }
  }

  private static byte[] read(ChunkStore cs, String path) throws IOException {
    try (InputStream in = cs.newInputStream(path)) {
      return in.readAllBytes();
    }
  }

  private static byte[] randomBytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    // a compressible half, so frames differ in size
    for (int i = 0; i < n / 2; i += 64) {
      b[i] = 0;
    }
    return b;
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
