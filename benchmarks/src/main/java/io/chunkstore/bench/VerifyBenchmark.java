package io.chunkstore.bench;

import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.BlockId;
import java.io.IOException;
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
 * What {@code chunkstore-fsck --read-data} must do per byte, on one thread: decompress a 64 KiB
 * zstd block and hash it. The ceiling its measured rate is compared with (benchmarks/maintenance.sh):
 * one operation is one raw byte, so ops/us = MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class VerifyBenchmark {
  static final int SIZE = 16 << 20;
  static final int BLOCK = 64 << 10;

  @Param({"blake3", "sha256"})
  public String hash;

  @Param({"zstd:3"})
  public String spec;

  private Codec codec;
  private Hasher hasher;
  private byte[] packed;
  private int[] packedLen;
  private int slot;
  private byte[] out;

  @Setup
  public void setup() throws IOException {
    codec = Codecs.parse(spec);
    hasher = Hashers.byName(hash);
    byte[] raw = CodecBenchmark.jdkBytes(SIZE);
    int blocks = SIZE / BLOCK;
    slot = codec.maxCompressedLength(BLOCK);
    packed = new byte[blocks * slot];
    packedLen = new int[blocks];
    for (int b = 0; b < blocks; b++) {
      packedLen[b] = codec.compress(raw, b * BLOCK, BLOCK, packed, b * slot);
    }
    out = new byte[BLOCK];
  }

  @Benchmark
  @OperationsPerInvocation(SIZE)
  public int decompressAndHash() throws IOException {
    int x = 0;
    for (int b = 0; b < SIZE / BLOCK; b++) {
      codec.decompress(packed, b * slot, packedLen[b], out, 0, BLOCK);
      BlockId id = hasher.hash(out, 0, BLOCK);
      x ^= id.hashCode();
    }
    return x;
  }
}
