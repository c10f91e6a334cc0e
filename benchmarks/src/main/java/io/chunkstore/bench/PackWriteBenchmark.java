package io.chunkstore.bench;

import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.PackId;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.PreparedBlock;
import io.chunkstore.pack.SuperChunkReader;
import io.chunkstore.pack.SuperChunkWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-thread speed of the pack layer on 32 MiB of the JDK's {@code lib/modules} (realistic,
 * moderately compressible) cut into 64 KiB blocks, hashed and prepared once in setup.
 *
 * <ul>
 *   <li>{@code write}: a whole pack with {@link SuperChunkWriter} into a temp directory, {@code
 *       finish()} included (fsync, then the trailer re-read and compared). With {@code
 *       frameSize=131072} every 64 KiB block is solo and arrives compressed, so the writer only
 *       copies bytes; with {@code frameSize=524288} blocks are shared and the writer compresses
 *       frames of 8 blocks itself, as the store's single pack writer does.
 *   <li>{@code readFrame}: {@link SuperChunkReader#readFrame} of random frames of that pack from a
 *       {@link LocalDiskBackend} (open, positional read, CRC32C, decompress). The pack was just
 *       written, so it is in the page cache: this is the CPU cost of a read, not the disk's.
 * </ul>
 *
 * <p>One JMH operation is one raw (uncompressed) byte and the unit is per microsecond, so <b>the
 * score in ops/us is MB/s of raw data</b>. Run with {@code java -jar benchmarks/target/benchmarks.jar
 * PackWriteBenchmark -f 1 -wi 2 -i 3 -w 1s -r 2s}; {@code -Dbench.dir=DIR} puts the packs on
 * another file system than {@code java.io.tmpdir}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class PackWriteBenchmark {
  static final int PACK = 32 << 20;
  static final int BLOCK = 64 << 10;
  /** Raw bytes one readFrame invocation returns, whatever the frame size. */
  static final int READ = 1 << 20;

  @Param({"131072", "524288"})
  public int frameSize;

  private Path dir;
  private Codec codec;
  private List<PreparedBlock> blocks;
  private Path file;

  private LocalDiskBackend backend;
  private PackId readPack;
  /** Distinct frames of the read pack: offset, length. */
  private long[] frameOffsets;
  private int[] frameLengths;
  private int framesPerRead;
  private final SplittableRandom random = new SplittableRandom(11);

  @Setup(Level.Trial)
  public void setup() throws IOException {
    Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    dir = Files.createTempDirectory(base, "packbench-");
    codec = Codecs.parse(Codecs.DEFAULT_SPEC);
    Hasher hasher = Hashers.defaultHasher();
    byte[] raw = CodecBenchmark.jdkBytes(PACK);
    blocks = new ArrayList<>(PACK / BLOCK);
    for (int off = 0; off < PACK; off += BLOCK) {
      blocks.add(PreparedBlock.prepare(hasher.hash(raw, off, BLOCK), raw, off, BLOCK, codec, frameSize));
    }

    // The pack that readFrame reads: written once, put into a local-disk backend.
    backend = new LocalDiskBackend(dir.resolve("backend"));
    readPack = PackId.random();
    Path staged = dir.resolve("staged.pack");
    PackManifest manifest = writePack(readPack, staged);
    backend.put(readPack.hex(), staged);
    Map<Long, Integer> frames = new LinkedHashMap<>();
    Map<Long, Integer> rawPerFrame = new LinkedHashMap<>();
    for (PackEntry e : manifest.entries()) {
      frames.put(e.frameOffset(), e.frameLength());
      rawPerFrame.merge(e.frameOffset(), e.length(), Integer::sum);
    }
    int frameRaw = rawPerFrame.values().iterator().next();
    if (rawPerFrame.values().stream().anyMatch(r -> r != frameRaw) || READ % frameRaw != 0) {
      throw new IllegalStateException("frames of unequal raw size: " + rawPerFrame.values());
    }
    framesPerRead = READ / frameRaw;
    frameOffsets = frames.keySet().stream().mapToLong(Long::longValue).toArray();
    frameLengths = frames.values().stream().mapToInt(Integer::intValue).toArray();
    System.out.printf("%nframeSize %d: pack of %d bytes (ratio %.3f), %d frames of %d raw bytes%n",
        frameSize, manifest.size(), (double) PACK / manifest.size(), frameOffsets.length, frameRaw);
  }

  private PackManifest writePack(PackId id, Path out) throws IOException {
    try (SuperChunkWriter w = new SuperChunkWriter(id, out, codec, frameSize)) {
      for (PreparedBlock b : blocks) {
        w.add(b);
      }
      return w.finish();
    }
  }

  @TearDown(Level.Invocation)
  public void deleteWritten() throws IOException {
    if (file != null) {
      Files.deleteIfExists(file);
      file = null;
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    backend.close();
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Writes and finishes a 32 MiB pack; the file is deleted after the invocation, untimed. */
  @Benchmark
  @OperationsPerInvocation(PACK)
  public PackManifest write() throws IOException {
    PackId id = PackId.random();
    file = dir.resolve(id.hex() + ".pack");
    return writePack(id, file);
  }

  /** Reads and decodes random frames worth 1 MiB of raw bytes. */
  @Benchmark
  @OperationsPerInvocation(READ)
  public int readFrame() throws IOException {
    int total = 0;
    for (int i = 0; i < framesPerRead; i++) {
      int f = random.nextInt(frameOffsets.length);
      total += SuperChunkReader.readFrame(backend, readPack, frameOffsets[f], frameLengths[f], Codecs::byId).length;
    }
    return total;
  }
}
