package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store looked after while mounted by a real daemon: {@code fsck} and {@code --read-data} run in
 * the daemon, {@code gc} runs online while a writer keeps writing and reading through the mount,
 * {@code --repair} is refused with a sentence naming the mount, and {@code -o autogc} collects by
 * itself. Afterwards the store checks clean offline and every file reads back as written.
 */
class MaintenanceWhileMountedTest {
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(120);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  @RegisterExtension final BackgroundMounts mounts = new BackgroundMounts(CLI_TIMEOUT, Duration.ofSeconds(60));

  @BeforeEach
  void requirements() {
    FuseProcesses.requireFuse();
  }

  private Path store() {
    Path s = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", s.toString()).status());
    return s;
  }

  private long mount(Path store, Path mp, String... jvmAndOptions) throws Exception {
    List<String> cmd = new ArrayList<>(FuseProcesses.launcher());
    int main = cmd.indexOf(Main.class.getName());
    List<String> opts = new ArrayList<>();
    for (String a : jvmAndOptions) {
      if (a.startsWith("-D")) {
        cmd.add(main++, a); // a JVM property: the background daemon inherits the JVM's arguments
      } else {
        opts.add(a);
      }
    }
    cmd.addAll(List.of("mount", store.toString(), mp.toString()));
    cmd.addAll(opts);
    return mounts.mount(mp, cmd);
  }

  private void umount(Path mp, long pid) throws Exception {
    mounts.umount(mp, pid);
  }

  private static void flush(Path store) throws Exception {
    try (io.chunkstore.control.ControlClient daemon = io.chunkstore.control.ControlClient.connect(store)) {
      daemon.call("flush");
    }
  }

  private static byte[] content(Random r, List<byte[]> pool) {
    return pool.get(r.nextInt(pool.size()));
  }

  private static long du(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  @Test
  void fsckAndGcRunInsideTheMountWhileAWriterGoesOn() throws Exception {
    Path store = store();
    Path mp = Files.createDirectory(tmp.resolve("mnt"));
    long pid = mount(store, mp);
    Random seed = new Random(77);
    List<byte[]> pool = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      byte[] b = new byte[200_000 + seed.nextInt(2_000_000)];
      seed.nextBytes(b);
      pool.add(b);
    }
    Map<String, byte[]> expected = new ConcurrentHashMap<>();
    for (int i = 0; i < 12; i++) {
      Path p = mp.resolve("f" + i);
      Files.write(p, pool.get(i));
      expected.put(p.getFileName().toString(), pool.get(i));
    }
    for (int i = 0; i < 12; i += 2) {
      Files.delete(mp.resolve("f" + i));
      expected.remove("f" + i);
    }
    flush(store); // seal the open pack: gc looks at sealed packs

    List<Throwable> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread writer = new Thread(() -> {
      Random r = new Random(5);
      try {
        while (!stop.get()) {
          String name = "w" + r.nextInt(6);
          byte[] b = content(r, pool);
          Files.write(mp.resolve(name), b);
          expected.put(name, b);
          assertArrayEquals(b, Files.readAllBytes(mp.resolve(name)), name);
          String other = "f" + (1 + 2 * r.nextInt(6));
          assertArrayEquals(expected.get(other), Files.readAllBytes(mp.resolve(other)), other + " while gc runs");
          if (r.nextInt(3) == 0) {
            Files.deleteIfExists(mp.resolve(name));
            expected.remove(name);
          }
        }
      } catch (Throwable t) {
        failures.add(t);
      }
    }, "writer");
    writer.start();
    try {
      FuseProcesses.Result check = FuseProcesses.cli(CLI_TIMEOUT, "fsck", store.toString(), "--read-data", "--json");
      assertEquals(0, check.status(), check.out() + check.err());
      JsonNode report = JSON.readTree(check.out());
      assertEquals("clean", report.get("status").asText());
      assertTrue(report.get("figures").get("blocksHashed").asLong() > 0, "the daemon read the data: " + report);

      long before = du(store.resolve("packs"));
      FuseProcesses.Result gc = FuseProcesses.cli(CLI_TIMEOUT, "gc", store.toString(), "--rewrite-below", "90", "--json");
      assertEquals(0, gc.status(), gc.out() + gc.err());
      JsonNode done = JSON.readTree(gc.out());
      assertTrue(done.path("blocksDropped").asLong() > 0 && done.path("bytesFreed").asLong() > 0, "gc: " + gc.out());
      assertTrue(du(store.resolve("packs")) < before, "the packs take less room: " + gc.out());

      FuseProcesses.Result again = FuseProcesses.cli(CLI_TIMEOUT, "fsck", store.toString());
      assertEquals(0, again.status(), "a check after the online gc: " + again.out() + again.err());
      FuseProcesses.Result repair = FuseProcesses.cli(CLI_TIMEOUT, "fsck", store.toString(), "--repair");
      assertEquals(8, repair.status(), repair.out() + repair.err());
      assertTrue(repair.err().contains("needs the store unmounted") && repair.err().contains(mp.toString()),
          "out: " + repair.out() + "; err: " + repair.err());
    } finally {
      stop.set(true);
      writer.join(60_000);
    }
    assertEquals(List.of(), failures.stream().map(Throwable::toString).toList());
    umount(mp, pid);

    FuseProcesses.Result offline = FuseProcesses.cli(CLI_TIMEOUT, "fsck", store.toString(), "--read-data");
    assertEquals(0, offline.status(), offline.out() + offline.err());
    long pid2 = mount(store, mp);
    for (Map.Entry<String, byte[]> e : expected.entrySet()) {
      assertArrayEquals(e.getValue(), Files.readAllBytes(mp.resolve(e.getKey())), e.getKey());
    }
    umount(mp, pid2);
  }

  @Test
  void autogcCollectsByItselfOnceDeadBytesPassTheThreshold() throws Exception {
    Path store = store();
    Path mp = Files.createDirectory(tmp.resolve("mnt"));
    long pid = mount(store, mp, "-Dchunkstore.autogc.everyMillis=500", "-o", "autogc=20");
    Random r = new Random(3);
    byte[] keep = new byte[3_000_000];
    r.nextBytes(keep);
    Files.write(mp.resolve("keep"), keep);
    for (int i = 0; i < 4; i++) {
      byte[] b = new byte[3_000_000];
      r.nextBytes(b);
      Files.write(mp.resolve("tmp" + i), b);
    }
    flush(store);
    long full = du(store.resolve("packs"));
    for (int i = 0; i < 4; i++) {
      Files.delete(mp.resolve("tmp" + i));
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (du(store.resolve("packs")) > full / 2) {
      assertTrue(System.currentTimeMillis() < deadline, "autogc freed the space: " + du(store.resolve("packs")) + " of " + full);
      Thread.sleep(250);
    }
    assertArrayEquals(keep, Files.readAllBytes(mp.resolve("keep")));
    umount(mp, pid);
    assertEquals(0, FuseProcesses.cli(CLI_TIMEOUT, "fsck", store.toString(), "--read-data").status());
  }
}
