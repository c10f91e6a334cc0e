package io.chunkstore.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.GcFixture;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at every step of gc, and at random moments: the store then checks clean, every
 * file reads back, and a second gc finishes the work.
 */
class GcCrashTest {
  /** Where gc can die: each is a step after which the store is in a new state on disk. */
  private static final List<String> POINTS = List.of(
      "after-drop", "after-write", "after-upload", "after-commit", "after-delete", "after-delete:2",
      "after-retire", "after-delete:4");

  @TempDir
  Path tmp;

  @Test
  void aKilledGcLeavesAStoreThatChecksCleanAndTheNextGcFinishes() throws Exception {
    Random random = new Random(20261201);
    List<String> outcomes = new ArrayList<>();
    int crashed = 0;
    java.util.Set<String> pointsHit = new java.util.TreeSet<>();
    int rounds = 24;
    for (int round = 0; round < rounds; round++) {
      GcFixture f = GcFixture.create(tmp.resolve("s" + round), 100 + round, 14);
      f.writeAlone("/alone", 3 << 20); // packs of its own, all dead once it goes: gc deletes them whole
      long full = f.bytesOnDisk();
      f.delete("/alone");
      f.deleteEvery(2);
      Process gc;
      String how;
      // half the rounds keep every pack that is at least half live (max-unused 100%): then gc also
      // drops entries from kept packs and deletes whole packs; the others rewrite more
      String maxUnused = (round / POINTS.size()) % 2 == 0 ? "1.0" : String.valueOf(GcPlanner.DEFAULT_MAX_UNUSED);
      if (round < POINTS.size() * 2) {
        how = POINTS.get(round % POINTS.size());
        gc = child(f.root(), how, maxUnused);
        gc.waitFor(120, TimeUnit.SECONDS);
      } else {
        int delay = 200 + random.nextInt(1500);
        how = "SIGKILL after " + delay + " ms";
        gc = child(f.root(), null, maxUnused);
        if (!gc.waitFor(delay, TimeUnit.MILLISECONDS)) {
          gc.destroyForcibly();
        }
        gc.waitFor(60, TimeUnit.SECONDS);
      }
      int exit = gc.exitValue();
      if (exit == 137 || exit == 128 + 9) {
        crashed++;
        pointsHit.add(how.startsWith("SIGKILL") ? "SIGKILL" : how);
      } else {
        assertEquals(0, exit, how + ": gc failed: " + Files.readString(childErr(f.root())));
      }
      outcomes.add(how + " -> exit " + exit);
      assertEquals(List.of(), f.checkErrors(), "round " + round + " (" + how + ")");
      f.assertAllFilesIntact();

      GcExecutor.run(f.root(), GcPlanner.DEFAULT_REWRITE_BELOW, ProgressListener.NONE, Cancellation.NEVER);
      f.assertChecksClean();
      f.assertAllFilesIntact();
      assertTrue(f.bytesOnDisk() <= full, "round " + round + ": gc never grows the store");
      try (MaintenanceStore m = MaintenanceStore.open(f.root())) {
        GcPlan left = GcPlanner.plan(m, GcPlanner.DEFAULT_REWRITE_BELOW);
        assertEquals(0, left.blocksToDrop(), "round " + round + ": the second gc dropped every dead block");
        assertEquals(List.of(), left.retired(), "round " + round + ": no retired or sealed pack is left");
        assertEquals(List.of(), left.orphanPacks(), "round " + round + ": no orphan pack is left");
        assertEquals(List.of(), left.with(GcPlan.Action.DELETE), "round " + round);
      }
    }
    assertTrue(crashed >= 12, "gc was really killed mid-way in most rounds: " + outcomes);
    assertTrue(pointsHit.containsAll(POINTS), "gc died at every one of its steps at least once: " + outcomes);
  }

  private static Process child(Path store, String crashAt, String maxUnused) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        GcChild.class.getName(), store.toString(), maxUnused);
    if (crashAt != null) {
      pb.environment().put("CHUNKSTORE_GC_CRASH_AT", crashAt);
    }
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
    // to a file, not a pipe: what a failed child said stays readable whenever the test asks
    pb.redirectError(childErr(store).toFile());
    return pb.start();
  }

  private static Path childErr(Path store) {
    return store.resolveSibling(store.getFileName() + ".gc-stderr");
  }
}
