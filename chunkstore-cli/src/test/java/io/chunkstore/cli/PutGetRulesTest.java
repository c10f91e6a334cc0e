package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Extent;
import io.chunkstore.internal.Internals;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules put and get follow beyond copying faithfully: a failed or refused item changes
 * nothing and stores nothing, the store is never copied into itself, get goes on past a damaged
 * file, and neither writes over what is there unless told to.
 */
class PutGetRulesTest {
  @TempDir
  Path tmp;

  private Path store() {
    Path s = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", s.toString()).status());
    return s;
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void aDirectoryWhereTheStoreHasAFileChangesNothing() throws IOException {
    Path store = store();
    Path file = Files.writeString(tmp.resolve("b"), "the file\n");
    Files.setLastModifiedTime(file, FileTime.fromMillis(1_500_000_000_000L));
    assertEquals(0, CliRunner.run("put", store.toString(), file.toString()).status());
    FileInfo before;
    try (ChunkStore cs = ChunkStore.open(store)) {
      before = cs.stat("/b");
    }
    Path dir = Files.createDirectories(tmp.resolve("other/b"));
    Files.writeString(dir.resolve("inner"), "inner\n");
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
    CliRunner.Result r = CliRunner.run("put", store.toString(), dir.toString());
    assertEquals(1, r.status());
    assertTrue(r.err().contains("put: cannot copy " + dir + ": /b in the store is not a directory"), r.err());
    try (ChunkStore cs = ChunkStore.open(store)) {
      FileInfo after = cs.stat("/b");
      assertEquals(before.permissions(), after.permissions(), "mode unchanged");
      assertEquals(before.modified(), after.modified(), "mtime unchanged");
      assertEquals(before.changed(), after.changed(), "ctime unchanged: nothing was written to it");
    }
  }

  @Test
  void aHardLinkedFileNamedTwiceToTheSamePlaceIsStoredOnce() throws IOException {
    Path store = store();
    Path a = Files.createDirectories(tmp.resolve("a"));
    Path b = Files.createDirectories(tmp.resolve("b"));
    byte[] content = random(300_000, 5);
    Files.write(a.resolve("x"), content);
    Files.createLink(b.resolve("x"), a.resolve("x")); // the same inode under the same name twice
    CliRunner.Result r = CliRunner.run("put", store.toString(), a.resolve("x").toString(), b.resolve("x").toString());
    assertEquals(0, r.status(), r.err());
    try (ChunkStore cs = ChunkStore.open(store); java.io.InputStream in = cs.newInputStream("/x")) {
      assertArrayEquals(content, in.readAllBytes());
      assertEquals(1, cs.stat("/x").links(), "one name in the store");
    }
  }

  @Test
  void aFileAndADirectoryOfTheSameNameLeaveNoUnreferencedBlocks() throws IOException {
    for (boolean fileFirst : new boolean[] {true, false}) {
      Path store = tmp.resolve("store-" + fileFirst);
      assertEquals(0, CliRunner.run("init", store.toString()).status());
      Path a = Files.createDirectories(tmp.resolve("a-" + fileFirst));
      Path b = Files.createDirectories(tmp.resolve("b-" + fileFirst));
      byte[] content = random(2 << 20, 3);
      Files.write(a.resolve("x"), content);
      Files.createDirectories(b.resolve("x"));
      Files.write(b.resolve("x/inside"), random(1 << 20, 4));
      Path first = fileFirst ? a.resolve("x") : b.resolve("x");
      Path second = fileFirst ? b.resolve("x") : a.resolve("x");
      CliRunner.Result r = CliRunner.run("put", store.toString(), first.toString(), second.toString());
      assertEquals(1, r.status(), r.err());
      assertTrue(r.err().contains("put: cannot copy " + second + ": /x in the store is "), r.err());
      try (ChunkStore cs = ChunkStore.open(store)) {
        assertEquals(fileFirst, cs.stat("/x").isFile(), "the first source won");
        long[] unreferenced = {0};
        Internals.index(cs).forEachBlock((id, rec) -> {
          if (Internals.index(cs).refCount(id) <= 0) {
            unreferenced[0] += rec.length();
          }
        });
        assertEquals(0, unreferenced[0], "bytes of blocks that nothing references");
        assertEquals(cs.stats().logicalBytes(), fileFirst ? content.length : 1 << 20);
        FuseProcesses.assertRefcountsMatchExtents(cs);
      }
    }
  }

  @Test
  void theStoreIsNotCopiedIntoItself() throws IOException {
    Path store = store();
    Path outer = tmp;
    for (Path src : new Path[] {store, outer, store.resolve("index")}) {
      CliRunner.Result r = CliRunner.run("put", store.toString(), src.toString());
      assertEquals(1, r.status(), src.toString());
      assertTrue(r.err().startsWith("put: cannot copy " + src + ": it "), r.err());
    }
    try (ChunkStore cs = ChunkStore.open(store)) {
      assertEquals(List.of(), cs.list("/"));
    }
    Path beside = Files.writeString(tmp.resolve("beside.txt"), "x");
    assertEquals(0, CliRunner.run("put", store.toString(), beside.toString(), "-q").status());
  }

  @Test
  void getGoesOnPastADamagedFileAndExitsOne() throws IOException {
    Path store = store();
    Path src = Files.createDirectories(tmp.resolve("src"));
    byte[] good = random(3 << 20, 1);
    Files.write(src.resolve("a-good"), good);
    Files.write(src.resolve("b-bad"), random(3 << 20, 2));
    Files.write(src.resolve("c-good"), good.length > 0 ? random(1 << 20, 5) : good);
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString()).status());
    try (ChunkStore cs = ChunkStore.open(store)) {
      FileInfo bad = cs.stat("/src/b-bad");
      Extent e = Internals.tree(cs).extents(bad.inode()).get(1);
      BlockRecord rec = Internals.index(cs).block(e.block()).orElseThrow();
      Path pack;
      try (var files = Files.walk(store.resolve("packs"))) {
        pack = files.filter(p -> p.getFileName().toString().equals(rec.pack().hex())).findFirst().orElseThrow();
      }
      try (FileChannel ch = FileChannel.open(pack, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
        long at = rec.frameOffset() + rec.frameLength() / 2;
        ch.read(one, at);
        one.put(0, (byte) (one.get(0) ^ 0x40)).rewind();
        ch.write(one, at);
      }
    }
    Path out = tmp.resolve("out");
    CliRunner.Result r = CliRunner.run("get", store.toString(), "/src", out.toString());
    assertEquals(1, r.status(), r.err());
    assertTrue(r.err().startsWith("get: cannot restore /src/b-bad: pack "), r.err());
    assertTrue(r.err().endsWith("get: 1 item(s) could not be restored; everything else is\n"), r.err());
    assertArrayEquals(good, Files.readAllBytes(out.resolve("a-good")));
    assertTrue(Files.exists(out.resolve("c-good")));
    assertFalse(Files.exists(out.resolve("b-bad")));
    try (var left = Files.list(out)) {
      assertEquals(2, left.count(), "no temporary file is left behind");
    }
  }

  @Test
  void getWritesOverNothingUnlessForced() throws IOException {
    Path store = store();
    Path src = Files.createDirectories(tmp.resolve("src"));
    Files.writeString(src.resolve("f.txt"), "from the store\n");
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString()).status());

    Path existingFile = Files.writeString(tmp.resolve("existing.txt"), "mine\n");
    CliRunner.Result file = CliRunner.run("get", store.toString(), "/src/f.txt", existingFile.toString());
    assertEquals(1, file.status());
    assertEquals("get: " + existingFile + " already exists; get writes nothing over it unless --force"
        + " (which replaces files and merges into directories)\n", file.err());
    assertEquals("mine\n", Files.readString(existingFile));

    Path dest = Files.createDirectories(tmp.resolve("dest/src"));
    Files.writeString(dest.resolve("other.txt"), "keep me\n");
    CliRunner.Result dir = CliRunner.run("get", store.toString(), "/src", tmp.resolve("dest").toString());
    assertEquals(1, dir.status());
    assertTrue(dir.err().startsWith("get: " + dest + " already exists;"), dir.err());
    assertFalse(Files.exists(dest.resolve("f.txt")));

    assertEquals(0, CliRunner.run("get", store.toString(), "/src/f.txt", existingFile.toString(), "--force").status());
    assertEquals("from the store\n", Files.readString(existingFile));
    assertEquals(0, CliRunner.run("get", store.toString(), "/src", tmp.resolve("dest").toString(), "-f").status());
    assertEquals("from the store\n", Files.readString(dest.resolve("f.txt")));
    assertEquals("keep me\n", Files.readString(dest.resolve("other.txt")), "a merge keeps what the store lacks");

    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertEquals(0, CliRunner.run("get", store.toString(), "/", empty.toString()).status(),
        "the whole store goes into an empty directory");
    assertTrue(Files.exists(empty.resolve("src/f.txt")));
  }

  @Test
  void lsShowsSpecialBitsLinkCountsAndEscapesNames() throws Exception {
    Path store = store();
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path f = Files.writeString(src.resolve("suid"), "x");
    Files.setAttribute(f, "unix:mode", 04754);
    Files.createLink(src.resolve("suid2"), f);
    Path sticky = Files.createDirectory(src.resolve("tmp"));
    Files.setAttribute(sticky, "unix:mode", 01777);
    Files.writeString(src.resolve("two\nlines"), "y");
    assertEquals(0, CliRunner.run("put", store.toString(), src.toString()).status());
    CliRunner.Result l = CliRunner.run("ls", store.toString(), "/src", "-l");
    assertEquals(0, l.status(), l.err());
    List<String> lines = new ArrayList<>(l.out().lines().toList());
    assertEquals(4, lines.size(), l.out());
    assertTrue(lines.get(0).startsWith("-rwsr-xr--   2 "), lines.get(0));
    assertTrue(lines.get(2).startsWith("drwxrwxrwt   2 "), lines.get(2));
    assertTrue(lines.get(3).endsWith(" two\\nlines"), lines.get(3));
    assertEquals("suid\nsuid2\ntmp/\ntwo\\nlines\n", CliRunner.run("ls", store.toString(), "/src").out());
  }
}
