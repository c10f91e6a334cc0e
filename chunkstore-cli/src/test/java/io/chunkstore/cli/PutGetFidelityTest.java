package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.FileInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code put} then {@code get} is as faithful as {@code cp -a}: a tree with long and odd names,
 * setuid, setgid and sticky bits, other owners, nanosecond times, holes, hard links across
 * directories, user xattrs, a FIFO, a device node, a symlink loop and empty files and directories
 * comes back equal by content, mode, owner, times, xattrs, link structure and allocated blocks;
 * and so does a copy made with {@code cp -a} through a real mount.
 */
class PutGetFidelityTest {
  private static final Duration T = Duration.ofMinutes(3);
  private static final Instant BASE = Instant.ofEpochSecond(1_600_000_000L, 123_456_789);

  @TempDir
  Path tmp;

  private final List<Path> mountPoints = new ArrayList<>();

  @AfterEach
  void unmount() {
    for (Path mp : mountPoints) {
      FuseProcesses.unmountQuietly(mp);
    }
  }

  /** Every kind of thing {@code cp -a} keeps. */
  static Path buildTree(Path src) throws Exception {
    Files.createDirectories(src);
    int[] clock = {0};
    Random rnd = new Random(4);
    Path longNames = Files.createDirectory(src.resolve("long"));
    write(longNames.resolve("a".repeat(255)), "255 bytes of name\n");
    write(longNames.resolve("b".repeat(241)), "241 bytes\n");
    Path cjk = Files.createDirectory(longNames.resolve("漢".repeat(85)));
    write(cjk.resolve("字".repeat(85)), "85 CJK characters, 255 bytes\n");
    Path odd = Files.createDirectory(src.resolve("odd"));
    for (String name : new String[] {"new\nline", "tab\there", "back\\slash", "émoji 🎉", "e\u0301 combining",
        "-dash", " space ", "quote\"'"}) {
      write(odd.resolve(name), name);
    }
    Path bits = Files.createDirectory(src.resolve("bits"));
    chmod(write(bits.resolve("setuid"), "#!/bin/sh\n"), 04755);
    chmod(write(bits.resolve("setgid"), "x"), 02711);
    chmod(Files.createDirectory(bits.resolve("sticky")), 01777);
    chmod(Files.createDirectory(bits.resolve("setgid-dir")), 02775);
    chmod(write(bits.resolve("none"), "y"), 0);
    Path owned = write(bits.resolve("owned"), "someone else's");
    Files.setAttribute(owned, "unix:uid", 1234);
    Files.setAttribute(owned, "unix:gid", 5678);
    chmod(owned, 06750); // after chown, which clears these bits

    Path sparse = Files.createDirectory(src.resolve("sparse"));
    try (RandomAccessFile f = new RandomAccessFile(sparse.resolve("100M.img").toFile(), "rw")) {
      byte[] data = new byte[64 << 10];
      rnd.nextBytes(data);
      f.write(data);
      f.seek(50L << 20);
      f.write(data);
      f.setLength(100L << 20);
    }
    try (RandomAccessFile f = new RandomAccessFile(sparse.resolve("hole-first").toFile(), "rw")) {
      byte[] data = new byte[8192];
      rnd.nextBytes(data);
      f.seek(3L << 20);
      f.write(data);
    }
    try (RandomAccessFile f = new RandomAccessFile(sparse.resolve("all-hole").toFile(), "rw")) {
      f.setLength(5L << 20);
    }
    byte[] dense = new byte[3 << 20];
    rnd.nextBytes(dense);
    Files.write(sparse.resolve("dense.bin"), dense);

    Path d1 = Files.createDirectory(src.resolve("links1"));
    Path d2 = Files.createDirectory(src.resolve("links2"));
    Path h = write(d1.resolve("h"), "one file, three names\n");
    Files.createLink(d2.resolve("h2"), h);
    Files.createLink(d1.resolve("h3"), h);
    Path big = Files.write(d1.resolve("big"), dense);
    Files.createLink(d2.resolve("big-again"), big);

    Path x = write(src.resolve("xattrs"), "with attributes");
    UserDefinedFileAttributeView v = Files.getFileAttributeView(x, UserDefinedFileAttributeView.class);
    v.write("comment", ByteBuffer.wrap(TreeSnapshot.utf8("a comment")));
    v.write("binary", ByteBuffer.wrap(new byte[] {0, 1, 2, (byte) 0xff}));
    v.write("empty", ByteBuffer.allocate(0));
    Files.getFileAttributeView(d1, UserDefinedFileAttributeView.class)
        .write("dir.note", ByteBuffer.wrap(TreeSnapshot.utf8("on a directory")));

    Path special = Files.createDirectory(src.resolve("special"));
    sh("mkfifo", "-m", "0640", special.resolve("fifo").toString());
    sh("mknod", "-m", "0600", special.resolve("null-device").toString(), "c", "1", "3");
    Files.createSymbolicLink(special.resolve("loop1"), Path.of("loop2"));
    Files.createSymbolicLink(special.resolve("loop2"), Path.of("loop1"));
    Files.createSymbolicLink(special.resolve("dangling"), Path.of("/no/such/target"));
    Files.createSymbolicLink(special.resolve("up"), Path.of("../links1/h"));
    Files.createFile(special.resolve("empty"));
    Files.createDirectories(src.resolve("empty-dir/empty-sub"));

    // Distinct nanosecond times on everything, directories last (children change them).
    try (var all = Files.walk(src)) {
      List<Path> paths = new ArrayList<>(all.toList());
      java.util.Collections.reverse(paths);
      for (Path p : paths) {
        Instant t = BASE.plusNanos(++clock[0] * 1_000_000_001L);
        if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
          // symlinks, and FIFOs, which Java would open (and wait on) to set their times
          sh("touch", "-h", "-d", "@" + t.getEpochSecond() + "." + String.format("%09d", t.getNano()), p.toString());
        } else {
          Files.setLastModifiedTime(p, FileTime.from(t));
        }
      }
    }
    return src;
  }

  @Test
  void putThenGetKeepsEverythingCpKeeps() throws Exception {
    FuseProcesses.requireFuse(); // for mkfifo/mknod as root and the mount below
    Path src = buildTree(tmp.resolve("src"));
    List<String> original = TreeSnapshot.of(src, TreeSnapshot.Blocks.EXACT);
    assertTrue(original.size() > 40, String.join("\n", original));

    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    CliRunner.Result put = CliRunner.run("put", store.toString(), src.toString());
    assertEquals(0, put.status(), put.err());
    assertEquals("", put.err());
    try (ChunkStore cs = ChunkStore.open(store)) {
      FileInfo h = cs.stat("/src/links1/h");
      assertEquals(3, h.links(), "hard links are one inode in the store");
      assertEquals(h.inode(), cs.stat("/src/links2/h2").inode());
      assertEquals(FileInfo.Type.FIFO, cs.stat("/src/special/fifo").type());
      assertEquals(04755, cs.stat("/src/bits/setuid").permissions());
      FuseProcesses.assertRefcountsMatchExtents(cs);
    }

    Path out = tmp.resolve("out");
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/src", out.toString());
    assertEquals(0, get.status(), get.err());
    assertEquals("", get.err());
    TreeSnapshot.assertSame(original, TreeSnapshot.of(out, TreeSnapshot.Blocks.EXACT), "put then get");
  }

  @Test
  void cpThroughTheMountKeepsTheSame() throws Exception {
    FuseProcesses.requireFuse();
    Path src = buildTree(tmp.resolve("src"));
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    Path mnt = Files.createDirectory(tmp.resolve("mnt"));
    mountPoints.add(mnt);
    // Exact attributes on every name of a hard-linked file, as the README says.
    FuseProcesses.Result m = FuseProcesses.cli(T, "mount", store.toString(), mnt.toString(), "-o", "attr_timeout=0");
    assertEquals(0, m.status(), m.err());
    FuseProcesses.Result in = FuseProcesses.run(T, List.of("cp", "-a", src.toString(), mnt.toString()));
    assertEquals(0, in.status(), in.err());
    TreeSnapshot.assertSame(TreeSnapshot.of(src, TreeSnapshot.Blocks.CHUNKED),
        TreeSnapshot.of(mnt.resolve("src"), TreeSnapshot.Blocks.CHUNKED), "cp -a into the mount");
    TreeSnapshot.assertNotMoreAllocated(src, mnt.resolve("src"));
    FuseProcesses.Result um = FuseProcesses.cli(T, "umount", mnt.toString());
    assertEquals(0, um.status(), um.err());

    // What cp -a stored comes out of get as faithfully as what put stored.
    Path out = tmp.resolve("out");
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/src", out.toString());
    assertEquals(0, get.status(), get.err());
    TreeSnapshot.assertSame(TreeSnapshot.of(src, TreeSnapshot.Blocks.EXACT), TreeSnapshot.of(out, TreeSnapshot.Blocks.EXACT),
        "cp -a into the mount, then get");
  }

  private static Path write(Path p, String content) throws IOException {
    return Files.writeString(p, content);
  }

  private static Path chmod(Path p, int mode) throws IOException {
    Files.setAttribute(p, "unix:mode", mode, LinkOption.NOFOLLOW_LINKS);
    return p;
  }

  private static void sh(String... cmd) throws Exception {
    FuseProcesses.Result r = FuseProcesses.run(T, List.of(cmd));
    assertEquals(0, r.status(), String.join(" ", cmd) + ": " + r.err());
  }
}
