package io.chunkstore.fsck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.index.Index;
import io.chunkstore.StoreException;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Injected damage, each case with several seeds: detected, repaired as promised, never wrong bytes. */
class DamageTest {
  @TempDir
  Path tmp;

  private static Set<String> hurtPaths(Report r, Finding.Kind kind) {
    Set<String> out = new HashSet<>();
    r.findings().stream().filter(f -> f.kind() == kind).forEach(f -> out.addAll(f.paths()));
    return out;
  }

  /** Every file either reads back exactly or fails to read: never wrong bytes. */
  private static Set<String> unreadable(StoreFixture f) throws IOException {
    Set<String> failed = new HashSet<>();
    try (ChunkStore s = ChunkStore.open(f.root)) {
      for (Map.Entry<String, byte[]> e : f.files.entrySet()) {
        try {
          assertArrayEquals(e.getValue(), StoreFixture.read(s, e.getKey()), e.getKey() + " read wrong bytes");
        } catch (IOException expected) {
          failed.add(e.getKey());
        }
      }
    }
    return failed;
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13})
  void aFlippedByteIsABadBlockThatRepairQuarantinesAndTheNextWriteHeals(long seed) throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), seed, 15);
    StoreFixture.assertClean(f.readData());
    List<Path> packs = f.packFiles();
    Path pack = packs.get(f.random.nextInt(packs.size()));
    long size = Files.size(pack);
    long at = 64 + (long) (f.random.nextDouble() * (size / 2)); // inside the frames, not the trailer
    try (RandomAccessFile raf = new RandomAccessFile(pack.toFile(), "rw")) {
      raf.seek(at);
      int b = raf.read();
      raf.seek(at);
      raf.write(b ^ 0x10);
    }
    StoreFixture.assertClean(f.check()); // structure is intact: only reading the data tells
    Report r = f.readData();
    assertEquals(Set.of(Finding.Kind.BAD_BLOCK), Set.copyOf(r.errors().stream().map(Finding::kind).toList()), r.errors().toString());
    Set<String> named = hurtPaths(r, Finding.Kind.BAD_BLOCK);

    Report repaired = f.repair(true);
    assertEquals(4, repaired.exitStatus(), "quarantined blocks stay missing until written again");
    assertEquals(named, hurtPaths(repaired, Finding.Kind.MISSING_BLOCK), "the same files, now missing a block");
    Set<String> failing = unreadable(f);
    assertEquals(named, failing, "exactly the files named fail to read");

    // writing one hurt file's content again stores a good copy that heals every file sharing it
    String first = named.iterator().next();
    try (ChunkStore s = ChunkStore.open(f.root)) {
      s.write("/rewritten", new ByteArrayInputStream(f.files.get(first)));
    }
    f.files.put("/rewritten", f.files.get(first));
    Set<String> stillFailing = unreadable(f);
    assertFalse(stillFailing.contains(first), first + " healed by the write of the same content");
    if (stillFailing.isEmpty()) {
      StoreFixture.assertClean(f.check());
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {21, 22})
  void aTruncatedPackIsFoundAndRepairFromTheOriginalsHealsIt(long seed) throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), seed, 15);
    List<Path> packs = f.packFiles();
    Path pack = packs.get(f.random.nextInt(packs.size()));
    try (RandomAccessFile raf = new RandomAccessFile(pack.toFile(), "rw")) {
      raf.setLength(raf.length() / 3);
    }
    Report check = f.check();
    assertTrue(check.errors().stream().anyMatch(x -> x.kind() == Finding.Kind.PACK_SIZE_MISMATCH), check.errors().toString());
    Report r = f.readData();
    assertFalse(hurtPaths(r, Finding.Kind.BAD_BLOCK).isEmpty(), "read-data names the files the cut hurts");
    f.repair(true);
    Set<String> failing = unreadable(f);
    assertFalse(failing.isEmpty());

    // the original files, still on the user's disk, give the lost blocks back
    Path originals = tmp.resolve("originals");
    for (Map.Entry<String, byte[]> e : f.files.entrySet()) {
      Path p = originals.resolve(e.getKey().substring(1));
      Files.createDirectories(p.getParent());
      Files.write(p, e.getValue());
    }
    Report healed = RepairFrom.run(f.root, originals, ProgressListener.NONE, Cancellation.NEVER);
    assertEquals(failing.size(), healed.figures().get("filesHealed"), healed.figures().toString());
    assertEquals(0, healed.figures().get("filesStillHurt"));
    assertEquals(Set.of(), unreadable(f));
    Report after = f.repair(true); // the truncated pack's dead copies are garbage now, not errors
    StoreFixture.assertClean(after);
  }

  @ParameterizedTest
  @ValueSource(longs = {31, 32})
  void aDeletedIndexIsRefusedAndRebuiltFromTrailersAndTheNewestBackup(long seed) throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), seed, 18);
    try (Stream<Path> s = Files.walk(f.root.resolve("index"))) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
    StoreException refused = assertThrows(StoreException.class, () -> ChunkStore.open(f.root).close());
    assertTrue(refused.getMessage().contains("--rebuild-index"), refused.getMessage());
    assertFalse(Files.exists(f.root.resolve("index").resolve("CURRENT")), "the refusal created no index");

    Report r = IndexRebuild.run(f.root, ProgressListener.NONE, Cancellation.NEVER);
    StoreFixture.assertClean(r);
    f.assertAllFilesIntact();
    StoreFixture.assertClean(f.check());
    StoreFixture.assertClean(f.readData());
  }

  @org.junit.jupiter.api.Test
  void aStoreThatNeverClosedIsRebuiltFromItsPeriodicBackup() throws Exception {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), 61, 3);
    Path snapshot = tmp.resolve("meta-while-open");
    byte[] late = StoreFixture.bytes(f.random, 150_000);
    try (ChunkStore s = ChunkStore.open(f.root)) {
      s.write("/late", new ByteArrayInputStream(late));
      s.sync();
      long before = Index.latestBackup(f.root.resolve("meta")).orElse(0);
      s.backupPeriodically(java.time.Duration.ofMillis(300));
      long deadline = System.currentTimeMillis() + 20_000;
      while (Index.latestBackup(f.root.resolve("meta")).orElse(0) <= before) {
        assertTrue(System.currentTimeMillis() < deadline, "a periodic backup was taken");
        Thread.sleep(200);
      }
      copyTree(f.root.resolve("meta"), snapshot); // the backups as a crash would leave them
    }
    deleteTree(f.root.resolve("meta"));
    copyTree(snapshot, f.root.resolve("meta"));
    deleteTree(f.root.resolve("index"));
    StoreFixture.assertClean(IndexRebuild.run(f.root, ProgressListener.NONE, Cancellation.NEVER));
    f.files.put("/late", late);
    f.assertAllFilesIntact();
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else {
          try {
            Files.copy(p, t);
          } catch (java.nio.file.NoSuchFileException goneMeanwhile) {
            // a temporary file of a backup running meanwhile: what a crash would leave out too
          }
        }
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {41, 42})
  void aLostBlockTableIsRebuiltFromTheOrphanedPacks(long seed) throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), seed, 12);
    try (MaintenanceStore m = MaintenanceStore.open(f.root)) {
      m.index().clearBlocksAndPacks(); // as if the blocks and packs column families were lost
    }
    assertThrows(StoreException.class, () -> ChunkStore.open(f.root).close(), "an index without blocks is refused");
    Report r = f.check();
    assertTrue(r.errors().stream().anyMatch(x -> x.kind() == Finding.Kind.ORPHAN_PACK));
    assertTrue(r.errors().stream().anyMatch(x -> x.kind() == Finding.Kind.MISSING_BLOCK));
    Report repaired = f.repair(false);
    StoreFixture.assertClean(repaired);
    assertEquals(1, repaired.exitStatus());
    f.assertAllFilesIntact();
  }

  @ParameterizedTest
  @ValueSource(longs = {51})
  void anOrphanPackIsRecordedByRepair(long seed) throws IOException {
    StoreFixture f = StoreFixture.create(tmp.resolve("s"), seed, 6);
    StoreFixture other = StoreFixture.create(tmp.resolve("other"), seed + 1, 6);
    Path stray = other.packFiles().get(0);
    Path target = f.root.resolve("packs").resolve(stray.getParent().getFileName()).resolve(stray.getFileName());
    Files.createDirectories(target.getParent());
    Files.copy(stray, target);
    io.chunkstore.StorePermissions.ownerOnly().fix(f.root); // a copy made with the umask's modes
    Report r = f.check();
    assertEquals(List.of(Finding.Kind.ORPHAN_PACK), r.errors().stream().map(Finding::kind).toList());
    StoreFixture.assertClean(f.repair(false));
    f.assertAllFilesIntact();
  }
}
