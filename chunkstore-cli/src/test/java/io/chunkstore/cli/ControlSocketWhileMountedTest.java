package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chunkstore.control.ControlClient;
import io.chunkstore.control.ControlException;
import io.chunkstore.control.NotMountedException;
import io.chunkstore.control.OtherUserClient;
import java.io.BufferedReader;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store mounted by a real daemon process, looked after through its control socket: {@code
 * stats} (table and {@code --json}) follows writes through the mount and shows dead bytes, other
 * commands name the mount point, the socket is 0600 and another user cannot use it, several
 * clients are served at once, a bad request gets one sentence, a clean unmount removes the
 * socket, and the one a {@code kill -9} leaves does not stop the next mount.
 */
class ControlSocketWhileMountedTest {
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  @RegisterExtension final BackgroundMounts mounts = new BackgroundMounts(CLI_TIMEOUT, Duration.ofSeconds(60));

  @BeforeEach
  void requirements() throws Exception {
    FuseProcesses.requireFuse();
    // other users may reach the store's directory: only the socket's mode keeps them out
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  private Path store() {
    Path s = tmp.resolve("store");
    CliRunner.Result r = CliRunner.run("init", s.toString());
    assertEquals(0, r.status(), r.err());
    return s;
  }

  private Path mountPoint() throws Exception {
    Path mp = Files.createDirectory(tmp.resolve("mnt"));
    return mounts.track(mp);
  }

  /** Mounts in the background and returns the daemon's pid. */
  private long mount(Path store, Path mp) throws Exception {
    return mounts.mount(store, mp);
  }

  private void umount(Path mp, long pid) throws Exception {
    mounts.umount(mp, pid);
  }

  private static JsonNode statsJson(Path store) throws Exception {
    CliRunner.Result r = CliRunner.run("stats", store.toString(), "--json");
    assertEquals(0, r.status(), "stats --json: " + r.err());
    assertEquals("", r.err());
    return JSON.readTree(r.out());
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static void flush(Path store) throws Exception {
    try (ControlClient daemon = ControlClient.connect(store)) {
      assertTrue(daemon.call("flush").path("flushed").asBoolean());
    }
  }

  @Test
  void statsWhileMountedFollowsWritesAndDeletesThroughTheMount() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);

    JsonNode empty = statsJson(store);
    assertEquals(0, empty.path("logicalBytes").asLong(), empty.toString());
    assertEquals(0, empty.path("deadBytes").asLong(), empty.toString());

    Files.write(mp.resolve("a.bin"), random(1, 3 << 20));
    Files.write(mp.resolve("b.bin"), random(2, 1 << 20));
    JsonNode written = statsJson(store);
    assertEquals(4 << 20, written.path("logicalBytes").asLong(), "closed files count at once: " + written);
    assertTrue(written.path("uniqueRawBytes").asLong() >= 4 << 20, written.toString());

    flush(store);
    JsonNode flushed = statsJson(store);
    assertTrue(flushed.path("packs").asLong() >= 1, "flush sealed the open pack: " + flushed);
    assertTrue(flushed.path("storedBytes").asLong() >= 4 << 20, "random data stored whole: " + flushed);
    assertEquals(0, flushed.path("deadBytes").asLong(), flushed.toString());

    Files.delete(mp.resolve("a.bin"));
    JsonNode deleted = statsJson(store);
    assertEquals(1 << 20, deleted.path("logicalBytes").asLong(), deleted.toString());
    long dead = deleted.path("deadBytes").asLong();
    assertTrue(dead >= 3 << 20 && dead < flushed.path("storedBytes").asLong(),
        "a.bin's blocks are dead, b.bin's are not: " + deleted);
    assertTrue(deleted.path("deadBlocks").asLong() > 0, deleted.toString());

    CliRunner.Result table = CliRunner.run("stats", store.toString());
    assertEquals(0, table.status(), table.err());
    assertTrue(table.out().contains("logical size        1.0 MiB") || table.out().contains("(1048576 bytes)"), table.out());
    assertTrue(table.out().contains("dead (gc frees)"), table.out());

    umount(mp, pid);
    assertFalse(Files.exists(store.resolve("control.sock"), LinkOption.NOFOLLOW_LINKS), "a clean unmount removes the socket");
    JsonNode offline = statsJson(store);
    assertEquals(deleted, offline, "the daemon's figures are the store's own");
  }

  @Test
  void flushMakesWritesToAFileStillOpenSurviveKillDashNine() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    byte[] data = random(7, 2 << 20);
    try (var ch = java.nio.channels.FileChannel.open(mp.resolve("open.bin"), java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(data));
      flush(store); // the file is still open: nothing but flush has stored its staged writes
      JsonNode s = statsJson(store);
      assertEquals(data.length, s.path("logicalBytes").asLong(), "flush folded the open file: " + s);
      assertTrue(s.path("packs").asLong() >= 1, "and sealed the open pack: " + s);
      ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
      daemon.destroyForcibly();
      daemon.onExit().get(30, TimeUnit.SECONDS);
    } catch (java.io.IOException closingOnADeadMount) {
      // the close after kill -9 fails; what counts is what flush stored
    }
    FuseProcesses.unmountLazily(mp);
    CliRunner.Result get = CliRunner.run("get", store.toString(), "/open.bin", tmp.resolve("back.bin").toString());
    assertEquals(0, get.status(), get.err());
    assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(tmp.resolve("back.bin"))), "open.bin came through kill -9");
  }

  @Test
  void theSocketIsOnlyForItsOwnerAndRoot() throws Exception {
    OtherUserClient.assumeRoot();
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    Path sock = store.resolve("control.sock");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)));
    String out = OtherUserClient.send(sock, "{\"op\":\"stats\"}");
    assertTrue(out.startsWith("FAILED") && out.contains("Permission denied"), "uid 65534 is kept out: " + out);
    // root (this test) still gets in
    assertEquals(0, statsJson(store).path("logicalBytes").asLong());
    umount(mp, pid);
  }

  @Test
  void aSocketLeftByKillDashNineMeansNotMountedAndTheNextMountReplacesIt() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    Files.write(mp.resolve("kept.bin"), random(3, 200_000));
    try (var ch = java.nio.channels.FileChannel.open(mp.resolve("kept.bin"), java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
    daemon.destroyForcibly();
    daemon.onExit().get(30, TimeUnit.SECONDS);
    Path sock = store.resolve("control.sock");
    assertTrue(Files.exists(sock, LinkOption.NOFOLLOW_LINKS), "kill -9 leaves the socket behind");
    assertThrows(NotMountedException.class, () -> ControlClient.connect(store));
    FuseProcesses.unmountLazily(mp);

    long again = mount(store, mp);
    JsonNode s = statsJson(store);
    assertEquals(200_000, s.path("logicalBytes").asLong(), "stats through the new daemon: " + s);
    try (ControlClient c = ControlClient.connect(store)) {
      assertEquals(again, c.call("info").path("pid").asLong(), "the socket is the new daemon's");
    }
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock, LinkOption.NOFOLLOW_LINKS)));
    umount(mp, again);
  }

  @Test
  void severalClientsAtOnceWhileAWriterWritesThroughTheMount() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    int clients = 6;
    ExecutorService pool = Executors.newFixedThreadPool(clients + 1);
    try {
      Future<?> writer = pool.submit(() -> {
        for (int i = 0; i < 20; i++) {
          Files.write(mp.resolve("f" + i), random(i, 100_000));
        }
        return null;
      });
      List<Future<List<Long>>> seen = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        seen.add(pool.submit(() -> {
          List<Long> logical = new ArrayList<>();
          try (ControlClient daemon = ControlClient.connect(store).timeout(Duration.ofSeconds(60))) {
            for (int i = 0; i < 10; i++) {
              logical.add(daemon.call("stats").path("logicalBytes").asLong());
            }
          }
          return logical;
        }));
      }
      writer.get(120, TimeUnit.SECONDS);
      for (Future<List<Long>> f : seen) {
        List<Long> logical = f.get(120, TimeUnit.SECONDS);
        assertEquals(10, logical.size());
        for (int i = 1; i < logical.size(); i++) {
          assertTrue(logical.get(i) >= logical.get(i - 1), "a writer only adds: " + logical);
        }
      }
      // and processes: three stats commands at the same time
      List<Future<FuseProcesses.Result>> procs = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        procs.add(pool.submit(() -> FuseProcesses.cli(CLI_TIMEOUT, "stats", store.toString(), "--json")));
      }
      for (Future<FuseProcesses.Result> p : procs) {
        FuseProcesses.Result r = p.get(180, TimeUnit.SECONDS);
        assertEquals(0, r.status(), r.err());
        assertEquals(20 * 100_000, JSON.readTree(r.out()).path("logicalBytes").asLong(), r.out());
      }
    } finally {
      pool.shutdownNow();
    }
    umount(mp, pid);
  }

  @Test
  void aBadRequestGetsOneSentence() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(store.resolve("control.sock")))) {
      ch.write(ByteBuffer.wrap("stats please\n{\"op\":\"defragment\"}\n{\"op\":\"stats\"}\n".getBytes(StandardCharsets.UTF_8)));
      BufferedReader r = new BufferedReader(Channels.newReader(ch, StandardCharsets.UTF_8));
      JsonNode notJson = JSON.readTree(r.readLine());
      assertEquals("error", notJson.path("type").asText());
      assertEquals("a request is one JSON object per line, such as {\"op\":\"stats\"}; this line is not one",
          notJson.path("message").asText());
      JsonNode unknown = JSON.readTree(r.readLine());
      assertEquals("the mount daemon has no operation \"defragment\"; it knows flush, fsck, gc, info, stats",
          unknown.path("message").asText());
      JsonNode good = JSON.readTree(r.readLine());
      assertEquals("result", good.path("type").asText(), "the connection still serves: " + good);
    }
    try (ControlClient c = ControlClient.connect(store)) {
      ControlException e = assertThrows(ControlException.class,
          () -> c.call(ControlClient.request("stats").put("id", 1).put("op", 5), p -> {}));
      assertTrue(e.getMessage().startsWith("a request needs an \"op\""), e.getMessage());
    }
    umount(mp, pid);
  }

  @Test
  void commandsThatNeedTheStoreToThemselvesNameTheMountPoint() throws Exception {
    Path store = store();
    Path mp = mountPoint();
    long pid = mount(store, mp);
    Path src = Files.writeString(tmp.resolve("src.txt"), "x");
    String expected = "the store at " + store + " is in use by another process: it is mounted at " + mp.toAbsolutePath().normalize()
        + " (pid " + pid + "); unmount it first (chunkstore umount " + mp.toAbsolutePath().normalize() + ") or work through the mount";
    CliRunner.Result put = CliRunner.run("put", store.toString(), src.toString());
    assertEquals(1, put.status());
    assertEquals("put: " + expected + "\n", put.err());
    CliRunner.Result ls = CliRunner.run("ls", store.toString());
    assertEquals("ls: " + expected + "\n", ls.err());
    Path other = Files.createDirectory(tmp.resolve("other"));
    mounts.track(other);
    FuseProcesses.Result second = FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), other.toString());
    assertNotEquals(0, second.status());
    assertEquals("mount: " + expected, second.err().strip());
    umount(mp, pid);
  }
}
