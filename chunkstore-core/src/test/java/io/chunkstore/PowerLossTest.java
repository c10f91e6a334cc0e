package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.chunkstore.index.Index;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss, simulated: a writer process works on a store whose Java-written files sit on a
 * {@link PowerCutFileSystem} and whose index keeps unsynced writes in memory
 * ({@link Index#UNSYNCED_WRITES_IN_MEMORY}); it is killed at a random moment, and what the kernel
 * had not been asked to make durable is then taken away (files cut back to their last fsync, names
 * whose directory was not fsynced removed, RocksDB's unsynced writes gone with the process). Every
 * file whose fsync, {@code sync()} or {@code flush()} returned must read back byte for byte, an
 * overwrite caught in flight must be its old or its new content, and the refcounts must match the
 * extents. A {@code kill -9} alone cannot tell a missing fsync from a present one; this can.
 */
class PowerLossTest {
  private static final int ROUNDS = 8;

  @TempDir
  Path tmp;

  @Test
  void everyFileWhoseSyncReturnedSurvivesAPowerCut() throws Exception {
    Path store = tmp.resolve("store");
    ChunkStore.create(store, StoreConfig.defaults().withPackSize(1 << 20)).close();
    Random killer = new Random(7);
    Map<String, String> expected = new LinkedHashMap<>();
    long unsyncedBytesLost = 0;
    int unsyncedNamesLost = 0;
    for (int round = 0; round < ROUNDS; round++) {
      Path journal = tmp.resolve("journal" + round);
      Path out = tmp.resolve("out" + round);
      Path durableList = tmp.resolve("durable" + round);
      Files.write(durableList, expected.keySet());
      Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-D" + Index.UNSYNCED_WRITES_IN_MEMORY + "=true",
          "-cp", System.getProperty("java.class.path"), PowerLossWorkload.class.getName(),
          store.toString(), journal.toString(), Long.toString(100 + round), Integer.toString(round),
          durableList.toString())
          .redirectOutput(out.toFile()).redirectError(tmp.resolve("err" + round).toFile()).start();
      // once the writer has made something durable (a loaded machine may take a while), at a random point
      awaitLine(p, out, "DURABLE ", round);
      Thread.sleep(300 + killer.nextInt(2500));
      assertTrue(p.isAlive(), "round " + round + ": the writer died on its own:\n"
          + Files.readString(tmp.resolve("err" + round)));
      p.destroyForcibly(); // SIGKILL: the process's memory is gone, as at a power cut
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));

      PowerCutFileSystem.Cut cut = PowerCutFileSystem.cut(journal, store);
      System.out.println("PowerLossTest round " + round + ": " + cut);
      unsyncedBytesLost += cut.bytesLost();
      unsyncedNamesLost += cut.namesRemoved();
      Map<String, String> inFlight = new HashMap<>();
      int durableThisRound = 0;
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f[0].equals("DURABLE") && f.length == 4 && f[3].equals("END")) {
          expected.put(f[1], f[2]);
          inFlight.remove(f[1]);
          durableThisRound++;
        } else if (f[0].equals("BEGIN") && f.length == 3) {
          inFlight.put(f[1], f[2]);
        }
      }
      assertTrue(durableThisRound > 0, "round " + round + ": the writer made files durable");
      verify(store, round, expected, inFlight);
    }
    assertTrue(expected.size() > 3 * ROUNDS, "files made durable: " + expected.size());
    // otherwise the power cuts took nothing and proved nothing
    assertTrue(unsyncedBytesLost > 0, "the power cuts took no unsynced bytes");
    System.out.println("PowerLossTest: " + expected.size() + " durable files checked; the power cuts took "
        + unsyncedBytesLost + " unsynced bytes and " + unsyncedNamesLost + " names");
  }

  private static void verify(Path store, int round, Map<String, String> expected, Map<String, String> inFlight)
      throws Exception {
    try (ChunkStore s = ChunkStore.open(store)) {
      for (Map.Entry<String, String> e : expected.entrySet()) {
        String path = e.getKey();
        String now;
        if (!s.exists(path)) {
          now = "absent";
        } else {
          try {
            now = PowerLossWorkload.sha256(PowerLossWorkload.read(s, path));
          } catch (IOException unreadable) {
            now = "unreadable: " + unreadable;
          }
        }
        String next = inFlight.get(path);
        if (next != null) {
          assertTrue(now.equals(e.getValue()) || now.equals(next),
              "round " + round + ": " + path + ", overwritten when the power went, is its old or its new content, not "
                  + now);
          e.setValue(now);
        } else {
          assertEquals(e.getValue(), now, "round " + round + ": " + path + ", made durable before the power cut");
        }
      }
      StoreChecks.assertRefcountsMatchExtents(s);
      assertTrue(Internals.index(s).orphans().isEmpty(), "orphans are freed when the store opens");
    }
  }

  /** Waits until the writer has printed a line that starts with {@code prefix}. */
  private static void awaitLine(Process p, Path out, String prefix, int round) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(out) && Files.readAllLines(out, StandardCharsets.UTF_8).stream().anyMatch(l -> l.startsWith(prefix))) {
        return;
      }
      if (!p.isAlive()) {
        break;
      }
      Thread.sleep(20);
    }
    p.destroyForcibly();
    fail("round " + round + ": the writer printed no '" + prefix + "' line in 60 s: " + Files.readString(out)
        + Files.readString(out.resolveSibling("err" + round)));
  }
}
