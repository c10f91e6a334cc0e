package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rough edges a new user hit: each answer is one sentence of ours (no library's text), a
 * non-zero exit, and stdout stays clean when piped.
 */
class MessagesTest {
  @TempDir
  Path tmp;

  private Path store() {
    Path s = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", s.toString()).status());
    return s;
  }

  private static void oneSentence(CliRunner.Result r, int status, String expected) {
    assertEquals(status, r.status(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains(expected), "<" + r.err().strip() + "> should say: " + expected);
    assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
  }

  @Test
  void everyCommandsHelpPrintsCleanly() {
    // a stray '%' in a description made picocli print a warning above mount's help
    for (String command : java.util.List.of("init", "put", "get", "ls", "rm", "mv", "mkdir", "stats", "fsck", "gc",
        "restore", "mount", "umount", "selftest")) {
      CliRunner.Result r = CliRunner.run(command, "--help");
      assertEquals(0, r.status(), command + " --help: " + r.err());
      assertTrue(r.out().contains("Usage: chunkstore " + command), command + " --help printed:\n" + r.out());
      assertEquals("", r.err(), command + " --help");
    }
  }

  @Test
  void aFileIsNotAStore() throws IOException {
    Path file = Files.writeString(tmp.resolve("file.txt"), "data");
    oneSentence(CliRunner.run("ls", file.toString()), 1, "ls: " + file + " is a file, not a store");
  }

  @Test
  void sizesAndSettingsAreCheckedWithOurOwnWords() throws IOException {
    oneSentence(CliRunner.run("init", tmp.resolve("a").toString(), "--chunker", "fixed:1G"), 1,
        "init: size '1G' in chunker spec 'fixed:1G' is too large: chunks are at most 16M");
    oneSentence(CliRunner.run("init", tmp.resolve("b").toString(), "--hash", "blake3-bc"), 1,
        "init: unknown hash 'blake3-bc'; known: sha256, blake3");
    oneSentence(CliRunner.run("init", tmp.resolve("c").toString(), "--pack-size", "-1"), 1,
        "init: '-1' is not a size");
    assertEquals(0, CliRunner.run("init", tmp.resolve("d").toString(), "--pack-size", "0.5G").status());
    assertEquals(1536L << 20, Sizes.parse("1.5G"));
    assertEquals(1L << 40, Sizes.parse("1T"));
    assertEquals(256L << 20, Sizes.parse("256MiB"));
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("-1"));
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("1.5X"));
  }

  @Test
  void aDamagedConfigIsNamedWithoutTheParsersText() throws IOException {
    Path store = store();
    Files.writeString(store.resolve("chunkstore.json"), "{ this is : not json ]");
    oneSentence(CliRunner.run("stats", store.toString()), 1, "stats: " + store.resolve("chunkstore.json")
        + " is damaged: it is not the JSON that chunkstore init wrote; restore it from a backup or a copy of the store");
  }

  @Test
  void aMissingPackIsNamedAsMissing() throws IOException {
    Path store = store();
    byte[] b = new byte[1 << 20];
    new Random(2).nextBytes(b);
    Path f = Files.write(tmp.resolve("f.bin"), b);
    assertEquals(0, CliRunner.run("put", store.toString(), f.toString()).status());
    try (var packs = Files.walk(store.resolve("packs"))) {
      for (Path p : packs.filter(Files::isRegularFile).toList()) {
        Files.delete(p);
      }
    }
    CliRunner.Result r = CliRunner.run("get", store.toString(), "/f.bin", "-");
    oneSentence(r, 1, " is missing from the store (");
    assertTrue(r.err().startsWith("get: pack "), r.err());
  }

  @Test
  void anEmptyPathIsAUsageErrorNotTheWholeStore() {
    Path store = store();
    CliRunner.Result ls = CliRunner.run("ls", store.toString(), "");
    assertEquals(2, ls.status());
    assertTrue(ls.err().startsWith("PATH is empty; an empty path names nothing (use / for the whole store)"), ls.err());
    assertEquals(2, CliRunner.run("get", store.toString(), "", tmp.resolve("out").toString()).status());
    assertFalse(Files.exists(tmp.resolve("out")));
    assertEquals(new CliRunner.Result(1, "", "rm: cannot remove '': no such file or directory\n"),
        CliRunner.run("rm", "-r", store.toString(), ""));
  }

  @Test
  void putPrintsNothingOnStdoutWhenPiped() throws IOException {
    Path store = store();
    Path f = Files.writeString(tmp.resolve("small.txt"), "small");
    CliRunner.Result r = CliRunner.run("put", store.toString(), f.toString());
    assertEquals(new CliRunner.Result(0, "", ""), r);
  }

  @Test
  void onATerminalPutSummarizesWithARateInHumanUnits() throws Exception {
    Path store = store();
    Path f = Files.writeString(tmp.resolve("small.txt"), "hello\n");
    StringBuilder cmd = new StringBuilder();
    for (String a : FuseProcesses.launcher("put", store.toString(), f.toString())) {
      cmd.append('\'').append(a.replace("'", "'\\''")).append("' ");
    }
    // script(1) gives the command a terminal, as a person at a shell would have
    FuseProcesses.Result r = FuseProcesses.run(Duration.ofMinutes(2), java.util.List.of("script", "-qec", cmd.toString(), "/dev/null"));
    assertEquals(0, r.status(), r.out() + r.err());
    assertTrue(java.util.regex.Pattern.compile("read 6 B in [0-9.]+ s \\([0-9.]+ (B|KiB)/s\\); the store now holds 6 B in ")
        .matcher(r.out()).find(), "not 0 MiB/s: " + r.out());
  }

  @Test
  void outOfMemoryIsReportedFirstAndAlone() throws Exception {
    // 16 MiB chunks make every file thread hold 32 MiB buffers: a 96 MiB heap runs out in the
    // data path for certain, with room left for the JVM itself to report it.
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString(), "--chunker", "fixed:16M").status());
    Path src = Files.createDirectories(tmp.resolve("many"));
    Random rnd = new Random(8);
    for (int i = 0; i < 12; i++) {
      byte[] b = new byte[8 << 20];
      rnd.nextBytes(b);
      Files.write(src.resolve("f" + i), b);
    }
    java.util.List<String> cmd = new java.util.ArrayList<>(FuseProcesses.launcher("put", store.toString(), src.toString()));
    cmd.set(1, "-Xmx96m");
    cmd.add(2, "-XX:ErrorFile=" + tmp.resolve("hs_err_%p.log")); // if the JVM gives up, not into the module's folder
    FuseProcesses.Result r = FuseProcesses.run(Duration.ofMinutes(3), cmd);
    // (Exit status 1, or 134 when the JVM's native side gives up on the way out.)
    assertTrue(r.status() != 0, r.err());
    assertEquals("put: out of memory: the Java heap of 96 MiB is too small for this; raise it with JAVA_OPTS=-Xmx2g"
        + " (or more)\n", r.err(), "the cause, alone: not the imports it interrupted");
  }
}
