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
 * <p>The score is hashes per second; multiply by {@code size} for bytes per second (at 65536
 * bytes, 1 ops/s = 64 KiB/s, so MB/s = score × 0.065536; at 4194304 bytes, MB/s = score × 4.194304).
 * Run with e.g. {@code java -jar benchmarks/target/benchmarks.jar HasherBenchmark -f 1 -wi 2 -i 3
 * -w 2s -r 2s}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HasherBenchmark {
  @Param({"blake3", "blake3-bc", "sha256"})
  public String hash;

  @Param({"65536", "4194304"})
  public int size;

  private Hasher hasher;
  private byte[] data;

  @Setup
  public void setUp() {
    hasher = Hashers.byName(hash);
    data = new byte[size];
    new SplittableRandom(42).nextBytes(data);
  }

  /** One hash of the whole buffer per operation. */
  @Benchmark
  public BlockId hashBuffer() {
    return hasher.hash(data, 0, data.length);
  }
}
