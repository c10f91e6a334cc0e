package io.chunkstore.bench;

import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.BlockId;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread throughput of each block hash, to justify the default and to catch regressions in
 * the hand-optimized {@code blake3}.
 *
 * <p>One JMH operation is one byte hashed and the unit is per microsecond, so <b>the score in
 * ops/us is MB/s</b> (10^6 bytes per second). Run with e.g. {@code java -jar
 * benchmarks/target/benchmarks.jar HasherBenchmark -f 1 -wi 2 -i 3 -w 2s -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HasherBenchmark {
  private static final int SMALL = 64 * 1024;
  private static final int LARGE = 4 * 1024 * 1024;

  @Param({"blake3", "blake3-bc", "sha256"})
  public String hash;

  private Hasher hasher;
  private byte[] small;
  private byte[] large;

  @Setup
  public void setUp() {
    hasher = hash.equals("blake3-bc") ? new io.chunkstore.hashing.BouncyCastleBlake3Hasher() : Hashers.byName(hash);
    SplittableRandom random = new SplittableRandom(42);
    small = new byte[SMALL];
    random.nextBytes(small);
    large = new byte[LARGE];
    random.nextBytes(large);
  }

  /** A 64 KiB buffer, about the size of a content-defined chunk. */
  @Benchmark
  @OperationsPerInvocation(SMALL)
  public BlockId hash64KiB() {
    return hasher.hash(small, 0, SMALL);
  }

  /** A 4 MiB buffer, the size of a super-chunk; measures the tree without per-call overhead. */
  @Benchmark
  @OperationsPerInvocation(LARGE)
  public BlockId hash4MiB() {
    return hasher.hash(large, 0, LARGE);
  }
}
