package io.chunkstore.fsck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.chunkstore.ChunkStore;
import io.chunkstore.StoreConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A store filled with seeded random files that share content (so blocks are deduplicated and
 * refcounts exceed one), with the expected bytes of every file kept for comparison.
 */
final class StoreFixture {
  final Path root;
  final Map<String, byte[]> files = new TreeMap<>();
  final Random random;

  private StoreFixture(Path root, long seed) {
    this.root = root;
    this.random = new Random(seed);
  }

  /** An existing store, with no expected files yet. */
  static StoreFixture wrap(Path root) {
    return new StoreFixture(root, 0);
  }

  /** A store of {@code count} files under a few directories, in small packs so there are many. */
  static StoreFixture create(Path root, long seed, int count) throws IOException {
    StoreFixture f = new StoreFixture(root, seed);
    byte[] shared = bytes(f.random, 300_000);
    try (ChunkStore s = ChunkStore.create(root, StoreConfig.defaults().withPackSize(1 << 20))) {
      s.mkdirs("/docs/old");
      s.mkdirs("/media");
      for (int i = 0; i < count; i++) {
        String dir = List.of("/docs", "/docs/old", "/media").get(i % 3);
        byte[] data;
        if (i % 4 == 0) {
          data = shared.clone(); // the same content in several files
        } else {
          data = bytes(f.random, 1 + f.random.nextInt(400_000));
        }
        String path = dir + "/file-" + i;
        s.write(path, new ByteArrayInputStream(data));
        f.files.put(path, data);
      }
    }
    return f;
  }

  static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    // half random, half text-like, so that zstd has something to do
    for (int i = 0; i < n; i++) {
      b[i] = (i & 1024) == 0 ? (byte) r.nextInt() : (byte) ('a' + r.nextInt(8));
    }
    return b;
  }

  /** Every file reads back with the bytes written. */
  void assertAllFilesIntact() throws IOException {
    try (ChunkStore s = ChunkStore.open(root)) {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        assertArrayEquals(e.getValue(), read(s, e.getKey()), e.getKey());
      }
    }
  }

  static byte[] read(ChunkStore s, String path) throws IOException {
    try (InputStream in = s.newInputStream(path)) {
      return in.readAllBytes();
    }
  }

  /** The pack files in the store's packs/ directory. */
  List<Path> packFiles() throws IOException {
    try (Stream<Path> s = Files.walk(root.resolve("packs"))) {
      return new ArrayList<>(s.filter(Files::isRegularFile).sorted().toList());
    }
  }

  /** Bytes of packs/ and staging/ on disk, as du counts them (allocated blocks). */
  long bytesOnDisk() throws IOException {
    long total = 0;
    for (String d : List.of("packs", "staging")) {
      try (Stream<Path> s = Files.walk(root.resolve(d))) {
        for (Path p : s.filter(Files::isRegularFile).toList()) {
          total += ((Number) Files.getAttribute(p, "unix:size")).longValue();
        }
      }
    }
    return total;
  }

  /** A structural check of the store, run offline. */
  Report check() throws IOException {
    try (MaintenanceStore m = MaintenanceStore.open(root)) {
      return StructuralCheck.run(m, ProgressListener.NONE, Cancellation.NEVER);
    }
  }

  /** A read-data check of the store. */
  Report readData() throws IOException {
    try (MaintenanceStore m = MaintenanceStore.open(root)) {
      return ReadDataCheck.run(m, Subset.ALL, ProgressListener.NONE, Cancellation.NEVER);
    }
  }

  /** The structural check, then repair. */
  Report repair(boolean readData) throws IOException {
    try (MaintenanceStore m = MaintenanceStore.open(root)) {
      Repair.Check check = () -> {
        Report r = StructuralCheck.run(m, ProgressListener.NONE, Cancellation.NEVER);
        if (readData) {
          r.absorb(ReadDataCheck.run(m, Subset.ALL, ProgressListener.NONE, Cancellation.NEVER));
        }
        return r;
      };
      return io.chunkstore.gc.GcExecutor.repair(m, check, ProgressListener.NONE);
    }
  }

  static void assertClean(Report r) {
    assertEquals(List.of(), r.errors().stream().map(f -> f.kind() + " " + f.subject() + ": " + f.detail()).toList());
  }
}
