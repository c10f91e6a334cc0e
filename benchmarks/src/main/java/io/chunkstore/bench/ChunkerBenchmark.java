package io.chunkstore.bench;

import io.chunkstore.chunking.Chunker;
import io.chunkstore.chunking.Chunkers;
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
 * Single-thread chunking speed over a 64 MiB random buffer, to check that cutting stays far
 * faster than hashing and compressing. One JMH "operation" is one byte, so the score is bytes/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class ChunkerBenchmark {
  static final int SIZE = 64 << 20;

  @Param({Chunkers.DEFAULT_SPEC, "fixed:64K"})
  public String spec;

  private Chunker chunker;
  private byte[] data;

  @Setup
  public void setup() {
    chunker = Chunkers.parse(spec);
    data = new byte[SIZE];
    new SplittableRandom(42).nextBytes(data);
  }

  /** Cuts the whole buffer into chunks and returns the chunk count. */
  @Benchmark
  @OperationsPerInvocation(SIZE)
  public int cutAll() {
    byte[] d = data;
    Chunker c = chunker;
    int off = 0;
    int chunks = 0;
    while (off < d.length) {
      off += c.cut(d, off, d.length - off);
      chunks++;
    }
    return chunks;
  }
}
