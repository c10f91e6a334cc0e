package io.chunkstore.bench;

import io.chunkstore.ChunkStore;
import io.chunkstore.backend.LocalDiskBackend;
import io.chunkstore.chunking.Chunker;
import io.chunkstore.chunking.Chunkers;
import io.chunkstore.compress.Codec;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.hashing.Hashers;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Extent;
import io.chunkstore.internal.Internals;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.PackManifest;
import io.chunkstore.pack.PreparedBlock;
import io.chunkstore.pack.SuperChunkReader;
import io.chunkstore.pack.SuperChunkWriter;
import io.chunkstore.StoreConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The trade-off behind {@link StoreConfig#frameSize()}: bigger shared frames compress small blocks
 * better, but a random read of a small file fetches and decompresses the whole frame.
 *
 * <p><b>Store</b> table, through the library API: for each frame size, ingest every regular file
 * under DIR into a fresh store, flush, and record the stored bytes, the mean number of blocks per
 * frame and the ingest time; then reopen the store with a 1 MiB block cache and 2 threads and read
 * 500 random small files (&lt; 16 KiB) fully in random order. Read amplification is the sum of
 * the lengths of the distinct frames each file needs (fetched once per file: the cache is too
 * small to help) divided by the bytes returned, computed from the index outside the timed reads.
 * The read time is the median of 5 passes over the same 500 files.
 *
 * <p><b>Pack-level</b> table: the same files chunked and hashed as the store does, deduplicated,
 * and every distinct block written in ingest order straight into 32 MiB packs with
 * {@link SuperChunkWriter}, without the per-file index commits of the store (each commit seals
 * the open shared frame, so in the store a shared frame never holds blocks of two files). This is
 * what the frame size does when shared frames fill up; reads are {@link SuperChunkReader#readFrame}
 * of each sampled file's distinct frames from a {@link LocalDiskBackend}, with no cache at all.
 *
 * <p>Both read times are of packs that were just written and sit in the page cache: they are the
 * CPU cost of reading (open, read, CRC, decompress), not the disk's. One unreported round at the
 * default frame size warms up the JIT first.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.chunkstore.bench.FrameSizeStudy [DIR]
 * </pre>
 *
 * DIR defaults to /tmp/chunkstore-bench/tree/v1, else /usr/lib/python3.11. Stores and packs are
 * made in temp directories under {@code -Dbench.dir} (default {@code java.io.tmpdir}) and deleted
 * after. Progress goes to stderr, the markdown tables to stdout.
 */
public final class FrameSizeStudy {
  static final int[] FRAME_SIZES = {0, 32 << 10, 64 << 10, 128 << 10, 256 << 10, 512 << 10};
  static final int SMALL = 16 << 10;
  static final int SAMPLES = 500;
  static final int READ_PASSES = 5;
  static final long SEED = 20240601L;

  private record Source(Path file, String storePath, long size) {}

  private record Result(int frameSize, long storedBytes, double blocksPerFrame, double seconds, long fetched,
      long returned, double readMillis) {
    double amplification() {
      return (double) fetched / returned;
    }
  }

  /** Every distinct block of the input in ingest order, and the blocks of each sampled file. */
  private record Corpus(List<BlockId> ids, List<byte[]> data, List<List<BlockId>> sampleBlocks) {}

  private record Frame(PackId pack, long offset) {}

  private FrameSizeStudy() {}

  public static void main(String[] args) throws IOException {
    Path src = args.length > 0 ? Path.of(args[0]) : defaultSource();
    List<Source> files = regularFiles(src);
    long total = files.stream().mapToLong(Source::size).sum();
    List<Source> small = new ArrayList<>(files.stream().filter(f -> f.size() > 0 && f.size() < SMALL).toList());
    Collections.shuffle(small, new Random(SEED));
    List<Source> sample = small.subList(0, Math.min(SAMPLES, small.size()));
    System.err.printf("%s: %d files, %.1f MiB; %d small files, reading %d of them%n",
        src, files.size(), total / 1048576.0, small.size(), sample.size());

    Path base = Path.of(System.getProperty("bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    System.err.println("warm-up round (not reported)");
    storeRun(base, StoreConfig.DEFAULT_FRAME_SIZE, files, sample);
    List<Result> store = new ArrayList<>();
    for (int fs : FRAME_SIZES) {
      store.add(progress("store", storeRun(base, fs, files, sample)));
    }

    Corpus corpus = corpus(files, sample);
    packRun(base, StoreConfig.DEFAULT_FRAME_SIZE, corpus);
    List<Result> packs = new ArrayList<>();
    for (int fs : FRAME_SIZES) {
      packs.add(progress("packs", packRun(base, fs, corpus)));
    }

    System.out.printf("Input: %s, %d files, %.1f MiB (%d distinct blocks, %.1f MiB); reads: %d random files"
            + " < 16 KiB, %d bytes.%n%n",
        src, files.size(), total / 1048576.0, corpus.ids().size(),
        corpus.data().stream().mapToLong(b -> b.length).sum() / 1048576.0, sample.size(), store.get(0).returned());
    System.out.println("Store (ChunkStore.importFile per file, as put does, flush; reads through newByteChannel, 1 MiB cache):");
    System.out.println();
    table(store, "ingest s");
    System.out.println();
    System.out.println("Pack level (distinct blocks straight into SuperChunkWriter; reads by readFrame, no cache):");
    System.out.println();
    table(packs, "pack write s");
  }

  private static Result progress(String what, Result r) {
    System.err.printf("%s frameSize %s: %.2f MiB stored, %.2f blocks/frame, %.2f s, amplification %.2f, reads %.1f ms%n",
        what, label(r.frameSize()), r.storedBytes() / 1048576.0, r.blocksPerFrame(), r.seconds(), r.amplification(),
        r.readMillis());
    return r;
  }

  private static void table(List<Result> results, String timeColumn) {
    long baseline = results.get(0).storedBytes();
    System.out.println("| frameSize | stored MiB | stored vs 0 | blocks/frame | " + timeColumn
        + " | read amplification | random-read ms |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      System.out.printf("| %s | %.2f | %.3f | %.2f | %.2f | %.2f | %.1f |%n", label(r.frameSize()),
          r.storedBytes() / 1048576.0, (double) r.storedBytes() / baseline, r.blocksPerFrame(), r.seconds(),
          r.amplification(), r.readMillis());
    }
  }

  // ---- through the store

  private static Result storeRun(Path base, int frameSize, List<Source> files, List<Source> sample)
      throws IOException {
    Path tmp = Files.createTempDirectory(base, "frames-" + frameSize + "-");
    Path storeDir = tmp.resolve("store");
    try {
      long start = System.nanoTime();
      long stored;
      try (ChunkStore store = ChunkStore.create(storeDir, StoreConfig.defaults().withFrameSize(frameSize))) {
        Set<String> dirs = new HashSet<>();
        for (Source f : files) {
          String parent = f.storePath().substring(0, f.storePath().lastIndexOf('/'));
          if (!parent.isEmpty() && dirs.add(parent)) {
            store.mkdirs(parent);
          }
          try (InputStream in = Files.newInputStream(f.file())) {
            store.importFile(f.storePath(), in, io.chunkstore.Attributes.none());
          }
        }
        store.flush();
        stored = store.stats().storedBytes();
      }
      double ingest = (System.nanoTime() - start) / 1e9;

      try (ChunkStore store = ChunkStore.open(storeDir, new ChunkStore.Options(1 << 20, 2, 64L << 20))) {
        Set<Frame> frames = new HashSet<>();
        long[] blocks = {0};
        Internals.index(store).forEachBlock((id, rec) -> {
          frames.add(new Frame(rec.pack(), rec.frameOffset()));
          blocks[0]++;
        });
        long fetched = 0;
        long returned = 0;
        for (Source f : sample) {
          fetched += frameBytes(store, f.storePath());
          returned += f.size();
        }
        ByteBuffer buf = ByteBuffer.allocate(SMALL);
        double[] passes = new double[READ_PASSES];
        for (int p = 0; p < READ_PASSES; p++) {
          long read = 0;
          long t0 = System.nanoTime();
          for (Source f : sample) {
            try (SeekableByteChannel ch = store.newByteChannel(f.storePath())) {
              buf.clear();
              int n;
              while ((n = ch.read(buf)) >= 0) {
                read += n;
                if (!buf.hasRemaining()) {
                  buf.clear();
                }
              }
            }
          }
          passes[p] = (System.nanoTime() - t0) / 1e6;
          if (read != returned) {
            throw new IllegalStateException("read " + read + " bytes, expected " + returned);
          }
        }
        return new Result(frameSize, stored, (double) blocks[0] / frames.size(), ingest, fetched, returned,
            median(passes));
      }
    } finally {
      deleteTree(tmp);
    }
  }

  /** The summed lengths of the distinct frames that hold the file's blocks. */
  private static long frameBytes(ChunkStore store, String path) throws IOException {
    long ino = Internals.tree(store).stat(path).ino();
    Set<Frame> seen = new HashSet<>();
    long bytes = 0;
    for (Extent e : Internals.tree(store).extents(ino)) {
      BlockRecord rec = Internals.index(store).block(e.block())
          .orElseThrow(() -> new IllegalStateException("block of " + path + " not indexed"));
      if (seen.add(new Frame(rec.pack(), rec.frameOffset()))) {
        bytes += rec.frameLength();
      }
    }
    return bytes;
  }

  // ---- straight into packs

  private static Corpus corpus(List<Source> files, List<Source> sample) throws IOException {
    Chunker chunker = Chunkers.parse(Chunkers.DEFAULT_SPEC);
    Hasher hasher = Hashers.defaultHasher();
    Set<BlockId> seen = new HashSet<>();
    List<BlockId> ids = new ArrayList<>();
    List<byte[]> data = new ArrayList<>();
    Map<Path, List<BlockId>> sampled = new HashMap<>();
    sample.forEach(s -> sampled.put(s.file(), null));
    for (Source f : files) {
      byte[] bytes = Files.readAllBytes(f.file());
      List<BlockId> fileBlocks = new ArrayList<>();
      for (int pos = 0; pos < bytes.length; ) {
        int cut = chunker.cut(bytes, pos, Math.min(bytes.length - pos, chunker.maxSize()));
        BlockId id = hasher.hash(bytes, pos, cut);
        fileBlocks.add(id);
        if (seen.add(id)) {
          ids.add(id);
          data.add(Arrays.copyOfRange(bytes, pos, pos + cut));
        }
        pos += cut;
      }
      if (sampled.containsKey(f.file())) {
        sampled.put(f.file(), fileBlocks);
      }
    }
    return new Corpus(ids, data, sample.stream().map(s -> sampled.get(s.file())).toList());
  }

  private static Result packRun(Path base, int frameSize, Corpus corpus) throws IOException {
    Path tmp = Files.createTempDirectory(base, "packs-" + frameSize + "-");
    Codec codec = Codecs.parse(Codecs.DEFAULT_SPEC);
    try (LocalDiskBackend backend = new LocalDiskBackend(tmp.resolve("packs"))) {
      long start = System.nanoTime();
      Map<BlockId, PackEntry> where = new HashMap<>();
      Map<BlockId, PackId> packOf = new HashMap<>();
      long stored = 0;
      SuperChunkWriter w = null;
      Path file = null;
      for (int i = 0; i <= corpus.ids().size(); i++) {
        boolean last = i == corpus.ids().size();
        if (w != null && (last || w.size() >= StoreConfig.DEFAULT_PACK_SIZE)) {
          PackManifest m = w.finish();
          w.close();
          backend.put(m.id().hex(), file);
          stored += m.size();
          for (PackEntry e : m.entries()) {
            where.put(e.id(), e);
            packOf.put(e.id(), m.id());
          }
          w = null;
        }
        if (last) {
          break;
        }
        if (w == null) {
          PackId id = PackId.random();
          file = tmp.resolve(id.hex() + ".pack");
          w = new SuperChunkWriter(id, file, codec, frameSize);
        }
        byte[] raw = corpus.data().get(i);
        w.add(PreparedBlock.prepare(corpus.ids().get(i), raw, 0, raw.length, codec, frameSize));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      Set<Frame> frames = new HashSet<>();
      where.forEach((id, e) -> frames.add(new Frame(packOf.get(id), e.frameOffset())));

      long fetched = 0;
      long returned = 0;
      double[] passes = new double[READ_PASSES];
      for (int p = 0; p < READ_PASSES; p++) {
        long t0 = System.nanoTime();
        for (List<BlockId> fileBlocks : corpus.sampleBlocks()) {
          Map<Frame, byte[]> decoded = new LinkedHashMap<>();
          for (BlockId id : fileBlocks) {
            PackEntry e = where.get(id);
            Frame f = new Frame(packOf.get(id), e.frameOffset());
            byte[] raw = decoded.get(f);
            if (raw == null) {
              raw = SuperChunkReader.readFrame(backend, f.pack(), f.offset(), e.frameLength(), Codecs::byId);
              decoded.put(f, raw);
              if (p == 0) {
                fetched += e.frameLength();
              }
            }
            byte[] block = Arrays.copyOfRange(raw, e.offsetInFrame(), e.offsetInFrame() + e.length());
            if (p == 0) {
              returned += block.length;
            }
          }
        }
        passes[p] = (System.nanoTime() - t0) / 1e6;
      }
      return new Result(frameSize, stored, (double) where.size() / frames.size(), seconds, fetched, returned,
          median(passes));
    } finally {
      deleteTree(tmp);
    }
  }

  // ---- helpers

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v[v.length / 2];
  }

  private static Path defaultSource() {
    Path tree = Path.of("/tmp/chunkstore-bench/tree/v1");
    return Files.isDirectory(tree) ? tree : Path.of("/usr/lib/python3.11");
  }

  private static List<Source> regularFiles(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new IOException(root + " is not a directory");
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
          .sorted()
          .map(p -> {
            try {
              String rel = root.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
              return new Source(p, "/" + rel, Files.size(p));
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          })
          .toList();
    }
  }

  private static String label(int frameSize) {
    return frameSize == 0 ? "0" : (frameSize >> 10) + "K";
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
