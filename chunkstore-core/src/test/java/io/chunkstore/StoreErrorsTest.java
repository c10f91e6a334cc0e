package io.chunkstore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets one clear sentence and loses nothing already stored. */
class StoreErrorsTest {
  @TempDir
  Path tmp;

  private Path storeWithAFile(byte[] content) throws IOException {
    Path dir = tmp.resolve("store");
    try (ChunkStore s = ChunkStore.create(dir, StoreConfig.defaults())) {
      s.write("/keep", new ByteArrayInputStream(content));
    }
    return dir;
  }

  private static void assertStillThere(Path dir, byte[] content) throws IOException {
    try (ChunkStore s = ChunkStore.open(dir); InputStream in = s.newInputStream("/keep")) {
      assertArrayEquals(content, in.readAllBytes());
    }
  }

  @Test
  void createOverAnExistingStoreIsRefused() throws IOException {
    byte[] c = TestData.bytes(1, 100_000);
    Path dir = storeWithAFile(c);
    StoreException e = assertThrows(StoreException.class, () -> ChunkStore.create(dir, StoreConfig.defaults()));
    assertTrue(e.getMessage().contains("already holds a chunkstore store"), e.getMessage());
    assertStillThere(dir, c);
  }

  @Test
  void createInANonEmptyFolderIsRefused() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("other"));
    Files.writeString(dir.resolve("notes.txt"), "mine");
    StoreException e = assertThrows(StoreException.class, () -> ChunkStore.create(dir, StoreConfig.defaults()));
    assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
    assertTrue(Files.exists(dir.resolve("notes.txt")));
  }

  @Test
  void openingAFolderThatIsNotAStoreSaysSo() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("plain"));
    StoreException e = assertThrows(StoreException.class, () -> ChunkStore.open(dir));
    assertTrue(e.getMessage().contains("is not a chunkstore store"), e.getMessage());
    StoreException missing = assertThrows(StoreException.class, () -> ChunkStore.open(tmp.resolve("nowhere")));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
  }

  @Test
  void aNewerFormatVersionIsRefusedWithoutTouchingTheStore() throws IOException {
    byte[] c = TestData.bytes(2, 50_000);
    Path dir = storeWithAFile(c);
    Path config = dir.resolve("chunkstore.json");
    String original = Files.readString(config);
    Files.writeString(config, original.replace("\"formatVersion\" : 1", "\"formatVersion\" : 7"));
    StoreException e = assertThrows(StoreException.class, () -> ChunkStore.open(dir));
    assertTrue(e.getMessage().contains("format version 7") && e.getMessage().contains("newer chunkstore"), e.getMessage());
    Files.writeString(config, original);
    assertStillThere(dir, c);
  }

  @Test
  void aSecondWriterOnALockedStoreIsRefused() throws IOException {
    byte[] c = TestData.bytes(3, 50_000);
    Path dir = storeWithAFile(c);
    try (ChunkStore first = ChunkStore.open(dir)) {
      StoreException e = assertThrows(StoreException.class, () -> ChunkStore.open(dir));
      // not "another process (pid <our own>)": it is this one
      assertEquals("the store at " + dir + " is already open in this process; close it first"
          + " (one ChunkStore per store at a time)", e.getMessage());
      try (InputStream in = first.newInputStream("/keep")) {
        assertArrayEquals(c, in.readAllBytes(), "the first opener is unaffected");
      }
    }
    assertStillThere(dir, c);
  }

  @Test
  void aPathThatIsNotInTheStoreIsNamed() throws IOException {
    Path dir = storeWithAFile(new byte[10]);
    try (ChunkStore s = ChunkStore.open(dir)) {
      NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> s.stat("/missing/file"));
      assertTrue(e.getFile().contains("/missing"), e.getFile());
    }
  }

  @Test
  void aFailedWriteLeavesTheOldFileAndNoGarbageReferences() throws IOException {
    byte[] c = TestData.bytes(4, 300_000);
    Path dir = storeWithAFile(c);
    try (ChunkStore s = ChunkStore.open(dir)) {
      InputStream failing = new InputStream() {
        int n;

        @Override
        public int read() throws IOException {
          if (++n > 200_000) {
            throw new IOException("source went away");
          }
          return n & 0xff;
        }
      };
      IOException e = assertThrows(IOException.class, () -> s.write("/keep", failing));
      assertEquals("source went away", e.getMessage());
      assertTrue(Internals.index(s).orphans().isEmpty(), "the half-written inode is freed");
      StoreChecks.assertRefcountsMatchExtents(s);
    }
    assertStillThere(dir, c);
    try (ChunkStore s = ChunkStore.open(dir)) {
      StoreChecks.assertRefcountsMatchExtents(s);
    }
  }
}
