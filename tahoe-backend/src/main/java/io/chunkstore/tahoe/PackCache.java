package io.chunkstore.tahoe;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pieces of remote packs on local disk, least recently used first out, within a byte budget that
 * holds: the files in the cache directory never add up to more than the budget.
 *
 * <p>The unit is Tahoe's segment (1 MiB since 1.19): a read fetches the segments its range
 * overlaps that are not here yet, in one ranged request, and keeps them. A reader that goes
 * through a pack in order has the next segments fetched ahead of it. Files are named by a hash
 * of the cap (content-addressed, so an overwritten key never serves stale bytes, and no cap is
 * written to disk) and the segment number.
 *
 * <p>Thread-safe.
 */
final class PackCache {
  /** Tahoe's default maximum segment size since 1.19. */
  static final int SEGMENT = 1 << 20;
  private static final String TEMP_PREFIX = "~tmp-";
  private static final int PREFETCH_SEGMENTS = 4;

  /** Fetches {@code length} bytes of the object {@code cap} at {@code offset}. */
  interface Fetcher {
    byte[] fetch(String cap, long offset, int length) throws IOException;
  }

  private final Path dir;
  private final long budget;
  private final Fetcher fetcher;
  /** Segment file name to its size, least recently used first; guarded by this. */
  private final LinkedHashMap<String, Long> lru = new LinkedHashMap<>(16, 0.75f, true);
  private long bytes;
  /** The last segment read of each recent pack, to see sequential readers; guarded by itself. */
  private final Map<String, Long> lastSegment = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Long> e) {
      return size() > 256;
    }
  };
  private final Set<String> prefetching = ConcurrentHashMap.newKeySet();
  private final ExecutorService prefetcher;

  /** The store's modes: a cached piece of a pack is the store's data, as private as its packs. */
  private final io.chunkstore.StorePermissions permissions;

  PackCache(Path dir, long budget, Fetcher fetcher) throws IOException {
    this.dir = dir;
    this.budget = budget;
    this.fetcher = fetcher;
    this.permissions = StoreModes.directory(dir);
    AtomicInteger n = new AtomicInteger();
    this.prefetcher = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "tahoe-prefetch-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    loadExisting();
  }

  /** The budget in bytes. */
  long budget() {
    return budget;
  }

  /** Bytes in the cache now. */
  synchronized long bytes() {
    return bytes;
  }

  /**
   * Reads {@code length > 0} bytes at {@code offset} of the object {@code cap} of {@code size}
   * bytes, from the cache where it can and from the grid for the rest.
   */
  byte[] read(String cap, long size, long offset, int length) throws IOException {
    if (budget < SEGMENT) {
      return fetcher.fetch(cap, offset, length);
    }
    String id = idOf(cap);
    long first = offset / SEGMENT;
    long last = (offset + length - 1) / SEGMENT;
    byte[][] segs = new byte[(int) (last - first + 1)][];
    for (long s = first; s <= last; s++) {
      segs[(int) (s - first)] = cached(id, s);
    }
    // fetch each run of missing segments with one ranged request
    for (long s = first; s <= last; ) {
      if (segs[(int) (s - first)] != null) {
        s++;
        continue;
      }
      long runEnd = s;
      while (runEnd + 1 <= last && segs[(int) (runEnd + 1 - first)] == null) {
        runEnd++;
      }
      fetchRun(cap, id, size, s, runEnd, segs, first);
      s = runEnd + 1;
    }
    byte[] out = new byte[length];
    int pos = 0;
    for (long s = first; s <= last; s++) {
      byte[] seg = segs[(int) (s - first)];
      long segStart = s * SEGMENT;
      int from = (int) Math.max(0, offset - segStart);
      int to = (int) Math.min(seg.length, offset + length - segStart);
      if (to - from < 0 || from > seg.length) {
        throw new java.io.EOFException("a cached piece of a pack is shorter than the pack");
      }
      System.arraycopy(seg, from, out, pos, to - from);
      pos += to - from;
    }
    if (pos != length) {
      throw new java.io.EOFException("a cached piece of a pack is shorter than the pack");
    }
    maybePrefetch(cap, id, size, first, last);
    return out;
  }

  private void fetchRun(String cap, String id, long size, long from, long to, byte[][] segs, long first)
      throws IOException {
    long start = from * SEGMENT;
    long end = Math.min(size, (to + 1) * SEGMENT);
    byte[] data = fetcher.fetch(cap, start, Math.toIntExact(end - start));
    for (long s = from; s <= to; s++) {
      int a = (int) ((s - from) * SEGMENT);
      int b = (int) Math.min(data.length, a + (long) SEGMENT);
      byte[] seg = java.util.Arrays.copyOfRange(data, a, b);
      if (segs != null) {
        segs[(int) (s - first)] = seg;
      }
      store(id, s, seg);
    }
  }

  /** A reader that continues where it left off gets the next segments fetched in the background. */
  private void maybePrefetch(String cap, String id, long size, long first, long last) {
    boolean sequential;
    synchronized (lastSegment) {
      Long prev = lastSegment.put(id, last);
      sequential = prev != null && (first == prev || first == prev + 1);
    }
    if (!sequential) {
      return;
    }
    long lastInFile = (size - 1) / SEGMENT;
    long from = last + 1;
    long to = Math.min(lastInFile, last + PREFETCH_SEGMENTS);
    while (from <= to && isCached(id, from)) {
      from++;
    }
    if (from > to || budget < (to - from + 1) * (long) SEGMENT * 2) {
      return;
    }
    String tag = id + "-" + from;
    if (!prefetching.add(tag)) {
      return;
    }
    long f = from;
    try {
      prefetcher.execute(() -> {
        try {
          fetchRun(cap, id, size, f, to, null, f);
        } catch (IOException | RuntimeException e) {
          // the reader that needs these bytes fetches them again and reports the error
        } finally {
          prefetching.remove(tag);
        }
      });
    } catch (java.util.concurrent.RejectedExecutionException closed) {
      prefetching.remove(tag);
    }
  }

  private synchronized boolean isCached(String id, long seg) {
    return lru.containsKey(name(id, seg));
  }

  private byte[] cached(String id, long seg) throws IOException {
    String name = name(id, seg);
    synchronized (this) {
      if (lru.get(name) == null) {
        return null;
      }
    }
    try {
      return Files.readAllBytes(dir.resolve(name));
    } catch (NoSuchFileException evicted) {
      return null;
    }
  }

  private void store(String id, long seg, byte[] data) throws IOException {
    if (data.length > budget) {
      return;
    }
    String name = name(id, seg);
    Path tmp = dir.resolve(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    List<String> evict = new ArrayList<>();
    synchronized (this) {
      if (lru.containsKey(name)) {
        return;
      }
      // make room first, so that the files never add up to more than the budget
      Iterator<Map.Entry<String, Long>> it = lru.entrySet().iterator();
      while (bytes + data.length > budget && it.hasNext()) {
        Map.Entry<String, Long> e = it.next();
        bytes -= e.getValue();
        evict.add(e.getKey());
        it.remove();
      }
      lru.put(name, (long) data.length);
      bytes += data.length;
      for (String e : evict) {
        Files.deleteIfExists(dir.resolve(e));
      }
    }
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        ByteBuffer b = ByteBuffer.wrap(data);
        while (b.hasRemaining()) {
          ch.write(b);
        }
      }
      permissions.apply(tmp);
      Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      // a full cache disk loses a cached copy, never data
      Files.deleteIfExists(tmp);
      synchronized (this) {
        if (lru.remove(name) != null) {
          bytes -= data.length;
        }
      }
    }
  }

  /** Takes in what an earlier run left, oldest first, and trims it to the budget. */
  private void loadExisting() throws IOException {
    List<Path> files = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
          Files.deleteIfExists(p);
        } else if (Files.isRegularFile(p)) {
          files.add(p);
        }
      }
    }
    files.sort(java.util.Comparator.comparing(p -> {
      try {
        return Files.getLastModifiedTime(p);
      } catch (IOException e) {
        return java.nio.file.attribute.FileTime.fromMillis(0);
      }
    }));
    synchronized (this) {
      for (Path p : files) {
        long n = Files.size(p);
        lru.put(p.getFileName().toString(), n);
        bytes += n;
      }
      Iterator<Map.Entry<String, Long>> it = lru.entrySet().iterator();
      while (bytes > budget && it.hasNext()) {
        Map.Entry<String, Long> e = it.next();
        bytes -= e.getValue();
        Files.deleteIfExists(dir.resolve(e.getKey()));
        it.remove();
      }
    }
  }

  void close() {
    prefetcher.shutdownNow();
  }

  private static String name(String id, long seg) {
    return id + "-" + seg;
  }

  /** A file-name-safe digest of a cap: the cache never writes a cap to disk. */
  static String idOf(String cap) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(cap.getBytes(StandardCharsets.US_ASCII));
      return HexFormat.of().formatHex(d, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
