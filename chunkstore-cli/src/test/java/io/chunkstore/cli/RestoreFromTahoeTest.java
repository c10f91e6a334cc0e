package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.chunkstore.ChunkStore;
import io.chunkstore.fsck.MaintenanceStore;
import io.chunkstore.tahoe.GridShares;
import io.chunkstore.tahoe.GridStores;
import io.chunkstore.tahoe.TahoeGrid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunkstore restore --from-tahoe}: a store whose local folder is gone comes back from its
 * directory on a real grid alone, and a restore that cannot be done says so in one sentence,
 * without a cap, and leaves nothing behind.
 */
class RestoreFromTahoeTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long LATE_FILE = (3L << 20) + 5;
  /** A cap as Tahoe writes one (a message may name the form URI:DIR2:... but never a cap). */
  private static final java.util.regex.Pattern REAL_CAP = java.util.regex.Pattern.compile("URI:[A-Z0-9-]+:[a-z2-7]{5,}");

  @RegisterExtension static final TahoeGrid grid = TahoeGrid.shared();

  @TempDir Path tmp;

  @Test
  void aStoreWhoseFolderIsGoneComesBackFromTheGridAloneWithPacksSealedAfterItsLastBackup() throws Exception {
    Path store = tmp.resolve("store");
    CliRunner.initOnGrid(store, grid.clientUrl(), "--pack-size", "1M");

    // two puts: each closes the store, so each takes a metadata backup and mirrors it to the grid
    Path first = tmp.resolve("first");
    writeFiles(first, List.of(0L, 1L, 4095L, (1L << 20) + 3, (2L << 20) + 11), 1);
    Files.createDirectories(first.resolve("sub/deeper"));
    Files.write(first.resolve("sub/deeper/text"), "some text\n".repeat(1000).getBytes());
    Files.createSymbolicLink(first.resolve("link"), Path.of("sub/deeper/text"));
    assertEquals(0, CliRunner.run("put", store.toString(), first.toString(), "-q").status());
    Path second = tmp.resolve("second");
    writeFiles(second, List.of(100_000L, (1L << 20) + 7), 2);
    assertEquals(0, CliRunner.run("put", store.toString(), second.toString(), "-q").status());

    // then the machine dies after packs of a new file reached the grid, before any backup took it in
    FuseProcesses.Result lost = FuseProcesses.run(Duration.ofMinutes(5), javaMain(LostMachine.class,
        store.toString(), "/late", String.valueOf(LATE_FILE), "77"));
    assertEquals(0, lost.status(), lost.err());

    long packsBefore;
    try (MaintenanceStore m = MaintenanceStore.open(store)) {
      AtomicLong n = new AtomicLong();
      m.index().forEachPack(p -> n.incrementAndGet());
      packsBefore = n.get();
    }
    String storeId = JSON.readTree(store.resolve("chunkstore.json").toFile()).get("storeId").asText();
    String dircap = GridShares.dircap(store);
    GridStores.deleteTree(store); // nothing local is left

    Path restored = tmp.resolve("elsewhere/restored");
    CliRunner.Result r = CliRunner.run("restore", restored.toString(), "--from-tahoe", grid.clientUrl().toString(),
        dircap);
    assertEquals(0, r.status(), r.out() + r.err());
    assertFalse((r.out() + r.err()).contains("URI:"), "no cap on the terminal");
    assertTrue(r.out().contains("check: clean"), r.out());

    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(restored.resolve("backend.json"))));
    assertEquals(storeId, JSON.readTree(restored.resolve("chunkstore.json").toFile()).get("storeId").asText(),
        "the same store, not a new one");
    try (ChunkStore s = ChunkStore.open(restored)) {
      assertSameFiles(first, s, "/first");
      assertSameFiles(second, s, "/second");
      assertEquals("sub/deeper/text", s.readSymlink("/first/link"));
      assertEquals(packsBefore, s.stats().packs(), "every pack on the grid, also those sealed after the last backup");
      assertFalse(s.exists("/late"), "written after the last backup: its blocks come back, not its name");
      long blocks = s.stats().uniqueBlocks();
      s.write("/late-again", GridStores.content(LATE_FILE, 77));
      s.flush();
      assertEquals(blocks, s.stats().uniqueBlocks(), "the late file's blocks were adopted from their packs' trailers");
    }
    CliRunner.Result fsck = CliRunner.run("fsck", restored.toString());
    assertEquals(0, fsck.status(), fsck.out() + fsck.err());
  }

  @Test
  void aRestoreThatCannotBeDoneSaysWhyWithoutTheCapAndLeavesNothing() throws Exception {
    Path store = tmp.resolve("store");
    CliRunner.initOnGrid(store, grid.clientUrl());
    String dircap = GridShares.dircap(store);
    String url = grid.clientUrl().toString();
    Path target = tmp.resolve("target");

    refused(target, "does not name a chunkstore store's directory", url, grid.newDirectory());
    refused(target, "is not a Tahoe-LAFS directory write cap", url, "URI:DIR2:notacap");
    refused(target, "read-only cap", url, dircap.replace("URI:DIR2:", "URI:DIR2-RO:"));
    refused(target, "is not running", "http://127.0.0.1:" + closedPort(), dircap); // a client node that is down
    refused(target, "not the URL of a Tahoe-LAFS client node", "ftp://127.0.0.1", dircap);

    Files.createDirectories(target);
    Files.writeString(target.resolve("keep.txt"), "mine");
    refused(target, "is not empty", url, dircap);
    assertEquals("mine", Files.readString(target.resolve("keep.txt")), "what was there is untouched");
    try (Stream<Path> s = Files.list(target)) {
      assertEquals(1, s.count());
    }
  }

  private void refused(Path target, String why, String url, String cap) throws IOException {
    boolean existed = Files.exists(target);
    CliRunner.Result r = CliRunner.run("restore", target.toString(), "--from-tahoe", url, cap);
    assertNotEquals(0, r.status(), r.out());
    assertTrue(r.err().contains(why), "expected '" + why + "' in: " + r.err());
    assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
    assertFalse(r.err().contains(cap) || r.out().contains(cap) || REAL_CAP.matcher(r.out() + r.err()).find(),
        "no cap in: " + r.err());
    assertEquals(existed, Files.exists(target), "the target is as it was");
    try (Stream<Path> s = Files.list(target.getParent())) {
      assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".restoring-")), "no half-made store left");
    }
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static List<String> javaMain(Class<?> main, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static void writeFiles(Path dir, List<Long> sizes, long seed) throws IOException {
    Files.createDirectories(dir);
    for (long size : sizes) {
      try (InputStream in = GridStores.content(size, seed * 1000 + size);
          OutputStream out = Files.newOutputStream(dir.resolve("f" + size))) {
        in.transferTo(out);
      }
    }
    SplittableRandom r = new SplittableRandom(seed);
    byte[] compressible = new byte[300_000];
    for (int i = 0; i < compressible.length; i++) {
      compressible[i] = (byte) ('a' + r.nextInt(4));
    }
    Files.write(dir.resolve("compressible"), compressible);
  }

  /** Every regular file under {@code src} is at {@code prefix}/its relative path in the store, byte for byte. */
  private static void assertSameFiles(Path src, ChunkStore s, String prefix) throws IOException {
    Map<String, Path> files = new TreeMap<>();
    try (Stream<Path> w = Files.walk(src)) {
      w.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
          .forEach(p -> files.put(prefix + "/" + src.relativize(p), p));
    }
    assertTrue(files.size() >= 3);
    for (Map.Entry<String, Path> e : files.entrySet()) {
      assertEquals(Files.size(e.getValue()), s.stat(e.getKey()).size(), e.getKey());
      assertEquals(GridStores.sha256(Files.newInputStream(e.getValue())), GridStores.sha256(s.newInputStream(e.getKey())),
          e.getKey());
    }
  }
}
