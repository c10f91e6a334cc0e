package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
  @TempDir
  Path tmp;

  private Path store() {
    CliRunner.Result r = CliRunner.run("init", tmp.resolve("store").toString());
    assertEquals(0, r.status(), r.err());
    return tmp.resolve("store");
  }

  private Path sourceTree() throws IOException {
    Path src = tmp.resolve("src");
    Path sub = Files.createDirectories(src.resolve("sub"));
    byte[] big = new byte[3 << 20];
    new Random(1).nextBytes(big);
    Files.write(sub.resolve("big.bin"), big);
    Files.writeString(src.resolve("hello.txt"), "hello\n");
    Files.setPosixFilePermissions(src.resolve("hello.txt"), PosixFilePermissions.fromString("rwx------"));
    Files.setLastModifiedTime(sub.resolve("big.bin"), FileTime.fromMillis(1_600_000_000_000L));
    Files.createSymbolicLink(sub.resolve("link"), Path.of("big.bin"));
    return src;
  }

  @Test
  void putThenGetGivesBackTheSameTreeWithModesAndTimes() throws IOException {
    Path store = store();
    Path src = sourceTree();
    CliRunner.Result put = CliRunner.run("put", store.toString(), src.toString(), "--to", "/backup");
    assertEquals(0, put.status(), put.err());
    CliRunner.Result ls = CliRunner.run("ls", store.toString(), "/backup/src");
    assertEquals("hello.txt\nsub/\n", ls.out());
    Path out = tmp.resolve("out");
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/backup/src", out.toString());
    assertEquals(0, get.status(), get.err());
    assertArrayEquals(Files.readAllBytes(src.resolve("sub/big.bin")), Files.readAllBytes(out.resolve("sub/big.bin")));
    assertEquals("hello\n", Files.readString(out.resolve("hello.txt")));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("hello.txt"))));
    assertEquals(1_600_000_000_000L, Files.getLastModifiedTime(out.resolve("sub/big.bin")).toMillis());
    assertEquals(Path.of("big.bin"), Files.readSymbolicLink(out.resolve("sub/link")));
  }

  @Test
  void statsJsonHasTheDocumentedKeys() throws IOException {
    Path store = store();
    Path src = sourceTree();
    CliRunner.run("put", store.toString(), src.toString());
    CliRunner.run("put", store.toString(), src.toString(), "--to", "/again");
    CliRunner.Result r = CliRunner.run("stats", store.toString(), "--json");
    assertEquals(0, r.status(), r.err());
    for (String key : new String[] {"logicalBytes", "storedBytes", "uniqueBlocks", "packs", "dedupRatio", "compressionRatio"}) {
      assertTrue(r.out().contains("\"" + key + "\":"), key + " in " + r.out());
    }
    assertTrue(r.out().contains("\"dedupRatio\":2.0"), "the second put was all duplicates: " + r.out());
  }

  @Test
  void initOverAnExistingStoreFailsWithOneSentence() throws IOException {
    Path store = store();
    CliRunner.Result r = CliRunner.run("init", store.toString());
    assertEquals(1, r.status());
    assertEquals("init: " + store + " already holds a chunkstore store; refusing to overwrite it\n", r.err());
  }

  @Test
  void openingAFolderThatIsNotAStoreFails() throws IOException {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    CliRunner.Result r = CliRunner.run("ls", plain.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("ls: " + plain + " is not a chunkstore store"), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
  }

  @Test
  void aStoreOfANewerFormatIsRefused() throws IOException {
    Path store = store();
    Path json = store.resolve("chunkstore.json");
    Files.writeString(json, Files.readString(json).replace("\"formatVersion\" : 1", "\"formatVersion\" : 2"));
    CliRunner.Result r = CliRunner.run("stats", store.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("has format version 2, but this chunkstore reads only version 1; use a newer chunkstore"), r.err());
  }

  @Test
  void anUnreadableSourceIsReportedAndTheRestIsStored() throws IOException {
    Path store = store();
    Path src = sourceTree();
    // Root reads any file whatever its mode, so use a file whose reads fail: /proc/self/mem at offset 0.
    CliRunner.Result r = CliRunner.run("put", store.toString(), src.toString(), "/proc/self/mem");
    assertEquals(1, r.status());
    assertTrue(r.err().contains("put: cannot copy /proc/self/mem"), r.err());
    try (ChunkStore cs = ChunkStore.open(store)) {
      assertEquals(Files.size(src.resolve("sub/big.bin")), cs.stat("/src/sub/big.bin").size());
    }
  }

  @Test
  void aMissingSourceIsReportedAndTheOthersAreStored() throws IOException {
    Path store = store();
    Path src = sourceTree();
    CliRunner.Result r = CliRunner.run("put", store.toString(), tmp.resolve("nope").toString(), src.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("put: cannot copy " + tmp.resolve("nope") + ": no such file or directory\n"), r.err());
    try (ChunkStore cs = ChunkStore.open(store)) {
      assertTrue(cs.exists("/src/hello.txt"));
    }
    CliRunner.Result none = CliRunner.run("put", store.toString(), tmp.resolve("nope").toString());
    assertEquals(1, none.status());
  }

  @Test
  void getWritesAFileToStandardOutput() throws IOException {
    Path store = store();
    Path src = sourceTree();
    CliRunner.run("put", store.toString(), src.toString());
    CliRunner.Result r = CliRunner.run("get", store.toString(), "/src/hello.txt", "-");
    assertEquals(0, r.status(), r.err());
    assertEquals("hello\n", r.out());
    CliRunner.Result missingDir = CliRunner.run("get", store.toString(), "/src/hello.txt", tmp.resolve("no/dir/x").toString());
    assertEquals("get: no such file or directory: " + tmp.resolve("no/dir") + "\n", missingDir.err());
  }

  @Test
  void aSecondWriterOnALockedStoreIsRefused() throws IOException {
    Path store = store();
    Path src = sourceTree();
    try (ChunkStore holder = ChunkStore.open(store)) {
      CliRunner.Result r = CliRunner.run("put", store.toString(), src.toString());
      assertEquals(1, r.status());
      assertTrue(r.err().contains("is already open in this process"), r.err()); // the holder is this JVM
    }
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString()).status());
  }

  @Test
  void aPathThatIsNotInTheStoreIsNamed() throws IOException {
    Path store = store();
    CliRunner.Result r = CliRunner.run("get", store.toString(), "/no/such", tmp.resolve("x").toString());
    assertEquals(1, r.status());
    assertEquals("get: no such file or directory: /no/such\n", r.err());
  }

  @Test
  void aDamagedPackIsReportedNotReturnedAsData() throws IOException {
    Path store = store();
    Path src = sourceTree();
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString()).status());
    Path pack;
    try (var files = Files.walk(store.resolve("packs"))) {
      pack = files.filter(Files::isRegularFile).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(pack);
    bytes[bytes.length / 2] ^= 0x10;
    Files.write(pack, bytes);
    CliRunner.Result r = CliRunner.run("get", store.toString(), "/src/sub/big.bin", tmp.resolve("out.bin").toString());
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("get: pack ") && r.err().contains(" is damaged at offset "), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(Files.notExists(tmp.resolve("out.bin")), "no partial output is left behind");
  }

  @Test
  void badSettingsAreRejectedAtInit() {
    CliRunner.Result r = CliRunner.run("init", tmp.resolve("s").toString(), "--hash", "md5");
    assertEquals(1, r.status());
    assertTrue(r.err().startsWith("init: unknown hash 'md5'"), r.err());
  }
}
