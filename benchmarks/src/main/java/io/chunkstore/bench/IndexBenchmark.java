package io.chunkstore.bench;

import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.Batch;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Extent;
import io.chunkstore.index.Index;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread lookups in the RocksDB index, as the write path (is this block stored?) and the
 * read path (where is it? which blocks make up this range of a file?) do them.
 *
 * <p>Setup indexes 1M random block ids through {@link Batch#putBlock} in batches of 10k (unsynced
 * writes, as a long ingest leaves the index: part in memtables, part in L0/L1 tables) and one file
 * of 10k extents of 64 KiB. The score is lookups per second.
 *
 * <ul>
 *   <li>{@code blockPresent}: {@link Index#block} of a random indexed id.
 *   <li>{@code blockAbsent}: {@link Index#block} of an id that is not there: the dedup check for a
 *       new block, answered mostly by the bloom filters.
 *   <li>{@code extentsPoint}: {@link Index#extents} of a random 4 KiB range of the file (one extent).
 *   <li>{@code extentsWindow}: a random 16 MiB range (256 extents), what a reader's channel loads
 *       at once.
 * </ul>
 *
 * <p>Run with {@code java -jar benchmarks/target/benchmarks.jar IndexBenchmark -f 1 -wi 2 -i 3 -w 1s
 * -r 2s}; {@code -Dbench.dir=DIR} puts the index elsewhere than {@code java.io.tmpdir}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class IndexBenchmark {
  static final int BLOCKS = 1_000_000;
  static final int BATCH = 10_000;
  static final int ABSENT = 1 << 16;
  static final int EXTENTS = 10_000;
  static final int EXTENT_LENGTH = 64 << 10;
  static final long FILE_SIZE = (long) EXTENTS * EXTENT_LENGTH;
  static final long WINDOW = 16L << 20;
  static final long INO = 42;

  private Path dir;
  private Index index;
  private BlockId[] present;
  private BlockId[] absent;
  private final SplittableRandom random = new SplittableRandom(5);

  @Setup(Level.Trial)
  public void setup() throws IOException {
    Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    dir = Files.createTempDirectory(base, "indexbench-");
    index = Index.open(dir);
    present = ids(BLOCKS, new SplittableRandom(1));
    absent = ids(ABSENT, new SplittableRandom(2));
    long start = System.nanoTime();
    PackId pack = PackId.random();
    for (int i = 0; i < BLOCKS; i += BATCH) {
      try (Batch b = index.batch()) {
        for (int j = i; j < Math.min(BLOCKS, i + BATCH); j++) {
          // about 400 blocks of 80 KiB per 32 MiB pack
          b.putBlock(present[j], new BlockRecord(pack, 8 + (long) (j % 400) * 80_000, 60_000, 0, 80_000));
          if (j % 400 == 399) {
            pack = PackId.random();
          }
        }
        index.write(b, false);
      }
    }
    try (Batch b = index.batch()) {
      for (int i = 0; i < EXTENTS; i++) {
        b.putExtent(INO, new Extent((long) i * EXTENT_LENGTH, present[i], 0, EXTENT_LENGTH));
      }
      index.write(b, false);
    }
    long tables;
    try (Stream<Path> s = Files.list(dir)) {
      tables = s.filter(p -> p.toString().endsWith(".sst")).count();
    }
    System.out.printf("%nindexed %d blocks in %.1f s; %d table files%n",
        BLOCKS, (System.nanoTime() - start) / 1e9, tables);
  }

  private static BlockId[] ids(int n, SplittableRandom r) {
    BlockId[] out = new BlockId[n];
    byte[] b = new byte[BlockId.LENGTH];
    for (int i = 0; i < n; i++) {
      r.nextBytes(b);
      out[i] = BlockId.read(b, 0);
    }
    return out;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    index.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Benchmark
  public Optional<BlockRecord> blockPresent() {
    Optional<BlockRecord> r = index.block(present[random.nextInt(BLOCKS)]);
    if (r.isEmpty()) {
      throw new IllegalStateException("an indexed block is missing");
    }
    return r;
  }

  @Benchmark
  public Optional<BlockRecord> blockAbsent() {
    Optional<BlockRecord> r = index.block(absent[random.nextInt(ABSENT)]);
    if (r.isPresent()) {
      throw new IllegalStateException("an absent block was found");
    }
    return r;
  }

  @Benchmark
  public List<Extent> extentsPoint() {
    long from = random.nextLong(FILE_SIZE - 4096);
    return index.extents(INO, from, from + 4096);
  }

  @Benchmark
  public List<Extent> extentsWindow() {
    long from = random.nextLong(FILE_SIZE - WINDOW);
    return index.extents(INO, from, from + WINDOW);
  }
}
