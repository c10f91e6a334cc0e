package io.chunkstore.bench;

import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * Single-thread compression and decompression speed of 16 MiB cut into 64 KiB blocks (the default
 * average chunk size), to choose the default level. One JMH "operation" is one raw byte, so the
 * score is raw bytes/s. {@code data=jdk} is the JDK's own {@code lib/modules} file (class files
 * and resources: realistic, moderately compressible); {@code data=random} is incompressible.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class CodecBenchmark {
  static final int SIZE = 16 << 20;
  static final int BLOCK = 64 << 10;

  @Param({"zstd:1", "zstd:3"})
  public String spec;

  @Param({"jdk", "random"})
  public String data;

  private Codec codec;
  private byte[] raw;
  private byte[] packed; // each block's frame at BLOCK-aligned slots of maxCompressedLength
  private int[] packedLen;
  private int slot;
  private byte[] out;

  @Setup
  public void setup() throws IOException {
    codec = Codecs.parse(spec);
    raw = data.equals("jdk") ? jdkBytes(SIZE) : randomBytes(SIZE);
    int blocks = SIZE / BLOCK;
    slot = codec.maxCompressedLength(BLOCK);
    packed = new byte[blocks * slot];
    packedLen = new int[blocks];
    long total = 0;
    for (int b = 0; b < blocks; b++) {
      packedLen[b] = codec.compress(raw, b * BLOCK, BLOCK, packed, b * slot);
      total += packedLen[b];
    }
    out = new byte[SIZE];
    System.out.printf("%n%s on %s: ratio %.3f (%d -> %d bytes)%n",
        spec, data, (double) SIZE / total, SIZE, total);
  }

  /** Reads SIZE bytes from the middle of the JDK's lib/modules image, or of a JDK jar. */
  static byte[] jdkBytes(int n) throws IOException {
    Path home = Path.of(System.getProperty("java.home"));
    Path file = home.resolve("lib").resolve("modules");
    if (!Files.isRegularFile(file) || Files.size(file) < n) {
      throw new IOException("Need " + file + " of at least " + n + " bytes for data=jdk.");
    }
    byte[] b = new byte[n];
    try (InputStream in = Files.newInputStream(file)) {
      in.skipNBytes(Math.max(0, Files.size(file) / 2 - n / 2));
      in.readNBytes(b, 0, n);
    }
    return b;
  }

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new SplittableRandom(7).nextBytes(b);
    return b;
  }

  @Benchmark
  @OperationsPerInvocation(SIZE)
  public int compress() {
    int total = 0;
    for (int b = 0; b < SIZE / BLOCK; b++) {
      total += codec.compress(raw, b * BLOCK, BLOCK, packed, b * slot);
    }
    return total;
  }

  @Benchmark
  @OperationsPerInvocation(SIZE)
  public byte[] decompress() throws IOException {
    for (int b = 0; b < SIZE / BLOCK; b++) {
      codec.decompress(packed, b * slot, packedLen[b], out, b * BLOCK, BLOCK);
    }
    return out;
  }
}
