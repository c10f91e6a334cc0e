package io.chunkstore.fsck;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.id.BlockId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Extent;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StructuralCheckTest {
  @TempDir
  Path tmp;

  private static java.util.Set<Finding.Kind> kinds(Report r) {
    return r.errors().stream().map(Finding::kind).collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
  }

  @Test
  void aFreshStoreChecksCleanAndCountsWhatItHolds() throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 1, 24);
    Report r = f.check();
    StoreFixture.assertClean(r);
    assertEquals(0, r.exitStatus());
    assertTrue(r.figures().get("blocks") > 24, "blocks counted: " + r.figures());
    assertTrue(r.figures().get("packs") >= 2, "several packs: " + r.figures());
  }

  @Test
  void aLostRefcountUpdateIsFoundAndRepairFixesIt() throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 2, 12);
    BlockId victim;
    try (ChunkStore s = ChunkStore.open(f.root)) {
      List<Extent> ext = Internals.tree(s).extents(Internals.tree(s).stat("/docs/file-0").ino());
      victim = ext.get(0).block();
      try (Batch b = Internals.index(s).batch()) {
        b.addRef(victim, -1); // as if one batch's refcount change had been lost
        b.addCounter(Counter.LOGICAL_BYTES, 12345);
        Internals.index(s).write(b, true);
      }
    }
    Report r = f.check();
    assertEquals(java.util.Set.of(Finding.Kind.REFCOUNT_MISMATCH, Finding.Kind.COUNTER_MISMATCH), kinds(r));
    assertTrue(r.errors().stream().anyMatch(x -> x.subject().equals("block " + victim.hex())), "names the block");
    assertEquals(4, r.exitStatus());

    Report repaired = f.repair(false);
    StoreFixture.assertClean(repaired);
    assertEquals(1, repaired.exitStatus(), "errors fixed");
    StoreFixture.assertClean(f.check());
    f.assertAllFilesIntact();
  }

  @Test
  void danglingEntriesWrongLinkCountsAndUnreachableInodesAreRepaired() throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 3, 6);
    long unreachable;
    try (ChunkStore s = ChunkStore.open(f.root)) {
      var file = Internals.tree(s).stat("/media/file-2");
      var dir = Internals.tree(s).stat("/docs");
      unreachable = file.ino();
      try (Batch b = Internals.index(s).batch()) {
        b.deleteDirEntry(Internals.tree(s).stat("/media").ino(), "file-2"); // the inode stays: unreachable
        b.putDirEntry(dir.ino(), new io.chunkstore.index.DirEntry("ghost", 999_999, 0100644)); // names nothing
        var d = Internals.index(s).inode(dir.ino()).orElseThrow();
        b.putInode(d.withNlink(d.nlink() + 5, d.ctimeNanos()));
        Internals.index(s).write(b, true);
      }
    }
    Report r = f.check();
    assertEquals(java.util.Set.of(Finding.Kind.DANGLING_ENTRY, Finding.Kind.LINK_COUNT, Finding.Kind.UNREACHABLE_INODE), kinds(r));
    StoreFixture.assertClean(f.repair(false));
    byte[] expected = f.files.remove("/media/file-2");
    f.files.put("/lost+found/#" + unreachable, expected);
    f.assertAllFilesIntact();
    StoreFixture.assertClean(f.check());
  }

  @Test
  void aStoreOpenedToOtherUsersIsAnErrorThatRepairCloses() throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 5, 3);
    Path pack = f.packFiles().get(0);
    java.nio.file.Files.setPosixFilePermissions(pack, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    java.nio.file.Files.setPosixFilePermissions(f.root, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    assertEquals(java.util.Set.of(Finding.Kind.STORE_OPEN_TO_OTHERS), kinds(f.check()));
    StoreFixture.assertClean(f.repair(false));
    assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(pack)));
    assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(java.nio.file.Files.getPosixFilePermissions(f.root)));
  }

  @Test
  void aDeletedPackIsFoundWithTheFilesItHurts() throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 4, 12);
    Path pack = f.packFiles().get(f.random.nextInt(f.packFiles().size()));
    java.nio.file.Files.delete(pack);
    Report r = f.check();
    assertEquals(java.util.Set.of(Finding.Kind.MISSING_PACK), kinds(r));

    Report repaired = f.repair(false);
    assertEquals(4, repaired.exitStatus(), "blocks are still missing");
    List<String> hurt = new ArrayList<>();
    for (Finding x : repaired.errors()) {
      assertEquals(Finding.Kind.MISSING_BLOCK, x.kind());
      hurt.addAll(x.paths());
    }
    assertTrue(!hurt.isEmpty(), "the findings name files");
    for (String p : hurt) {
      assertTrue(f.files.containsKey(p), p + " is a file of the store");
    }
  }
}
