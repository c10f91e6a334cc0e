package io.chunkstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.chunkstore.ChunkStore;
import io.chunkstore.index.Batch;
import io.chunkstore.internal.Internals;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fsck and gc commands: e2fsck's exit codes, the JSON, one sentence for bad input. */
class FsckCommandTest {
  @TempDir
  Path tmp;

  private Path storeWithFiles() throws IOException {
    Path store = tmp.resolve("store");
    assertEquals(0, CliRunner.run("init", store.toString()).status());
    Random r = new Random(5);
    try (ChunkStore s = ChunkStore.open(store)) {
      for (int i = 0; i < 6; i++) {
        byte[] b = new byte[200_000 + i * 1000];
        r.nextBytes(b);
        s.write("/f" + i, new ByteArrayInputStream(b));
      }
    }
    return store;
  }

  @Test
  void aCleanStoreExitsZeroAndItsJsonSaysClean() throws IOException {
    Path store = storeWithFiles();
    CliRunner.Result r = CliRunner.run("fsck", store.toString(), "--read-data", "--json");
    assertEquals(0, r.status(), r.err());
    JsonNode j = new ObjectMapper().readTree(r.out());
    assertEquals("clean", j.get("status").asText());
    assertTrue(j.get("figures").get("blocksHashed").asLong() >= 6);
  }

  @Test
  void errorsLeftExitFourAndRepairedOnesExitOne() throws IOException {
    Path store = storeWithFiles();
    try (ChunkStore s = ChunkStore.open(store)) {
      var block = Internals.tree(s).extents(Internals.tree(s).stat("/f1").ino()).get(0).block();
      try (Batch b = Internals.index(s).batch()) {
        b.addRef(block, 3);
        Internals.index(s).write(b, true);
      }
    }
    CliRunner.Result check = CliRunner.run("fsck", store.toString());
    assertEquals(4, check.status(), check.out());
    assertTrue(check.out().contains("refcount mismatch"), check.out());
    CliRunner.Result repair = CliRunner.run("fsck", store.toString(), "--repair");
    assertEquals(1, repair.status(), repair.out() + repair.err());
    assertEquals(0, CliRunner.run("fsck", store.toString()).status());
  }

  @Test
  void usageAndOperationalErrorsHaveTheirOwnCodes() throws IOException {
    Path store = storeWithFiles();
    assertEquals(16, CliRunner.run("fsck", store.toString(), "--read-data-subset", "7/3").status());
    assertEquals(16, CliRunner.run("fsck").status());
    CliRunner.Result missing = CliRunner.run("fsck", tmp.resolve("nothing").toString());
    assertEquals(8, missing.status());
    assertEquals(1, missing.err().strip().lines().count(), "one sentence: " + missing.err());
    assertEquals(16, CliRunner.run("gc", store.toString(), "--rewrite-below", "300").status());
  }

  @Test
  void gcDryRunChangesNothingAndGcFreesTheSpaceOfDeletedFiles() throws IOException {
    Path store = storeWithFiles();
    try (ChunkStore s = ChunkStore.open(store)) {
      for (int i = 0; i < 5; i++) {
        s.delete("/f" + i);
      }
    }
    long before = du(store.resolve("packs"));
    CliRunner.Result plan = CliRunner.run("gc", store.toString(), "--dry-run", "--json");
    assertEquals(0, plan.status(), plan.err());
    JsonNode p = new ObjectMapper().readTree(plan.out());
    assertTrue(p.get("bytesToFree").asLong() > 0, plan.out());
    assertEquals(before, du(store.resolve("packs")));
    CliRunner.Result gc = CliRunner.run("gc", store.toString());
    assertEquals(0, gc.status(), gc.err());
    assertTrue(du(store.resolve("packs")) < before / 2, "packs shrank: " + gc.out());
    assertEquals(0, CliRunner.run("fsck", store.toString(), "--read-data").status());
  }

  private static long du(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
    }
  }
}
