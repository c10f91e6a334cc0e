package io.chunkstore.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.fsck.Cancellation;
import io.chunkstore.fsck.GcFixture;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.fsck.ProgressListener;
import io.chunkstore.index.Batch;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GcTest {
  @TempDir
  Path tmp;

  @Test
  void deletingFilesThenGcMakesTheStoreSmallerOnDiskAndKeepsEveryOtherFile() throws IOException {
    GcFixture f = GcFixture.create(tmp.resolve("s"), 7, 30);
    long before = f.bytesOnDisk();
    f.deleteEvery(2); // about half of the content
    assertEquals(before, f.bytesOnDisk(), "deleting alone frees nothing");

    GcPlan plan;
    try (MaintenanceStore m = MaintenanceStore.open(f.root())) {
      plan = GcPlanner.plan(m, GcPlanner.DEFAULT_REWRITE_BELOW);
    }
    assertTrue(plan.blocksToDrop() > 0 && plan.bytesToFree() > 0, "the plan frees something: " + plan.bytesToFree());
    assertEquals(before, f.bytesOnDisk(), "planning (the dry run) changes nothing");

    GcExecutor.GcResult r = GcExecutor.run(f.root(), GcPlanner.DEFAULT_REWRITE_BELOW, ProgressListener.NONE, Cancellation.NEVER);
    long after = f.bytesOnDisk();
    assertTrue(after < before * 0.75, "du fell from " + before + " to " + after);
    assertTrue(r.bytesFreed() > 0 && r.blocksDropped() > 0);
    f.assertAllFilesIntact();
    f.assertChecksClean();

    try (MaintenanceStore m = MaintenanceStore.open(f.root())) {
      GcPlan second = GcPlanner.plan(m, GcPlanner.DEFAULT_REWRITE_BELOW);
      assertEquals(0, second.blocksToDrop(), "a second gc finds nothing to drop");
      assertEquals(List.of(), second.with(GcPlan.Action.DELETE));
    }
  }

  @Test
  void aDroppedBlockIsStoredAgainWhenItsContentComesBack() throws IOException {
    GcFixture f = GcFixture.create(tmp.resolve("s"), 8, 9);
    String victim = f.files().keySet().iterator().next();
    byte[] content = f.files().get(victim);
    f.delete(victim);
    GcExecutor.run(f.root(), GcPlanner.DEFAULT_REWRITE_BELOW, ProgressListener.NONE, Cancellation.NEVER);
    try (ChunkStore s = ChunkStore.open(f.root())) {
      s.write("/back", new java.io.ByteArrayInputStream(content));
    }
    try (ChunkStore s = ChunkStore.open(f.root())) {
      try (var in = s.newInputStream("/back")) {
        assertArrayEquals(content, in.readAllBytes());
      }
    }
    f.assertChecksClean();
  }

  @Test
  void gcRefusesAStoreWhoseRefcountsAreWrong() throws IOException {
    GcFixture f = GcFixture.create(tmp.resolve("s"), 9, 6);
    try (ChunkStore s = ChunkStore.open(f.root())) {
      var ext = Internals.tree(s).extents(Internals.tree(s).stat(f.files().keySet().iterator().next()).ino());
      try (Batch b = Internals.index(s).batch()) {
        b.addRef(ext.get(0).block(), -5);
        Internals.index(s).write(b, true);
      }
    }
    long before = f.bytesOnDisk();
    GcRefusedException e = assertThrows(GcRefusedException.class,
        () -> GcExecutor.run(f.root(), 0.5, ProgressListener.NONE, Cancellation.NEVER));
    assertTrue(e.getMessage().contains("--repair"), e.getMessage());
    assertEquals(before, f.bytesOnDisk());
  }
}
