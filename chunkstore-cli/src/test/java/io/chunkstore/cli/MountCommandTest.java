package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.internal.Internals;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code chunkstore mount} and {@code umount} as separate processes: the background mount returns
 * 0 once mounted, umount returns 0 and releases the store with its data; every refusal is one
 * sentence and a non-zero exit; SIGTERM to the daemon unmounts cleanly.
 */
class MountCommandTest {
  private static final Duration CLI_TIMEOUT = Duration.ofSeconds(90);

  @TempDir
  Path tmp;

  @RegisterExtension final BackgroundMounts mounts = new BackgroundMounts(CLI_TIMEOUT, Duration.ofSeconds(30));

  @BeforeEach
  void requirements() {
    FuseProcesses.requireFuse();
  }

  private Path store(String name) {
    Path s = tmp.resolve(name);
    CliRunner.Result r = CliRunner.run("init", s.toString());
    assertEquals(0, r.status(), r.err());
    return s;
  }

  private Path mountPoint(String name) throws Exception {
    Path mp = Files.createDirectory(tmp.resolve(name));
    return mounts.track(mp);
  }

  /** Mounts in the background and returns the daemon's pid. */
  private long mount(Path store, Path mp) throws Exception {
    long pid = mounts.mount(store, mp);
    assertTrue(FuseProcesses.isMounted(mp), mp + " is mounted when mount returns");
    return pid;
  }

  /** The refusal is one line, one sentence, no stack trace, and the exit status is not 0. */
  private static void assertOneSentence(FuseProcesses.Result r, String mustContain) {
    assertNotEquals(0, r.status(), "exit status; stderr: " + r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), "one line on stderr, not:\n" + r.err());
    assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace or exception name: " + err);
    assertTrue(err.contains(mustContain), "<" + err + "> says " + mustContain);
  }

  @Test
  void backgroundMountReturnsOnceMountedAndUmountReleasesTheStoreWithItsData() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    long pid = mount(store, mp);
    Files.writeString(mp.resolve("hello.txt"), "hello through the mount");
    Files.createDirectory(mp.resolve("dir"));
    Files.write(mp.resolve("dir/bytes.bin"), new byte[300_000]);

    FuseProcesses.Result u = FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString());
    assertEquals(0, u.status(), "umount: " + u.err());
    assertFalse(FuseProcesses.isMounted(mp));
    Optional<ProcessHandle> daemon = ProcessHandle.of(pid);
    if (daemon.isPresent()) {
      daemon.get().onExit().get(30, TimeUnit.SECONDS);
    }
    try (ChunkStore s = ChunkStore.open(store)) {
      try (InputStream in = s.newInputStream("/hello.txt")) {
        assertEquals("hello through the mount", new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      assertEquals(300_000, s.stat("/dir/bytes.bin").size());
      FuseProcesses.assertRefcountsMatchExtents(s);
    }
  }

  @Test
  void aMissingMountPointIsRefusedInOneSentence() throws Exception {
    Path store = store("store");
    FuseProcesses.Result r = FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(),
        tmp.resolve("missing").toString());
    assertOneSentence(r, "does not exist");
  }

  @Test
  void aMountPointThatIsNotEmptyIsRefusedInOneSentence() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    Files.writeString(mp.resolve("something"), "x");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), mp.toString()), "not empty");
    assertFalse(FuseProcesses.isMounted(mp));
  }

  @Test
  void aStoreMountedElsewhereIsRefusedInOneSentence() throws Exception {
    Path store = store("store");
    Path first = mountPoint("first");
    Path second = mountPoint("second");
    mount(store, first);
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), second.toString()),
        "in use by another process");
    assertFalse(FuseProcesses.isMounted(second));
    assertTrue(FuseProcesses.isMounted(first), "the first mount is untouched");
    Files.writeString(first.resolve("still"), "works");
    assertEquals(0, FuseProcesses.cli(CLI_TIMEOUT, "umount", first.toString()).status());
  }

  @Test
  void aStoreOfAnotherFormatVersionIsRefusedInOneSentence() throws Exception {
    Path store = store("store");
    Path json = store.resolve("chunkstore.json");
    String config = Files.readString(json);
    String edited = config.replaceFirst("\"formatVersion\"\\s*:\\s*\\d+", "\"formatVersion\" : 999");
    assertNotEquals(config, edited, "chunkstore.json has a formatVersion: " + config);
    Files.writeString(json, edited);
    Path mp = mountPoint("mnt");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), mp.toString()), "version");
    assertFalse(FuseProcesses.isMounted(mp));
  }

  @Test
  void aMountPointThatIsAlreadyMountedIsRefusedInOneSentence() throws Exception {
    Path mp = mountPoint("mnt");
    Path one = store("one");
    long pid = mount(one, mp);
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", store("two").toString(), mp.toString()),
        "is already a mount point, of the store " + one + " (pid " + pid + ")");
    assertEquals(0, FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString()).status());
  }

  @Test
  void umountOfSomethingNotMountedIsRefusedInOneSentence() throws Exception {
    Path mp = mountPoint("mnt");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString()), "not a mount point");
  }

  @Test
  void sigtermUnmountsCleanlyAndKeepsWhatWasWritten() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    long pid = mount(store, mp);
    byte[] data = new byte[3 << 20];
    new java.util.Random(3).nextBytes(data);
    Files.write(mp.resolve("before-sigterm.bin"), data);

    ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
    FuseProcesses.Result kill = FuseProcesses.run(Duration.ofSeconds(10), List.of("kill", "-TERM", Long.toString(pid)));
    assertEquals(0, kill.status(), kill.err());
    daemon.onExit().get(60, TimeUnit.SECONDS);
    assertTrue(FuseProcesses.awaitMounted(mp, false, Duration.ofSeconds(10)), "SIGTERM unmounted " + mp);
    try (ChunkStore s = ChunkStore.open(store)) {
      try (InputStream in = s.newInputStream("/before-sigterm.bin")) {
        assertTrue(java.util.Arrays.equals(data, in.readAllBytes()), "the file written before SIGTERM is intact");
      }
      FuseProcesses.assertRefcountsMatchExtents(s);
      assertTrue(Internals.index(s).orphans().isEmpty(), "no orphans after a clean SIGTERM");
    }
  }

  @Test
  void aDeadMountIsNamedAsSuchAndUmountClearsIt() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    long pid = mount(store, mp);
    Files.writeString(mp.resolve("kept.txt"), "kept");
    try (var ch = java.nio.channels.FileChannel.open(mp.resolve("kept.txt"), java.nio.file.StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
    daemon.destroyForcibly();
    daemon.onExit().get(30, TimeUnit.SECONDS);

    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), mp.toString()),
        mp + " is a dead mount (the process that served it is gone); clear it first: fusermount -u " + mp);
    FuseProcesses.Result u = FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString());
    assertEquals(0, u.status(), "umount of a dead mount: " + u.err());
    assertFalse(FuseProcesses.isMounted(mp));
    mount(store, mp);
    assertEquals("kept", Files.readString(mp.resolve("kept.txt")));
  }

  @Test
  void umountWaitsForTheStoreAlsoWhenThePathsHaveSpaces() throws Exception {
    Path store = store("my store");
    Path mp = mountPoint("mount point");
    mount(store, mp);
    Files.writeString(mp.resolve("f"), "through a path with a space");
    FuseProcesses.Result u = FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString());
    assertEquals(0, u.status(), u.err());
    assertEquals("unmounted " + mp + "; store " + store + " closed\n", u.err(), "umount found the store and waited");
    try (ChunkStore s = ChunkStore.open(store)) {
      assertEquals(27, s.stat("/f").size());
    }
  }

  @Test
  void aStoreThatFailsToCloseStillLetsTheDaemonExit() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    long pid = mount(store, mp);
    byte[] data = new byte[1 << 20];
    new java.util.Random(1).nextBytes(data);
    Files.write(mp.resolve("data.bin"), data);
    // The open pack's file vanishes: sealing it at close fails.
    try (var files = Files.list(store.resolve("staging"))) {
      for (Path p : files.toList()) {
        Files.delete(p);
      }
    }
    ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow();
    assertEquals(0, FuseProcesses.run(Duration.ofSeconds(10), List.of("kill", "-TERM", Long.toString(pid))).status());
    daemon.onExit().get(90, TimeUnit.SECONDS); // not the shutdown hook's 5 minutes
    assertFalse(daemon.isAlive());
  }

  @Test
  void aFailedMountOfAFolderThatIsNotAStoreWritesNothingIntoIt() throws Exception {
    Path plain = Files.createDirectories(tmp.resolve("plain"));
    Path mp = mountPoint("mnt");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mount", plain.toString(), mp.toString()), "is not a chunkstore store");
    try (var s = Files.list(plain)) {
      assertEquals(List.of(), s.toList());
    }
  }

  @Test
  void fileCommandsOnAMountedStoreSayToUseTheMount() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    mount(store, mp);
    Files.writeString(mp.resolve("f"), "x");
    FuseProcesses.Result rm = FuseProcesses.cli(CLI_TIMEOUT, "rm", store.toString(), "/f");
    assertOneSentence(rm, "rm: the store " + store + " is mounted at " + mp
        + "; change its files through the mount: rm " + mp + "/f");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mkdir", "-p", store.toString(), "/a/b"), "mkdir -p " + mp + "/a/b");
    assertOneSentence(FuseProcesses.cli(CLI_TIMEOUT, "mv", store.toString(), "/f", "/g"), "mv " + mp + "/f " + mp + "/g");
    assertTrue(Files.exists(mp.resolve("f")));
  }

  @Test
  void budgetsLargerThanTheHeapSizeTheDaemonsHeap() throws Exception {
    Path store = store("store");
    Path mp = mountPoint("mnt");
    FuseProcesses.Result r = FuseProcesses.cli(CLI_TIMEOUT, "mount", store.toString(), mp.toString(),
        "-o", "cache=1.5G,staging=512M");
    assertEquals(1, r.err().lines().count(), "no more than the line that says it is mounted: " + r.err());
    assertEquals(0, r.status(), r.err());
    long pid = mounts.watch(r);
    String args = String.join(" ", ProcessHandle.of(pid).orElseThrow().info().arguments().orElse(new String[0]));
    assertTrue(args.contains("-Xmx2176m"), args); // 1.5G + 512M + 128M to work in
    assertEquals(0, FuseProcesses.cli(CLI_TIMEOUT, "umount", mp.toString()).status());
  }
}
