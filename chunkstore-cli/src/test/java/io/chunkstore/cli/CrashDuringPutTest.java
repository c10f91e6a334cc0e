package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.id.BlockId;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a {@code put} at several points: the store opens afterwards, files of the
 * put that completed read back byte-identical, and a file of the killed put is either absent or
 * whole — never partly written. The killed puts copy thousands of small files among bigger ones,
 * so that they commit (every 4096 files) before they are killed: some killed round must have left
 * whole files behind, or the check of those files never ran. Each round copies new content (no
 * dedup against the last), and the kill comes when the store on disk has grown by a given part of
 * what a whole put adds: progress, not time, which a loaded machine would make meaningless.
 */
class CrashDuringPutTest {
  private static final int SMALL_FILES = 6000;
  private static final int BIG_FILES = 20;
  /** Where each round is killed: the part of a whole put's bytes on disk that it has written. */
  private static final int[] KILL_AT_PERCENT = {85, 30, 95, 60, 90, 80, 75, 70};

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

    // One put that is not killed, to know what a whole one adds to the store on disk.
    Path big = tmp.resolve("big");
    Map<String, byte[]> content = writeSource(big, r);
    long before = bytesOnDisk(store);
    Process whole = put(store, big, "/whole", tmp.resolve("whole.log"));
    assertTrue(whole.waitFor(10, TimeUnit.MINUTES), "the whole put finished");
    assertEquals(0, whole.exitValue(), Files.readString(tmp.resolve("whole.log")));
    long wholeBytes = bytesOnDisk(store) - before;
    assertEquals(content.size(), verify(store, done, "/whole", content), "the whole put stored every file");

    int killed = 0;
    int killedWithFiles = 0;
    // at least four rounds; more only until a killed put has shown files
    for (int round = 0; round < KILL_AT_PERCENT.length && (round < 4 || killedWithFiles == 0); round++) {
      content = writeSource(big, r);
      long start = bytesOnDisk(store);
      long killAt = start + wholeBytes * KILL_AT_PERCENT[round] / 100;
      Process p = put(store, big, "/round" + round, tmp.resolve("put" + round + ".log"));
      while (p.isAlive() && bytesOnDisk(store) < killAt) {
        Thread.sleep(5);
      }
      boolean finished = !p.isAlive();
      if (!finished) {
        p.destroyForcibly(); // SIGKILL on Linux
        p.waitFor();
        killed++;
      }
      int shown = verify(store, done, "/round" + round, content);
      System.out.println("CrashDuringPutTest round " + round + ": " + (finished ? "finished" : "killed") + " at "
          + KILL_AT_PERCENT[round] + "% of a whole put's bytes; " + shown + " of " + content.size()
          + " files whole, the rest absent");
      if (!finished && shown > 0) {
        killedWithFiles++;
      }
    }
    assertTrue(killed >= 3, "only " + killed + " puts were killed mid-way");
    assertTrue(killedWithFiles > 0, "no killed put had committed any file: the whole-or-absent check never ran");
  }

  /** (Re)writes the source tree with new content; returns each file's content by relative path. */
  private static Map<String, byte[]> writeSource(Path big, Random r) throws IOException {
    Map<String, byte[]> content = new HashMap<>();
    for (int i = 0; i < SMALL_FILES; i++) {
      String dir = "d" + (i % 30);
      Path d = Files.createDirectories(big.resolve(dir));
      for (int k = 0; i == 0 && k < 30; k++) {
        Files.createDirectories(big.resolve("d" + k));
      }
      byte[] b = randomBytes(r, 1 + r.nextInt(8192));
      Files.write(d.resolve("s" + i), b);
      content.put(dir + "/s" + i, b);
      if (i % (SMALL_FILES / BIG_FILES) == 0) {
        // spread over the directories, so that bytes and files progress together
        String bigDir = "d" + (i / (SMALL_FILES / BIG_FILES) * 7 % 30);
        byte[] g = randomBytes(r, (1 << 19) + r.nextInt(1 << 20)); // many blocks
        Files.write(big.resolve(bigDir).resolve("g" + i), g);
        content.put(bigDir + "/g" + i, g);
      }
    }
    return content;
  }

  /**
   * Bytes of the store's packs and staging area on disk; a pack being moved from staging into
   * packs/ has two names for a moment (a hard link) and is counted once.
   */
  private static long bytesOnDisk(Path store) throws IOException {
    long sum = 0;
    java.util.Set<Object> seen = new java.util.HashSet<>();
    for (String sub : new String[] {"packs", "staging"}) {
      try (var files = Files.walk(store.resolve(sub))) {
        for (Path f : (Iterable<Path>) files::iterator) {
          try {
            var a = Files.readAttributes(f, java.nio.file.attribute.BasicFileAttributes.class);
            if (a.isRegularFile() && seen.add(a.fileKey())) {
              sum += a.size();
            }
          } catch (java.nio.file.NoSuchFileException movedMeanwhile) {
            // a staging pack renamed into packs/ while we looked
          }
        }
      } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException raced) {
        // a directory listed while it changed: try again at the next poll
      }
    }
    return sum;
  }

  private Process put(Path store, Path src, String to, Path log) throws IOException {
    return new ProcessBuilder(javaBin(), "-cp", System.getProperty("java.class.path"),
        "io.chunkstore.cli.Main", "put", store.toString(), src.toString(), "--to", to, "-q")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /**
   * Checks the store after a put into {@code target}: the files of the first put read back, every
   * file under {@code target} is whole, refcounts match the extents, no orphans are left.
   *
   * @return how many files of the put are there
   */
  private static int verify(Path store, Path done, String target, Map<String, byte[]> content) throws IOException {
    int shown = 0;
    try (ChunkStore cs = ChunkStore.open(store)) {
      for (int i = 0; i < 3; i++) {
        assertArrayEquals(Files.readAllBytes(done.resolve("f" + i)), read(cs, "/done/f" + i));
      }
      String base = target + "/big";
      if (cs.exists(base)) {
        for (FileInfo d : cs.list(base)) {
          for (FileInfo f : cs.list(d.path())) {
            byte[] expected = content.get(f.path().substring(base.length() + 1));
            assertTrue(expected != null, f.path() + " is a file of the put");
            assertEquals(expected.length, f.size(), f.path() + " is whole or absent");
            assertArrayEquals(expected, read(cs, f.path()), f.path());
            shown++;
          }
        }
      }
      Map<BlockId, Long> recount = new HashMap<>();
      Internals.index(cs).forEachExtent((ino, e) -> recount.merge(e.block(), 1L, Long::sum));
      Internals.index(cs).forEachRef((id, n) -> assertEquals(recount.getOrDefault(id, 0L), n, "refcount of " + id));
      assertTrue(Internals.index(cs).orphans().isEmpty(), "orphans of the killed put were freed on open");
    }
    return shown;
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
