package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.chunkstore.ChunkStore;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code rm}, {@code mv} and {@code mkdir} on an unmounted store: what their coreutils namesakes
 * do, with the same errors and exit codes, and the space of removed files is referenced no more.
 */
class FileCommandsTest {
  @TempDir
  Path tmp;

  private Path store;

  @BeforeEach
  void storeWithFiles() throws IOException {
    store = tmp.resolve("store");
    try (ChunkStore cs = ChunkStore.create(store, io.chunkstore.StoreConfig.defaults())) {
      cs.mkdirs("/dir/sub");
      cs.write("/dir/a.txt", in("a"));
      cs.write("/dir/sub/b.txt", in("b"));
      cs.write("/top.txt", in("top"));
      cs.mkdir("/empty");
    }
  }

  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }

  private CliRunner.Result run(String cmd, String... args) {
    String[] all = new String[args.length + 2];
    all[0] = cmd;
    all[1] = store.toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return CliRunner.run(all);
  }

  private boolean exists(String path) throws IOException {
    try (ChunkStore cs = ChunkStore.open(store)) {
      return cs.exists(path);
    }
  }

  @Test
  void rmRemovesFilesAndWithRDirectories() throws IOException {
    assertEquals(new CliRunner.Result(0, "", ""), run("rm", "/top.txt"));
    assertFalse(exists("/top.txt"));
    assertEquals(new CliRunner.Result(1, "", "rm: cannot remove '/dir': is a directory\n"), run("rm", "/dir"));
    assertEquals(new CliRunner.Result(1, "", "rm: cannot remove '/nope': no such file or directory\n"), run("rm", "nope"));
    assertEquals(new CliRunner.Result(0, "", ""), run("rm", "-f", "/nope"));
    assertEquals(new CliRunner.Result(1, "", "rm: cannot remove '/dir': directory not empty\n"), run("rm", "-d", "/dir"));
    assertEquals(0, run("rm", "-d", "/empty").status());
    assertEquals(new CliRunner.Result(1, "", "rm: it is dangerous to operate recursively on '/'\n"), run("rm", "-r", "/"));
    CliRunner.Result both = run("rm", "-r", "/missing", "/dir");
    assertEquals(1, both.status(), "one failure makes the status 1, the rest is done");
    assertFalse(exists("/dir"));
    try (ChunkStore cs = ChunkStore.open(store)) {
      assertEquals(0, cs.stats().logicalBytes());
      Internals.index(cs).forEachRef((id, n) -> assertEquals(0L, n, "no block is referenced any more"));
    }
  }

  @Test
  void mvRenamesAndMovesIntoDirectories() throws IOException {
    assertEquals(0, run("mv", "/top.txt", "/renamed.txt").status());
    assertTrue(exists("/renamed.txt"));
    assertEquals(0, run("mv", "/renamed.txt", "/dir").status());
    assertTrue(exists("/dir/renamed.txt"));
    assertEquals(0, run("mv", "/dir/a.txt", "/dir/renamed.txt", "/empty").status());
    assertTrue(exists("/empty/a.txt") && exists("/empty/renamed.txt"));
    assertEquals(new CliRunner.Result(1, "", "mv: cannot stat '/nope': no such file or directory\n"), run("mv", "/nope", "/x"));
    assertEquals(new CliRunner.Result(1, "", "mv: cannot move '/dir' to a subdirectory of itself, '/dir/sub/dir'\n"),
        run("mv", "/dir", "/dir/sub"));
    assertEquals(new CliRunner.Result(1, "", "mv: cannot overwrite non-directory '/empty/a.txt' with directory '/dir'\n"),
        run("mv", "/dir", "/empty/a.txt"));
    assertEquals(new CliRunner.Result(1, "", "mv: target '/empty/a.txt' is not a directory\n"),
        run("mv", "/dir", "/empty/renamed.txt", "/empty/a.txt"));
    assertEquals(new CliRunner.Result(1, "", "mv: cannot move '/dir' to '/no/such': no such file or directory\n"),
        run("mv", "/dir", "/no/such"));
    assertTrue(exists("/dir/sub/b.txt"), "nothing moved by the failures");
  }

  @Test
  void mkdirMakesDirectoriesAndWithPTheirParents() throws IOException {
    assertEquals(0, run("mkdir", "/new").status());
    assertEquals(new CliRunner.Result(1, "", "mkdir: cannot create directory '/new': file exists\n"), run("mkdir", "/new"));
    assertEquals(new CliRunner.Result(1, "", "mkdir: cannot create directory '/a/b': no such file or directory\n"),
        run("mkdir", "/a/b"));
    assertEquals(new CliRunner.Result(1, "", "mkdir: cannot create directory '/top.txt/x': not a directory\n"),
        run("mkdir", "/top.txt/x"));
    assertEquals(0, run("mkdir", "-p", "/a/b/c", "/new").status());
    assertTrue(exists("/a/b/c"));
    assertEquals(new CliRunner.Result(1, "", "mkdir: cannot create directory '/top.txt': file exists\n"),
        run("mkdir", "-p", "/top.txt"));
    assertEquals(0, run("mkdir", "-m", "700", "/private").status());
    try (ChunkStore cs = ChunkStore.open(store)) {
      assertEquals(0700, cs.stat("/private").permissions());
    }
  }
}
