package io.chunkstore.cli;

import static io.chunkstore.store.StoreModes.mode;
import static io.chunkstore.store.StoreModes.notPrivate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As root under umask 022, with every command a process of its own: a store stays its owner's
 * alone through init, put, a mount with writes, a clean unmount, a kill -9 of a mount and the
 * recovery after it; a store shared with a group is the group's too and nobody else's; and
 * opening a store that others can read warns once, with the chmod that closes it.
 */
class StoreStaysPrivateTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(120);
  private static final Pattern PID = Pattern.compile("\\(pid (\\d+)\\)");
  /** nobody:nogroup on Debian and Ubuntu: a user who owns nothing here. */
  private static final String NOBODY = "65534";
  /** gid 100 on Debian and Ubuntu. */
  private static final String GROUP = "users";

  @TempDir
  Path tmp;

  private final List<Path> mountPoints = new ArrayList<>();
  private final List<Process> daemons = new ArrayList<>();

  @BeforeEach
  void othersCanReachTheTestDirectory() throws IOException {
    // The temporary directory is 0700: open it, so that only the store's own modes keep nobody out.
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @AfterEach
  void cleanUp() throws Exception {
    for (Path mp : mountPoints) {
      FuseProcesses.unmountQuietly(mp);
    }
    for (Process p : daemons) {
      if (p.isAlive()) {
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aStoreStaysPrivateThroughPutMountKillAndRecovery() throws Exception {
    FuseProcesses.requireFuse();
    Path src = sourceTree();
    Path store = tmp.resolve("store");
    ok(cli("init", store.toString(), "--pack-size", "1M"));
    ok(cli("put", store.toString(), src.toString(), "--to", "/src"));

    // A background mount (it writes mount.log), writes, a clean unmount.
    Path mp = mountPoint("mnt");
    FuseProcesses.Result m = cli("mount", store.toString(), mp.toString());
    ok(m);
    Matcher pid = PID.matcher(m.err());
    assertTrue(pid.find(), m.err());
    writeThrough(mp, "clean", 6);
    FuseProcesses.Result denied = asNobody(List.of("ls", mp.toString()));
    assertNotEquals(0, denied.status(), "without allow_other only the mounting user gets into the mount");
    ok(cli("umount", mp.toString()));
    Optional<ProcessHandle> first = ProcessHandle.of(Long.parseLong(pid.group(1)));
    if (first.isPresent()) {
      first.get().onExit().get(60, TimeUnit.SECONDS);
    }
    assertEquals(List.of(), notPrivate(store), "after put, a mount and a clean unmount");

    // A foreground mount, writes, kill -9.
    Process daemon = startDaemon(store, mp);
    writeThrough(mp, "killed", 6);
    daemon.destroyForcibly();
    assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
    FuseProcesses.unmountLazily(mp);
    try (Stream<Path> all = Files.walk(store)) {
      for (Path d : all.filter(Files::isDirectory).toList()) {
        assertEquals("rwx------", mode(d), "right after kill -9, every directory is closed: " + d);
      }
    }

    // Recovery: the next command opens the store, replays the log and warns about nothing.
    FuseProcesses.Result ls = cli("ls", store.toString(), "/killed");
    ok(ls);
    assertFalse(ls.err().contains("warning"), ls.err());
    assertEquals(List.of(), notPrivate(store), "after kill -9 and recovery");
    assertEquals("rw-------", mode(store.resolve("mount.log")));

    // Nobody else can read the packs, the index or the settings.
    Path pack = first(store.resolve("packs"), p -> Files.isRegularFile(p));
    Path sst = first(store.resolve("index"), p -> p.getFileName().toString().endsWith(".sst"));
    Path manifest = first(store.resolve("index"), p -> p.getFileName().toString().startsWith("MANIFEST-"));
    for (Path f : List.of(pack, sst, manifest, store.resolve("index/CURRENT"), store.resolve("chunkstore.json"))) {
      assertPermissionDenied(asNobody(read(f)), f);
    }
    assertPermissionDenied(asNobody(List.of("ls", store.toString())), store);
    // ...while what is readable next to the store is readable to nobody: the store's modes did it.
    Path control = Files.writeString(tmp.resolve("control.txt"), "anyone may read this");
    Files.setPosixFilePermissions(control, PosixFilePermissions.fromString("rw-r--r--"));
    assertEquals(0, asNobody(read(control)).status());
  }

  @Test
  void aStoreSharedWithAGroupIsTheGroupsAndNobodyElses() throws Exception {
    Path src = sourceTree();
    Path store = tmp.resolve("shared");
    FuseProcesses.Result init = cli("init", store.toString(), "--pack-size", "1M", "--shared-group", GROUP);
    ok(init);
    assertTrue(init.out().contains("shared with group " + GROUP), init.out());
    ok(cli("put", store.toString(), src.toString()));
    try (Stream<Path> all = Files.walk(store)) {
      for (Path f : all.toList()) {
        boolean dir = Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS);
        assertEquals(dir ? "rwxrwx---" : "rw-rw----", mode(f), f.toString());
        assertEquals(GROUP, Files.readAttributes(f, PosixFileAttributes.class).group().getName(), f.toString());
        if (dir) {
          assertEquals(02000, (int) Files.getAttribute(f, "unix:mode") & 02000, f + " is set-group-id");
        }
      }
    }
    Path pack = first(store.resolve("packs"), p -> Files.isRegularFile(p));
    Path json = store.resolve("chunkstore.json");
    for (Path f : List.of(pack, json, store.resolve("index/CURRENT"))) {
      FuseProcesses.Result member = run(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
          "--groups=" + GROUP, "sh", "-c", "cat -- \"$1\" >/dev/null", "sh", f.toString()));
      assertEquals(0, member.status(), "a member of " + GROUP + " reads " + f + ": " + member.err());
      assertPermissionDenied(asNobody(read(f)), f);
    }
    FuseProcesses.Result ls = cli("ls", store.toString());
    ok(ls);
    assertFalse(ls.err().contains("warning"), "group access is what a shared store is for: " + ls.err());
  }

  @Test
  void anUnknownGroupIsRefusedInOneSentenceAndCreatesNothing() throws Exception {
    CliRunner.Result r = CliRunner.run("init", tmp.resolve("s").toString(), "--shared-group", "no-such-group-42");
    assertEquals(1, r.status());
    assertEquals("init: there is no group named no-such-group-42 on this machine", r.err().strip());
    assertFalse(Files.exists(tmp.resolve("s")));
  }

  @Test
  void openingAStoreOthersCanReadWarnsOnceWithTheChmodThatClosesIt() throws Exception {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    assertEquals(0, CliRunner.run("put", store.toString(), sourceTree().toString()).status());
    run(List.of("chmod", "-R", "go+rX", store.toString())); // what a careless cp -r or chmod does

    CliRunner.Result ls = CliRunner.run("ls", store.toString());
    assertEquals(0, ls.status(), ls.err());
    List<String> lines = ls.err().lines().toList();
    assertEquals(1, lines.size(), "one warning, once: " + ls.err());
    String chmod = "chmod -R go-rwx " + store;
    assertEquals("warning: the store at " + store + " is open to other users (" + store + " is drwxr-xr-x); "
        + "close it with: " + chmod, lines.get(0));

    FuseProcesses.Result fix = run(List.of("sh", "-c", chmod));
    assertEquals(0, fix.status(), fix.err());
    assertEquals(List.of(), notPrivate(store), "the chmod it names closes every path");
    CliRunner.Result again = CliRunner.run("stats", store.toString());
    assertEquals(0, again.status(), again.err());
    assertEquals("", again.err(), "no warning once it is closed");
  }

  /** A tree of small and large files and subdirectories, 0644 and 0755 as umask 022 makes them. */
  private Path sourceTree() throws IOException {
    Path src = tmp.resolve("src");
    Random r = new Random(11);
    for (int d = 0; d < 3; d++) {
      Path dir = Files.createDirectories(src.resolve("d" + d).resolve("sub"));
      for (int i = 0; i < 20; i++) {
        Files.writeString(dir.resolve("small" + i + ".txt"), "file " + i + " of directory " + d + "\n".repeat(i));
      }
      byte[] big = new byte[700_000];
      r.nextBytes(big);
      Files.write(src.resolve("d" + d).resolve("big.bin"), big);
    }
    return src;
  }

  private Path mountPoint(String name) throws IOException {
    Path mp = Files.createDirectory(tmp.resolve(name));
    mountPoints.add(mp);
    return mp;
  }

  /** Writes {@code files} fsynced files of 300 KB into a new directory {@code name} of the mount. */
  private static void writeThrough(Path mp, String name, int files) throws IOException {
    Path dir = Files.createDirectory(mp.resolve(name));
    Random r = new Random(name.hashCode());
    for (int i = 0; i < files; i++) {
      byte[] b = new byte[300_000];
      r.nextBytes(b);
      try (FileChannel ch = FileChannel.open(dir.resolve("f" + i), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ch.write(ByteBuffer.wrap(b));
        ch.force(true);
      }
    }
  }

  /** Starts {@code mount -f} under umask 022 and returns once it has mounted. */
  private Process startDaemon(Path store, Path mp) throws Exception {
    Process p = new ProcessBuilder(underUmask022(FuseProcesses.launcher("mount", store.toString(), mp.toString(),
        "-f", "--notify-ready")))
        .redirectError(tmp.resolve("daemon.log").toFile())
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
        .start();
    daemons.add(p);
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    CompletableFuture<String> line = CompletableFuture.supplyAsync(() -> {
      try {
        for (String l; (l = out.readLine()) != null; ) {
          if (l.startsWith("CHUNKSTORE-")) {
            return l;
          }
        }
        return "<end of output>";
      } catch (IOException e) {
        return "<" + e + ">";
      }
    });
    String got = line.get(90, TimeUnit.SECONDS);
    if (!got.equals("CHUNKSTORE-READY")) {
      fail("the mount did not come up: " + got + "\n" + Files.readString(tmp.resolve("daemon.log")));
    }
    return p;
  }

  /** The launcher as a process of its own, under umask 022 whatever this JVM's is. */
  private static FuseProcesses.Result cli(String... args) throws Exception {
    return run(underUmask022(FuseProcesses.launcher(args)));
  }

  private static List<String> underUmask022(List<String> cmd) {
    List<String> sh = new ArrayList<>(List.of("sh", "-c", "umask 022 && exec \"$@\"", "sh"));
    sh.addAll(cmd);
    return sh;
  }

  private static FuseProcesses.Result run(List<String> cmd) throws Exception {
    return FuseProcesses.run(TIMEOUT, cmd);
  }

  /** {@code cat FILE} to /dev/null: a real read, and {@code cat}'s "Permission denied" if refused. */
  private static List<String> read(Path file) {
    return List.of("sh", "-c", "cat -- \"$1\" >/dev/null", "sh", file.toString());
  }

  /** {@code cmd} as uid and gid 65534 with no supplementary groups. */
  private static FuseProcesses.Result asNobody(List<String> cmd) throws Exception {
    List<String> all = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"));
    all.addAll(cmd);
    return run(all);
  }

  private static void ok(FuseProcesses.Result r) {
    assertEquals(0, r.status(), "stdout:\n" + r.out() + "\nstderr:\n" + r.err());
  }

  private static void assertPermissionDenied(FuseProcesses.Result r, Path what) {
    assertNotEquals(0, r.status(), "uid " + NOBODY + " was let into " + what);
    assertTrue(r.err().contains("Permission denied"), what + ": " + r.err());
  }

  private static Path first(Path dir, java.util.function.Predicate<Path> which) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(which).findFirst().orElseThrow(() -> new AssertionError("nothing like it in " + dir));
    }
  }
}
