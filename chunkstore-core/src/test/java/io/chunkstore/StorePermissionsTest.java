package io.chunkstore;

import static io.chunkstore.store.StoreModes.mode;
import static io.chunkstore.store.StoreModes.notPrivate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store made and written in this JVM, whose umask lets others read what it creates, is still
 * its owner's alone: what chunkstore creates gets its mode at once, what RocksDB creates gets it
 * when the store opens and closes.
 */
class StorePermissionsTest {
  @TempDir
  Path tmp;

  @BeforeEach
  void umaskLetsOthersRead() throws IOException {
    Path probe = Files.createFile(tmp.resolve("probe"));
    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(probe));
    Files.delete(probe);
    // The tests mean something only if a file created here would be readable by others.
    org.junit.jupiter.api.Assumptions.assumeTrue(mode.endsWith("r--"), "the umask hides files already: " + mode);
  }

  @Test
  void aNewStoreAndEverythingWrittenToItIsPrivateWhateverTheUmask() throws IOException {
    Path dir = tmp.resolve("store");
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults().withPackSize(1 << 20))) {
      writeSome(s, 40);
      s.flush();
      assertTrue(s.permissionWarning().isEmpty(), "a new store has nothing to warn about");
    }
    assertTrue(packCount(dir) > 1, "several packs were sealed");
    assertEquals(List.of(), notPrivate(dir));
    assertEquals("rwx------", mode(dir));
    assertEquals("rw-------", mode(dir.resolve("chunkstore.json")));
  }

  @Test
  void openingAStoreOthersCanReadWarnsWithTheChmodThatClosesIt() throws IOException {
    Path dir = tmp.resolve("store");
    ChunkStore.create(dir, StoreConfig.defaults()).close();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir.resolve("chunkstore.json"), PosixFilePermissions.fromString("rw-r--r--"));
    String warning;
    try (ChunkStore s = ChunkStore.open(dir)) {
      warning = s.permissionWarning().orElseThrow();
    }
    assertEquals("the store at " + dir + " is open to other users (" + dir + " is drwxr-xr-x); close it with: "
        + "chmod -R go-rwx " + dir, warning);
    assertEquals("rwxr-xr-x", mode(dir), "opening does not change what the user set");

    assertEquals(2, StorePermissions.of(dir).fix(dir), "fix changed the root and chunkstore.json");
    assertEquals(List.of(), notPrivate(dir));
    try (ChunkStore s = ChunkStore.open(dir)) {
      assertTrue(s.permissionWarning().isEmpty());
    }
  }

  @Test
  void checkNamesEveryPathOpenToOthersUpToTheLimit() throws IOException {
    Path dir = tmp.resolve("store");
    ChunkStore.create(dir, StoreConfig.defaults()).close();
    StorePermissions p = StorePermissions.of(dir);
    assertEquals(List.of(), p.check(dir, Integer.MAX_VALUE));
    Files.setPosixFilePermissions(dir.resolve("packs"), PosixFilePermissions.fromString("rwxr-x---"));
    Files.setPosixFilePermissions(dir.resolve("lock"), PosixFilePermissions.fromString("rw----r--"));
    List<StorePermissions.Exposure> found = p.check(dir, Integer.MAX_VALUE);
    assertEquals(2, found.size(), found.toString());
    assertEquals(1, p.check(dir, 1).size());
    assertTrue(found.stream().anyMatch(e -> e.path().equals(dir.resolve("packs")) && e.modeString().equals("drwxr-x---")));
    assertTrue(found.stream().anyMatch(e -> e.path().equals(dir.resolve("lock")) && e.modeString().equals("-rw----r--")));
  }

  @Test
  void aPackOthersCouldReadInAClosedDirectoryIsLeftToCheckAndFixNotToTheWarning() throws IOException {
    Path dir = tmp.resolve("store");
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults())) {
      writeSome(s, 3);
    }
    Path pack;
    try (Stream<Path> all = Files.walk(dir.resolve("packs"))) {
      pack = all.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    Files.setPosixFilePermissions(pack, PosixFilePermissions.fromString("rw-r--r--"));
    StorePermissions p = StorePermissions.of(dir);
    assertTrue(p.warning(dir).isEmpty(), "out of reach behind its 0700 directory: no warning at every open");
    assertEquals(List.of(pack), p.check(dir, 10).stream().map(StorePermissions.Exposure::path).toList());
    assertEquals(1, p.fix(dir));
    assertEquals(List.of(), notPrivate(dir));
    Files.setPosixFilePermissions(pack.getParent(), PosixFilePermissions.fromString("rwxr-x--x"));
    assertTrue(p.warning(dir).orElseThrow().contains(pack.getParent() + " is drwxr-x--x"), "its directory, open, is");
  }

  @Test
  void aPathWithBlanksIsQuotedInTheChmod() throws IOException {
    Path dir = tmp.resolve("my store's");
    ChunkStore.create(dir, StoreConfig.defaults()).close();
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx---r-x"));
    String warning = StorePermissions.of(dir).warning(dir).orElseThrow();
    assertTrue(warning.endsWith("chmod -R go-rwx '" + tmp + "/my store'\\''s'"), warning);
  }

  @Test
  void aStoreSharedWithAGroupIsTheGroupsToReadAndWriteAndNobodyElses() throws IOException {
    String group = "users"; // gid 100 on Debian and Ubuntu; root may give a file to any group
    Path dir = tmp.resolve("shared");
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults().withPackSize(1 << 20),
        StorePermissions.sharedWith(group))) {
      writeSome(s, 20);
    }
    StorePermissions p = StorePermissions.of(dir);
    assertEquals(group, p.group().orElseThrow(), "the set-group-id root says the store is shared");
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path f : all.toList()) {
        String want = Files.isDirectory(f) ? "rwxrwx---" : "rw-rw----";
        assertEquals(want, mode(f), f.toString());
        assertEquals(group, Files.readAttributes(f, java.nio.file.attribute.PosixFileAttributes.class).group().getName(),
            f.toString());
        if (Files.isDirectory(f)) {
          assertEquals(02000, (int) Files.getAttribute(f, "unix:mode") & 02000, f + " is set-group-id");
        }
      }
    }
    try (ChunkStore s = ChunkStore.open(dir)) {
      assertTrue(s.permissionWarning().isEmpty(), "group access is what a shared store is for");
    }
    Files.setPosixFilePermissions(dir.resolve("chunkstore.json"), PosixFilePermissions.fromString("rw-rw-r--"));
    assertTrue(p.warning(dir).orElseThrow().endsWith("is open to users outside group " + group + " ("
        + dir.resolve("chunkstore.json") + " is -rw-rw-r--); close it with: chmod -R o-rwx " + dir),
        p.warning(dir).orElseThrow());
  }

  @Test
  void anUnknownGroupIsOneSentence() {
    StoreException e = assertThrows(StoreException.class, () -> StorePermissions.sharedWith("no-such-group-42"));
    assertEquals("there is no group named no-such-group-42 on this machine", e.getMessage());
  }

  private static void writeSome(ChunkStore s, int files) throws IOException {
    Random r = new Random(7);
    s.mkdirs("/d/e");
    for (int i = 0; i < files; i++) {
      byte[] b = new byte[100_000 + r.nextInt(100_000)];
      r.nextBytes(b);
      s.write("/d/e/f" + i, new ByteArrayInputStream(b));
    }
  }

  private static long packCount(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir.resolve("packs"))) {
      return all.filter(Files::isRegularFile).count();
    }
  }
}
