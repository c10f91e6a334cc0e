package io.chunkstore.bench;

import io.chunkstore.backend.Backend;
import io.chunkstore.tahoe.TahoeBackendProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

/**
 * Upload and download throughput of {@code TahoeBackend} for a directory of pack files, for
 * {@code benchmarks/tahoe.sh} to set beside {@code tahoe put}/{@code tahoe get} of the same files
 * on the same grid.
 *
 * <p>Upload: every file is put (write-back, {@code uploads} in parallel) and the backend closed,
 * which waits until the grid has them all. Download: a fresh backend without a pack cache reads
 * every file whole in 4 MiB ranges, four files at a time.
 *
 * <pre>java -cp ... io.chunkstore.bench.TahoeThroughput NODE_URL PACK_DIR WORK_DIR [UPLOADS]</pre>
 *
 * Prints {@code upload BYTES SECONDS} and {@code download BYTES SECONDS}.
 */
public final class TahoeThroughput {
  private TahoeThroughput() {}

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Path packs = Path.of(args[1]);
    Path work = Path.of(args[2]);
    String uploads = args.length > 3 ? args[3] : "4";
    List<Path> files;
    try (Stream<Path> s = Files.walk(packs)) {
      files = s.filter(Files::isRegularFile).sorted().toList();
    }
    Path store = Files.createDirectories(work.resolve("store"));
    Files.createDirectories(store.resolve("staging"));
    TahoeBackendProvider provider = new TahoeBackendProvider();
    provider.initialize(store, url);
    // copies to consume: a put takes its source away
    Path copies = Files.createDirectories(store.resolve("staging").resolve("copies"));
    List<Path> sources = new ArrayList<>();
    long bytes = 0;
    for (Path f : files) {
      Path c = copies.resolve(f.getFileName());
      Files.copy(f, c);
      sources.add(c);
      bytes += Files.size(f);
    }
    long t0 = System.nanoTime();
    try (Backend b = provider.open(store, Map.of("uploads", uploads, "pack_cache", "0"))) {
      for (Path c : sources) {
        b.put(c.getFileName().toString(), c);
      }
    } // close waits for the grid
    double up = (System.nanoTime() - t0) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "upload %d %.2f%n", bytes, up);

    long t1 = System.nanoTime();
    try (Backend b = provider.open(store, Map.of("pack_cache", "0"))) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      List<Future<Long>> done = new ArrayList<>();
      for (Path f : files) {
        String key = f.getFileName().toString();
        done.add(pool.submit(() -> {
          long size = b.stat(key).orElseThrow();
          long read = 0;
          for (long off = 0; off < size; off += 4 << 20) {
            read += b.get(key, off, (int) Math.min(4 << 20, size - off)).length;
          }
          return read;
        }));
      }
      long read = 0;
      for (Future<Long> d : done) {
        read += d.get();
      }
      pool.shutdown();
      if (read != bytes) {
        throw new IllegalStateException("read " + read + " bytes of " + bytes);
      }
    }
    double down = (System.nanoTime() - t1) / 1e9;
    System.out.printf(java.util.Locale.ROOT, "download %d %.2f%n", bytes, down);
  }
}
