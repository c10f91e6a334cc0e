package io.chunkstore.fsck;

import io.chunkstore.backend.Backend;
import io.chunkstore.compress.Codecs;
import io.chunkstore.hashing.Hasher;
import io.chunkstore.id.BlockId;
import io.chunkstore.id.PackId;
import io.chunkstore.index.BlockRecord;
import io.chunkstore.index.Counter;
import io.chunkstore.index.Index;
import io.chunkstore.index.PackRecord;
import io.chunkstore.pack.PackEntry;
import io.chunkstore.pack.SuperChunkReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code --read-data}: reads every pack, checks every frame's checksum, decompresses it and hashes
 * every block the index places there. A failure is read again once before it counts, so a
 * transient read error is not taken for damage. Packs are read in large sequential ranges on one
 * thread while the frames are decoded and hashed on every core.
 *
 * <p>Progress is kept in {@code STORE/fsck-read-data.progress} (the subset and the packs done), so
 * an interrupted run resumes where it stopped; a finished run removes it.
 */
public final class ReadDataCheck {
  static final String PROGRESS_FILE = "fsck-read-data.progress";
  private static final int READ_RANGE = 8 << 20;

  private final MaintenanceStore store;
  private final Index index;
  private final Backend backend;
  private final Hasher hasher;
  private final Subset subset;
  private final ProgressListener progress;
  private final Cancellation cancel;
  private final Report report = new Report();
  private final Map<BlockId, String> bad = new LinkedHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong hashed = new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong hashedBytes = new java.util.concurrent.atomic.AtomicLong();

  private ReadDataCheck(MaintenanceStore store, Subset subset, ProgressListener progress, Cancellation cancel) {
    this.store = store;
    this.index = store.index();
    this.backend = store.backend();
    this.hasher = store.hasher();
    this.subset = subset;
    this.progress = progress;
    this.cancel = cancel;
  }

  /** Reads and verifies every block in the packs {@code subset} selects. */
  public static Report run(MaintenanceStore store, Subset subset, ProgressListener progress, Cancellation cancel)
      throws IOException {
    return new ReadDataCheck(store, subset, progress, cancel).run();
  }

  private Report run() throws IOException {
    List<PackRecord> packs = new ArrayList<>();
    index.forEachPack(p -> {
      if (p.state() == PackRecord.State.STORED && subset.includes(p.id())) {
        packs.add(p);
      }
    });
    packs.sort(Comparator.comparing(p -> p.id().hex()));
    Path progressFile = store.root().resolve(PROGRESS_FILE);
    Set<PackId> done = resume(progressFile);
    store.directory().permissions().createFileIfMissing(progressFile);
    long total = packs.stream().filter(p -> !done.contains(p.id())).mapToLong(PackRecord::size).sum();
    if (!done.isEmpty()) {
      report.figure("packsResumed", done.size());
    }
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "fsck-verify");
      t.setDaemon(true);
      return t;
    });
    long started = System.nanoTime();
    progress.start("reading and hashing every block", total);
    try (FileChannel log = FileChannel.open(progressFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      if (done.isEmpty()) {
        log.truncate(0);
        log.write(ByteBuffer.wrap(("subset " + subset + "\n").getBytes(StandardCharsets.US_ASCII)));
      }
      for (PackRecord p : packs) {
        if (done.contains(p.id())) {
          continue;
        }
        cancel.check();
        verifyPack(p, pool);
        log.write(ByteBuffer.wrap((p.id().hex() + "\n").getBytes(StandardCharsets.US_ASCII)));
        report.addToFigure("packsRead", 1);
      }
    } finally {
      pool.shutdownNow();
      progress.done();
    }
    Files.deleteIfExists(progressFile);
    long nanos = System.nanoTime() - started;
    report.figure("readDataMillis", nanos / 1_000_000);
    report.figure("blocksHashed", hashed.get());
    report.figure("bytesHashed", hashedBytes.get());
    reportBad();
    return report;
  }

  private Set<PackId> resume(Path file) throws IOException {
    Set<PackId> done = new HashSet<>();
    if (!Files.isRegularFile(file)) {
      return done;
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
    if (lines.isEmpty() || !lines.get(0).equals("subset " + subset)) {
      return done; // another subset: start over
    }
    for (String l : lines.subList(1, lines.size())) {
      MaintenanceStore.packKey(l.trim()).ifPresent(done::add);
    }
    return done;
  }

  /** The frames of one pack that hold blocks the index places there, each with those blocks. */
  private TreeMap<Long, List<PackEntry>> liveFrames(PackRecord p) {
    TreeMap<Long, List<PackEntry>> frames = new TreeMap<>();
    List<PackEntry> entries = new ArrayList<>();
    try {
      for (PackEntry e : SuperChunkReader.readManifest(backend, p.id()).entries()) {
        BlockRecord rec = index.block(e.id()).orElse(null);
        if (rec != null && rec.pack().equals(p.id()) && rec.frameOffset() == e.frameOffset()) {
          entries.add(e);
        }
      }
    } catch (IOException trailerUnreadable) {
      // the index still says where each block is: check those frames one by one
      index.forEachBlock((id, rec) -> {
        if (rec.pack().equals(p.id())) {
          entries.add(new PackEntry(id, rec.frameOffset(), rec.frameLength(), rec.offsetInFrame(), rec.length(), (byte) 0));
        }
      });
    }
    for (PackEntry e : entries) {
      frames.computeIfAbsent(e.frameOffset(), k -> new ArrayList<>()).add(e);
    }
    return frames;
  }

  private void verifyPack(PackRecord p, ExecutorService pool) throws IOException {
    TreeMap<Long, List<PackEntry>> frames = liveFrames(p);
    List<Future<?>> pending = new ArrayList<>();
    // group neighbouring frames into ranges of up to READ_RANGE bytes: one read each
    List<Map.Entry<Long, List<PackEntry>>> group = new ArrayList<>();
    long groupStart = -1;
    long groupEnd = -1;
    for (Map.Entry<Long, List<PackEntry>> f : frames.entrySet()) {
      long off = f.getKey();
      long end = off + f.getValue().get(0).frameLength();
      if (!group.isEmpty() && (off != groupEnd || end - groupStart > READ_RANGE)) {
        pending.add(submit(p, groupStart, groupEnd, group, pool));
        group = new ArrayList<>();
      }
      if (group.isEmpty()) {
        groupStart = off;
      }
      group.add(f);
      groupEnd = end;
      if (pending.size() > 4) {
        await(pending.remove(0));
      }
    }
    if (!group.isEmpty()) {
      pending.add(submit(p, groupStart, groupEnd, group, pool));
    }
    for (Future<?> f : pending) {
      await(f);
    }
    progress.advance(p.size() - frames.values().stream().mapToLong(l -> l.get(0).frameLength()).sum());
  }

  private Future<?> submit(PackRecord p, long start, long end, List<Map.Entry<Long, List<PackEntry>>> group,
      ExecutorService pool) {
    byte[] range;
    try {
      range = backend.get(p.id().hex(), start, (int) (end - start));
    } catch (IOException e) {
      range = null; // each frame is read again on its own below
    }
    byte[] bytes = range;
    return pool.submit(() -> {
      for (Map.Entry<Long, List<PackEntry>> f : group) {
        int len = f.getValue().get(0).frameLength();
        byte[] raw = null;
        if (bytes != null) {
          raw = decodeQuietly(p.id(), f.getKey(), bytes, (int) (f.getKey() - start), len);
        }
        if (raw == null || !allMatch(raw, f.getValue())) {
          verifyAgain(p.id(), f.getKey(), len, f.getValue()); // a second read before it counts
        }
        progress.advance(len);
      }
      return null;
    });
  }

  private void verifyAgain(PackId pack, long frameOffset, int frameLength, List<PackEntry> blocks) {
    byte[] raw;
    String why;
    try {
      raw = SuperChunkReader.readFrame(backend, pack, frameOffset, frameLength, Codecs::byId);
      why = "does not match its hash";
    } catch (IOException e) {
      raw = null;
      why = e.getMessage();
    }
    for (PackEntry e : blocks) {
      if (raw == null || !matches(raw, e)) {
        synchronized (bad) {
          bad.put(e.id(), "block " + e.id().shortHex() + " in pack " + pack.hex() + " at " + frameOffset + ": " + why);
        }
      }
    }
  }

  private boolean allMatch(byte[] raw, List<PackEntry> blocks) {
    for (PackEntry e : blocks) {
      if (!matches(raw, e)) {
        return false;
      }
    }
    return true;
  }

  private boolean matches(byte[] raw, PackEntry e) {
    if ((long) e.offsetInFrame() + e.length() > raw.length) {
      return false;
    }
    hashed.incrementAndGet();
    hashedBytes.addAndGet(e.length());
    return hasher.hash(raw, e.offsetInFrame(), e.length()).equals(e.id());
  }

  private static byte[] decodeQuietly(PackId pack, long frameOffset, byte[] range, int off, int len) {
    try {
      return SuperChunkReader.decodeFrame(pack, frameOffset, range, off, len, Codecs::byId);
    } catch (IOException e) {
      return null;
    }
  }

  private static void await(Future<?> f) throws IOException {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while verifying blocks");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException("verifying a frame failed: " + c, c);
    }
  }

  private void reportBad() throws IOException {
    if (bad.isEmpty()) {
      return;
    }
    Map<BlockId, Set<Long>> hurt = new LinkedHashMap<>();
    index.forEachExtent((ino, e) -> {
      if (bad.containsKey(e.block())) {
        hurt.computeIfAbsent(e.block(), k -> new HashSet<>()).add(ino);
      }
    });
    Set<Long> inos = new HashSet<>();
    hurt.values().forEach(inos::addAll);
    Map<Long, List<String>> paths = Paths.of(index, inos);
    for (Map.Entry<BlockId, String> e : bad.entrySet()) {
      BlockId id = e.getKey();
      report.add(new Finding(Finding.Kind.BAD_BLOCK, "block " + id.hex(), e.getValue()
          + "; repair quarantines it, so that the next write of the same content stores a good copy",
          Paths.limited(paths, hurt.getOrDefault(id, Set.of())), b -> index.block(id).ifPresent(rec -> {
            b.quarantineBlock(id);
            b.addCounter(Counter.UNIQUE_BLOCKS, -1);
            b.addCounter(Counter.UNIQUE_RAW_BYTES, -rec.length());
          })));
    }
    report.figure("badBlocks", bad.size());
  }
}
